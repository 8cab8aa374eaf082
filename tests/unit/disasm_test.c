/*
 * disasm_test.c — libopcodes wrapper against independent truths: byte
 * sequences whose GDB x/i text is written here by hand, objdump -d on this
 * very test binary, and GDB's own x/i (with symbols) on it.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "suites.h"

static void test_known_bytes(void)
{
	static const struct {
		uint8_t bytes[16];
		size_t len;
		const char *want;
	} cases[] = {
		{ { 0xc3 }, 1, "ret" },
		{ { 0x55 }, 1, "push   %rbp" },
		{ { 0x48, 0x89, 0xe5 }, 3, "mov    %rsp,%rbp" },
		/* at 0x401000: 0x401005 + 0x2b */
		{ { 0xe8, 0x2b, 0, 0, 0 }, 5, "call   0x401030" },
		{ { 0xeb, 0xfe }, 2, "jmp    0x401000" },
		{ { 0x48, 0x8d, 0x3d, 0x10, 0, 0, 0 }, 7,
		  "lea    0x10(%rip),%rdi        # 0x401017" },
		{ { 0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 }, 10,
		  "movabs $0x1122334455667788,%rax" },
		{ { 0x66, 0x0f, 0x1f, 0x44, 0, 0 }, 6, "nopw   0x0(%rax,%rax,1)" },
		{ { 0xf3, 0x0f, 0x1e, 0xfa }, 4, "endbr64" },
		{ { 0x0f, 0x0b }, 2, "ud2" },
		{ { 0xc9 }, 1, "leave" },
		{ { 0xf3, 0xc3 }, 2, "repz ret" },
		/* push %es does not exist in 64-bit mode */
		{ { 0x06 }, 1, "(bad)" },
	};
	for (size_t i = 0; i < VML_ARRAY_SIZE(cases); i++) {
		char out[160];
		size_t len = 0;
		/* Extra trailing bytes must not change the answer. */
		uint8_t buf[16];
		memset(buf, 0x90, sizeof(buf));
		memcpy(buf, cases[i].bytes, cases[i].len);
		VML_ASSERT_OK(vml_disasm_one(buf, sizeof(buf), 0x401000, out, sizeof(out), &len));
		if (strcmp(out, cases[i].want) != 0)
			fprintf(stderr, "\ncase %zu: got '%s' want '%s'\n", i, out, cases[i].want);
		CU_ASSERT_STRING_EQUAL(out, cases[i].want);
		CU_ASSERT_EQUAL(len, cases[i].len);
	}
}

static void test_truncated_and_bad_args(void)
{
	static const uint8_t movabs[] = { 0x48, 0xb8, 0x88, 0x77, 0x66, 0x55,
					  0x44, 0x33, 0x22, 0x11 };
	/* Every short prefix, in a heap buffer of exactly that size, so ASan
	 * sees any read past it. */
	for (size_t n = 1; n < sizeof(movabs); n++) {
		uint8_t *buf = malloc(n);
		CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
		memcpy(buf, movabs, n);
		char out[160];
		size_t len = 99;
		struct vml_error *err = vml_disasm_one(buf, n, 0x1000, out, sizeof(out), &len);
		if (err) {
			CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_FAULT);
			vml_error_free(err);
		} else {
			CU_ASSERT(len >= 1 && len <= n);
			CU_ASSERT_PTR_NULL(strstr(out, "movabs"));
		}
		free(buf);
	}
	char out[160];
	size_t len;
	VML_ASSERT_ERR(vml_disasm_one(movabs, 0, 0x1000, out, sizeof(out), &len),
		       VML_ERROR_FAULT);
	VML_ASSERT_ERR(vml_disasm_one(NULL, 4, 0x1000, out, sizeof(out), &len),
		       VML_ERROR_FAULT);
	VML_ASSERT_ERR(vml_disasm_one(movabs, sizeof(movabs), 0x1000, NULL, 10, &len),
		       VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_disasm_one(movabs, sizeof(movabs), 0x1000, out, 0, &len),
		       VML_ERROR_INVALID);
	/* A small output buffer truncates, always NUL-terminated. */
	char small[9];
	memset(small, 'x', sizeof(small));
	VML_ASSERT_OK(vml_disasm_one(movabs, sizeof(movabs), 0x1000, small, 8, &len));
	CU_ASSERT_EQUAL(len, sizeof(movabs));
	CU_ASSERT(strlen(small) >= 6 && strlen(small) <= 7);
	CU_ASSERT(strncmp(small, "movabs $0x1122334455667788,%rax", strlen(small)) == 0);
	CU_ASSERT_EQUAL(small[8], 'x');
}

