/*
 * render_test.c — picture, table, JSON and whereis rendering, on layouts
 * built by hand (kinds and groups set here, not by the classifier) so the
 * expected boundaries, sizes and gaps are written in this file. JSON is
 * checked by parsing it back with the system Python.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "suites.h"

struct spec {
	uint64_t start, end;
	const char *perms;
	uint64_t offset;
	const char *name;    /* maps name; a path when it starts with '/' */
	uint32_t kind, group, flags;
	int64_t tid;
	const char *object;
};

static struct vml_layout *build(const struct spec *specs, size_t n)
{
	struct vml_layout *layout = NULL;
	VML_ASSERT_OK(vml_layout_create(&layout));
	for (size_t i = 0; i < n; i++) {
		const struct spec *s = &specs[i];
		struct vml_region r;
		memset(&r, 0, sizeof(r));
		r.start = s->start;
		r.end = s->end;
		r.offset = s->offset;
		vml_region_set_perms(&r, s->perms);
		r.kind = s->kind;
		r.group = s->group;
		r.flags |= s->flags;
		r.tid = s->tid;
		if (s->name) {
			r.name = vml_arena_strdup(&layout->strings, s->name);
			if (s->name[0] == '/')
				r.path = r.name;
		}
		if (s->object)
			r.object = vml_arena_strdup(&layout->strings, s->object);
		VML_ASSERT_OK(vml_layout_append(layout, &r));
	}
	VML_ASSERT_OK(vml_layout_finish(layout));
	return layout;
}

#define DEMO "/usr/bin/demo"
#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"
/* A weird file name: quote, newline, an invalid byte, then valid UTF-8. */
#define WEIRD "/tmp/we\"ird\n\xff\xc3\xa9"

/* A small process. Gaps, computed by hand:
 *   .text end 0x402000 .. .data 0x403000             4 KiB
 *   .bss end 0x405000 .. heap 0x1000000              0xbfb000 = 11.98 MiB
 *   heap end 0x1021000 .. guard 0x40001021000        4 TiB
 *   stack end 0x40001822000 .. libc 0x7ffef0000000   (not checked)
 *   libc end 0x7ffef0228000 .. weird 0x7ffefffdd000  (not checked)
 *   weird end 0x7ffefffde000 .. stack 0x7ffffffde000 4 GiB
 *   stack end 0x7ffffffff000 .. 0x800000000000       4 KiB */
static const struct spec small[] = {
	{ 0x400000, 0x401000, "r--p", 0, DEMO, VML_KIND_RODATA, VML_GROUP_EXE, VML_REGION_EXE, 0, DEMO },
	{ 0x401000, 0x402000, "r-xp", 0x1000, DEMO, VML_KIND_TEXT, VML_GROUP_EXE, VML_REGION_EXE, 0, DEMO },
	{ 0x403000, 0x404000, "rw-p", 0x2000, DEMO, VML_KIND_DATA, VML_GROUP_EXE, VML_REGION_EXE, 0, DEMO },
	{ 0x404000, 0x405000, "rw-p", 0, NULL, VML_KIND_BSS, VML_GROUP_EXE, VML_REGION_EXE, 0, DEMO },
	{ 0x1000000, 0x1021000, "rw-p", 0, "[heap]", VML_KIND_HEAP, VML_GROUP_HEAP, VML_REGION_PSEUDO, 0, NULL },
	{ 0x40001021000, 0x40001022000, "---p", 0, NULL, VML_KIND_GUARD, VML_GROUP_STACK, 0, 0, NULL },
	{ 0x40001022000, 0x40001822000, "rw-p", 0, NULL, VML_KIND_THREAD_STACK, VML_GROUP_STACK, 0, 4321, NULL },
	{ 0x7ffef0000000, 0x7ffef0028000, "r--p", 0, LIBC, VML_KIND_RODATA, VML_GROUP_MMAP, VML_REGION_LIBRARY, 0, LIBC },
	{ 0x7ffef0028000, 0x7ffef01bd000, "r-xp", 0x28000, LIBC, VML_KIND_TEXT, VML_GROUP_MMAP, VML_REGION_LIBRARY, 0, LIBC },
	{ 0x7ffef01bd000, 0x7ffef0215000, "r--p", 0x1bd000, LIBC, VML_KIND_RODATA, VML_GROUP_MMAP, VML_REGION_LIBRARY, 0, LIBC },
	{ 0x7ffef0215000, 0x7ffef0219000, "r--p", 0x214000, LIBC, VML_KIND_RELRO, VML_GROUP_MMAP, VML_REGION_LIBRARY, 0, LIBC },
	{ 0x7ffef0219000, 0x7ffef021b000, "rw-p", 0x218000, LIBC, VML_KIND_DATA, VML_GROUP_MMAP, VML_REGION_LIBRARY, 0, LIBC },
	{ 0x7ffef021b000, 0x7ffef0228000, "rw-p", 0, NULL, VML_KIND_BSS, VML_GROUP_MMAP, VML_REGION_LIBRARY, 0, LIBC },
	{ 0x7ffefffdd000, 0x7ffefffde000, "rw-s", 0, WEIRD, VML_KIND_MMAP_FILE, VML_GROUP_MMAP, VML_REGION_DELETED, 0, NULL },
	{ 0x7ffffffde000, 0x7ffffffff000, "rw-p", 0, "[stack]", VML_KIND_STACK, VML_GROUP_STACK, VML_REGION_PSEUDO, 1000, NULL },
	{ 0xffffffffff600000, 0xffffffffff601000, "--xp", 0, "[vsyscall]", VML_KIND_VSYSCALL, VML_GROUP_SPECIAL, VML_REGION_PSEUDO, 0, NULL },
};

