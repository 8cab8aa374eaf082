/* core_elf_test.c — the ELF core reader and layouts from cores.
 *
 * Cores are built here byte by byte: the notes are filled from the C
 * library's own struct elf_prstatus / elf_prpsinfo / user_regs_struct /
 * siginfo_t (<sys/procfs.h>, <sys/user.h>, <signal.h>), so parsing them back
 * checks the reader's offsets against the system's definitions. Expected
 * regions are written out by hand. Damaged cores (cut at every length, bad
 * note lengths, NT_FILE overflow, overlapping loads, wrong class/machine)
 * must give a clear error or a layout marked incomplete, never a crash; run
 * this suite in the sanitizer build too.
 *
 * Setting VML_CORE_SEED_DIR makes the suite write its tiny cores there (the
 * fuzz seeds in tests/fuzz/seeds_core/ were made that way).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <unistd.h>

#include "helpers.h"
#include "suites.h"

/* ------------------------------------------------------------ builder */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static size_t buf_put(struct buf *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b->p);
		b->cap = cap;
	}
	size_t at = b->len;
	if (data)
		memcpy(b->p + at, data, n);
	else
		memset(b->p + at, 0, n);
	b->len += n;
	return at;
}

static void buf_align(struct buf *b, size_t a)
{
	if (b->len % a)
		buf_put(b, NULL, a - b->len % a);
}

static void note_add(struct buf *notes, const char *name, uint32_t type,
		     const void *desc, uint32_t descsz)
{
	Elf64_Nhdr h = { .n_namesz = (uint32_t)strlen(name) + 1,
			 .n_descsz = descsz, .n_type = type };
	buf_put(notes, &h, sizeof(h));
	buf_put(notes, name, h.n_namesz);
	buf_align(notes, 4);
	buf_put(notes, desc, descsz);
	buf_align(notes, 4);
}

struct spec_load {
	uint64_t vaddr, memsz, filesz;
	uint32_t flags;
	const void *data;      /* filesz bytes, or NULL for zeros */
};

/* ELF header, PT_NOTE then the PT_LOADs, the notes, then page-aligned load
 * bytes: the order the kernel writes. */
static struct buf build_core(const struct spec_load *loads, size_t nloads,
			     const struct buf *notes)
{
	struct buf b = { 0 };
	size_t nph = nloads + 1;
	Elf64_Ehdr eh = { 0 };
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (uint16_t)nph;
	buf_put(&b, &eh, sizeof(eh));
	size_t ph_at = buf_put(&b, NULL, nph * sizeof(Elf64_Phdr));
	size_t notes_at = buf_put(&b, notes->p, notes->len);
	Elf64_Phdr ph = { .p_type = PT_NOTE, .p_offset = notes_at,
			  .p_filesz = notes->len, .p_align = 4 };
	memcpy(b.p + ph_at, &ph, sizeof(ph));
	for (size_t i = 0; i < nloads; i++) {
		buf_align(&b, 4096);
		size_t at = b.len;
		if (loads[i].filesz)
			buf_put(&b, loads[i].data, loads[i].filesz);
		ph = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = loads[i].flags,
				   .p_offset = at, .p_vaddr = loads[i].vaddr,
				   .p_filesz = loads[i].filesz,
				   .p_memsz = loads[i].memsz, .p_align = 4096 };
		memcpy(b.p + ph_at + (i + 1) * sizeof(ph), &ph, sizeof(ph));
	}
	return b;
}

static void add_prstatus(struct buf *notes, pid_t tid, uint64_t sp, uint64_t ip,
			 int cursig)
{
	struct elf_prstatus st;
	struct user_regs_struct regs;
	memset(&st, 0, sizeof(st));
	memset(&regs, 0, sizeof(regs));
	regs.rsp = sp;
	regs.rip = ip;
	regs.rbp = 0x1111; /* neighbours that must not be taken for sp/ip */
	regs.eflags = 0x2222;
	regs.ss = 0x2b;
	CU_ASSERT_EQUAL_FATAL(sizeof(regs), sizeof(st.pr_reg));
	memcpy(&st.pr_reg, &regs, sizeof(regs));
	st.pr_pid = tid;
	st.pr_ppid = 1;
	st.pr_cursig = (short)cursig;
	note_add(notes, "CORE", NT_PRSTATUS, &st, sizeof(st));
}

static void add_prpsinfo(struct buf *notes, pid_t pid, const char *fname,
			 const char *args)
{
	struct elf_prpsinfo ps;
	memset(&ps, 0, sizeof(ps));
	ps.pr_pid = pid;
	ps.pr_ppid = 1;
	memcpy(ps.pr_fname, fname, strnlen(fname, sizeof(ps.pr_fname)));
	/* Space padding as the kernel leaves it is trimmed by the reader. */
	memset(ps.pr_psargs, ' ', sizeof(ps.pr_psargs));
	memcpy(ps.pr_psargs, args, strlen(args));
	ps.pr_psargs[sizeof(ps.pr_psargs) - 1] = '\0';
	note_add(notes, "CORE", NT_PRPSINFO, &ps, sizeof(ps));
}

static void add_siginfo(struct buf *notes, int signo, int code, uint64_t addr)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = signo;
	si.si_code = code;
	si.si_addr = (void *)(uintptr_t)addr;
	note_add(notes, "CORE", NT_SIGINFO, &si, sizeof(si));
}

struct file_entry {
	uint64_t start, end, pgoff;
	const char *path;
};

static void add_file_note(struct buf *notes, const struct file_entry *e,
			  size_t n, uint64_t count_override)
{
	struct buf d = { 0 };
	uint64_t hdr[2] = { count_override ? count_override : n, 4096 };
	buf_put(&d, hdr, sizeof(hdr));
	for (size_t i = 0; i < n; i++) {
		uint64_t w[3] = { e[i].start, e[i].end, e[i].pgoff };
		buf_put(&d, w, sizeof(w));
	}
	for (size_t i = 0; i < n; i++)
		buf_put(&d, e[i].path, strlen(e[i].path) + 1);
	note_add(notes, "CORE", NT_FILE, d.p, (uint32_t)d.len);
	free(d.p);
}

/* ------------------------------------------------------- the tiny core */

#define EXE_BASE 0x400000ull
#define HEAP 0x405000ull           /* brk start 0x403000 + random offset */
#define ANON 0x7f0000000000ull
#define VVAR 0x7ffff7fbd000ull
#define VDSO 0x7ffff7fc1000ull
#define STACK 0x7ffffffde000ull
#define VSYSCALL 0xffffffffff600000ull
#define MAIN_SP (STACK + 0x100)
#define THREAD_SP (ANON + 0x3f00)
#define EXECFN (STACK + 0xf00)
#define ENTRY (EXE_BASE + 0x1100)