/* ---- the test binary itself, against objdump and GDB */

struct text_section {
	char exe[4096];
	uint64_t vma, size, offset;
};

static bool find_text(struct text_section *t)
{
	ssize_t n = readlink("/proc/self/exe", t->exe, sizeof(t->exe) - 1);
	if (n <= 0)
		return false;
	t->exe[n] = '\0';
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "objdump -h '%s'", t->exe);
	FILE *p = popen(cmd, "r");
	if (!p)
		return false;
	char line[512];
	bool found = false;
	while (fgets(line, sizeof(line), p)) {
		unsigned idx;
		char name[64];
		uint64_t size, vma, lma, off;
		if (sscanf(line, " %u %63s %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64,
			   &idx, name, &size, &vma, &lma, &off) == 6 &&
		    strcmp(name, ".text") == 0) {
			t->vma = vma;
			t->size = size;
			t->offset = off;
			found = true;
		}
	}
	pclose(p);
	return found;
}

/* Collapse runs of blanks into one space, trim the ends. */
static void squeeze(char *s)
{
	char *w = s;
	bool space = true;
	for (char *r = s; *r; r++) {
		if (isspace((unsigned char)*r)) {
			if (!space)
				*w++ = ' ';
			space = true;
		} else {
			*w++ = *r;
			space = false;
		}
	}
	if (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
}

/* objdump writes symbolized addresses as "1040 <puts@plt>", GDB (and
 * vml_disasm_one without symbols) as "0x1040": rewrite objdump's form. */
static void objdump_to_gdb(const char *in, char *out, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; in[i] && o + 3 < size;) {
		size_t j = i;
		bool word_start = i == 0 || in[i - 1] == ' ' || in[i - 1] == ',';
		while (word_start && isxdigit((unsigned char)in[j]))
			j++;
		if (j > i && in[j] == ' ' && in[j + 1] == '<') {
			const char *close = strchr(in + j, '>');
			if (close && o + (j - i) + 3 < size) {
				out[o++] = '0';
				out[o++] = 'x';
				memcpy(out + o, in + i, j - i);
				o += j - i;
				i = (size_t)(close - in) + 1;
				continue;
			}
		}
		out[o++] = in[i++];
	}
	out[o] = '\0';
}

