/*
 * vmcore.c — a kernel's whole physical memory saved in an ELF file (QEMU's
 * dump-guest-memory, kdump's /proc/vmcore layout) as a target: the
 * PT_LOAD segments index physical memory by p_paddr, the notes give the
 * CPUs' registers (QEMU's CPU-state note has CR3 and CR4) and the kernel's
 * VMCOREINFO text (KASLR offset, phys_base, base symbols). The file is
 * mapped, never read whole: opening it reads its headers and notes only;
 * pages are touched when the page-table walk asks for them.
 *
 * Nothing in the file is trusted: every offset and size is checked against
 * the file before use, segments are kept only for the part the file holds.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"
#include "vmcore_internal.h"

/* Bounds: no real dump comes near them, a forged one cannot make us
 * allocate or loop without end. */
#define MAX_PHDRS 65536u
#define MAX_NOTES 65536u
#define MAX_CPU_REGS 40u
#define MAX_VMCOREINFO (1u << 20)

struct vmcore_load {
	uint64_t pa;       /* p_paddr */
	uint64_t size;     /* bytes the file holds (p_filesz, cut to the file) */
	uint64_t offset;   /* p_offset */
};

struct vml_vmcore {
	const uint8_t *data;
	size_t size;
	bool mapped;                  /* data is our mmap */
	uint32_t format;              /* enum vml_dump_format */
	struct vml_kdump *kd;         /* VML_DUMP_KDUMP: its page index */
	const struct vml_arch *arch;
	struct vmcore_load *loads;    /* sorted by pa, disjoint */
	size_t nloads;
	uint32_t ncpus;               /* NT_PRSTATUS notes */
	bool has_cpu_state;           /* QEMU CPU-state note of the first CPU */
	struct vml_named_value regs[MAX_CPU_REGS];
	size_t nregs;
	uint64_t pc;
	bool has_pc;
	char *vmcoreinfo;             /* NUL-terminated copy, or NULL */
	char ring[4][128];            /* vmcoreinfo_get's values */
	unsigned ring_next;
	struct vml_paging *paging;
	char paging_from[160];
	struct vml_source *src;       /* physical memory, through read_phys */
	struct vml_named_value syms[VML_KBASE_COUNT];
	size_t nsyms;
	bool incomplete;
	char problem[200];
};