static uint8_t exe_page[4096];
static uint8_t stack_page[4096];

/* The executable's first page as it sits in memory: an ELF header and two
 * program headers, PT_PHDR and one PT_LOAD whose end (.bss end) is 0x2800. */
static void fill_pages(void)
{
	memset(exe_page, 0, sizeof(exe_page));
	Elf64_Ehdr eh = { .e_type = ET_DYN, .e_machine = EM_X86_64,
			  .e_phoff = 64, .e_phnum = 2,
			  .e_phentsize = sizeof(Elf64_Phdr) };
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	memcpy(exe_page, &eh, sizeof(eh));
	Elf64_Phdr ph[2] = {
		{ .p_type = PT_PHDR, .p_vaddr = 64, .p_offset = 64,
		  .p_memsz = 2 * sizeof(Elf64_Phdr) },
		{ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_vaddr = 0,
		  .p_filesz = 0x2100, .p_memsz = 0x2800 },
	};
	memcpy(exe_page + 64, ph, sizeof(ph));
	memset(stack_page, 0xab, sizeof(stack_page));
	strcpy((char *)stack_page + (EXECFN - STACK), "/bin/tiny");
}

static const struct spec_load tiny_loads[] = {
	{ EXE_BASE, 0x1000, 0x1000, PF_R, exe_page },
	{ EXE_BASE + 0x1000, 0x1000, 0, PF_R | PF_X, NULL },  /* not dumped */
	{ EXE_BASE + 0x2000, 0x1000, 0x1000, PF_R | PF_W, NULL },
	{ HEAP, 0x2000, 0, PF_R | PF_W, NULL },
	{ ANON, 0x4000, 0, PF_R | PF_W, NULL },
	{ VVAR, 0x4000, 0, PF_R, NULL },
	{ VDSO, 0x2000, 0, PF_R | PF_X, NULL },
	{ STACK, 0x1000, 0x1000, PF_R | PF_W, stack_page },
	{ VSYSCALL, 0x1000, 0, PF_X, NULL },
};

static const struct file_entry tiny_files[] = {
	{ EXE_BASE, EXE_BASE + 0x1000, 0, "/bin/tiny" },
	{ EXE_BASE + 0x1000, EXE_BASE + 0x2000, 1, "/bin/tiny" },
};

static void add_auxv(struct buf *notes)
{
	uint64_t auxv[][2] = {
		{ AT_PHDR, EXE_BASE + 64 }, { AT_PHENT, 56 }, { AT_PHNUM, 2 },
		{ AT_PAGESZ, 4096 }, { AT_ENTRY, ENTRY }, { AT_EXECFN, EXECFN },
		{ AT_SYSINFO_EHDR, VDSO }, { AT_NULL, 0 },
	};
	note_add(notes, "CORE", NT_AUXV, auxv, sizeof(auxv));
}

/* Kernel order: the faulting thread's NT_PRSTATUS, NT_PRPSINFO, NT_SIGINFO,
 * NT_AUXV, NT_FILE, then the other threads; plus a "LINUX" note whose type
 * number (1 = NT_PRSTATUS in "CORE") must be ignored. */
static struct buf tiny_notes(void)
{
	struct buf notes = { 0 };
	uint8_t linux_desc[400];
	memset(linux_desc, 0x5a, sizeof(linux_desc));
	add_prstatus(&notes, 100, MAIN_SP, ENTRY + 4, SIGSEGV);
	add_prpsinfo(&notes, 100, "tiny", "/bin/tiny -x");
	add_siginfo(&notes, SIGSEGV, SEGV_MAPERR, 0xdead);
	add_auxv(&notes);
	add_file_note(&notes, tiny_files, 2, 0);
	note_add(&notes, "LINUX", 1, linux_desc, sizeof(linux_desc));
	add_prstatus(&notes, 101, THREAD_SP, ENTRY + 8, 0);
	return notes;
}

static struct buf tiny_core(void)
{
	fill_pages();
	struct buf notes = tiny_notes();
	struct buf core = build_core(tiny_loads, VML_ARRAY_SIZE(tiny_loads), &notes);
	free(notes.p);
	return core;
}

/* Optional: leave the cores this suite builds as fuzzing seeds. */
static void maybe_write_seed(const char *name, const struct buf *b)
{
	const char *dir = getenv("VML_CORE_SEED_DIR");
	if (!dir)
		return;
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(b->p, 1, b->len, f);
		fclose(f);
	}
}

/* --------------------------------------------------------- parse level */

static void test_struct_offsets_match_system(void)
{
	/* The facts the reader hard-codes, stated against the system headers. */
	CU_ASSERT_EQUAL(offsetof(struct elf_prstatus, pr_cursig), 12);
	CU_ASSERT_EQUAL(offsetof(struct elf_prstatus, pr_pid), 32);
	CU_ASSERT_EQUAL(offsetof(struct elf_prstatus, pr_reg), 112);
	CU_ASSERT_EQUAL(offsetof(struct user_regs_struct, rip), 16 * 8);
	CU_ASSERT_EQUAL(offsetof(struct user_regs_struct, rsp), 19 * 8);
	CU_ASSERT_EQUAL(offsetof(struct elf_prpsinfo, pr_pid), 24);
	CU_ASSERT_EQUAL(offsetof(struct elf_prpsinfo, pr_fname), 40);
	CU_ASSERT_EQUAL(offsetof(struct elf_prpsinfo, pr_psargs), 56);
	CU_ASSERT_EQUAL(sizeof(struct elf_prpsinfo), 136);
	CU_ASSERT_EQUAL(offsetof(siginfo_t, si_code), 8);
	CU_ASSERT_EQUAL(offsetof(siginfo_t, si_addr), 16);
}