static char *render(const struct vml_layout *layout, enum vml_format format,
		    uint32_t flags)
{
	char *out = NULL;
	VML_ASSERT_OK(vml_render_layout(layout, format, flags, &out));
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	return out;
}

/* Display columns of one line: UTF-8 code points, ANSI escapes excluded. */
static size_t columns(const char *line, size_t len)
{
	size_t cols = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c == 0x1b) {
			/* CSI: ESC [ params final-byte */
			i++;
			while (i < len && !(line[i] >= 0x40 && line[i] <= 0x7e && line[i] != '['))
				i++;
			continue;
		}
		if ((c & 0xc0) != 0x80)
			cols++;
	}
	return cols;
}

static size_t count_lines(const char *s, size_t *max_cols)
{
	size_t n = 0;
	*max_cols = 0;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		size_t cols = columns(s, len);
		if (cols > *max_cols)
			*max_cols = cols;
		n++;
		s += len + (nl ? 1 : 0);
	}
	return n;
}

static size_t count_substr(const char *s, const char *sub)
{
	size_t n = 0;
	for (const char *p = strstr(s, sub); p; p = strstr(p + 1, sub))
		n++;
	return n;
}

/* Run a Python snippet on text (stdin from a temp file); returns its
 * stdout, or NULL when Python failed (invalid JSON raises). */
static char *run_python(const char *text, const char *script)
{
	char path[] = "/tmp/vml-render-test-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	size_t len = strlen(text);
	CU_ASSERT_FATAL(write(fd, text, len) == (ssize_t)len);
	close(fd);
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c '%s' < %s", script, path);
	FILE *p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	size_t cap = 1 << 16, got = 0;
	char *out = malloc(cap);
	size_t n;
	while ((n = fread(out + got, 1, cap - 1 - got, p)) > 0) {
		got += n;
		if (got == cap - 1) {
			cap *= 2;
			out = realloc(out, cap);
		}
	}
	out[got] = '\0';
	int status = pclose(p);
	unlink(path);
	if (status != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static void test_format_size(void)
{
	static const struct {
		uint64_t bytes;
		const char *want;
	} cases[] = {
		{ 0, "0 B" },
		{ 1, "1 B" },
		{ 1023, "1023 B" },
		{ 1024, "1 KiB" },
		{ 1536, "1.5 KiB" },
		{ 1100, "1.1 KiB" },             /* 1.074 rounds to 1.1 */
		{ 4096, "4 KiB" },
		{ 132 * 1024, "132 KiB" },
		{ 1048575, "1.0 MiB" },          /* 1023.999 KiB: not 1024.0 KiB */
		{ 1572864, "1.5 MiB" },
		{ UINT64_C(1) << 30, "1 GiB" },
		{ UINT64_C(128) << 40, "128 TiB" },
		{ (UINT64_C(5) << 40) / 2, "2.5 TiB" },
		{ UINT64_C(1) << 60, "1 EiB" },
		{ UINT64_MAX, "16.0 EiB" },
	};
	for (size_t i = 0; i < VML_ARRAY_SIZE(cases); i++) {
		char buf[32];
		memset(buf, 'x', sizeof(buf));
		vml_format_size(cases[i].bytes, buf, sizeof(buf));
		if (strcmp(buf, cases[i].want) != 0)
			fprintf(stderr, "\nsize %" PRIu64 ": got '%s' want '%s'\n",
				cases[i].bytes, buf, cases[i].want);
		CU_ASSERT_STRING_EQUAL(buf, cases[i].want);
	}
	/* Tiny buffers still get a NUL and nothing past them. */
	char small_buf[5] = "zzzz";
	vml_format_size(1572864, small_buf, 4);
	CU_ASSERT_STRING_EQUAL(small_buf, "1.5");
	CU_ASSERT_EQUAL(small_buf[4], '\0');
	small_buf[0] = 'q';
	vml_format_size(1, small_buf, 0);
	CU_ASSERT_EQUAL(small_buf[0], 'q');
}

static void test_table_rows(void)
{
	size_t n = VML_ARRAY_SIZE(small);
	struct vml_layout *layout = build(small, n);
	char *out = render(layout, VML_FORMAT_TABLE, 0);
	size_t max_cols;
	CU_ASSERT_EQUAL(count_lines(out, &max_cols), n + 1);
	CU_ASSERT_PTR_NULL(strchr(out, 0x1b));
	CU_ASSERT(strncmp(out, "START              END                SIZE      PERMS "
			  "OFFSET   KIND          NAME\n", 80) == 0);
	const char *line = strchr(out, '\n') + 1;
	for (size_t i = 0; i < n; i++) {
		uint64_t start = 0, end = 0;
		CU_ASSERT_EQUAL(sscanf(line, "0x%" SCNx64 " 0x%" SCNx64, &start, &end), 2);
		CU_ASSERT_EQUAL(start, small[i].start);
		CU_ASSERT_EQUAL(end, small[i].end);
		const char *nl = strchr(line, '\n');
		CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
		/* perms column */
		CU_ASSERT(strncmp(line + 48, small[i].perms, 4) == 0);
		line = nl + 1;
	}
	/* Hand-checked rows: exact text. */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "0x0000000000401000 0x0000000000402000 4 KiB     "
					   "r-xp  00001000 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "0x00007ffef0028000 0x00007ffef01bd000 1.6 MiB   "
					   "r-xp  00028000 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " " LIBC "\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " [stack]\n"));
	/* Newline in the name made harmless, " (deleted)" kept. */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "/tmp/we\"ird??\xc3\xa9 (deleted)\n"));
	vml_free(out);

	out = render(layout, VML_FORMAT_TABLE, VML_RENDER_COLOR);
	CU_ASSERT_PTR_NOT_NULL(strchr(out, 0x1b));
	CU_ASSERT_EQUAL(count_lines(out, &max_cols), n + 1);
	vml_free(out);
	vml_layout_free(layout);
}

