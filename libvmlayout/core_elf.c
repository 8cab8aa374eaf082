/*
 * core_elf.c — reader for ELF64 x86-64 core files (kernel dumps and gcore).
 *
 * Parses the ELF header, the program headers (PT_LOAD, PT_NOTE) and the notes
 * we use (NT_PRSTATUS, NT_PRPSINFO, NT_AUXV, NT_SIGINFO, NT_FILE) out of a
 * buffer that is usually an mmap of the file: only the headers and notes are
 * touched, never the dumped memory. Every length comes from the file, so
 * every length is checked against what is really there before use. Damage
 * that leaves something usable marks the core incomplete instead of failing.
 */
#include "config.h"

#include <elf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

/* Sizes and field offsets of the ELF64 headers come from <elf.h>'s types;
 * fields are read byte by byte (little-endian) from the untrusted file. */
#define EHDR_SIZE sizeof(Elf64_Ehdr)
#define PHDR_SIZE sizeof(Elf64_Phdr)
#define SHDR_SIZE sizeof(Elf64_Shdr)
#define EHDR(field) offsetof(Elf64_Ehdr, field)
#define PHDR(field) offsetof(Elf64_Phdr, field)
#define SHDR(field) offsetof(Elf64_Shdr, field)

/* struct elf_prstatus / elf_prpsinfo / siginfo_t on x86-64; the unit tests
 * check these against <sys/procfs.h> and <signal.h> with offsetof. */
#define PRSTATUS_CURSIG 12
#define PRSTATUS_PID 32
#define PRSTATUS_REG 112
#define USER_REGS_RIP 16
#define USER_REGS_RSP 19
#define PRSTATUS_MIN (PRSTATUS_REG + (USER_REGS_RSP + 1) * 8)
#define PRPSINFO_PID 24
#define PRPSINFO_FNAME 40
#define PRPSINFO_PSARGS 56
#define PRPSINFO_SIZE 136
#define SIGINFO_SIGNO 0
#define SIGINFO_CODE 8
#define SIGINFO_ADDR 16

/* No real process has more; bounds memory a hostile note can make us use. */
#define MAX_FILE_ENTRIES (1u << 22)

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Records the first damage found; later ones only keep the flag set. */
VML_PRINTF(2, 3)
static void core_damaged(struct vml_core *core, const char *fmt, ...)
{
	core->info.incomplete = true;
	if (core->problem)
		return;
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Out of memory here only loses the wording, not the flag. */
	core->problem = vml_arena_strdup(&core->strings, buf);
}

void vml_core_free(struct vml_core *core)
{
	if (!core)
		return;
	free(core->loads);
	free(core->files);
	free(core->threads);
	vml_arena_release(&core->strings);
	if (core->mapping)
		munmap(core->mapping, core->mapping_size);
	free(core);
}

/* ------------------------------------------------------------ ELF header */

static struct vml_error *check_ident(const uint8_t *d, size_t len)
{
	static const uint8_t magic[4] = { 0x7f, 'E', 'L', 'F' };

	if (len == 0)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"unsupported: empty file, not an ELF core");
	if (len < sizeof(magic) || memcmp(d, magic, sizeof(magic)) != 0)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"unsupported: not an ELF file (bad magic)");
	if (len <= EI_DATA)
		return vml_error_create(VML_ERROR_FORMAT,
					"core truncated: ELF header needs %zu bytes, file has %zu",
					EHDR_SIZE, len);
	if (d[EI_CLASS] == ELFCLASS32)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"unsupported: 32-bit ELF core (only ELF64 x86-64)");
	if (d[EI_CLASS] != ELFCLASS64)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"unsupported: ELF class %u (only ELF64 x86-64)",
					d[EI_CLASS]);
	if (d[EI_DATA] != ELFDATA2LSB)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"unsupported: big-endian ELF (only ELF64 x86-64)");
	if (len < EHDR_SIZE)
		return vml_error_create(VML_ERROR_FORMAT,
					"core truncated: ELF header needs %zu bytes, file has %zu",
					EHDR_SIZE, len);
	uint16_t type = rd16(d + EHDR(e_type)), machine = rd16(d + EHDR(e_machine));
	if (machine != EM_X86_64)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"unsupported: ELF machine %u (only x86-64)", machine);
	if (type != ET_CORE)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"unsupported: ELF type %u is not a core file (ET_CORE)",
					type);
	return NULL;
}