static void test_parse_tiny(void)
{
	struct buf b = tiny_core();
	maybe_write_seed("tiny", &b);
	struct vml_core *core;
	VML_ASSERT_OK(vml_core_parse(b.p, b.len, &core));
	CU_ASSERT_FALSE(core->info.incomplete);
	CU_ASSERT_PTR_NULL(core->problem);
	CU_ASSERT_EQUAL(core->info.pid, 100);
	CU_ASSERT_STRING_EQUAL(core->info.command, "tiny");
	CU_ASSERT_STRING_EQUAL(core->info.args, "/bin/tiny -x");
	CU_ASSERT_EQUAL(core->info.signo, SIGSEGV);
	CU_ASSERT_TRUE(core->info.has_fault_addr);
	CU_ASSERT_EQUAL(core->info.fault_addr, 0xdead);
	CU_ASSERT_EQUAL(core->info.nthreads, 2);
	CU_ASSERT_TRUE(core->info.has_file_note);
	CU_ASSERT_TRUE(core->info.has_auxv);
	CU_ASSERT_EQUAL(core->auxv_len, 8 * 16);

	CU_ASSERT_EQUAL_FATAL(core->nthreads, 2);
	CU_ASSERT_EQUAL(core->threads[0].tid, 100);
	CU_ASSERT_EQUAL(core->threads[0].sp, MAIN_SP);
	CU_ASSERT_EQUAL(core->threads[0].ip, ENTRY + 4);
	CU_ASSERT_EQUAL(core->threads[1].tid, 101);
	CU_ASSERT_EQUAL(core->threads[1].sp, THREAD_SP);

	CU_ASSERT_EQUAL_FATAL(core->nloads, VML_ARRAY_SIZE(tiny_loads));
	for (size_t i = 0; i < core->nloads; i++) {
		CU_ASSERT_EQUAL(core->loads[i].vaddr, tiny_loads[i].vaddr);
		CU_ASSERT_EQUAL(core->loads[i].memsz, tiny_loads[i].memsz);
		CU_ASSERT_EQUAL(core->loads[i].avail, tiny_loads[i].filesz);
		CU_ASSERT_EQUAL(core->loads[i].flags, tiny_loads[i].flags);
	}
	CU_ASSERT_EQUAL_FATAL(core->nfiles, 2);
	CU_ASSERT_EQUAL(core->files[1].start, EXE_BASE + 0x1000);
	CU_ASSERT_EQUAL(core->files[1].offset, 0x1000);
	CU_ASSERT_STRING_EQUAL(core->files[1].path, "/bin/tiny");
	vml_core_free(core);
	free(b.p);
}

static void test_read_memory(void)
{
	struct buf b = tiny_core();
	struct vml_core *core;
	VML_ASSERT_OK(vml_core_parse(b.p, b.len, &core));
	char s[10];
	CU_ASSERT_EQUAL(vml_core_read(core, VML_SPACE_VIRTUAL, EXECFN, s, 10), 0);
	CU_ASSERT_STRING_EQUAL(s, "/bin/tiny");
	uint8_t x[16];
	/* Spanning the dumped exe page and the dumped page after it ... */
	CU_ASSERT_EQUAL(vml_core_read(core, VML_SPACE_VIRTUAL, EXE_BASE + 0xff8, x, 8), 0);
	/* ... but the text page between them was not dumped. */
	CU_ASSERT_NOT_EQUAL(vml_core_read(core, VML_SPACE_VIRTUAL, EXE_BASE + 0xff8, x, 16), 0);
	CU_ASSERT_NOT_EQUAL(vml_core_read(core, VML_SPACE_VIRTUAL, EXE_BASE + 0x1000, x, 1), 0);
	/* Unmapped, the last byte of a page, past the end, physical space. */
	CU_ASSERT_NOT_EQUAL(vml_core_read(core, VML_SPACE_VIRTUAL, 0x1000, x, 1), 0);
	CU_ASSERT_EQUAL(vml_core_read(core, VML_SPACE_VIRTUAL, STACK + 0xfff, x, 1), 0);
	CU_ASSERT_EQUAL(x[0], 0xab);
	CU_ASSERT_NOT_EQUAL(vml_core_read(core, VML_SPACE_VIRTUAL, STACK + 0xfff, x, 2), 0);
	CU_ASSERT_NOT_EQUAL(vml_core_read(core, VML_SPACE_PHYSICAL, STACK, x, 1), 0);
	CU_ASSERT_NOT_EQUAL(vml_core_read(core, VML_SPACE_VIRTUAL, UINT64_MAX, x, 2), 0);
	vml_core_free(core);
	free(b.p);
}

/* Two loads that abut: one read crosses from the first into the second. */
static void test_read_across_loads(void)
{
	uint8_t a[4096], c[4096];
	memset(a, 1, sizeof(a));
	memset(c, 2, sizeof(c));
	struct spec_load loads[] = {
		{ 0x10000, 0x1000, 0x1000, PF_R, a },
		{ 0x11000, 0x1000, 0x1000, PF_R | PF_W, c },
	};
	struct buf notes = { 0 };
	struct buf b = build_core(loads, 2, &notes);
	struct vml_core *core;
	VML_ASSERT_OK(vml_core_parse(b.p, b.len, &core));
	uint8_t x[4];
	CU_ASSERT_EQUAL(vml_core_read(core, VML_SPACE_VIRTUAL, 0x10ffe, x, 4), 0);
	CU_ASSERT(x[0] == 1 && x[1] == 1 && x[2] == 2 && x[3] == 2);
	CU_ASSERT_FALSE(core->info.has_auxv);
	CU_ASSERT_FALSE(core->info.has_file_note);
	CU_ASSERT_EQUAL(core->info.nthreads, 0);
	vml_core_free(core);
	free(b.p);
}

/* ---------------------------------------------------------- bad cores */

static void expect_unsupported(const void *p, size_t len, const char *want)
{
	struct vml_core *core = NULL;
	struct vml_error *err = vml_core_parse(p, len, &core);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_UNSUPPORTED);
	if (!strstr(vml_error_message(err), want))
		fprintf(stderr, "\nmessage \"%s\" lacks \"%s\"\n",
			vml_error_message(err), want);
	CU_ASSERT_PTR_NOT_NULL(strstr(vml_error_message(err), want));
	CU_ASSERT(strncmp(vml_error_message(err), "unsupported: ", 13) == 0);
	vml_error_free(err);
}

static void test_unsupported_inputs(void)
{
	struct buf b = tiny_core();
	expect_unsupported("", 0, "empty");
	expect_unsupported("#!/bin/sh\n", 10, "not an ELF");
	uint8_t *c = malloc(b.len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);

	memcpy(c, b.p, b.len);
	c[EI_CLASS] = ELFCLASS32;
	expect_unsupported(c, b.len, "32-bit");
	memcpy(c, b.p, b.len);
	c[EI_DATA] = ELFDATA2MSB;
	expect_unsupported(c, b.len, "big-endian");
	memcpy(c, b.p, b.len);
	c[18] = EM_RISCV;   /* e_machine, low byte */
	expect_unsupported(c, b.len, "machine 243");
	memcpy(c, b.p, b.len);
	c[16] = ET_EXEC;    /* e_type */
	expect_unsupported(c, b.len, "not a core");
	free(c);
	free(b.p);
}