static void test_json_parses_back(void)
{
	size_t n = VML_ARRAY_SIZE(small);
	struct vml_layout *layout = build(small, n);
	char *out = render(layout, VML_FORMAT_JSON, 0);
	char *py = run_python(out,
		"import json,sys\n"
		"d = json.load(sys.stdin)\n"
		"assert set(d) == {\"regions\", \"incomplete\"}\n"
		"print(len(d[\"regions\"]), d[\"incomplete\"])\n"
		"for r in d[\"regions\"]:\n"
		"    print(r[\"start\"], r[\"end\"], r[\"perms\"], r[\"offset\"], r[\"tid\"], r[\"deleted\"], ascii(r[\"path\"]), ascii(r[\"name\"]), ascii(r[\"object\"]))\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(py);
	char want[8192];
	size_t len = (size_t)snprintf(want, sizeof(want), "%zu False\n", n);
	for (size_t i = 0; i < n; i++) {
		const struct spec *s = &small[i];
		char tid[32], path[64], name[64], object[64];
		snprintf(tid, sizeof(tid), s->tid ? "%" PRId64 : "None", s->tid);
		/* The invalid byte 0xff comes back as U+00FF, é as U+00E9. */
		const char *shown = s->name && strcmp(s->name, WEIRD) == 0 ?
			"'/tmp/we\"ird\\n\\xff\\xe9'" : NULL;
		if (shown)
			snprintf(name, sizeof(name), "%s", shown);
		else if (s->name)
			snprintf(name, sizeof(name), "'%s'", s->name);
		else
			snprintf(name, sizeof(name), "None");
		snprintf(path, sizeof(path), "%s", s->name && s->name[0] == '/' ? name : "None");
		if (s->object)
			snprintf(object, sizeof(object), "'%s'", s->object);
		else
			snprintf(object, sizeof(object), "None");
		len += (size_t)snprintf(want + len, sizeof(want) - len,
					"%" PRIu64 " %" PRIu64 " %s %" PRIu64 " %s %s %s %s %s\n",
					s->start, s->end, s->perms, s->offset, tid,
					(s->flags & VML_REGION_DELETED) ? "True" : "False",
					path, name, object);
	}
	CU_ASSERT_STRING_EQUAL(py, want);
	if (strcmp(py, want) != 0)
		fprintf(stderr, "\ngot:\n%s\nwant:\n%s\n", py, want);
	free(py);
	vml_free(out);

	/* An empty layout is still one valid object. */
	struct vml_layout *empty = build(NULL, 0);
	out = render(empty, VML_FORMAT_JSON, 0);
	py = run_python(out, "import json,sys\nd = json.load(sys.stdin)\nprint(d)\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(py);
	CU_ASSERT_STRING_EQUAL(py, "{'regions': [], 'incomplete': False}\n");
	free(py);
	vml_free(out);
	vml_layout_free(empty);
	vml_layout_free(layout);
}

/* Line holding needle, copied into buf (without the newline). */
static bool find_line(const char *text, const char *needle, char *buf,
		      size_t size)
{
	const char *p = strstr(text, needle);
	if (!p)
		return false;
	const char *b = p;
	while (b > text && b[-1] != '\n')
		b--;
	const char *e = strchr(p, '\n');
	size_t len = e ? (size_t)(e - b) : strlen(b);
	if (len >= size)
		len = size - 1;
	memcpy(buf, b, len);
	buf[len] = '\0';
	return true;
}

static void test_picture_small(void)
{
	struct vml_layout *layout = build(small, VML_ARRAY_SIZE(small));
	char *out = render(layout, VML_FORMAT_PICTURE, 0);
	size_t max_cols;
	size_t lines = count_lines(out, &max_cols);
	CU_ASSERT(max_cols <= 80);
	CU_ASSERT(lines < 100);
	CU_ASSERT_PTR_NULL(strchr(out, 0x1b));
	/* Top of the space first, address 0 last. */
	CU_ASSERT(strncmp(out, "0xffffffffffffffff +", 20) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n0x0000000000000000 +"));
	/* ... and it is the last line: "\n", address, " ", 50-column border, "\n". */
	CU_ASSERT_EQUAL(strlen(strstr(out, "\n0x0000000000000000 +")), 1 + 18 + 1 + 50 + 1);
	/* Fixed blocks of a user process. */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "kernel space"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "not visible to this process"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "[vsyscall] at 0xffffffffff600000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n0xffff800000000000 +"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "non-canonical hole (16 EiB - 256 TiB)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n0x0000800000000000 +"));
	/* Gap labels, sizes from the comment above. */
	char line[256];
	CU_ASSERT_EQUAL(count_substr(out, "~"), 2 * 7);
	CU_ASSERT(find_line(out, " 12.0 MiB unmapped ", line, sizeof(line)));
	CU_ASSERT(find_line(out, " 4 TiB unmapped ", line, sizeof(line)));
	CU_ASSERT(find_line(out, " 4 GiB unmapped ", line, sizeof(line)));
	CU_ASSERT_EQUAL(count_substr(out, " 4 KiB unmapped "), 2);
	/* Block boundaries carry the hand-written addresses. */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n0x00007ffffffff000 +"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n0x00007ffffffde000 +"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n0x0000000001021000 +"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n0x0000000001000000 +"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n0x0000000000400000 +"));
	/* Stack grows down, heap up, each with its marker. */
	CU_ASSERT(find_line(out, "[stack]", line, sizeof(line)));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, " v "));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "rw-p"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "132 KiB"));
	CU_ASSERT(find_line(out, "[heap]", line, sizeof(line)));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, " ^ "));
	/* The library once, folded, with its perms summary and span
	 * (0x7ffef0000000..0x7ffef0228000 = 2.2 MiB). */
	CU_ASSERT_EQUAL(count_substr(out, "libc.so.6"), 1);
	CU_ASSERT(find_line(out, "libc.so.6", line, sizeof(line)));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "r-- r-x rw-"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "2.2 MiB"));
	/* Thread stack with its guard in one block. */
	CU_ASSERT(find_line(out, "thread 4321", line, sizeof(line)));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "8 MiB"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n0x0000040001022000 | -"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "guard"));
	/* The executable with its sections. */
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "demo (executable)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, ".text"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, ".data"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, ".bss"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "rodata"));
	/* The low area below the first region. */
	CU_ASSERT(find_line(out, "reserved", line, sizeof(line)));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "4 MiB"));
	/* The weird name cannot break a line. */
	CU_ASSERT(find_line(out, "we\"ird", line, sizeof(line)));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "(deleted)"));
	vml_free(out);

	out = render(layout, VML_FORMAT_PICTURE, VML_RENDER_COLOR);
	CU_ASSERT_PTR_NOT_NULL(strchr(out, 0x1b));
	CU_ASSERT_EQUAL(count_lines(out, &max_cols), lines);
	CU_ASSERT(max_cols <= 80);
	vml_free(out);
	vml_layout_free(layout);
}

