/* fuzz_elf.c — libFuzzer target for the ELF reader (elf_file.c): arbitrary
 * bytes as a mapped object's file on disk. The reader takes a path and uses
 * pread, so each input is written to one file in /dev/shm (memory-backed),
 * loaded, and probed with section and symbol lookups. Any load must succeed
 * (invalid files are valid == false, not errors); lookups must return
 * entries that really contain the address. The same bytes are then read as
 * an image in target memory (elf_mem.c: the vDSO, a core's header page)
 * through a buffer source, whole and headers only, and as notes by the
 * build-id parser. */
// run-fuzz: max_len=65536
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

static char path[64];
static int fd = -1;

static void probe(const struct vml_elf_info *info, uint64_t vaddr)
{
	const struct vml_elf_section *s = vml_elf_find_section(info, vaddr);
	if (s && (vaddr < s->addr || vaddr - s->addr >= s->size))
		__builtin_trap();
	const struct vml_elf_symbol *sym = vml_elf_find_symbol(info, vaddr);
	if (sym && (sym->addr > vaddr ||
		    (sym->size && vaddr - sym->addr >= sym->size)))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (fd < 0) {
		snprintf(path, sizeof(path), "/dev/shm/vml-fuzz-elf-%d", (int)getpid());
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			__builtin_trap();
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		__builtin_trap();
	struct vml_elf_info *info = NULL;
	struct vml_error *err = vml_elf_info_load(NULL, path, &info);
	if (err) {
		/* only out of memory may fail */
		if (vml_error_code(err) != VML_ERROR_NOMEM)
			__builtin_trap();
		vml_error_free(err);
		return 0;
	}
	if (info->valid) {
		probe(info, info->entry);
		for (size_t i = 0; i < info->nsections && i < 8; i++) {
			probe(info, info->sections[i].addr);
			probe(info, info->sections[i].addr + info->sections[i].size);
		}
		for (size_t i = 0; i < info->nsymbols && i < 8; i++)
			probe(info, info->symbols[i].addr + 1);
		probe(info, 0);
		probe(info, UINT64_MAX);
	}
	vml_elf_info_free(info);

	/* The memory reader: the image at an address, through a source. */
	struct vml_source *src = NULL;
	err = vml_source_from_buffer(VML_SPACE_VIRTUAL, 0x7f0000000000, data,
				     size, &src);
	if (err) {
		vml_error_free(err);
		return 0;
	}
	for (int headers_only = 0; headers_only < 2; headers_only++) {
		info = NULL;
		err = vml_elf_info_load_mem(src, 0x7f0000000000, size, "[mem]",
					    headers_only, &info);
		if (err) {
			if (vml_error_code(err) != VML_ERROR_NOMEM)
				__builtin_trap();
			vml_error_free(err);
			continue;
		}
		if (info->valid) {
			if (info->build_id_len > VML_ELF_BUILD_ID_MAX ||
			    (headers_only && (info->nsections || info->nsymbols)))
				__builtin_trap();
			probe(info, info->entry);
			for (size_t i = 0; i < info->nsymbols && i < 8; i++)
				probe(info, info->symbols[i].addr + 1);
		}
		vml_elf_info_free(info);
	}
	vml_source_free(src);
	uint8_t id[VML_ELF_BUILD_ID_MAX];
	size_t id_len = 0;
	if (vml_elf_notes_build_id(data, size, size & 1 ? 8 : 4, id, &id_len) &&
	    (id_len == 0 || id_len > VML_ELF_BUILD_ID_MAX))
		__builtin_trap();
	return 0;
}