/* Cut the core at every length: an error for the headers, an incomplete
 * layout once the cut falls inside the notes or a dumped load. */
static void test_truncated_everywhere(void)
{
	struct buf b = tiny_core();
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)b.p;
	size_t headers = eh->e_phoff + (size_t)eh->e_phnum * sizeof(Elf64_Phdr);
	const Elf64_Phdr *note = (const Elf64_Phdr *)(b.p + eh->e_phoff);
	size_t notes_end = note->p_offset + note->p_filesz;
	for (size_t len = 0; len <= b.len; len++) {
		/* A copy of exactly len bytes, so ASan sees any read past it. */
		uint8_t *c = malloc(len ? len : 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(c);
		memcpy(c, b.p, len);
		struct vml_layout *layout = NULL;
		struct vml_error *err = vml_layout_from_core_buffer(c, len, &layout);
		if (len < headers) {
			CU_ASSERT_PTR_NOT_NULL(err);
			if (len >= SELFMAG)
				CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_FORMAT);
			vml_error_free(err);
		} else {
			if (err)
				fprintf(stderr, "\nlen %zu: %s\n", len,
					vml_error_message(err));
			CU_ASSERT_PTR_NULL_FATAL(err);
			struct vml_core_info info;
			VML_ASSERT_OK(vml_layout_core_info(layout, &info, sizeof(info)));
			bool cut = len < b.len;
			if (len < notes_end || cut)
				CU_ASSERT_TRUE(info.incomplete);
			if (len < notes_end)
				CU_ASSERT_TRUE(vml_layout_flags(layout) & VML_LAYOUT_INCOMPLETE);
			if (!cut)
				CU_ASSERT_FALSE(info.incomplete);
			/* Every load stays a region: the program headers are whole. */
			CU_ASSERT_EQUAL(vml_layout_count(layout), VML_ARRAY_SIZE(tiny_loads));
			vml_layout_free(layout);
		}
		free(c);
	}
	free(b.p);
}

/* A load whose bytes lie past the end of the file: reads there fail. */
static void test_load_past_eof(void)
{
	struct buf b = tiny_core();
	size_t len = b.len - 0x800; /* cut inside the stack page, the last load */
	struct vml_core *core;
	VML_ASSERT_OK(vml_core_parse(b.p, len, &core));
	CU_ASSERT_TRUE(core->info.incomplete);
	CU_ASSERT_PTR_NOT_NULL(core->problem);
	uint8_t x;
	CU_ASSERT_EQUAL(vml_core_read(core, VML_SPACE_VIRTUAL, STACK + 0x7ff, &x, 1), 0);
	CU_ASSERT_NOT_EQUAL(vml_core_read(core, VML_SPACE_VIRTUAL, STACK + 0x800, &x, 1), 0);
	vml_core_free(core);
	free(b.p);
}

/* The offset of the first note's descsz field, and of its namesz. */
static size_t first_note_at(const struct buf *b)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)b->p;
	const Elf64_Phdr *note = (const Elf64_Phdr *)(b->p + eh->e_phoff);
	return note->p_offset;
}

static void test_note_lengths_past_segment(void)
{
	struct buf b = tiny_core();
	size_t at = first_note_at(&b);
	uint32_t huge[] = { 0xffffffffu, 0xfffffffdu, 0x10000 };
	for (int field = 0; field < 2; field++) {
		for (size_t k = 0; k < VML_ARRAY_SIZE(huge); k++) {
			uint8_t *c = malloc(b.len);
			CU_ASSERT_PTR_NOT_NULL_FATAL(c);
			memcpy(c, b.p, b.len);
			memcpy(c + at + 4 * field, &huge[k], 4);
			struct vml_layout *layout;
			VML_ASSERT_OK(vml_layout_from_core_buffer(c, b.len, &layout));
			struct vml_core_info info;
			VML_ASSERT_OK(vml_layout_core_info(layout, &info, sizeof(info)));
			CU_ASSERT_TRUE(info.incomplete);
			CU_ASSERT_EQUAL(info.nthreads, 0); /* the first note was lost */
			CU_ASSERT_TRUE(vml_layout_flags(layout) & VML_LAYOUT_INCOMPLETE);
			vml_layout_free(layout);
			free(c);
		}
	}
	free(b.p);
}

static void test_file_note_count_overflow(void)
{
	/* 2^61 * 24 wraps to 0 in 64 bits; one more than fits does not. */
	uint64_t counts[] = { 1ull << 61, UINT64_MAX, 3, 0xaaaaaaaaaaaaaaabull };
	for (size_t k = 0; k < VML_ARRAY_SIZE(counts); k++) {
		fill_pages();
		struct buf notes = { 0 };
		add_prpsinfo(&notes, 7, "x", "x");
		add_file_note(&notes, tiny_files, 2, counts[k]);
		struct buf b = build_core(tiny_loads, VML_ARRAY_SIZE(tiny_loads), &notes);
		struct vml_core *core;
		VML_ASSERT_OK(vml_core_parse(b.p, b.len, &core));
		CU_ASSERT_TRUE(core->info.incomplete);
		CU_ASSERT_FALSE(core->info.has_file_note);
		CU_ASSERT_EQUAL(core->nfiles, 0);
		CU_ASSERT_EQUAL(core->info.pid, 7);
		vml_core_free(core);
		free(notes.p);
		free(b.p);
	}
}

static void test_file_note_names_missing(void)
{
	fill_pages();
	struct buf notes = { 0 };
	/* Two entries but the name table stops after the first name. */
	struct buf d = { 0 };
	uint64_t w[] = { 2, 4096, EXE_BASE, EXE_BASE + 0x1000, 0,
			 EXE_BASE + 0x1000, EXE_BASE + 0x2000, 1 };
	buf_put(&d, w, sizeof(w));
	buf_put(&d, "/bin/tiny", 10);
	note_add(&notes, "CORE", NT_FILE, d.p, (uint32_t)d.len);
	struct buf b = build_core(tiny_loads, VML_ARRAY_SIZE(tiny_loads), &notes);
	struct vml_core *core;
	VML_ASSERT_OK(vml_core_parse(b.p, b.len, &core));
	CU_ASSERT_TRUE(core->info.incomplete);
	CU_ASSERT_EQUAL(core->nfiles, 1);
	vml_core_free(core);
	free(d.p);
	free(notes.p);
	free(b.p);
}