/* 60,000 regions: 30,000 anon/guard pairs plus a few ordinary ones. */
static void test_picture_many_regions(void)
{
	size_t pairs = 30000, n = 2 * pairs + 3;
	struct spec *specs = calloc(n, sizeof(*specs));
	CU_ASSERT_PTR_NOT_NULL_FATAL(specs);
	specs[0] = (struct spec){ 0x400000, 0x401000, "r-xp", 0, DEMO, VML_KIND_TEXT,
				  VML_GROUP_EXE, VML_REGION_EXE, 0, DEMO };
	specs[1] = (struct spec){ 0x1000000, 0x1021000, "rw-p", 0, "[heap]", VML_KIND_HEAP,
				  VML_GROUP_HEAP, VML_REGION_PSEUDO, 0, NULL };
	uint64_t at = 0x7f0000000000;
	for (size_t i = 0; i < pairs; i++) {
		specs[2 + 2 * i] = (struct spec){ at, at + 0x2000, "rw-p", 0, NULL,
						  VML_KIND_MMAP_ANON, VML_GROUP_MMAP, 0, 0, NULL };
		specs[3 + 2 * i] = (struct spec){ at + 0x2000, at + 0x3000, "---p", 0, NULL,
						  VML_KIND_GUARD, VML_GROUP_MMAP, 0, 0, NULL };
		at += 0x3000;
	}
	specs[n - 1] = (struct spec){ 0x7ffffffde000, 0x7ffffffff000, "rw-p", 0, "[stack]",
				      VML_KIND_STACK, VML_GROUP_STACK, VML_REGION_PSEUDO, 0, NULL };
	struct vml_layout *layout = build(specs, n);
	CU_ASSERT_EQUAL(vml_layout_count(layout), n);
	char *out = render(layout, VML_FORMAT_PICTURE, 0);
	size_t max_cols;
	CU_ASSERT(count_lines(out, &max_cols) < 100);
	CU_ASSERT(max_cols <= 80);
	/* One line for the whole run: 30000 x 12 KiB = 351.5625 MiB. */
	char line[256];
	CU_ASSERT(find_line(out, "30000 anon / 30000 guards, alternating", line, sizeof(line)));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "351.6 MiB"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line, "rw- ---"));
	vml_free(out);

	/* The table still has one row per region. */
	out = render(layout, VML_FORMAT_TABLE, 0);
	CU_ASSERT_EQUAL(count_lines(out, &max_cols), n + 1);
	vml_free(out);
	vml_layout_free(layout);

	/* 3,000 different large files cannot fold by kind: the height cap
	 * folds them into "N more mappings" lines. */
	size_t files = 3000;
	struct spec *fs = calloc(files, sizeof(*fs));
	char (*names)[32] = calloc(files, 32);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(names);
	at = 0x7f0000000000;
	for (size_t i = 0; i < files; i++) {
		snprintf(names[i], 32, "/data/file%zu", i);
		/* sizes differ so the largest kept are well defined */
		uint64_t size = 0x200000 + 0x1000 * (i % 7);
		fs[i] = (struct spec){ at, at + size, "r--p", 0, names[i], VML_KIND_MMAP_FILE,
				       VML_GROUP_MMAP, 0, 0, NULL };
		at += size + 0x1000;
	}
	layout = build(fs, files);
	out = render(layout, VML_FORMAT_PICTURE, 0);
	CU_ASSERT(count_lines(out, &max_cols) < 100);
	CU_ASSERT(max_cols <= 80);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "more mappings: "));
	vml_free(out);
	vml_layout_free(layout);
	free(names);
	free(fs);
	free(specs);
}