/* The first damage that still leaves a usable dump. */
static void damaged(struct vml_vmcore *vc, const char *fmt, ...)
{
	if (vc->incomplete)
		return;
	vc->incomplete = true;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(vc->problem, sizeof(vc->problem), fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ probe */

/* A note named VMCOREINFO or QEMU anywhere in p[0..len): its name at a
 * 4-aligned offset, after a namesz that fits it. Looked for as a pattern
 * rather than by walking the notes, so that a note with a damaged size
 * still marks the file as a kernel dump (whose reader then names the
 * damage) instead of sending it to the process-core reader. */
static bool has_kernel_note(const uint8_t *p, size_t len)
{
	for (size_t i = 12; i < len && len - i >= 5; i += 4) {
		uint32_t namesz = vml_le32(p + i - 12);
		if (namesz == 11 && len - i >= 11 &&
		    !memcmp(p + i, "VMCOREINFO", 11))
			return true;
		if (namesz == 5 && !memcmp(p + i, "QEMU", 5))
			return true;
	}
	return false;
}

/* How far past the ELF header notes are looked for when the program
 * headers cannot be read (QEMU writes them right after the headers). */
#define PROBE_SCAN_MAX (1u << 20)

/* Is data an ELF core of a whole machine (a PT_LOAD at a physical
 * address, a note named VMCOREINFO or QEMU)? Reads the headers and notes
 * only. */
static bool elf_is_kernel_dump(const uint8_t *d, size_t len)
{
	if (len < sizeof(Elf64_Ehdr) || memcmp(d, ELFMAG, SELFMAG) ||
	    d[EI_CLASS] != ELFCLASS64 || d[EI_DATA] != ELFDATA2LSB ||
	    vml_le16(d + 16) != ET_CORE)
		return false;
	uint64_t phoff = vml_le64(d + 32);
	uint16_t phentsize = vml_le16(d + 54), phnum = vml_le16(d + 56);
	if (phentsize != sizeof(Elf64_Phdr) || phoff > len ||
	    (uint64_t)phnum * phentsize > len - phoff) {
		size_t n = len - sizeof(Elf64_Ehdr);
		return has_kernel_note(d + sizeof(Elf64_Ehdr),
				       n < PROBE_SCAN_MAX ? n : PROBE_SCAN_MAX);
	}
	for (uint16_t i = 0; i < phnum; i++) {
		const uint8_t *ph = d + phoff + (uint64_t)i * phentsize;
		/* Process cores (Linux's, GDB's gcore) write p_paddr 0; a
		 * machine's segments are where its RAM is. */
		if (vml_le32(ph) == PT_LOAD && vml_le64(ph + 24))
			return true;
		if (vml_le32(ph) != PT_NOTE)
			continue;
		uint64_t off = vml_le64(ph + 8), sz = vml_le64(ph + 32);
		if (off >= len)
			continue;
		/* A segment cut short: what the file holds of it. */
		if (sz > len - off)
			sz = len - off;
		if (has_kernel_note(d + off, (size_t)sz))
			return true;
	}
	return false;
}

static uint32_t probe_bytes(const uint8_t *d, size_t len)
{
	if (len >= 8 && !memcmp(d, "KDUMP   ", 8))
		return VML_DUMP_KDUMP;
	if (len >= 16 && !memcmp(d, "makedumpfile", 12))
		return VML_DUMP_KDUMP;
	return elf_is_kernel_dump(d, len) ? VML_DUMP_ELF : VML_DUMP_NONE;
}

/* Maps path read-only; VML_ERROR_UNSUPPORTED for what cannot be a dump. */
static struct vml_error *map_file(const char *path, const uint8_t **data,
				  size_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vml_error_from_errno(errno, "vmcore %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return vml_error_from_errno(e, "vmcore %s: fstat", path);
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd);
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"vmcore %s is %s", path,
					S_ISREG(st.st_mode) ? "an empty file" :
					"not a regular file");
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		return vml_error_create(VML_ERROR_LIMIT,
					"vmcore %s is too large to map", path);
	}
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
			 0);
	int e = errno;
	close(fd);
	if (map == MAP_FAILED)
		return vml_error_from_errno(e, "vmcore %s: mmap", path);
	*data = map;
	*size = (size_t)st.st_size;
	return NULL;
}

struct vml_error *vml_dump_probe(const char *path, uint32_t *format_ret)
{
	if (!path || !format_ret)
		return vml_error_create(VML_ERROR_INVALID,
					"dump probe: NULL path or result");
	const uint8_t *d;
	size_t len;
	struct vml_error *err = map_file(path, &d, &len);
	if (err) {
		if (vml_error_code(err) != VML_ERROR_UNSUPPORTED)
			return err;
		/* Not a file that could hold a dump: not one. */
		vml_error_free(err);
		*format_ret = VML_DUMP_NONE;
		return NULL;
	}
	*format_ret = probe_bytes(d, len);
	munmap((void *)d, len);
	return NULL;
}

/* ------------------------------------------------------------ reading */

static size_t load_at(const struct vml_vmcore *vc, uint64_t pa)
{
	/* Last load with pa <= the address. */
	size_t lo = VML_UPPER_BOUND(vc->loads, vc->nloads, pa, pa);
	return lo ? lo - 1 : SIZE_MAX;
}

/* Physical reads only: a dump holds no translation of its own (the
 * kernel's tables are walked through this). */
static struct vml_error *read_phys(void *arg, enum vml_space space,
				   uint64_t addr, void *buf, size_t len)
{
	const struct vml_vmcore *vc = arg;
	if (space != VML_SPACE_PHYSICAL)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"a kernel dump holds physical memory:"
					" virtual 0x%" PRIx64 " is not read from"
					" it", addr);
	if (vc->kd)
		return vml_kdump_read(vc->kd, addr, buf, len);
	uint8_t *out = buf;
	while (len) {
		size_t i = load_at(vc, addr);
		const struct vmcore_load *l = i == SIZE_MAX ? NULL :
					      &vc->loads[i];
		if (!l || addr - l->pa >= l->size)
			return vml_error_fault(addr, "physical 0x%" PRIx64 " is"
					       " not in the dump", addr);
		uint64_t in = addr - l->pa;
		uint64_t n = l->size - in;
		if (n > len)
			n = len;
		memcpy(out, vc->data + l->offset + in, (size_t)n);
		out += n;
		len -= (size_t)n;
		addr += n;
	}
	return NULL;
}

/* ------------------------------------------------------------ notes */