static void test_overlapping_loads(void)
{
	struct spec_load loads[] = {
		{ 0x10000, 0x3000, 0, PF_R, NULL },
		{ 0x11000, 0x1000, 0, PF_R | PF_W, NULL }, /* inside the first */
		{ 0x13000, 0x1000, 0, PF_R | PF_W, NULL }, /* abuts: fine */
	};
	struct buf notes = { 0 };
	struct buf b = build_core(loads, 3, &notes);
	struct vml_layout *layout;
	VML_ASSERT_OK(vml_layout_from_core_buffer(b.p, b.len, &layout));
	CU_ASSERT_TRUE(vml_layout_flags(layout) & VML_LAYOUT_INCOMPLETE);
	CU_ASSERT_EQUAL_FATAL(vml_layout_count(layout), 2);
	CU_ASSERT_EQUAL(vml_layout_region(layout, 0)->end, 0x13000);
	CU_ASSERT_STRING_EQUAL(vml_layout_region(layout, 0)->perms, "r--p");
	CU_ASSERT_STRING_EQUAL(vml_layout_region(layout, 1)->perms, "rw-p");
	CU_ASSERT_PTR_NOT_NULL(layout->core->problem);
	CU_ASSERT_PTR_NOT_NULL(strstr(layout->core->problem, "overlaps"));
	vml_layout_free(layout);
	free(b.p);
}

static void test_phdr_table_past_eof(void)
{
	struct buf b = tiny_core();
	Elf64_Ehdr *eh = (Elf64_Ehdr *)b.p;
	eh->e_phnum = 0xfff0;
	struct vml_core *core;
	struct vml_error *err = vml_core_parse(b.p, b.len, &core);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_FORMAT);
	CU_ASSERT_PTR_NOT_NULL(strstr(vml_error_message(err), "truncated"));
	vml_error_free(err);
	eh->e_phnum = 2;
	eh->e_phentsize = 32;
	VML_ASSERT_ERR(vml_core_parse(b.p, b.len, &core), VML_ERROR_FORMAT);
	free(b.p);
}

/* More than 65534 program headers: e_phnum is PN_XNUM and the count sits in
 * section header 0's sh_info (as the kernel writes it). */
static void test_pn_xnum(void)
{
	struct spec_load loads[] = { { 0x10000, 0x1000, 0, PF_R, NULL } };
	struct buf notes = { 0 };
	struct buf b = build_core(loads, 1, &notes);
	Elf64_Shdr sh = { .sh_info = 2 };
	size_t at = b.len;
	buf_put(&b, &sh, sizeof(sh));
	Elf64_Ehdr *eh = (Elf64_Ehdr *)b.p;
	eh->e_phnum = PN_XNUM;
	eh->e_shoff = at;
	eh->e_shnum = 0;
	eh->e_shentsize = sizeof(sh);
	struct vml_core *core;
	VML_ASSERT_OK(vml_core_parse(b.p, b.len, &core));
	CU_ASSERT_EQUAL(core->nloads, 1);
	vml_core_free(core);
	/* Section header 0 missing: a clear error. */
	VML_ASSERT_ERR(vml_core_parse(b.p, at, &core), VML_ERROR_FORMAT);
	free(b.p);
}

static void test_kill_has_no_fault_address(void)
{
	struct buf notes = { 0 };
	add_siginfo(&notes, SIGSEGV, SI_USER, 0x1234);
	struct buf b = build_core(NULL, 0, &notes);
	struct vml_core *core;
	VML_ASSERT_OK(vml_core_parse(b.p, b.len, &core));
	CU_ASSERT_EQUAL(core->info.signo, SIGSEGV);
	CU_ASSERT_FALSE(core->info.has_fault_addr);
	vml_core_free(core);
	free(notes.p);
	free(b.p);
}

/* ------------------------------------------------- crash facts */

static void add_prstatus_regs(struct buf *notes, pid_t tid,
			      const struct user_regs_struct *regs, int cursig)
{
	struct elf_prstatus st;
	memset(&st, 0, sizeof(st));
	memcpy(&st.pr_reg, regs, sizeof(*regs));
	st.pr_pid = tid;
	st.pr_cursig = (short)cursig;
	note_add(notes, "CORE", NT_PRSTATUS, &st, sizeof(st));
}

#define CRASH_TEXT 0x401000ull
#define CRASH_STACK 0x7ffc00000000ull

/* Thread 100 read 0x10(%rbx) with rbx = 0x100 (SIGSEGV at 0x110);
 * thread 101 waited. Kernel order: NT_SIGINFO after the first thread's
 * NT_PRSTATUS only; gcore order: one after each (the second thread's:
 * the SIGSTOP GDB stopped it with). */
static struct buf crash_core(bool gcore_order, bool with_siginfo,
			     uint8_t *code)
{
	struct buf notes = { 0 };
	struct user_regs_struct r;
	memset(&r, 0, sizeof(r));
	r.rip = CRASH_TEXT;
	r.rsp = CRASH_STACK + 0x800;
	r.rbx = 0x100;
	r.rax = 0x5555;
	r.fs_base = 0x7f0000000740;
	add_prstatus_regs(&notes, 100, &r, SIGSEGV);
	add_prpsinfo(&notes, 100, "crashy", "crashy");
	if (with_siginfo)
		add_siginfo(&notes, SIGSEGV, SEGV_MAPERR, 0x110);
	r.rip = CRASH_TEXT + 3;
	r.rsp = CRASH_STACK + 0x900;
	r.rbx = 5;
	add_prstatus_regs(&notes, 101, &r, gcore_order ? SIGSTOP : 0);
	if (with_siginfo && gcore_order)
		add_siginfo(&notes, SIGSTOP, SI_TKILL, 0);
	memset(code, 0, 4096);
	memcpy(code, "\x8b\x43\x10", 3);       /* mov 0x10(%rbx),%eax */
	struct spec_load loads[] = {
		{ CRASH_TEXT, 0x1000, 0x1000, PF_R | PF_X, code },
		{ CRASH_STACK, 0x1000, 0x1000, PF_R | PF_W, NULL },
	};
	struct buf b = build_core(loads, VML_ARRAY_SIZE(loads), &notes);
	free(notes.p);
	return b;
}