/* Program header count, following PN_XNUM to section header 0's sh_info
 * the way the kernel writes cores with more than 65534 mappings. */
static struct vml_error *phdr_count(const uint8_t *d, size_t len, uint64_t *ret)
{
	uint64_t phnum = rd16(d + EHDR(e_phnum));
	if (phnum != PN_XNUM) {
		*ret = phnum;
		return NULL;
	}
	uint64_t shoff = rd64(d + EHDR(e_shoff));
	if (shoff == 0 || shoff > len || SHDR_SIZE > len - shoff)
		return vml_error_create(VML_ERROR_FORMAT,
					"core truncated: e_phnum is PN_XNUM but section header 0 "
					"at 0x%llx is past the end (%zu bytes)",
					(unsigned long long)shoff, len);
	*ret = rd32(d + shoff + SHDR(sh_info));
	return NULL;
}

/* -------------------------------------------------------------- notes */

static struct vml_error *note_prstatus(struct vml_core *core,
				       const uint8_t *desc, uint64_t size)
{
	if (size < PRSTATUS_MIN) {
		core_damaged(core, "NT_PRSTATUS of %llu bytes is too short (need %d)",
			     (unsigned long long)size, PRSTATUS_MIN);
		return NULL;
	}
	if (!vml_grow((void **)&core->threads, &core->threads_capacity,
		      core->nthreads + 1, sizeof(*core->threads)))
		return &vml_enomem;
	struct vml_core_thread *t = &core->threads[core->nthreads++];
	t->tid = (int32_t)rd32(desc + PRSTATUS_PID);
	t->ip = rd64(desc + PRSTATUS_REG + USER_REGS_RIP * 8);
	t->sp = rd64(desc + PRSTATUS_REG + USER_REGS_RSP * 8);
	core->info.nthreads++;
	/* The first thread's current signal stands in when NT_SIGINFO is absent. */
	if (core->nthreads == 1 && core->info.signo == 0)
		core->info.signo = (int16_t)rd16(desc + PRSTATUS_CURSIG);
	return NULL;
}

static void note_prpsinfo(struct vml_core *core, const uint8_t *desc,
			  uint64_t size)
{
	if (size < PRPSINFO_SIZE) {
		core_damaged(core, "NT_PRPSINFO of %llu bytes is too short (need %d)",
			     (unsigned long long)size, PRPSINFO_SIZE);
		return;
	}
	core->info.pid = (int32_t)rd32(desc + PRPSINFO_PID);
	/* Fixed-size fields, NUL-padded but not always NUL-terminated. */
	memcpy(core->info.command, desc + PRPSINFO_FNAME, 16);
	core->info.command[16] = '\0';
	memcpy(core->info.args, desc + PRPSINFO_PSARGS, 80);
	core->info.args[80] = '\0';
	/* The kernel pads psargs with spaces after the last argument. */
	size_t n = strlen(core->info.args);
	while (n > 0 && core->info.args[n - 1] == ' ')
		core->info.args[--n] = '\0';
}

static void note_siginfo(struct vml_core *core, const uint8_t *desc,
			 uint64_t size)
{
	if (size < SIGINFO_ADDR + 8) {
		core_damaged(core, "NT_SIGINFO of %llu bytes is too short",
			     (unsigned long long)size);
		return;
	}
	int32_t signo = (int32_t)rd32(desc + SIGINFO_SIGNO);
	int32_t code = (int32_t)rd32(desc + SIGINFO_CODE);
	core->info.signo = signo;
	/* si_addr is only meaningful for a fault the kernel raised (si_code > 0);
	 * kill() and tgkill() put the sender's pid/uid in the same union. */
	bool fault = signo == SIGILL || signo == SIGBUS || signo == SIGFPE ||
		     signo == SIGSEGV;
	if (fault && code > 0) {
		core->info.has_fault_addr = true;
		core->info.fault_addr = rd64(desc + SIGINFO_ADDR);
	}
}