/* The value of key in the VMCOREINFO text into buf (size bytes, always
 * NUL-terminated); false when absent or longer than buf. */
static bool vmci_lookup(const struct vml_vmcore *vc, const char *key,
			char *buf, size_t size)
{
	if (!vc->vmcoreinfo || !key || !size)
		return false;
	size_t klen = strlen(key);
	for (const char *line = vc->vmcoreinfo; *line;) {
		const char *nl = strchr(line, '\n');
		size_t llen = nl ? (size_t)(nl - line) : strlen(line);
		if (llen > klen && line[klen] == '=' &&
		    !strncmp(line, key, klen)) {
			size_t vlen = llen - klen - 1;
			if (vlen >= size)
				return false;
			memcpy(buf, line + klen + 1, vlen);
			buf[vlen] = '\0';
			return true;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	return false;
}

bool vml_vmcore_vmcoreinfo(const struct vml_vmcore *vc, const char *key,
			   char *buf, size_t size)
{
	if (buf && size)
		buf[0] = '\0';
	return vc && buf && vmci_lookup(vc, key, buf, size);
}

/* For the architecture's hooks: a few values alive at once, in a ring
 * the vmcore owns. */
static const char *vmcoreinfo_get(void *arg, const char *key)
{
	struct vml_vmcore *vc = arg;
	char *v = vc->ring[vc->ring_next++ % VML_ARRAY_SIZE(vc->ring)];
	return vmci_lookup(vc, key, v, sizeof(vc->ring[0])) ? v : NULL;
}

static struct vml_error *note_vmcoreinfo(struct vml_vmcore *vc,
					 const uint8_t *desc, uint32_t size)
{
	if (vc->vmcoreinfo) {
		damaged(vc, "a second VMCOREINFO note (the first kept)");
		return NULL;
	}
	if (size > MAX_VMCOREINFO)
		return vml_error_create(VML_ERROR_FORMAT,
					"VMCOREINFO note of %" PRIu32 " bytes"
					" (at most %u)", size, MAX_VMCOREINFO);
	/* Text up to the first NUL (QEMU pads the note). */
	const uint8_t *nul = memchr(desc, '\0', size);
	size_t len = nul ? (size_t)(nul - desc) : size;
	vc->vmcoreinfo = malloc(len + 1);
	if (!vc->vmcoreinfo)
		return &vml_enomem;
	memcpy(vc->vmcoreinfo, desc, len);
	vc->vmcoreinfo[len] = '\0';
	return NULL;
}

/* NT_PRSTATUS: elf_prstatus with user_regs_struct at offset 112 on x86-64
 * (rip is its 17th word). Only the program counter is taken from it: the
 * paging registers are not there. */
#define PRSTATUS_REGS 112u
#define PRSTATUS_RIP (PRSTATUS_REGS + 16 * 8)

static void note_prstatus(struct vml_vmcore *vc, const uint8_t *desc,
			  uint32_t size)
{
	if (vc->ncpus++ || vc->arch->id != VML_ARCH_X86_64)
		return;
	if (size < PRSTATUS_RIP + 8) {
		damaged(vc, "NT_PRSTATUS note of %" PRIu32 " bytes is too short"
			" for the registers", size);
		return;
	}
	if (!vc->has_pc) {
		vc->pc = vml_le64(desc + PRSTATUS_RIP);
		vc->has_pc = true;
	}
}

static void note_qemu(struct vml_vmcore *vc, const uint8_t *desc,
		      uint32_t size)
{
	/* One per CPU, in CPU order: the first CPU's is the one used (what
	 * GDB's first thread shows on the live guest). */
	if (vc->has_cpu_state || !vc->arch->dump ||
	    !vc->arch->dump->qemu_cpu_note)
		return;
	size_t n = vc->arch->dump->qemu_cpu_note(desc, size, vc->regs,
						 MAX_CPU_REGS);
	if (!n) {
		damaged(vc, "QEMU CPU-state note of %" PRIu32 " bytes: too short"
			" or of an unknown version", size);
		return;
	}
	vc->nregs = n;
	vc->has_cpu_state = true;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(vc->regs[i].name, "rip") ||
		    !strcmp(vc->regs[i].name, "pc")) {
			vc->pc = vc->regs[i].value;
			vc->has_pc = true;
		}
}

static struct vml_error *parse_notes(struct vml_vmcore *vc, const uint8_t *p,
				     uint64_t len, uint16_t index)
{
	for (unsigned n = 0; len; n++) {
		if (n >= MAX_NOTES)
			return vml_error_create(VML_ERROR_LIMIT,
						"PT_NOTE %u: more than %u notes",
						index, MAX_NOTES);
		if (len < 12)
			return vml_error_create(VML_ERROR_FORMAT,
						"PT_NOTE %u: note %u header cut"
						" short (%" PRIu64 " bytes left)",
						index, n, len);
		uint32_t namesz = vml_le32(p), descsz = vml_le32(p + 4);
		uint32_t type = vml_le32(p + 8);
		uint64_t nlen = ((uint64_t)namesz + 3) & ~3ull;
		uint64_t dlen = ((uint64_t)descsz + 3) & ~3ull;
		if (nlen > len - 12 || (uint64_t)descsz > len - 12 - nlen)
			return vml_error_create(VML_ERROR_FORMAT,
						"PT_NOTE %u: note %u (namesz %"
						PRIu32 ", descsz %" PRIu32 ")"
						" runs past its segment",
						index, n, namesz, descsz);
		const char *name = (const char *)p + 12;
		const uint8_t *desc = p + 12 + nlen;
		struct vml_error *err = NULL;
		if (namesz == 5 && !memcmp(name, "CORE", 5) &&
		    type == NT_PRSTATUS)
			note_prstatus(vc, desc, descsz);
		else if (namesz == 5 && !memcmp(name, "QEMU", 5) && type == 0)
			note_qemu(vc, desc, descsz);
		else if (namesz == 11 && !memcmp(name, "VMCOREINFO", 11))
			err = note_vmcoreinfo(vc, desc, descsz);
		if (err)
			return err;
		/* The last note's padding may be missing. */
		uint64_t step = 12 + nlen + (dlen <= len - 12 - nlen ? dlen :
					     len - 12 - nlen);
		p += step;
		len -= step;
	}
	return NULL;
}

/* ------------------------------------------------------------ headers */

static int load_cmp(const void *a, const void *b)
{
	const struct vmcore_load *x = a, *y = b;
	return x->pa < y->pa ? -1 : x->pa > y->pa;
}

static struct vml_error *parse_phdrs(struct vml_vmcore *vc)
{
	const uint8_t *d = vc->data;
	size_t len = vc->size;
	uint64_t phoff = vml_le64(d + 32);
	uint16_t phentsize = vml_le16(d + 54);
	uint32_t phnum = vml_le16(d + 56);
	if (phnum == PN_XNUM)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"e_phnum is PN_XNUM (more than 65534"
					" program headers): not read");
	if (phnum == 0)
		return vml_error_create(VML_ERROR_FORMAT,
					"no program headers (e_phnum 0)");
	if (phentsize != sizeof(Elf64_Phdr))
		return vml_error_create(VML_ERROR_FORMAT,
					"e_phentsize %u (an ELF64 program header"
					" is %zu bytes)", phentsize,
					sizeof(Elf64_Phdr));
	if (phoff > len || (uint64_t)phnum * phentsize > len - phoff)
		return vml_error_create(VML_ERROR_FORMAT,
					"truncated: the %" PRIu32 " program"
					" headers at offset %" PRIu64 " end past"
					" the file's %zu bytes", phnum, phoff,
					len);
	vc->loads = calloc(phnum, sizeof(*vc->loads));
	if (!vc->loads)
		return &vml_enomem;
	bool any_note = false;
	for (uint32_t i = 0; i < phnum; i++) {
		const uint8_t *ph = d + phoff + (uint64_t)i * phentsize;
		uint32_t type = vml_le32(ph);
		uint64_t off = vml_le64(ph + 8), pa = vml_le64(ph + 24);
		uint64_t filesz = vml_le64(ph + 32);
		if (type == PT_NOTE) {
			if (off > len || filesz > len - off)
				return vml_error_create(VML_ERROR_FORMAT,
							"truncated or corrupt:"
							" PT_NOTE %" PRIu32 " ("
							"offset %" PRIu64 ", %"
							PRIu64 " bytes) ends"
							" past the file's %zu"
							" bytes", i, off,
							filesz, len);
			any_note = true;
			struct vml_error *err = parse_notes(vc, d + off, filesz,
							    (uint16_t)i);
			if (err)
				return err;
			continue;
		}
		if (type != PT_LOAD || !filesz)
			continue;
		if (filesz - 1 > UINT64_MAX - pa)
			return vml_error_create(VML_ERROR_FORMAT,
						"PT_LOAD %" PRIu32 ": physical"
						" 0x%" PRIx64 " + %" PRIu64
						" bytes wraps past 2^64", i, pa,
						filesz);
		if (off >= len) {
			damaged(vc, "truncated: PT_LOAD %" PRIu32 " (physical"
				" 0x%" PRIx64 ") starts past the end of the"
				" file", i, pa);
			continue;
		}
		if (filesz > len - off) {
			damaged(vc, "truncated: PT_LOAD %" PRIu32 " (physical"
				" 0x%" PRIx64 ") has %" PRIu64 " of its %"
				PRIu64 " bytes", i, pa, (uint64_t)(len - off),
				filesz);
			filesz = len - off;
		}
		vc->loads[vc->nloads++] = (struct vmcore_load){ pa, filesz,
								off };
	}
	if (!any_note)
		return vml_error_create(VML_ERROR_FORMAT,
					"no PT_NOTE: no CPU state and no"
					" VMCOREINFO");
	if (!vc->nloads)
		return vml_error_create(VML_ERROR_FORMAT,
					"no PT_LOAD with bytes in the file: no"
					" memory%s%s%s", vc->incomplete ? " (" :
					"", vc->problem,
					vc->incomplete ? ")" : "");
	qsort(vc->loads, vc->nloads, sizeof(*vc->loads), load_cmp);
	/* Overlaps: the earlier segment keeps its bytes. */
	size_t n = 1;
	for (size_t i = 1; i < vc->nloads; i++) {
		struct vmcore_load *prev = &vc->loads[n - 1];
		struct vmcore_load cur = vc->loads[i];
		uint64_t prev_end = prev->pa + prev->size;   /* no wrap: checked */
		if (cur.pa < prev_end) {
			damaged(vc, "PT_LOAD segments overlap at physical 0x%"
				PRIx64, cur.pa);
			uint64_t cut = prev_end - cur.pa;
			if (cut >= cur.size)
				continue;
			cur.pa += cut;
			cur.offset += cut;
			cur.size -= cut;
		}
		vc->loads[n++] = cur;
	}
	vc->nloads = n;
	return NULL;
}

