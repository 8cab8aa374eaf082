/*
 * core_elf.c — reader for ELF core files (kernel dumps and gcore) of the
 * architectures arch.c describes: ELF64 x86-64 and ELF32 i386, picked from
 * the ELF header. Where each note keeps what we read comes from the
 * architecture's description (struct vml_arch_core_notes).
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

#include "arch.h"

/* No real process has more; bounds memory a hostile note can make us use. */
#define MAX_FILE_ENTRIES (1u << 22)

/* One word of the core's architecture (4 or 8 bytes, little-endian). */
static uint64_t rd_word(const struct vml_core *core, const uint8_t *p)
{
	return core->arch->pointer_size == 4 ? vml_le32(p) : vml_le64(p);
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

/* The architecture, class and widened header of a core, or why not. */
struct core_header {
	const struct vml_arch *arch;
	uint8_t elf_class;
	struct vml_elf_class_sizes sizes;
	Elf64_Ehdr ehdr;
};

static struct vml_error *check_ident(const uint8_t *d, size_t len,
				     struct core_header *h)
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
					sizeof(Elf32_Ehdr), len);
	h->elf_class = d[EI_CLASS];
	if (!vml_elf_class_sizes(h->elf_class, &h->sizes))
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"unsupported: ELF class %u (neither 32- nor 64-bit)",
					d[EI_CLASS]);
	if (d[EI_DATA] != ELFDATA2LSB)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"unsupported: big-endian ELF (vmlayout reads little-endian cores)");
	if (len < h->sizes.ehdr)
		return vml_error_create(VML_ERROR_FORMAT,
					"core truncated: ELF header needs %zu bytes, file has %zu",
					h->sizes.ehdr, len);
	vml_elf_ehdr_widen(h->elf_class, d, &h->ehdr);
	/* The class and machine pick the architecture (x32: its own line). */
	struct vml_error *err = vml_arch_for_elf(h->elf_class,
						 h->ehdr.e_machine, &h->arch);
	if (err)
		return err;
	if (!h->arch->core)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"unsupported: %s cores", h->arch->name);
	if (h->ehdr.e_type != ET_CORE)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"unsupported: ELF type %u is not a core file (ET_CORE)",
					h->ehdr.e_type);
	return NULL;
}

/* Program header count, following PN_XNUM to section header 0's sh_info
 * the way the kernel writes cores with more than 65534 mappings. */
static struct vml_error *phdr_count(const struct vml_core *core,
				    const struct core_header *h, uint64_t *ret)
{
	uint64_t phnum = h->ehdr.e_phnum;
	if (phnum != PN_XNUM) {
		*ret = phnum;
		return NULL;
	}
	uint64_t shoff = h->ehdr.e_shoff;
	size_t len = core->size;
	if (shoff == 0 || shoff > len || h->sizes.shdr > len - shoff)
		return vml_error_create(VML_ERROR_FORMAT,
					"core truncated: e_phnum is PN_XNUM but section header 0 "
					"at 0x%llx is past the end (%zu bytes)",
					(unsigned long long)shoff, len);
	Elf64_Shdr sh;
	vml_elf_shdr_widen(h->elf_class, core->data + shoff, &sh);
	*ret = sh.sh_info;
	return NULL;
}

/* -------------------------------------------------------------- notes */

static struct vml_error *note_prstatus(struct vml_core *core,
				       const uint8_t *desc, uint64_t size)
{
	const struct vml_arch_core_notes *n = core->arch->core;
	uint32_t last_reg = n->reg_sp > n->reg_ip ? n->reg_sp : n->reg_ip;
	uint64_t need = n->prstatus_reg + (uint64_t)(last_reg + 1) * n->reg_size;
	if (size < need) {
		core_damaged(core, "NT_PRSTATUS of %llu byte%s is too short (need %llu)",
			     (unsigned long long)size, vml_plural(size),
			     (unsigned long long)need);
		return NULL;
	}
	if (!vml_grow((void **)&core->threads, &core->threads_capacity,
		      core->nthreads + 1, sizeof(*core->threads)))
		return &vml_enomem;
	struct vml_core_thread *t = &core->threads[core->nthreads++];
	memset(t, 0, sizeof(*t));
	const uint8_t *regs = desc + n->prstatus_reg;
	t->tid = (int32_t)vml_le32(desc + n->prstatus_pid);
	t->ip = n->reg_size == 4 ? vml_le32(regs + n->reg_ip * 4) :
				   vml_le64(regs + n->reg_ip * 8);
	t->sp = n->reg_size == 4 ? vml_le32(regs + n->reg_sp * 4) :
				   vml_le64(regs + n->reg_sp * 8);
	/* Every register the note holds, for crash explanations: as many
	 * as the architecture names and fit in the note. */
	const struct vml_arch_crash *cr = core->arch->crash;
	t->regs = regs;
	t->nregs = 0;
	if (cr) {
		uint64_t fit = (size - n->prstatus_reg) / n->reg_size;
		t->nregs = (uint32_t)(fit < cr->ncore_regs ? fit : cr->ncore_regs);
	}
	core->info.nthreads++;
	/* The first thread's current signal stands in when NT_SIGINFO is absent. */
	if (core->nthreads == 1 && core->info.signo == 0)
		core->info.signo = (int16_t)vml_le16(desc + n->prstatus_cursig);
	return NULL;
}