static int file_cmp(const void *a, const void *b)
{
	const struct vml_core_file *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Drops entries overlapping an earlier one: the map would be ambiguous. */
static void files_sort_dedup(struct vml_core *core)
{
	qsort(core->files, core->nfiles, sizeof(*core->files), file_cmp);
	size_t out = 0;
	for (size_t i = 0; i < core->nfiles; i++) {
		if (out > 0 && core->files[i].start < core->files[out - 1].end) {
			core_damaged(core, "NT_FILE entries overlap at 0x%llx",
				     (unsigned long long)core->files[i].start);
			continue;
		}
		core->files[out++] = core->files[i];
	}
	core->nfiles = out;
}

static struct vml_error *note_file(struct vml_core *core, const uint8_t *desc,
				   uint64_t size)
{
	if (core->info.has_file_note) {
		core_damaged(core, "second NT_FILE note ignored");
		return NULL;
	}
	if (size < 16) {
		core_damaged(core, "NT_FILE of %llu bytes is too short",
			     (unsigned long long)size);
		return NULL;
	}
	uint64_t count = rd64(desc), page_size = rd64(desc + 8);
	/* count * 24 must fit in what follows the two header words. */
	if (count > (size - 16) / 24 || count > MAX_FILE_ENTRIES) {
		core_damaged(core, "NT_FILE count %llu does not fit in its %llu bytes",
			     (unsigned long long)count, (unsigned long long)size);
		return NULL;
	}
	if (page_size == 0 || (page_size & (page_size - 1)) != 0) {
		core_damaged(core, "NT_FILE page size %llu is not a power of two",
			     (unsigned long long)page_size);
		return NULL;
	}
	if (count == 0) {
		core->info.has_file_note = true;
		return NULL;
	}
	core->files = calloc(count, sizeof(*core->files));
	if (!core->files)
		return &vml_enomem;
	const uint8_t *names = desc + 16 + count * 24;
	uint64_t names_left = size - 16 - count * 24;
	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *e = desc + 16 + i * 24;
		const uint8_t *nul = memchr(names, '\0', names_left);
		if (!nul) {
			core_damaged(core, "NT_FILE names end after %llu of %llu entries",
				     (unsigned long long)i, (unsigned long long)count);
			break;
		}
		size_t name_len = (size_t)(nul - names);
		uint64_t start = rd64(e), end = rd64(e + 8), pgoff = rd64(e + 16);
		uint64_t offset;
		bool bad = start >= end ||
			   __builtin_mul_overflow(pgoff, page_size, &offset);
		if (bad) {
			core_damaged(core, "NT_FILE entry %llu is malformed (0x%llx-0x%llx)",
				     (unsigned long long)i, (unsigned long long)start,
				     (unsigned long long)end);
		} else {
			const char *path = vml_arena_strndup(&core->strings,
							     (const char *)names, name_len);
			if (!path)
				return &vml_enomem;
			core->files[core->nfiles++] = (struct vml_core_file){
				.start = start, .end = end, .offset = offset, .path = path,
			};
		}
		names = nul + 1;
		names_left -= name_len + 1;
	}
	core->info.has_file_note = true;
	files_sort_dedup(core);
	return NULL;
}

static struct vml_error *handle_note(struct vml_core *core, const uint8_t *name,
				     uint32_t namesz, uint32_t type,
				     const uint8_t *desc, uint64_t descsz)
{
	/* Only GDB writes notes owned by "GDB" (its target description). */
	if (namesz == 4 && memcmp(name, "GDB", 4) == 0)
		core->from_gdb = true;
	/* Types are only meaningful within their owner's namespace: "LINUX"
	 * and "GDB" notes reuse small numbers for other things. */
	if (namesz < 4 || memcmp(name, "CORE", 4) != 0 ||
	    (namesz > 4 && name[4] != '\0'))
		return NULL;
	switch (type) {
	case NT_PRSTATUS:
		return note_prstatus(core, desc, descsz);
	case NT_PRPSINFO:
		note_prpsinfo(core, desc, descsz);
		return NULL;
	case NT_AUXV:
		if (core->auxv) {
			core_damaged(core, "second NT_AUXV note ignored");
			return NULL;
		}
		core->auxv = desc;
		core->auxv_len = (size_t)descsz;
		core->info.has_auxv = true;
		return NULL;
	case NT_SIGINFO:
		note_siginfo(core, desc, descsz);
		return NULL;
	case NT_FILE:
		return note_file(core, desc, descsz);
	default:
		return NULL;
	}
}