/* ------------------------------------------------------------ paging */

static struct vml_error *find_paging(struct vml_vmcore *vc)
{
	const struct vml_arch_dump *dump = vc->arch->dump;
	struct vml_named_value regs[MAX_CPU_REGS + 8];
	size_t n = 0;
	const char *const *want = vc->arch->paging_registers;
	if (vc->has_cpu_state) {
		/* The registers the paging decoder wants, the CPU's first,
		 * then the assumed ones it lacks. */
		for (size_t w = 0; want && want[w]; w++) {
			bool found = false;
			for (size_t i = 0; i < vc->nregs && !found; i++)
				if (!strcmp(vc->regs[i].name, want[w])) {
					regs[n++] = vc->regs[i];
					found = true;
				}
			for (size_t i = 0; !found && i < dump->nassumed; i++)
				if (!strcmp(dump->assumed[i].name, want[w])) {
					regs[n++] = dump->assumed[i];
					found = true;
				}
		}
		snprintf(vc->paging_from, sizeof(vc->paging_from),
			 "first CPU's state in the dump (%s)",
			 dump->assumed_why);
	} else {
		const char *how = NULL;
		struct vml_error *err = dump->vmcoreinfo_paging(
			vmcoreinfo_get, vc, regs, VML_ARRAY_SIZE(regs), &n,
			&how);
		if (err)
			return err;
		snprintf(vc->paging_from, sizeof(vc->paging_from), "%s", how);
	}
	return vml_paging_from_registers(vc->arch->id, regs, n, 0,
					 &vc->paging);
}