static void test_crash_facts(void)
{
	static uint8_t code[4096];
	for (int order = 0; order < 2; order++) {
		struct buf b = crash_core(order == 1, true, code);
		maybe_write_seed(order ? "crash-gcore-order" : "crash-kernel-order",
				 &b);
		struct vml_layout *l;
		VML_ASSERT_OK(vml_layout_from_core_buffer(b.p, b.len, &l));
		/* The core's signal is the first thread's, not the SIGSTOP
		 * of the thread after it. */
		struct vml_core_info info;
		VML_ASSERT_OK(vml_layout_core_info(l, &info, sizeof(info)));
		CU_ASSERT_EQUAL(info.signo, SIGSEGV);
		CU_ASSERT(info.has_fault_addr && info.fault_addr == 0x110);
		struct vml_crash c;
		VML_ASSERT_OK(vml_layout_crash(l, &c, sizeof(c)));
		CU_ASSERT_EQUAL(c.tid, 100);
		CU_ASSERT(c.tid_is_main);
		CU_ASSERT(c.has_pc && c.pc == CRASH_TEXT);
		CU_ASSERT(c.has_sp && c.sp == CRASH_STACK + 0x800);
		CU_ASSERT(c.has_si_code && c.si_code == SEGV_MAPERR);
		CU_ASSERT(c.has_fault_addr && c.fault_addr == 0x110);
		CU_ASSERT_STRING_EQUAL(vml_crash_kind_name(c.kind),
				       "null-dereference");
		/* rbx came from pr_reg by its user_regs_struct name. */
		CU_ASSERT_STRING_EQUAL(c.operand_base, "rbx");
		CU_ASSERT_EQUAL(c.operand_base_value, 0x100);
		CU_ASSERT_EQUAL(c.operand_addr, 0x110);
		CU_ASSERT_STRING_EQUAL(c.insn, "mov    0x10(%rbx),%eax");
		CU_ASSERT_EQUAL(c.nthreads, 2);
		vml_layout_free(l);
		free(b.p);
	}
	/* No NT_SIGINFO: the first thread's pr_cursig, no code, no address. */
	struct buf b = crash_core(false, false, code);
	struct vml_layout *l;
	VML_ASSERT_OK(vml_layout_from_core_buffer(b.p, b.len, &l));
	struct vml_crash c;
	VML_ASSERT_OK(vml_layout_crash(l, &c, sizeof(c)));
	CU_ASSERT_EQUAL(c.signo, SIGSEGV);
	CU_ASSERT(!c.has_si_code && !c.has_fault_addr);
	CU_ASSERT_EQUAL(c.kind, VML_CRASH_SIGNAL);
	char *text = NULL;
	VML_ASSERT_OK(vml_render_crash(l, &c, sizeof(c), VML_FORMAT_TEXT, 0,
				       &text));
	/* "(the core has no siginfo: ...)", wrapped anywhere. */
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "siginfo:"));
	vml_free(text);
	vml_layout_free(l);
	free(b.p);
	/* Every damaged cut of the core: an error or an answer, no crash. */
	b = crash_core(true, true, code);
	for (size_t cut = 0; cut < b.len; cut += cut < 2048 ? 1 : 512) {
		struct vml_error *cut_err = vml_layout_from_core_buffer(b.p, cut,
									&l);
		if (cut_err) {
			vml_error_free(cut_err);
			continue;
		}
		struct vml_error *err = vml_layout_crash(l, &c, sizeof(c));
		if (!err) {
			VML_ASSERT_OK(vml_render_crash(l, &c, sizeof(c),
						       VML_FORMAT_JSON, 0, &text));
			vml_free(text);
		}
		vml_error_free(err);
		vml_layout_free(l);
	}
	free(b.p);
}

/* --------------------------------------------------------- layouts */

struct want {
	uint64_t start, end;
	const char *perms, *name;
	uint64_t offset;
	uint32_t flags; /* of VML_REGION_PSEUDO | [PERMS_|NAME_]GUESSED | DELETED */
};

static const struct want tiny_want[] = {
	{ EXE_BASE, EXE_BASE + 0x1000, "r--p", "/bin/tiny", 0, 0 },
	{ EXE_BASE + 0x1000, EXE_BASE + 0x2000, "r-xp", "/bin/tiny", 0x1000, 0 },
	{ EXE_BASE + 0x2000, EXE_BASE + 0x3000, "rw-p", NULL, 0, 0 },
	{ HEAP, HEAP + 0x2000, "rw-p", "[heap]", 0,
	  VML_REGION_PSEUDO | VML_REGION_GUESSED | VML_REGION_NAME_GUESSED },
	{ ANON, ANON + 0x4000, "rw-p", NULL, 0, 0 },
	{ VVAR, VVAR + 0x4000, "r--p", "[vvar]", 0,
	  VML_REGION_PSEUDO | VML_REGION_GUESSED | VML_REGION_NAME_GUESSED },
	{ VDSO, VDSO + 0x2000, "r-xp", "[vdso]", 0, VML_REGION_PSEUDO },
	{ STACK, STACK + 0x1000, "rw-p", "[stack]", 0, VML_REGION_PSEUDO },
	{ VSYSCALL, VSYSCALL + 0x1000, "--xp", "[vsyscall]", 0, VML_REGION_PSEUDO },
};

static void check_regions(const struct vml_layout *layout, const struct want *w,
			  size_t n)
{
	CU_ASSERT_EQUAL_FATAL(vml_layout_count(layout), n);
	/* The classifier may add VML_REGION_GUESSED on its own (e.g. for an
	 * object it cannot read): only the guesses the core reader must make
	 * are checked, plus their absence on names the core states. */
	const uint32_t mask = VML_REGION_PSEUDO | VML_REGION_DELETED |
			      VML_REGION_PERMS_GUESSED | VML_REGION_NAME_GUESSED;
	for (size_t i = 0; i < n; i++) {
		const struct vml_region *r = vml_layout_region(layout, i);
		CU_ASSERT_EQUAL(r->start, w[i].start);
		CU_ASSERT_EQUAL(r->end, w[i].end);
		CU_ASSERT_STRING_EQUAL(r->perms, w[i].perms);
		if (w[i].name) {
			CU_ASSERT_PTR_NOT_NULL_FATAL(r->name);
			CU_ASSERT_STRING_EQUAL(r->name, w[i].name);
		} else {
			CU_ASSERT_PTR_NULL(r->name);
		}
		if (w[i].name && w[i].name[0] == '/') {
			CU_ASSERT_PTR_NOT_NULL_FATAL(r->path);
			CU_ASSERT_STRING_EQUAL(r->path, w[i].name);
		} else {
			CU_ASSERT_PTR_NULL(r->path);
		}
		CU_ASSERT_EQUAL(r->offset, w[i].offset);
		if ((r->flags & mask) != (w[i].flags & mask))
			fprintf(stderr, "\nregion %zu flags 0x%x want 0x%x\n", i,
				r->flags, w[i].flags);
		CU_ASSERT_EQUAL(r->flags & mask, w[i].flags & mask);
		if (w[i].flags & VML_REGION_GUESSED) {
			CU_ASSERT_TRUE(r->flags & VML_REGION_GUESSED);
		} else if (w[i].flags & VML_REGION_PSEUDO) {
			CU_ASSERT_FALSE(r->flags & VML_REGION_GUESSED);
		}
	}
}