/* Walks the notes of one PT_NOTE segment holding size bytes at p. Linux
 * core notes are 4-byte aligned (name and desc padded to 4) even in ELF64. */
static struct vml_error *parse_notes(struct vml_core *core, const uint8_t *p,
				     uint64_t size)
{
	uint64_t pos = 0;
	while (size - pos >= 12) {
		uint32_t namesz = rd32(p + pos), descsz = rd32(p + pos + 4);
		uint32_t type = rd32(p + pos + 8);
		uint64_t at = pos;
		pos += 12;
		uint64_t name_pad = ((uint64_t)namesz + 3) & ~(uint64_t)3;
		if (name_pad > size - pos) {
			core_damaged(core, "note at segment offset 0x%llx: name of %u bytes "
				     "runs past the segment", (unsigned long long)at, namesz);
			return NULL;
		}
		const uint8_t *name = p + pos;
		pos += name_pad;
		if (descsz > size - pos) {
			core_damaged(core, "note at segment offset 0x%llx: %u bytes of data "
				     "run past the segment", (unsigned long long)at, descsz);
			return NULL;
		}
		struct vml_error *err = handle_note(core, name, namesz, type,
						    p + pos, descsz);
		if (err)
			return err;
		uint64_t desc_pad = ((uint64_t)descsz + 3) & ~(uint64_t)3;
		pos += desc_pad < size - pos ? desc_pad : size - pos;
	}
	if (pos != size)
		core_damaged(core, "%llu stray bytes after the last note",
			     (unsigned long long)(size - pos));
	return NULL;
}

/* -------------------------------------------------------------- loads */

static int load_cmp(const void *a, const void *b)
{
	const struct vml_core_load *x = a, *y = b;
	return x->vaddr < y->vaddr ? -1 : x->vaddr > y->vaddr;
}

/* Sorts the loads and drops any that overlaps an earlier one: which of two
 * overlapping dumps holds the real bytes cannot be known. */
static void loads_sort_dedup(struct vml_core *core)
{
	qsort(core->loads, core->nloads, sizeof(*core->loads), load_cmp);
	size_t out = 0;
	for (size_t i = 0; i < core->nloads; i++) {
		struct vml_core_load *l = &core->loads[i];
		if (out > 0) {
			const struct vml_core_load *prev = &core->loads[out - 1];
			if (l->vaddr - prev->vaddr < prev->memsz) {
				core_damaged(core, "PT_LOAD at 0x%llx overlaps the one at 0x%llx; "
					     "dropped", (unsigned long long)l->vaddr,
					     (unsigned long long)prev->vaddr);
				continue;
			}
		}
		core->loads[out++] = *l;
	}
	core->nloads = out;
}

static void add_load(struct vml_core *core, const uint8_t *ph, size_t len)
{
	struct vml_core_load l = {
		.flags = rd32(ph + PHDR(p_flags)),
		.offset = rd64(ph + PHDR(p_offset)),
		.vaddr = rd64(ph + PHDR(p_vaddr)),
		.filesz = rd64(ph + PHDR(p_filesz)),
		.memsz = rd64(ph + PHDR(p_memsz)),
	};
	if (l.memsz == 0)
		return; /* nothing mapped there */
	if (l.memsz - 1 > UINT64_MAX - l.vaddr) {
		core_damaged(core, "PT_LOAD at 0x%llx of 0x%llx bytes wraps past 2^64",
			     (unsigned long long)l.vaddr, (unsigned long long)l.memsz);
		return;
	}
	if (l.filesz > l.memsz) {
		core_damaged(core, "PT_LOAD at 0x%llx: file size 0x%llx > memory size",
			     (unsigned long long)l.vaddr, (unsigned long long)l.filesz);
		l.filesz = l.memsz;
	}
	/* A file cut short leaves the tail of the dump unreadable. */
	if (l.offset >= len)
		l.avail = 0;
	else
		l.avail = l.filesz < len - l.offset ? l.filesz : len - l.offset;
	if (l.avail < l.filesz)
		core_damaged(core, "file ends inside the PT_LOAD at 0x%llx "
			     "(0x%llx of 0x%llx dumped bytes present)",
			     (unsigned long long)l.vaddr, (unsigned long long)l.avail,
			     (unsigned long long)l.filesz);
	core->loads[core->nloads++] = l;
}