static void note_prpsinfo(struct vml_core *core, const uint8_t *desc,
			  uint64_t size)
{
	const struct vml_arch_core_notes *n = core->arch->core;
	if (size < n->prpsinfo_size) {
		core_damaged(core, "NT_PRPSINFO of %llu byte%s is too short (need %u)",
			     (unsigned long long)size, vml_plural(size),
			     n->prpsinfo_size);
		return;
	}
	core->info.pid = (int32_t)vml_le32(desc + n->prpsinfo_pid);
	/* Fixed-size fields, NUL-padded but not always NUL-terminated. */
	memcpy(core->info.command, desc + n->prpsinfo_fname, 16);
	core->info.command[16] = '\0';
	memcpy(core->info.args, desc + n->prpsinfo_psargs, 80);
	core->info.args[80] = '\0';
	/* The kernel pads psargs with spaces after the last argument. */
	size_t len = strlen(core->info.args);
	while (len > 0 && core->info.args[len - 1] == ' ')
		core->info.args[--len] = '\0';
}

static void note_siginfo(struct vml_core *core, const uint8_t *desc,
			 uint64_t size)
{
	const struct vml_arch_core_notes *n = core->arch->core;
	if (size < n->siginfo_addr + (uint64_t)core->arch->pointer_size) {
		core_damaged(core, "NT_SIGINFO of %llu byte%s is too short",
			     (unsigned long long)size, vml_plural(size));
		return;
	}
	int32_t signo = (int32_t)vml_le32(desc + n->siginfo_signo);
	int32_t code = (int32_t)vml_le32(desc + n->siginfo_code);
	/* si_addr is only meaningful for a fault the kernel raised (si_code > 0);
	 * kill() and tgkill() put the sender's pid/uid in the same union. */
	bool fault = signo == SIGILL || signo == SIGBUS || signo == SIGFPE ||
		     signo == SIGSEGV;
	uint64_t addr = rd_word(core, desc + n->siginfo_addr);
	/* It belongs to the thread whose NT_PRSTATUS came last: the kernel
	 * writes it after the dumping thread's, gcore after each thread's
	 * (the signalled thread first). */
	if (core->nthreads > 0) {
		struct vml_core_thread *t = &core->threads[core->nthreads - 1];
		if (t->has_siginfo)
			return;
		t->has_siginfo = true;
		t->sig_signo = signo;
		t->sig_code = code;
		t->sig_has_addr = fault && code > 0;
		t->sig_addr = t->sig_has_addr ? addr : 0;
	}
	/* The core's signal is the first thread's (another thread's
	 * siginfo in a gcore is whatever stopped that thread). */
	if (core->nthreads > 1)
		return;
	core->info.signo = signo;
	core->info.has_fault_addr = false;
	core->info.fault_addr = 0;
	if (fault && code > 0) {
		core->info.has_fault_addr = true;
		core->info.fault_addr = addr;
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

/* NT_FILE: count, page size, then count (start, end, page offset)
 * triples, all words of the architecture, then count NUL-terminated
 * names. */
static struct vml_error *note_file(struct vml_core *core, const uint8_t *desc,
				   uint64_t size)
{
	uint64_t word = core->arch->pointer_size;
	if (core->info.has_file_note) {
		core_damaged(core, "second NT_FILE note ignored");
		return NULL;
	}
	if (size < 2 * word) {
		core_damaged(core, "NT_FILE of %llu byte%s is too short",
			     (unsigned long long)size, vml_plural(size));
		return NULL;
	}
	uint64_t count = rd_word(core, desc), page_size = rd_word(core, desc + word);
	uint64_t entry = 3 * word;
	/* count * entry must fit in what follows the two header words. */
	if (count > (size - 2 * word) / entry || count > MAX_FILE_ENTRIES) {
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
	const uint8_t *names = desc + 2 * word + count * entry;
	uint64_t names_left = size - 2 * word - count * entry;
	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *e = desc + 2 * word + i * entry;
		const uint8_t *nul = memchr(names, '\0', names_left);
		if (!nul) {
			core_damaged(core, "NT_FILE names end after %llu of %llu entr%s",
				     (unsigned long long)i, (unsigned long long)count,
				     count == 1 ? "y" : "ies");
			break;
		}
		size_t name_len = (size_t)(nul - names);
		uint64_t start = rd_word(core, e), end = rd_word(core, e + word);
		uint64_t pgoff = rd_word(core, e + 2 * word);
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
		uint32_t namesz = vml_le32(p + pos), descsz = vml_le32(p + pos + 4);
		uint32_t type = vml_le32(p + pos + 8);
		uint64_t at = pos;
		pos += 12;
		uint64_t name_pad = ((uint64_t)namesz + 3) & ~(uint64_t)3;
		if (name_pad > size - pos) {
			core_damaged(core, "note at segment offset 0x%llx: name of %u byte%s "
				     "runs past the segment", (unsigned long long)at, namesz,
				     vml_plural(namesz));
			return NULL;
		}
		const uint8_t *name = p + pos;
		pos += name_pad;
		if (descsz > size - pos) {
			core_damaged(core, "note at segment offset 0x%llx: %u byte%s of data "
				     "run%s past the segment", (unsigned long long)at, descsz,
				     vml_plural(descsz), descsz == 1 ? "s" : "");
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
		core_damaged(core, "%llu stray byte%s after the last note",
			     (unsigned long long)(size - pos), vml_plural(size - pos));
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

static void add_load(struct vml_core *core, const Elf64_Phdr *ph, size_t len)
{
	struct vml_core_load l = {
		.flags = ph->p_flags,
		.offset = ph->p_offset,
		.vaddr = ph->p_vaddr,
		.filesz = ph->p_filesz,
		.memsz = ph->p_memsz,
	};
	if (l.memsz == 0)
		return; /* nothing mapped there */
	/* A load must lie inside the address space (2^64 for x86-64, 4 GiB
	 * for a 32-bit process: an ELF32 load may still run past 2^32). */
	uint64_t last = core->arch->process.space_last;
	if (l.vaddr > last || l.memsz - 1 > last - l.vaddr) {
		core_damaged(core, "PT_LOAD at 0x%llx of 0x%llx bytes runs past the "
			     "end of the %s address space",
			     (unsigned long long)l.vaddr, (unsigned long long)l.memsz,
			     core->arch->name);
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

static struct vml_error *parse_phdrs(struct vml_core *core,
				     const struct core_header *h)
{
	const uint8_t *d = core->data;
	size_t len = core->size;
	size_t phsize = h->sizes.phdr;
	uint64_t phoff = h->ehdr.e_phoff, phnum = 0;
	uint16_t phentsize = h->ehdr.e_phentsize;
	struct vml_error *err = phdr_count(core, h, &phnum);
	if (err)
		return err;
	if (phnum == 0)
		/* Memory and notes both live in program headers: a core
		 * without any holds nothing, which is damage, not an empty
		 * process. */
		return vml_error_create(VML_ERROR_FORMAT,
					"bad core: no program headers (e_phnum"
					" is 0), so no memory and no notes: "
					"nothing to show");
	if (phentsize != phsize)
		return vml_error_create(VML_ERROR_FORMAT,
					"bad core: program header size %u (ELF%s needs %zu)",
					phentsize, h->elf_class == ELFCLASS32 ? "32" : "64",
					phsize);
	if (phoff > len || phnum > (len - phoff) / phsize)
		return vml_error_create(VML_ERROR_FORMAT,
					"core truncated: %llu program headers at 0x%llx need "
					"more than the file's %zu bytes",
					(unsigned long long)phnum, (unsigned long long)phoff, len);
	/* phnum * phsize <= len, so this allocation is bounded by the file. */
	core->loads = calloc(phnum, sizeof(*core->loads));
	if (!core->loads)
		return &vml_enomem;
	for (uint64_t i = 0; i < phnum; i++) {
		Elf64_Phdr ph;
		vml_elf_phdr_widen(h->elf_class, d + phoff + i * phsize, &ph);
		if (ph.p_type == PT_LOAD) {
			add_load(core, &ph, len);
		} else if (ph.p_type == PT_NOTE) {
			uint64_t off = ph.p_offset, filesz = ph.p_filesz;
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
	struct core_header h;
	struct vml_error *err = check_ident(d, len, &h);
	if (err)
		return err;
	struct vml_core *core = calloc(1, sizeof(*core));
	if (!core)
		return &vml_enomem;
	vml_arena_init(&core->strings);
	core->data = d;
	core->size = len;
	core->arch = h.arch;
	core->elf_class = h.elf_class;
	err = parse_phdrs(core, &h);
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