static void test_matches_objdump(void)
{
	struct text_section t;
	CU_ASSERT_FATAL(find_text(&t));
	int fd = open(t.exe, O_RDONLY);
	CU_ASSERT_FATAL(fd >= 0);
	/* Start in the middle of .text: real compiled code, not just crt. */
	uint64_t start = t.vma + (t.size / 2 & ~UINT64_C(0xf));
	char cmd[4400];
	snprintf(cmd, sizeof(cmd),
		 "objdump -d -z --no-show-raw-insn --start-address=0x%" PRIx64
		 " --stop-address=0x%" PRIx64 " '%s'", start, start + 0x1000, t.exe);
	FILE *p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	char line[1024];
	size_t compared = 0;
	uint64_t prev_addr = 0;
	size_t prev_len = 0;
	while (compared < 200 && fgets(line, sizeof(line), p)) {
		uint64_t addr;
		int pos = 0;
		if (sscanf(line, " %" SCNx64 ":\t%n", &addr, &pos) != 1 || pos == 0)
			continue;
		char *text = line + pos;
		text[strcspn(text, "\n")] = '\0';
		if (!*text)
			continue;
		char want[1024];
		objdump_to_gdb(text, want, sizeof(want));
		squeeze(want);

		uint8_t buf[16];
		uint64_t left = t.vma + t.size - addr;
		size_t n = left < sizeof(buf) ? (size_t)left : sizeof(buf);
		CU_ASSERT_FATAL(pread(fd, buf, n, (off_t)(t.offset + (addr - t.vma))) == (ssize_t)n);
		char got[160];
		size_t len = 0;
		VML_ASSERT_OK(vml_disasm_one(buf, n, addr, got, sizeof(got), &len));
		squeeze(got);
		if (strcmp(got, want) != 0)
			fprintf(stderr, "\n0x%" PRIx64 ": got '%s' objdump '%s'\n", addr, got, want);
		CU_ASSERT_STRING_EQUAL(got, want);
		/* Lengths agree with objdump's next address. */
		if (compared > 0)
			CU_ASSERT_EQUAL(addr - prev_addr, prev_len);
		prev_addr = addr;
		prev_len = len;
		compared++;
	}
	pclose(p);
	close(fd);
	CU_ASSERT_EQUAL(compared, 200);
}

static struct vml_layout *one_region(uint64_t start, uint64_t end,
				     const char *perms, const char *path,
				     uint64_t offset)
{
	struct vml_layout *layout = NULL;
	VML_ASSERT_OK(vml_layout_create(&layout));
	struct vml_region r;
	memset(&r, 0, sizeof(r));
	r.start = start;
	r.end = end;
	r.offset = offset;
	vml_region_set_perms(&r, perms);
	if (path) {
		r.name = vml_arena_strdup(&layout->strings, path);
		r.path = r.name;
	}
	VML_ASSERT_OK(vml_layout_append(layout, &r));
	VML_ASSERT_OK(vml_layout_finish(layout));
	return layout;
}

static void test_disasm_at_source(void)
{
	static const uint8_t code[] = { 0x55, 0x48, 0x89, 0xe5, 0xc3, 0x48, 0x89, 0xe5 };
	struct vml_source *src = NULL;
	VML_ASSERT_OK(vml_source_from_buffer(VML_SPACE_VIRTUAL, 0x401000, code,
					     sizeof(code), &src));
	struct vml_layout *layout = one_region(0x401000, 0x401007, "r-xp", NULL, 0);
	vml_layout_set_source(layout, src);
	char out[160];
	size_t len = 0;
	VML_ASSERT_OK(vml_disasm_at(layout, 0x401001, out, sizeof(out), &len));
	CU_ASSERT_STRING_EQUAL(out, "mov    %rsp,%rbp");
	CU_ASSERT_EQUAL(len, 3);
	VML_ASSERT_OK(vml_disasm_at(layout, 0x401004, out, sizeof(out), &len));
	CU_ASSERT_STRING_EQUAL(out, "ret");
	/* The region ends 0x401007: only 2 of the 3 bytes of the mov at
	 * 0x401005 are in it, so it must not decode as the full mov. */
	struct vml_error *err = vml_disasm_at(layout, 0x401005, out, sizeof(out), &len);
	if (err) {
		vml_error_free(err);
	} else {
		CU_ASSERT(len <= 2);
		CU_ASSERT_PTR_NULL(strstr(out, "%rsp,%rbp"));
	}
	/* Unmapped: a fault naming the address. */
	err = vml_disasm_at(layout, 0x500000, out, sizeof(out), &len);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_FAULT);
	bool has = false;
	CU_ASSERT_EQUAL(vml_error_address(err, &has), 0x500000);
	CU_ASSERT_TRUE(has);
	vml_error_free(err);
	/* No source and no file behind the region: a fault. */
	vml_layout_set_source(layout, NULL);
	VML_ASSERT_ERR(vml_disasm_at(layout, 0x401000, out, sizeof(out), &len),
		       VML_ERROR_FAULT);
	VML_ASSERT_ERR(vml_disasm_at(layout, 0x401000, NULL, 0, &len), VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_disasm_at(NULL, 0x401000, out, sizeof(out), &len),
		       VML_ERROR_INVALID);
	vml_layout_free(layout);
	vml_source_free(src);
}