/* Base symbols VMCOREINFO gives (x86-64: _text as SYMBOL(_stext)). */
static void find_symbols(struct vml_vmcore *vc)
{
	const struct vml_arch_dump *dump = vc->arch->dump;
	const struct vml_kernel_class *kc = vc->arch->kernel;
	if (!kc || !dump->symbol_keys)
		return;
	for (size_t i = 0; i < kc->nsymbols && vc->nsyms < VML_KBASE_COUNT;
	     i++) {
		const char *key = dump->symbol_keys[i];
		char v[128];
		if (!key || !vmci_lookup(vc, key, v, sizeof(v)) || !*v)
			continue;
		char *end;
		errno = 0;
		unsigned long long x = strtoull(v, &end, 16);
		if (errno || *end || !x) {
			damaged(vc, "VMCOREINFO's %s=%s is not an address", key,
				v);
			continue;
		}
		vc->syms[vc->nsyms++] = (struct vml_named_value){
			kc->symbols[i].name, (uint64_t)x };
	}
}

/* ------------------------------------------------------------ open */

void vml_vmcore_free(struct vml_vmcore *vc)
{
	if (!vc)
		return;
	vml_source_free(vc->src);
	vml_kdump_free(vc->kd);
	vml_paging_free(vc->paging);
	free(vc->vmcoreinfo);
	free(vc->loads);
	if (vc->mapped)
		munmap((void *)vc->data, vc->size);
	free(vc);
}