static struct vml_error *parse_phdrs(struct vml_core *core)
{
	const uint8_t *d = core->data;
	size_t len = core->size;
	uint64_t phoff = rd64(d + EHDR(e_phoff)), phnum = 0;
	uint16_t phentsize = rd16(d + EHDR(e_phentsize));
	struct vml_error *err = phdr_count(d, len, &phnum);
	if (err)
		return err;
	if (phnum == 0)
		return NULL;
	if (phentsize != PHDR_SIZE)
		return vml_error_create(VML_ERROR_FORMAT,
					"bad core: program header size %u (ELF64 needs %zu)",
					phentsize, PHDR_SIZE);
	if (phoff > len || phnum > (len - phoff) / PHDR_SIZE)
		return vml_error_create(VML_ERROR_FORMAT,
					"core truncated: %llu program headers at 0x%llx need "
					"more than the file's %zu bytes",
					(unsigned long long)phnum, (unsigned long long)phoff, len);
	/* phnum * PHDR_SIZE <= len, so this allocation is bounded by the file. */
	core->loads = calloc(phnum, sizeof(*core->loads));
	if (!core->loads)
		return &vml_enomem;
	for (uint64_t i = 0; i < phnum; i++) {
		const uint8_t *ph = d + phoff + i * PHDR_SIZE;
		uint32_t type = rd32(ph + PHDR(p_type));
		if (type == PT_LOAD) {
			add_load(core, ph, len);
		} else if (type == PT_NOTE) {
			uint64_t off = rd64(ph + PHDR(p_offset)), filesz = rd64(ph + PHDR(p_filesz));
			if (off > len) {
				core_damaged(core, "PT_NOTE at 0x%llx is past the end of the file",
					     (unsigned long long)off);
				continue;
			}
			if (filesz > len - off) {
				core_damaged(core, "file ends inside the notes");
				filesz = len - off;
			}
			err = parse_notes(core, d + off, filesz);
			if (err)
				return err;
		}
	}
	loads_sort_dedup(core);
	return NULL;
}

struct vml_error *vml_core_parse(const void *buf, size_t len,
				 struct vml_core **ret)
{
	const uint8_t *d = buf;
	struct vml_error *err = check_ident(d, len);
	if (err)
		return err;
	struct vml_core *core = calloc(1, sizeof(*core));
	if (!core)
		return &vml_enomem;
	vml_arena_init(&core->strings);
	core->data = d;
	core->size = len;
	err = parse_phdrs(core);
	if (err) {
		vml_core_free(core);
		return err;
	}
	*ret = core;
	return NULL;
}

/* ------------------------------------------------------------- memory */

/* Index of the load holding addr, or SIZE_MAX. */
static size_t load_index(const struct vml_core *core, uint64_t addr)
{
	size_t ub = VML_UPPER_BOUND(core->loads, core->nloads, vaddr, addr);
	if (ub == 0 || addr - core->loads[ub - 1].vaddr >= core->loads[ub - 1].memsz)
		return SIZE_MAX;
	return ub - 1;
}

int vml_core_read(void *arg, enum vml_space space, uint64_t addr, void *buf,
		  size_t len)
{
	const struct vml_core *core = arg;
	uint8_t *out = buf;
	if (space != VML_SPACE_VIRTUAL)
		return -1;
	if (len == 0)
		return 0;
	if (len - 1 > UINT64_MAX - addr)
		return -1;
	size_t i = load_index(core, addr);
	/* A read may span adjacent loads; each step consumes one load. */
	while (len > 0) {
		if (i >= core->nloads)
			return -1;
		const struct vml_core_load *l = &core->loads[i];
		if (addr < l->vaddr || addr - l->vaddr >= l->avail)
			return -1; /* a hole, or bytes that were never dumped */
		uint64_t in_load = addr - l->vaddr;
		uint64_t n = l->avail - in_load;
		if (n > len)
			n = len;
		memcpy(out, core->data + l->offset + in_load, (size_t)n);
		out += n;
		len -= (size_t)n;
		addr += n;
		i++;
	}
	return 0;
}