static void test_picture_kernel_and_la57(void)
{
	/* A layout with kernel regions lists them instead of hiding them. */
	static const struct spec kern[] = {
		{ 0x400000, 0x401000, "r-xp", 0, NULL, VML_KIND_UNKNOWN, VML_GROUP_NONE, 0, 0, NULL },
		{ 0xffff888000000000, 0xffff888100000000, "rw-p", 0, NULL, VML_KIND_DIRECT_MAP, VML_GROUP_KERNEL, 0, 0, NULL },
		{ 0xffffffff81000000, 0xffffffff83000000, "r-xp", 0, NULL, VML_KIND_KERNEL_TEXT, VML_GROUP_KERNEL, 0, 0, NULL },
	};
	struct vml_layout *layout = build(kern, VML_ARRAY_SIZE(kern));
	char *out = render(layout, VML_FORMAT_PICTURE, 0);
	size_t max_cols;
	count_lines(out, &max_cols);
	CU_ASSERT(max_cols <= 80);
	CU_ASSERT_PTR_NULL(strstr(out, "not visible"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "direct map"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "kernel text"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n0xffff888100000000 +"));
	/* 0xffffffff81000000 - 0xffff888100000000 = 0x777f81000000 */
	char want[64];
	vml_format_size(UINT64_C(0x777f81000000), want, sizeof(want));
	CU_ASSERT_STRING_EQUAL(want, "119.5 TiB");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " 119.5 TiB unmapped "));
	vml_free(out);
	vml_layout_free(layout);

	/* With 5-level paging the hole is 16 EiB - 128 PiB. */
	static const struct spec la57[] = {
		{ 0x00ff000000000000, 0x00ff000000001000, "rw-p", 0, NULL, VML_KIND_MMAP_ANON, VML_GROUP_MMAP, 0, 0, NULL },
	};
	layout = build(la57, 1);
	out = render(layout, VML_FORMAT_PICTURE, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "non-canonical hole (16 EiB - 128 PiB)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n0x0100000000000000 +"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n0xff00000000000000 +"));
	vml_free(out);
	vml_layout_free(layout);

	/* Empty layout: still the three halves, bounded. */
	layout = build(NULL, 0);
	out = render(layout, VML_FORMAT_PICTURE, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "user space: nothing mapped"));
	CU_ASSERT(count_lines(out, &max_cols) < 20);
	vml_free(out);
	vml_layout_free(layout);
}

static void test_render_errors(void)
{
	char *out = (char *)1;
	VML_ASSERT_ERR(vml_render_layout(NULL, VML_FORMAT_TABLE, 0, &out),
		       VML_ERROR_INVALID);
	CU_ASSERT_PTR_NULL(out);
	struct vml_layout *layout = build(NULL, 0);
	VML_ASSERT_ERR(vml_render_layout(layout, VML_FORMAT_TEXT, 0, &out),
		       VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_render_layout(layout, VML_FORMAT_TABLE, 0, NULL),
		       VML_ERROR_INVALID);
	struct vml_where w;
	memset(&w, 0, sizeof(w));
	VML_ASSERT_ERR(vml_render_where(layout, &w, sizeof(w), VML_FORMAT_PICTURE, 0, &out),
		       VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_render_where(layout, NULL, sizeof(w), VML_FORMAT_TEXT, 0, &out),
		       VML_ERROR_INVALID);
	vml_layout_free(layout);
}

static char *render_where(const struct vml_layout *layout,
			  const struct vml_where *w, enum vml_format format)
{
	char *out = NULL;
	VML_ASSERT_OK(vml_render_where(layout, w, sizeof(*w), format, 0, &out));
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	return out;
}