/* No source: the bytes come from the region's file (here this binary's
 * .text), with and without a sysroot. */
static void test_disasm_at_file(void)
{
	struct text_section t;
	CU_ASSERT_FATAL(find_text(&t));
	uint64_t addr = t.vma + 0x40;
	struct vml_layout *layout = one_region(t.vma, t.vma + t.size, "r-xp",
					       t.exe, t.offset);
	int fd = open(t.exe, O_RDONLY);
	CU_ASSERT_FATAL(fd >= 0);
	uint8_t buf[16];
	CU_ASSERT_FATAL(pread(fd, buf, sizeof(buf), (off_t)(t.offset + 0x40)) == sizeof(buf));
	close(fd);
	char want[160], got[160];
	size_t want_len = 0, got_len = 0;
	VML_ASSERT_OK(vml_disasm_one(buf, sizeof(buf), addr, want, sizeof(want), &want_len));
	VML_ASSERT_OK(vml_disasm_at(layout, addr, got, sizeof(got), &got_len));
	CU_ASSERT_STRING_EQUAL(got, want);
	CU_ASSERT_EQUAL(got_len, want_len);

	/* objdump agrees on that instruction. */
	char cmd[4400];
	snprintf(cmd, sizeof(cmd),
		 "objdump -d -z --no-show-raw-insn --start-address=0x%" PRIx64
		 " --stop-address=0x%" PRIx64 " '%s' | grep -m1 '^ *%" PRIx64 ":'",
		 addr, addr + 16, t.exe, addr);
	FILE *p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	char line[1024] = "";
	CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof(line), p));
	pclose(p);
	char *tab = strchr(line, '\t');
	CU_ASSERT_PTR_NOT_NULL_FATAL(tab);
	char objdump[1024];
	objdump_to_gdb(tab + 1, objdump, sizeof(objdump));
	squeeze(objdump);
	squeeze(got);
	CU_ASSERT_STRING_EQUAL(got, objdump);

	VML_ASSERT_OK(vml_layout_set_sysroot(layout, "/proc/self/root"));
	VML_ASSERT_OK(vml_disasm_at(layout, addr, got, sizeof(got), &got_len));
	CU_ASSERT_STRING_EQUAL(got, want);
	VML_ASSERT_OK(vml_layout_set_sysroot(layout, "/nonexistent-sysroot"));
	VML_ASSERT_ERR(vml_disasm_at(layout, addr, got, sizeof(got), &got_len),
		       VML_ERROR_FAULT);
	vml_layout_free(layout);
}

/* ---- symbols, against GDB's x/i on the same binary */

static int first_object_bias(struct dl_phdr_info *info, size_t size, void *arg)
{
	*(uint64_t *)arg = info->dlpi_addr;
	return 1; /* the main program comes first */
}

/* GDB's x/i line "   0x2a190 <sym+4>:\tpush   %r15" -> address and text. */
static bool parse_gdb_line(char *line, uint64_t *addr, char **text)
{
	char *p = line;
	while (*p == ' ' || *p == '=' || *p == '>')
		p++;
	if (sscanf(p, "0x%" SCNx64, addr) != 1)
		return false;
	char *tab = strstr(p, ":\t");
	if (!tab)
		return false;
	*text = tab + 2;
	(*text)[strcspn(*text, "\n")] = '\0';
	return true;
}

/* Rewrite each code address (branch target "0xN" or "# 0xN" comment) by
 * subtracting delta: runtime addresses back to link-time ones. */