static struct vml_error *open_elf(struct vml_vmcore *vc)
{
	const uint8_t *d = vc->data;
	if (vc->size < sizeof(Elf64_Ehdr))
		return vml_error_create(VML_ERROR_FORMAT,
					"truncated: %zu bytes, shorter than an"
					" ELF64 header", vc->size);
	if (memcmp(d, ELFMAG, SELFMAG))
		return vml_error_create(VML_ERROR_FORMAT, "not an ELF file");
	if (d[EI_CLASS] != ELFCLASS64 || d[EI_DATA] != ELFDATA2LSB)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"unsupported: only little-endian ELF64"
					" dumps are read");
	if (vml_le16(d + 16) != ET_CORE)
		return vml_error_create(VML_ERROR_FORMAT,
					"e_type %u is not ET_CORE",
					vml_le16(d + 16));
	struct vml_error *err = vml_arch_for_elf(ELFCLASS64, vml_le16(d + 18),
						 &vc->arch);
	if (err)
		return err;
	if (!vc->arch->dump || !vc->arch->kernel)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"unsupported: kernel dumps of %s",
					vc->arch->name);
	err = parse_phdrs(vc);
	if (err)
		return err;
	err = find_paging(vc);
	if (err)
		return err;
	find_symbols(vc);
	return vml_source_from_reader(read_phys, vc, &vc->src);
}

/* The kdump-compressed formats: the header's notes and VMCOREINFO, the
 * pages through kdump.c's index. */
static struct vml_error *open_kdump(struct vml_vmcore *vc)
{
	struct vml_error *err = vml_kdump_open(vc->data, vc->size, &vc->kd);
	if (err)
		return err;
	const struct vml_kdump_facts *f = vml_kdump_get_facts(vc->kd);
	if (strcmp(f->machine, "x86_64"))
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"unsupported: kdump of a \"%s\" machine"
					" (x86_64 is read)", f->machine);
	vc->arch = &vml_arch_x86_64;
	if (f->incomplete)
		damaged(vc, "%s", f->problem);
	if (f->notes && (err = parse_notes(vc, f->notes, f->notes_size, 0)))
		return err;
	if (!vc->vmcoreinfo && f->vmcoreinfo &&
	    (err = note_vmcoreinfo(vc, f->vmcoreinfo,
				   f->vmcoreinfo_size > UINT32_MAX ?
				   UINT32_MAX : (uint32_t)f->vmcoreinfo_size)))
		return err;
	if (!vc->ncpus)
		vc->ncpus = f->nr_cpus;
	err = find_paging(vc);
	if (err)
		return err;
	find_symbols(vc);
	return vml_source_from_reader(read_phys, vc, &vc->src);
}

struct vml_error *vml_vmcore_open_buffer(const void *buf, size_t len,
					 struct vml_vmcore **ret)
{
	if ((!buf && len) || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"vmcore: NULL buffer or result");
	const uint8_t *d = buf;
	struct vml_vmcore *vc = calloc(1, sizeof(*vc));
	if (!vc)
		return &vml_enomem;
	vc->data = d;
	vc->size = len;
	vc->format = probe_bytes(d, len) == VML_DUMP_KDUMP ? VML_DUMP_KDUMP :
		     VML_DUMP_ELF;
	struct vml_error *err = vc->format == VML_DUMP_KDUMP ? open_kdump(vc) :
				open_elf(vc);
	if (err) {
		vml_vmcore_free(vc);
		return err;
	}
	*ret = vc;
	return NULL;
}

