/* fuzz_elf.c — libFuzzer target for the ELF reader (elf_file.c): arbitrary
 * bytes as a mapped object's file on disk. The reader takes a path and uses
 * pread, so each input is written to one file in /dev/shm (memory-backed),
 * loaded, and probed with section and symbol lookups. Any load must succeed
 * (invalid files are valid == false, not errors); lookups must return
 * entries that really contain the address. */
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
	return 0;
}