static void test_layout_tiny(void)
{
	struct buf b = tiny_core();
	struct vml_layout *layout;
	VML_ASSERT_OK(vml_layout_from_core_buffer(b.p, b.len, &layout));
	check_regions(layout, tiny_want, VML_ARRAY_SIZE(tiny_want));
	CU_ASSERT_FALSE(vml_layout_flags(layout) & VML_LAYOUT_INCOMPLETE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(layout->exe_path);
	CU_ASSERT_STRING_EQUAL(layout->exe_path, "/bin/tiny");
	CU_ASSERT_EQUAL_FATAL(layout->nthreads, 2);
	CU_ASSERT_EQUAL(layout->threads[0].tid, 100);
	CU_ASSERT_TRUE(layout->threads[0].is_main);
	CU_ASSERT_EQUAL(layout->threads[0].sp, MAIN_SP);
	CU_ASSERT_EQUAL(layout->threads[1].tid, 101);
	CU_ASSERT_FALSE(layout->threads[1].is_main);
	CU_ASSERT_TRUE(layout->auxv.present);
	CU_ASSERT_EQUAL(layout->auxv.sysinfo_ehdr, VDSO);

	struct vml_core_info info;
	VML_ASSERT_OK(vml_layout_core_info(layout, &info, sizeof(info)));
	CU_ASSERT_EQUAL(info.pid, 100);
	CU_ASSERT_EQUAL(info.fault_addr, 0xdead);

	/* The layout's source reads the core's bytes. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(layout->source);
	char s[10];
	VML_ASSERT_OK(vml_source_read(layout->source, VML_SPACE_VIRTUAL, EXECFN, s, 10));
	CU_ASSERT_STRING_EQUAL(s, "/bin/tiny");
	uint8_t x;
	VML_ASSERT_ERR(vml_source_read(layout->source, VML_SPACE_VIRTUAL, HEAP, &x, 1),
		       VML_ERROR_FAULT);
	vml_layout_free(layout);
	free(b.p);
}

/* Without NT_PRPSINFO the main thread is the one on the AT_EXECFN stack;
 * without AT_EXECFN the exe comes from NT_FILE. */
static void test_layout_without_prpsinfo(void)
{
	fill_pages();
	struct buf notes = { 0 };
	add_prstatus(&notes, 101, THREAD_SP, 0, 0);
	add_prstatus(&notes, 100, MAIN_SP, 0, 0);
	add_auxv(&notes);
	struct buf b = build_core(tiny_loads, VML_ARRAY_SIZE(tiny_loads), &notes);
	maybe_write_seed("no-prpsinfo", &b);
	struct vml_layout *layout;
	VML_ASSERT_OK(vml_layout_from_core_buffer(b.p, b.len, &layout));
	CU_ASSERT_EQUAL_FATAL(layout->nthreads, 2);
	CU_ASSERT_FALSE(layout->threads[0].is_main);
	CU_ASSERT_TRUE(layout->threads[1].is_main);
	/* No NT_FILE: the exe path is AT_EXECFN's string from the stack. */
	CU_ASSERT_PTR_NOT_NULL_FATAL(layout->exe_path);
	CU_ASSERT_STRING_EQUAL(layout->exe_path, "/bin/tiny");
	CU_ASSERT_PTR_NULL(vml_layout_region(layout, 0)->name);
	vml_layout_free(layout);
	free(notes.p);
	free(b.p);
}

/* gcore leaves out unmodified file mappings: NT_FILE still lists them. An
 * ELF file on disk gives their perms (guessed); any other file leaves the
 * perms unknown and the layout incomplete. */
static void test_layout_gcore_style(void)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	CU_ASSERT_FATAL(n > 0);
	self[n] = '\0';
	/* Truth: this test binary's segment holding file offset 0. */
	int fd = open(self, O_RDONLY);
	CU_ASSERT_FATAL(fd >= 0);
	Elf64_Ehdr eh;
	CU_ASSERT_FATAL(pread(fd, &eh, sizeof(eh), 0) == sizeof(eh));
	char want_perms[5] = "???p";
	for (int i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		CU_ASSERT_FATAL(pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) ==
				sizeof(ph));
		if (ph.p_type == PT_LOAD && ph.p_offset == 0) {
			want_perms[0] = ph.p_flags & PF_R ? 'r' : '-';
			want_perms[1] = ph.p_flags & PF_W ? 'w' : '-';
			want_perms[2] = ph.p_flags & PF_X ? 'x' : '-';
			break;
		}
	}
	close(fd);
	CU_ASSERT_FATAL(want_perms[0] != '?');

	struct file_entry files[] = {
		{ 0x10000, 0x11000, 0, self },
		{ 0x11000, 0x13000, 0, "/nonexistent/data.bin (deleted)" },
		{ 0x20000, 0x21000, 0, "/dev/zero" },
	};
	struct spec_load loads[] = {
		{ 0x20000, 0x3000, 0, PF_R | PF_W, NULL }, /* file then anon tail */
	};
	struct buf notes = { 0 };
	add_file_note(&notes, files, 3, 0);
	struct buf b = build_core(loads, 1, &notes);
	maybe_write_seed("gcore-style", &b);
	struct vml_layout *layout;
	VML_ASSERT_OK(vml_layout_from_core_buffer(b.p, b.len, &layout));
	const struct want want[] = {
		{ 0x10000, 0x11000, want_perms, self, 0,
		  VML_REGION_GUESSED | VML_REGION_PERMS_GUESSED },
		{ 0x11000, 0x13000, "???p", "/nonexistent/data.bin", 0,
		  VML_REGION_GUESSED | VML_REGION_PERMS_GUESSED | VML_REGION_DELETED },
		{ 0x20000, 0x21000, "rw-p", "/dev/zero", 0, 0 },
		{ 0x21000, 0x23000, "rw-p", NULL, 0, 0 },
	};
	check_regions(layout, want, VML_ARRAY_SIZE(want));
	CU_ASSERT_TRUE(vml_layout_flags(layout) & VML_LAYOUT_INCOMPLETE);
	struct vml_core_info info;
	VML_ASSERT_OK(vml_layout_core_info(layout, &info, sizeof(info)));
	CU_ASSERT_FALSE(info.incomplete); /* nothing damaged: only unknown */
	vml_layout_free(layout);
	free(notes.p);
	free(b.p);
}