static void test_where_mapped(void)
{
	struct vml_layout *layout = build(small, VML_ARRAY_SIZE(small));
	struct vml_where w;
	memset(&w, 0, sizeof(w));
	w.addr = 0x7ffef0029234;
	w.half = VML_HALF_USER;
	w.canonical = true;
	w.region = vml_layout_region(layout, 8); /* libc text */
	w.has_file_offset = true;
	w.file_offset = 0x29234;
	w.section = ".text";
	w.section_offset = 0x1234;
	w.symbol = "printf";
	w.symbol_offset = 12;
	w.has_insn = true;
	w.insn_len = 3;
	strcpy(w.insn, "mov    %rsp,%rbp");
	char *out = render_where(layout, &w, VML_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "0x7ffef0029234 is a canonical user-space address\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "  region   text  0x7ffef0028000-0x7ffef01bd000 r-xp  "
					   LIBC " +0x29234\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "  section  .text+0x1234\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "  symbol   printf+12\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "  insn     mov    %rsp,%rbp\n"));
	CU_ASSERT_PTR_NULL(strstr(out, "stack"));
	vml_free(out);

	out = render_where(layout, &w, VML_FORMAT_JSON);
	char *py = run_python(out,
		"import json,sys\nd = json.load(sys.stdin)\n"
		"print(d[\"address\"], d[\"canonical\"], d[\"half\"], d[\"mapped\"], d[\"start\"], d[\"end\"], d[\"perms\"], d[\"path\"], d[\"offset\"], d[\"object\"])\n"
		"print(d[\"file_offset\"], d[\"section\"], d[\"section_offset\"], d[\"symbol\"], d[\"symbol_offset\"], d[\"thread\"], d[\"insn\"], d[\"gap\"])\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(py);
	char want[1024];
	snprintf(want, sizeof(want),
		 "%" PRIu64 " True user True %" PRIu64 " %" PRIu64 " r-xp %s %d %s\n"
		 "%d .text %d printf 12 None mov    %%rsp,%%rbp None\n",
		 UINT64_C(0x7ffef0029234), UINT64_C(0x7ffef0028000),
		 UINT64_C(0x7ffef01bd000), LIBC, 0x28000, LIBC, 0x29234, 0x1234);
	CU_ASSERT_STRING_EQUAL(py, want);
	free(py);
	vml_free(out);

	/* An address in a thread stack, below its $sp (red zone). */
	memset(&w, 0, sizeof(w));
	w.addr = 0x40001821000;
	w.canonical = true;
	w.region = vml_layout_region(layout, 6);
	w.stack_tid = 4321;
	w.has_stack_sp = true;
	w.stack_sp = 0x40001821040;
	w.above_sp = -0x40;
	w.stack_note = VML_STACK_NOTE_RED_ZONE;   /* decided by where.c */
	out = render_where(layout, &w, VML_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "  region   thread-stack  0x40001022000-0x40001822000 rw-p"
					   " +0x7ff000 into the region\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "  stack    thread 4321, 0x40 bytes below its $sp "
					   "(0x40001821040), in the red zone\n"));
	vml_free(out);
	w.addr = 0x40001821e40;
	w.above_sp = 0xe00;
	w.stack_note = VML_STACK_NOTE_NONE;
	w.stack_role = VML_STACK_ROLE_LIVE;       /* decided by where.c */
	out = render_where(layout, &w, VML_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "  stack    thread 4321, 0xe00 bytes above its $sp "
					   "(0x40001821040)\n"));
	vml_free(out);
	out = render_where(layout, &w, VML_FORMAT_JSON);
	py = run_python(out, "import json,sys\nd = json.load(sys.stdin)\nprint(d[\"thread\"])\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(py);
	snprintf(want, sizeof(want), "{'tid': 4321, 'sp': %" PRIu64 ", 'above_sp': 3584, "
		 "'main': False, 'role': 'live', 'overflow_depth': None, 'sharing': []}\n",
		 UINT64_C(0x40001821040));
	CU_ASSERT_STRING_EQUAL(py, want);
	free(py);
	vml_free(out);
	w.addr = 0x40001821000 - 0x1000;
	w.above_sp = -0x1040;
	w.stack_note = VML_STACK_NOTE_UNUSED;
	out = render_where(layout, &w, VML_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "0x1040 bytes below its $sp (0x40001821040), unused\n"));
	vml_free(out);
	vml_layout_free(layout);
}