static void unbias(const char *in, uint64_t delta, char *out, size_t size)
{
	/* The first operand of a branch is its target. */
	size_t operand = SIZE_MAX;
	if (in[0] == 'j' || strncmp(in, "call", 4) == 0) {
		operand = strcspn(in, " ");
		while (in[operand] == ' ')
			operand++;
	}
	size_t o = 0;
	for (size_t i = 0; in[i] && o + 20 < size;) {
		bool target = i == operand ||
			      (i >= 2 && in[i - 1] == ' ' && in[i - 2] == '#');
		if (target && in[i] == '0' && in[i + 1] == 'x') {
			char *end;
			uint64_t v = strtoull(in + i + 2, &end, 16);
			o += (size_t)snprintf(out + o, size - o, "0x%" PRIx64,
					      v >= delta ? v - delta : v);
			i = (size_t)(end - in);
			continue;
		}
		out[o++] = in[i++];
	}
	out[o] = '\0';
}

/* GCC's clones (foo.constprop.0, foo.isra.0, foo.part.0, foo.cold) carry
 * their suffix in the ELF symbol table, which names our targets, while GDB
 * names them after the function in the debug info (foo). Which clones land
 * in the compared range depends on the build flags (a Debian package build
 * has one), so names are compared without the suffix. */
static void drop_clone_suffix(char *s)
{
	char *lt = strrchr(s, '<');
	char *dot = lt ? strchr(lt, '.') : NULL;
	if (!dot)
		return;
	char *end = dot + strcspn(dot, "+>");
	memmove(dot, end, strlen(end) + 1);
}

static void test_symbols_match_gdb(void)
{
	uint64_t bias = 0;
	dl_iterate_phdr(first_object_bias, &bias);
	uint64_t runtime = (uint64_t)(uintptr_t)&vml_render_layout;
	uint64_t link = runtime - bias;
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	CU_ASSERT_FATAL(n > 0);
	exe[n] = '\0';

	struct vml_layout *layout = NULL;
	VML_ASSERT_OK(vml_layout_from_pid(getpid(), &layout));
	VML_ASSERT_OK(vml_layout_classify(layout));

	char cmd[4400];
	snprintf(cmd, sizeof(cmd), "gdb -nx -batch -ex 'x/120i 0x%" PRIx64 "' '%s' 2>/dev/null",
		 link, exe);
	FILE *p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	char line[1024];
	size_t compared = 0, symbolized = 0;
	while (fgets(line, sizeof(line), p)) {
		uint64_t addr;
		char *text;
		if (!parse_gdb_line(line, &addr, &text))
			continue;
		char got[160], norm[512];
		size_t len = 0;
		VML_ASSERT_OK(vml_disasm_at(layout, addr + bias, got, sizeof(got), &len));
		unbias(got, bias, norm, sizeof(norm));
		/* GDB makes up "name@plt" symbols from relocations; ELF symbol
		 * tables have none, so compare those only up to the symbol. */
		char *plt = strstr(text, "@plt>");
		if (plt) {
			char *lt = strrchr(text, '<');
			if (lt && lt > text)
				lt[-1] = '\0';
			char *ours = strstr(norm, " <");
			if (ours)
				*ours = '\0';
		}
		drop_clone_suffix(norm);
		drop_clone_suffix(text);
		if (strcmp(norm, text) != 0)
			fprintf(stderr, "\n0x%" PRIx64 ": got '%s' gdb '%s'\n", addr, norm, text);
		CU_ASSERT_STRING_EQUAL(norm, text);
		symbolized += strstr(text, "<vml_") != NULL;
		compared++;
	}
	pclose(p);
	CU_ASSERT_EQUAL(compared, 120);
	/* The function branches and calls within the library: some targets
	 * must have been named. */
	CU_ASSERT(symbolized > 0);
	vml_layout_free(layout);
}

static CU_TestInfo tests[] = {
	{ "known bytes", test_known_bytes },
	{ "truncated input, bad arguments", test_truncated_and_bad_args },
	{ "200 instructions match objdump", test_matches_objdump },
	{ "disasm_at from the source", test_disasm_at_source },
	{ "disasm_at from the file", test_disasm_at_file },
	{ "symbols match gdb x/i", test_symbols_match_gdb },
	CU_TEST_INFO_NULL,
};

int vml_suite_disasm(void)
{
	return vml_add_suite("disasm", tests);
}