static void test_from_core_file(void)
{
	char dir[] = "/tmp/vml-core-test-XXXXXX";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof(path), "%s/core", dir);
	struct buf b = tiny_core();
	FILE *f = fopen(path, "wb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(b.p, 1, b.len, f), b.len);
	fclose(f);

	struct vml_layout *layout;
	VML_ASSERT_OK(vml_layout_from_core(path, &layout));
	check_regions(layout, tiny_want, VML_ARRAY_SIZE(tiny_want));
	vml_layout_free(layout);

	/* Empty file, a directory, no file: one clear error each. */
	f = fopen(path, "wb");
	fclose(f);
	VML_ASSERT_ERR(vml_layout_from_core(path, &layout), VML_ERROR_UNSUPPORTED);
	VML_ASSERT_ERR(vml_layout_from_core(dir, &layout), VML_ERROR_UNSUPPORTED);
	unlink(path);
	struct vml_error *err = vml_layout_from_core(path, &layout);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_NOT_FOUND);
	CU_ASSERT_EQUAL(vml_error_errno(err), ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(vml_error_message(err), path));
	vml_error_free(err);
	rmdir(dir);
	free(b.p);

	/* Not from a core: no core facts. */
	struct vml_core_info info;
	CU_ASSERT_FALSE(vml_layout_is_core(NULL));
	VML_ASSERT_ERR(vml_layout_core_info(NULL, &info, sizeof(info)),
		       VML_ERROR_INVALID);
}

/* The summary line and the warnings front ends print: the facts written
 * into the tiny core (pid 100, "tiny", SIGSEGV at 0xdead, 2 threads). */
static void test_summary_and_warnings(void)
{
	struct buf b = tiny_core();
	struct vml_layout *layout;
	VML_ASSERT_OK(vml_layout_from_core_buffer(b.p, b.len, &layout));
	char *out = NULL;
	VML_ASSERT_OK(vml_render_core_summary(layout, "/tmp/core.100", &out));
	CU_ASSERT_STRING_EQUAL(out, "core /tmp/core.100: pid 100 (tiny), signal SIGSEGV "
			       "(fault address 0xdead), 2 threads\n");
	vml_free(out);
	VML_ASSERT_OK(vml_render_core_summary(layout, NULL, &out));
	CU_ASSERT_STRING_EQUAL(out, "core: pid 100 (tiny), signal SIGSEGV "
			       "(fault address 0xdead), 2 threads\n");
	vml_free(out);
	/* A control character in a path cannot break the line. */
	VML_ASSERT_OK(vml_render_core_summary(layout, "a\nb", &out));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "core a?b: pid 100"));
	vml_free(out);
	VML_ASSERT_OK(vml_render_layout_warnings(layout, &out));
	CU_ASSERT_STRING_EQUAL(out, "");
	vml_free(out);
	vml_layout_free(layout);

	/* Cut short: incomplete, said once. */
	VML_ASSERT_OK(vml_layout_from_core_buffer(b.p, b.len - 100, &layout));
	VML_ASSERT_OK(vml_render_layout_warnings(layout, &out));
	CU_ASSERT_STRING_EQUAL(out, "warning: the layout is incomplete: the core is truncated "
			       "or damaged, or leaves out some mappings (\"???\" marks what "
			       "is unknown)\n");
	vml_free(out);
	vml_layout_free(layout);
	free(b.p);

	/* kill(): a signal, no fault address; no NT_PRPSINFO: no pid. */
	struct buf notes = { 0 };
	add_siginfo(&notes, SIGUSR1, SI_USER, 0x1234);
	b = build_core(NULL, 0, &notes);
	VML_ASSERT_OK(vml_layout_from_core_buffer(b.p, b.len, &layout));
	VML_ASSERT_OK(vml_render_core_summary(layout, "c", &out));
	CU_ASSERT_STRING_EQUAL(out, "core c:, signal SIGUSR1\n");
	vml_free(out);
	vml_layout_free(layout);
	free(notes.p);
	free(b.p);

	/* Not a core: no summary, and no warning for a complete layout. */
	VML_ASSERT_OK(vml_layout_from_maps("", 0, &layout));
	VML_ASSERT_ERR(vml_render_core_summary(layout, "x", &out), VML_ERROR_INVALID);
	CU_ASSERT_PTR_NULL(out);
	VML_ASSERT_OK(vml_render_layout_warnings(layout, &out));
	CU_ASSERT_STRING_EQUAL(out, "");
	vml_free(out);
	vml_layout_free(layout);
}

static CU_TestInfo tests[] = {
	{ "struct offsets match <sys/procfs.h>", test_struct_offsets_match_system },
	{ "parse a tiny core", test_parse_tiny },
	{ "read memory from loads", test_read_memory },
	{ "read across adjacent loads", test_read_across_loads },
	{ "unsupported inputs", test_unsupported_inputs },
	{ "truncated at every length", test_truncated_everywhere },
	{ "load past end of file", test_load_past_eof },
	{ "note lengths past the segment", test_note_lengths_past_segment },
	{ "NT_FILE count overflow", test_file_note_count_overflow },
	{ "NT_FILE names missing", test_file_note_names_missing },
	{ "overlapping loads", test_overlapping_loads },
	{ "program headers past EOF", test_phdr_table_past_eof },
	{ "PN_XNUM program header count", test_pn_xnum },
	{ "kill() gives no fault address", test_kill_has_no_fault_address },
	{ "layout of a tiny core", test_layout_tiny },
	{ "layout without NT_PRPSINFO", test_layout_without_prpsinfo },
	{ "layout of a gcore-style core", test_layout_gcore_style },
	{ "layout from a core file", test_from_core_file },
	{ "core summary and warnings", test_summary_and_warnings },
	{ "registers and signal for crashes", test_crash_facts },
	CU_TEST_INFO_NULL,
};

int vml_suite_core_elf(void)
{
	return vml_add_suite("core_elf", tests);
}