static void test_where_unmapped(void)
{
	struct vml_layout *layout = build(small, VML_ARRAY_SIZE(small));
	/* Between the heap (ends 0x1021000) and the guard (0x40001021000):
	 * a 4 TiB gap; the address is 4 KiB above the heap and
	 * 0x40000000000 - 0x1000 bytes = 4 TiB - 4 KiB below the guard. */
	struct vml_where w;
	memset(&w, 0, sizeof(w));
	w.addr = 0x1022000;
	w.canonical = true;
	w.half = VML_HALF_USER;
	w.gap.start = 0x1021000;
	w.gap.last = 0x40001020fff;
	w.gap.below = vml_layout_region(layout, 4);
	w.gap.above = vml_layout_region(layout, 5);
	char *out = render_where(layout, &w, VML_FORMAT_TEXT);
	CU_ASSERT_PTR_NULL(strstr(out, "NULL"));
	char size[32];
	vml_format_size(UINT64_C(0x40000000000) - 0x1000, size, sizeof(size));
	CU_ASSERT_STRING_EQUAL(size, "4.0 TiB");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "  not mapped: in a gap of 4 TiB between [heap] (heap) "
					   "(0x1000000-0x1021000) and guard (0x40001021000-0x40001022000); "
					   "4 KiB above the end of the region below, 4.0 TiB below the "
					   "region above\n"));
	vml_free(out);

	out = render_where(layout, &w, VML_FORMAT_JSON);
	/* The neighbours are whole region objects, as the layout JSON has them. */
	char *py = run_python(out, "import json,sys\nd = json.load(sys.stdin)\n"
			      "print(d[\"mapped\"], d[\"start\"], d[\"tid\"], d[\"insn\"], d[\"thread\"])\n"
			      "g = d[\"gap\"]\n"
			      "print(g[\"start\"], g[\"end\"], g[\"size\"])\n"
			      "for n in g[\"below\"], g[\"above\"]:\n"
			      "    print(n[\"start\"], n[\"end\"], n[\"kind\"], n[\"group\"], n[\"path\"], n[\"deleted\"], sorted(n))\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(py);
	char want[1024];
	const char *keys = "['deleted', 'end', 'group', 'guessed', 'kind', 'name', 'object', 'offset', 'path', "
			   "'perms', 'start', 'tid', 'tids']";
	snprintf(want, sizeof(want),
		 "False None None None None\n"
		 "%d %" PRIu64 " %" PRIu64 "\n"
		 "%d %d heap heap None False %s\n"
		 "%" PRIu64 " %" PRIu64 " guard stack None False %s\n",
		 0x1021000, UINT64_C(0x40001021000), UINT64_C(0x40000000000),
		 0x1000000, 0x1021000, keys, UINT64_C(0x40001021000), UINT64_C(0x40001022000), keys);
	CU_ASSERT_STRING_EQUAL(py, want);
	free(py);
	vml_free(out);

	/* A kernel address in a user layout: not visible, said so. */
	memset(&w, 0, sizeof(w));
	w.addr = 0xffffffff81000000;
	w.canonical = true;
	w.half = VML_HALF_KERNEL;
	w.gap.start = 0xffff800000000000;
	w.gap.last = 0xffffffffff5fffff;
	w.kernel_hidden = true;   /* decided by where.c */
	out = render_where(layout, &w, VML_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "canonical kernel-space address"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "not visible"));
	vml_free(out);
	w.kernel_hidden = false;
	out = render_where(layout, &w, VML_FORMAT_TEXT);
	CU_ASSERT_PTR_NULL(strstr(out, "not visible"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "  not mapped: in a gap of "));
	vml_free(out);

	/* Non-canonical: any access faults. Top of the gap: 2^64 in JSON. */
	memset(&w, 0, sizeof(w));
	w.addr = 0x0000900000000000;
	w.half = VML_HALF_NONCANONICAL;
	w.user_end = 0x0000800000000000;
	w.noncanonical_fault = "#GP"; /* as where.c fills it from the arch */
	w.kernel_start = 0xffff800000000000;
	out = render_where(layout, &w, VML_FORMAT_TEXT);
	CU_ASSERT_STRING_EQUAL(out, "0x900000000000 is not canonical: bits 63..47 are not all "
			       "equal, so any access faults (#GP)\n"
			       "  hole     0x0000800000000000-0xffff800000000000 (16 EiB - 256 TiB, "
			       "never mapped)\n");
	vml_free(out);
	/* The one-line form is the first line: what GDB reports as an error. */
	out = render_where(layout, &w, VML_FORMAT_LINE);
	CU_ASSERT_STRING_EQUAL(out, "0x900000000000 is not canonical: bits 63..47 are not all "
			       "equal, so any access faults (#GP)\n");
	vml_free(out);
	/* The hole follows the halves the answer was judged by (5-level). */
	w.addr = 0x0200000000000000;
	w.user_end = 0x0100000000000000;
	w.kernel_start = 0xff00000000000000;
	out = render_where(layout, &w, VML_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "bits 63..56 are not all equal"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "0x0100000000000000-0xff00000000000000 (16 EiB - 128 PiB, "
					   "never mapped)\n"));
	vml_free(out);
	w.addr = 0x0000900000000000;
	out = render_where(layout, &w, VML_FORMAT_JSON);
	py = run_python(out, "import json,sys\nd = json.load(sys.stdin)\n"
			"print(d[\"canonical\"], d[\"half\"], d[\"mapped\"], d[\"gap\"])\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(py);
	CU_ASSERT_STRING_EQUAL(py, "False non-canonical False None\n");
	free(py);
	vml_free(out);

	struct vml_layout *empty = build(NULL, 0);
	memset(&w, 0, sizeof(w));
	w.addr = 0x1000;
	w.canonical = true;
	w.gap.last = UINT64_MAX;
	out = render_where(empty, &w, VML_FORMAT_JSON);
	py = run_python(out, "import json,sys\nd = json.load(sys.stdin)\nprint(d[\"gap\"])\n");
	CU_ASSERT_PTR_NOT_NULL_FATAL(py);
	CU_ASSERT_STRING_EQUAL(py, "{'start': 0, 'end': 18446744073709551616, "
			       "'size': 18446744073709551616, 'below': None, 'above': None}\n");
	free(py);
	vml_free(out);
	out = render_where(empty, &w, VML_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "in a gap of 16 EiB between address 0 and the top of "
					   "the address space\n"));
	CU_ASSERT_PTR_NULL(strstr(out, "NULL"));
	vml_free(out);
	w.null_page = true;   /* decided by where.c */
	out = render_where(empty, &w, VML_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "  note     0x1000 bytes past NULL"));
	vml_free(out);
	out = render_where(empty, &w, VML_FORMAT_LINE);
	CU_ASSERT_STRING_EQUAL(out, "0x1000 is a canonical user-space address\n");
	vml_free(out);
	vml_layout_free(empty);
	vml_layout_free(layout);
}

/* A region that ends at 2^64 (its end field holds 2^64-1, flagged
 * VML_REGION_ENDS_AT_TOP): every output states the same exclusive end and
 * the same size, 4 KiB, with one rule. */