struct vml_error *vml_vmcore_open(const char *path, struct vml_vmcore **ret)
{
	if (!path || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"vmcore: NULL path or result");
	const uint8_t *d;
	size_t len;
	struct vml_error *err = map_file(path, &d, &len);
	if (err)
		return err;
	struct vml_vmcore *vc;
	err = vml_vmcore_open_buffer(d, len, &vc);
	if (err) {
		munmap((void *)d, len);
		if (err == &vml_enomem)
			return err;
		struct vml_error *named = vml_error_create(
			vml_error_code(err), "vmcore %s: %s", path,
			vml_error_message(err));
		vml_error_free(err);
		return named;
	}
	vc->mapped = true;
	*ret = vc;
	return NULL;
}

/* ------------------------------------------------------------ accessors */

struct vml_source *vml_vmcore_source(const struct vml_vmcore *vc)
{
	return vc ? vc->src : NULL;
}

const struct vml_paging *vml_vmcore_paging(const struct vml_vmcore *vc)
{
	return vc ? vc->paging : NULL;
}

struct vml_error *vml_vmcore_get_info(const struct vml_vmcore *vc,
				      struct vml_vmcore_info *ret,
				      size_t ret_size)
{
	if (!vc || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"vmcore info: NULL vmcore or result");
	struct vml_error *err = vml_check_size("vmcore info", ret_size,
					       VML_VMCORE_INFO_SIZE_V2);
	if (err)
		return err;
	struct vml_vmcore_info info = {
		.format = vc->format,
		.arch = vc->arch->id,
		.ncpus = vc->ncpus,
		.nsegments = vc->nloads,
		.file_size = vc->size,
		.has_cpu_state = vc->has_cpu_state,
		.has_vmcoreinfo = vc->vmcoreinfo != NULL,
		.has_pc = vc->has_pc,
		.pc = vc->pc,
		.incomplete = vc->incomplete,
	};
	for (size_t i = 0; i < vc->nloads; i++)
		info.memory_bytes += vc->loads[i].size;
	if (vc->kd) {
		const struct vml_kdump_facts *f = vml_kdump_get_facts(vc->kd);
		info.nsegments = vml_kdump_range_count(vc->kd);
		info.memory_bytes = f->dumped_pages * f->block_size;
	}
	char v[128], *end;
	if (vmci_lookup(vc, "KERNELOFFSET", v, sizeof(v)) && *v) {
		errno = 0;
		unsigned long long x = strtoull(v, &end, 16);
		if (!errno && !*end) {
			info.has_kernel_offset = true;
			info.kernel_offset = x;
		}
	}
	if (vmci_lookup(vc, "NUMBER(phys_base)", v, sizeof(v)) && *v) {
		errno = 0;
		long long x = strtoll(v, &end, 10);
		if (!errno && !*end) {
			info.has_phys_base = true;
			info.phys_base = x;
		}
	}
	(void)vmci_lookup(vc, "OSRELEASE", info.osrelease,
			  sizeof(info.osrelease));
	snprintf(info.paging_from, sizeof(info.paging_from), "%s",
		 vc->paging_from);
	snprintf(info.problem, sizeof(info.problem), "%s", vc->problem);
	vml_copy_out(ret, ret_size, &info, sizeof(info));
	return NULL;
}

static void fill_hints(const struct vml_vmcore *vc,
		       struct vml_kernel_hints *h)
{
	*h = (struct vml_kernel_hints){
		.pc = vc->has_pc ? vc->pc : 0,
		.symbols = vc->syms,
		.nsymbols = vc->nsyms,
	};
}

struct vml_error *vml_vmcore_kernel(const struct vml_vmcore *vc,
				    struct vml_kernel **ret)
{
	if (!vc || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"vmcore kernel: NULL vmcore or result");
	struct vml_kernel_hints h;
	fill_hints(vc, &h);
	return vml_kernel_from_pagetables(vc->src, vc->paging, &h, sizeof(h),
					  ret);
}

struct vml_error *vml_vmcore_answer(const struct vml_vmcore *vc,
				    const struct vml_kernel_request *req,
				    size_t req_size, char **ret)
{
	if (!vc)
		return vml_error_create(VML_ERROR_INVALID,
					"vmcore answer: NULL vmcore");
	struct vml_kernel_hints h;
	fill_hints(vc, &h);
	return vml_kernel_answer(vc->src, vc->paging, &h, sizeof(h), req,
				 req_size, ret);
}