static void test_region_ending_at_top(void)
{
	static const struct spec top[] = {
		{ 0x400000, 0x401000, "r-xp", 0, NULL, VML_KIND_TEXT, VML_GROUP_EXE, 0, 0, NULL },
		{ 0xffffffff81000000, 0xffffffff81200000, "r-xp", 0, NULL, VML_KIND_KERNEL_TEXT,
		  VML_GROUP_KERNEL, 0, 0, NULL },
		{ 0xfffffffffffff000, UINT64_MAX, "rw-p", 0, NULL, VML_KIND_FIXMAP, VML_GROUP_KERNEL,
		  VML_REGION_ENDS_AT_TOP, 0, NULL },
	};
	struct vml_layout *layout = build(top, VML_ARRAY_SIZE(top));

	char *out = render(layout, VML_FORMAT_PICTURE, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out,
		"0xffffffffffffffff +------------------------------------------------+\n"
		"                   | fixmap                                    rw-p |      4 KiB\n"
		"0xfffffffffffff000 +------------------------------------------------+\n"));
	vml_free(out);

	out = render(layout, VML_FORMAT_TABLE, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "0xfffffffffffff000 0x10000000000000000 4 KiB     rw-p "));
	vml_free(out);

	out = render(layout, VML_FORMAT_JSON, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "{\"start\": 18446744073709547520, "
					   "\"end\": 18446744073709551616, "));
	vml_free(out);

	/* whereis: the region line and a gap neighbour use the same end. */
	struct vml_where w;
	VML_ASSERT_OK(vml_layout_where(layout, UINT64_MAX, &w, sizeof(w)));
	CU_ASSERT_PTR_EQUAL(w.region, vml_layout_region(layout, 2));
	out = render_where(layout, &w, VML_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "  region   fixmap  0xfffffffffffff000-0x10000000000000000 "
					   "rw-p +0xfff into the region\n"));
	vml_free(out);
	VML_ASSERT_OK(vml_layout_where(layout, 0xfffffffffffff000 - 1, &w, sizeof(w)));
	CU_ASSERT_PTR_NULL(w.region);
	out = render_where(layout, &w, VML_FORMAT_TEXT);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, " and fixmap (0xfffffffffffff000-0x10000000000000000); "));
	vml_free(out);
	out = render_where(layout, &w, VML_FORMAT_JSON);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"above\": {\"start\": 18446744073709547520, "
					   "\"end\": 18446744073709551616, "));
	vml_free(out);
	vml_layout_free(layout);
}

/* A file mapped by itself keeps its whole maps permissions in the picture:
 * the shared 's' of a deleted shared-memory file is what tells it apart. */
static void test_picture_single_file_row(void)
{
	static const struct spec one[] = {
		{ 0x7f0000000000, 0x7f0000004000, "rw-s", 0, "/dev/shm/ring", VML_KIND_MMAP_FILE,
		  VML_GROUP_MMAP, VML_REGION_DELETED, 0, NULL },
	};
	struct vml_layout *layout = build(one, VML_ARRAY_SIZE(one));
	char *out = render(layout, VML_FORMAT_PICTURE, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out,
		"                   | ring (deleted)                            rw-s |     16 KiB\n"));
	vml_free(out);
	vml_layout_free(layout);
}

/* Signal names against the system's <signal.h> numbers (Linux). */
static void test_signal_names(void)
{
	static const struct { int signo; const char *name; } sigs[] = {
		{ SIGHUP, "SIGHUP" }, { SIGINT, "SIGINT" }, { SIGQUIT, "SIGQUIT" },
		{ SIGILL, "SIGILL" }, { SIGTRAP, "SIGTRAP" }, { SIGABRT, "SIGABRT" },
		{ SIGBUS, "SIGBUS" }, { SIGFPE, "SIGFPE" }, { SIGKILL, "SIGKILL" },
		{ SIGUSR1, "SIGUSR1" }, { SIGSEGV, "SIGSEGV" }, { SIGUSR2, "SIGUSR2" },
		{ SIGPIPE, "SIGPIPE" }, { SIGALRM, "SIGALRM" }, { SIGTERM, "SIGTERM" },
		{ SIGSTKFLT, "SIGSTKFLT" }, { SIGCHLD, "SIGCHLD" }, { SIGCONT, "SIGCONT" },
		{ SIGSTOP, "SIGSTOP" }, { SIGTSTP, "SIGTSTP" }, { SIGTTIN, "SIGTTIN" },
		{ SIGTTOU, "SIGTTOU" }, { SIGURG, "SIGURG" }, { SIGXCPU, "SIGXCPU" },
		{ SIGXFSZ, "SIGXFSZ" }, { SIGVTALRM, "SIGVTALRM" }, { SIGPROF, "SIGPROF" },
		{ SIGWINCH, "SIGWINCH" }, { SIGIO, "SIGIO" }, { SIGPWR, "SIGPWR" },
		{ SIGSYS, "SIGSYS" },
	};
	char buf[32];
	for (size_t i = 0; i < VML_ARRAY_SIZE(sigs); i++) {
		vml_signal_name(sigs[i].signo, buf, sizeof(buf));
		CU_ASSERT_STRING_EQUAL(buf, sigs[i].name);
	}
	/* Real-time signals as `kill -l` names them, from glibc's range. */
	vml_signal_name(SIGRTMIN, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "SIGRTMIN");
	vml_signal_name(SIGRTMIN + 3, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "SIGRTMIN+3");
	vml_signal_name(SIGRTMAX - 2, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "SIGRTMAX-2");
	vml_signal_name(SIGRTMAX, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "SIGRTMAX");
	vml_signal_name(0, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "signal 0");
	vml_signal_name(SIGRTMAX + 1, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "signal 65");
	vml_signal_name(-1, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "signal -1");
}

static CU_TestInfo tests[] = {
	{ "format size", test_format_size },
	{ "table: one row per region", test_table_rows },
	{ "json parses back", test_json_parses_back },
	{ "picture of a small process", test_picture_small },
	{ "picture of 60,000 regions is short", test_picture_many_regions },
	{ "picture: kernel regions, LA57, empty", test_picture_kernel_and_la57 },
	{ "render errors", test_render_errors },
	{ "where: mapped", test_where_mapped },
	{ "where: unmapped and non-canonical", test_where_unmapped },
	{ "a region ending at 2^64: one end and size everywhere", test_region_ending_at_top },
	{ "picture: a single file row keeps rw-s", test_picture_single_file_row },
	{ "signal names", test_signal_names },
	CU_TEST_INFO_NULL,
};

int vml_suite_render(void)
{
	return vml_add_suite("render", tests);
}
