/* maps_parse_test.c — /proc/PID/maps text: every field, names with spaces,
 * " (deleted)", pseudo and anon names, huge lines, malformed lines (with
 * their line number), 60,000 lines. Expected values are written by hand. */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "suites.h"

static struct vml_layout *parse_ok(const char *text)
{
	struct vml_layout *l = NULL;
	VML_ASSERT_OK(vml_layout_from_maps(text, strlen(text), &l));
	return l;
}

static const char sample[] =
	"55691fe2a000-55691fe2c000 r--p 00000000 fe:00 247134                     /usr/bin/cat\n"
	"55691fe2c000-55691fe31000 r-xp 00002000 fe:00 247134                     /usr/bin/cat\n"
	"556924ab6000-556924ad7000 rw-p 00000000 00:00 0                          [heap]\n"
	"7fa91bdaa000-7fa91bdcc000 rw-p 00000000 00:00 0 \n"
	"7fa91c012000-7fa91c019000 r--s 00000000 fe:00 332280                     /usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache\n"
	"7fa91c01c000-7fa91c020000 r--p 00000000 00:00 0                          [vvar]\n"
	"7fa91c020000-7fa91c022000 r-xp 00000000 00:00 0                          [vdso]\n"
	"7ffd1c4e9000-7ffd1c50a000 rw-p 00000000 00:00 0                          [stack]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

static void test_fields(void)
{
	struct vml_layout *l = parse_ok(sample);
	CU_ASSERT_EQUAL_FATAL(vml_layout_count(l), 9);
	const struct vml_region *r = vml_layout_region(l, 1);
	CU_ASSERT_EQUAL(r->start, 0x55691fe2c000);
	CU_ASSERT_EQUAL(r->end, 0x55691fe31000);
	CU_ASSERT_STRING_EQUAL(r->perms, "r-xp");
	CU_ASSERT_EQUAL(r->prot, VML_PROT_READ | VML_PROT_EXEC);
	CU_ASSERT_EQUAL(r->offset, 0x2000);
	CU_ASSERT_EQUAL(r->dev_major, 0xfe);
	CU_ASSERT_EQUAL(r->dev_minor, 0);
	CU_ASSERT_EQUAL(r->inode, 247134);
	CU_ASSERT_STRING_EQUAL(r->name, "/usr/bin/cat");
	CU_ASSERT_PTR_EQUAL(r->path, r->name);
	CU_ASSERT_EQUAL(r->flags, 0);
	CU_ASSERT_EQUAL(r->kind, VML_KIND_UNKNOWN);
	CU_ASSERT_EQUAL(r->tid, 0);

	r = vml_layout_region(l, 3); /* anonymous, trailing space */
	CU_ASSERT_EQUAL(r->start, 0x7fa91bdaa000);
	CU_ASSERT_PTR_NULL(r->name);
	CU_ASSERT_PTR_NULL(r->path);
	CU_ASSERT_EQUAL(r->flags, 0);
	CU_ASSERT_EQUAL(r->prot, VML_PROT_READ | VML_PROT_WRITE);

	r = vml_layout_region(l, 4);
	CU_ASSERT_EQUAL(r->prot, VML_PROT_READ | VML_PROT_SHARED);
	CU_ASSERT_STRING_EQUAL(r->perms, "r--s");

	static const char *const pseudo[][2] = {
		{ "2", "[heap]" }, { "5", "[vvar]" }, { "6", "[vdso]" },
		{ "7", "[stack]" }, { "8", "[vsyscall]" },
	};
	for (size_t i = 0; i < VML_ARRAY_SIZE(pseudo); i++) {
		r = vml_layout_region(l, (size_t)atoi(pseudo[i][0]));
		CU_ASSERT_STRING_EQUAL(r->name, pseudo[i][1]);
		CU_ASSERT_PTR_NULL(r->path);
		CU_ASSERT_EQUAL(r->flags, VML_REGION_PSEUDO);
	}
	r = vml_layout_region(l, 8);
	CU_ASSERT_EQUAL(r->start, 0xffffffffff600000);
	CU_ASSERT_EQUAL(r->end, 0xffffffffff601000);
	CU_ASSERT_EQUAL(r->prot, VML_PROT_EXEC);
	CU_ASSERT_PTR_EQUAL(vml_layout_find(l, 0x7ffd1c509fff), vml_layout_region(l, 7));
	vml_layout_free(l);
}

static void test_names(void)
{
	struct vml_layout *l = parse_ok(
		"1000-2000 rw-s 00000000 00:01 1234 /dev/shm/my file  with spaces\n"
		"2000-3000 r--p 00001000 08:01 99 /tmp/gone (deleted)\n"
		"3000-4000 rw-p 00000000 00:00 0 [anon:my heap]\n"
		"4000-5000 rw-s 00000000 00:01 7 /memfd:buf (deleted)\n"
		"5000-6000 r--p 00000000 00:00 0\t\t[anon_shmem:x]\n"
		"6000-7000 r--p 00000000 00:00 0   weird name\n"
		"7000-8000 r--p 00000000 00:00 0   (deleted)\n"
		"8000-9000 rw-p 00000000 00:00 0 [anon:]\n");
	CU_ASSERT_EQUAL_FATAL(vml_layout_count(l), 8);
	const struct vml_region *r = vml_layout_region(l, 0);
	/* the name keeps inner and double spaces verbatim */
	CU_ASSERT_STRING_EQUAL(r->name, "/dev/shm/my file  with spaces");
	CU_ASSERT_STRING_EQUAL(r->path, "/dev/shm/my file  with spaces");
	CU_ASSERT_EQUAL(r->dev_minor, 1);
	r = vml_layout_region(l, 1);
	CU_ASSERT_STRING_EQUAL(r->name, "/tmp/gone");
	CU_ASSERT_STRING_EQUAL(r->path, "/tmp/gone");
	CU_ASSERT_EQUAL(r->flags, VML_REGION_DELETED);
	CU_ASSERT_EQUAL(r->dev_major, 8);
	r = vml_layout_region(l, 2);
	CU_ASSERT_STRING_EQUAL(r->name, "[anon:my heap]");
	CU_ASSERT_PTR_NULL(r->path);
	CU_ASSERT_EQUAL(r->flags, VML_REGION_ANON_NAMED);
	r = vml_layout_region(l, 3);
	CU_ASSERT_STRING_EQUAL(r->path, "/memfd:buf");
	CU_ASSERT_EQUAL(r->flags, VML_REGION_DELETED);
	r = vml_layout_region(l, 4);
	CU_ASSERT_STRING_EQUAL(r->name, "[anon_shmem:x]");
	CU_ASSERT_EQUAL(r->flags, VML_REGION_ANON_NAMED);
	r = vml_layout_region(l, 5);
	CU_ASSERT_STRING_EQUAL(r->name, "weird name");
	CU_ASSERT_PTR_NULL(r->path);
	CU_ASSERT_EQUAL(r->flags, 0);
	/* the blanks before a name separate it, so a bare "(deleted)" is a
	 * name: the suffix is " (deleted)" with its space */
	r = vml_layout_region(l, 6);
	CU_ASSERT_STRING_EQUAL(r->name, "(deleted)");
	CU_ASSERT_EQUAL(r->flags, 0);
	/* "[anon:]" (empty name) is still user-named anonymous memory */
	r = vml_layout_region(l, 7);
	CU_ASSERT_EQUAL(r->flags, VML_REGION_ANON_NAMED);
	vml_layout_free(l);
}

static void test_long_path_no_newline(void)
{
	/* 10,000-character path on the last line, without a final newline */
	enum { PATHLEN = 10000 };
	const char *head = "1000-2000 r--p 00000000 00:00 0\n"
			   "7f0000000000-7f0000001000 r-xp 00000000 fe:00 42 ";
	size_t hl = strlen(head);
	char *text = malloc(hl + PATHLEN);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	memcpy(text, head, hl);
	text[hl] = '/';
	for (size_t i = 1; i < PATHLEN; i++)
		text[hl + i] = (char)('a' + i % 26);
	struct vml_layout *l = NULL;
	VML_ASSERT_OK(vml_layout_from_maps(text, hl + PATHLEN, &l));
	CU_ASSERT_EQUAL_FATAL(vml_layout_count(l), 2);
	const struct vml_region *r = vml_layout_region(l, 1);
	CU_ASSERT_EQUAL(strlen(r->path), PATHLEN);
	CU_ASSERT(memcmp(r->path, text + hl, PATHLEN) == 0);
	CU_ASSERT_EQUAL(r->inode, 42);
	vml_layout_free(l);
	free(text);
}

static void test_empty_and_blank(void)
{
	struct vml_layout *l = NULL;
	VML_ASSERT_OK(vml_layout_from_maps("", 0, &l));
	CU_ASSERT_EQUAL(vml_layout_count(l), 0);
	vml_layout_free(l);
	l = NULL;
	VML_ASSERT_OK(vml_layout_from_maps(NULL, 0, &l));
	CU_ASSERT_EQUAL(vml_layout_count(l), 0);
	vml_layout_free(l);

	/* blank lines carry no region; line numbers still count them */
	l = parse_ok("\n1000-2000 r--p 0 0:0 0\n  \t\n\n3000-4000 r--p 0 0:0 0\n\n");
	CU_ASSERT_EQUAL(vml_layout_count(l), 2);
	vml_layout_free(l);

	/* text need not be NUL-terminated: only len bytes are read */
	const char buf[] = "1000-2000 r--p 0 0:0 0 /a/bXXXX";
	l = NULL;
	VML_ASSERT_OK(vml_layout_from_maps(buf, strlen(buf) - 4, &l));
	CU_ASSERT_EQUAL_FATAL(vml_layout_count(l), 1);
	CU_ASSERT_STRING_EQUAL(vml_layout_region(l, 0)->path, "/a/b");
	vml_layout_free(l);
	VML_ASSERT_ERR(vml_layout_from_maps(NULL, 5, &l), VML_ERROR_INVALID);
}

static void test_crlf_kept_in_name(void)
{
	/* Decision: '\r' is an ordinary byte (file names may contain it). */
	struct vml_layout *l = parse_ok("1000-2000 r--p 00000000 00:00 5 /x\r\n");
	CU_ASSERT_STRING_EQUAL(vml_layout_region(l, 0)->path, "/x\r");
	vml_layout_free(l);
	/* ...so an anonymous CRLF line has a malformed inode */
	struct vml_error *err = vml_layout_from_maps("1000-2000 r--p 0 0:0 0\r\n", 24, &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_PARSE);
	CU_ASSERT_STRING_EQUAL(vml_error_message(err), "maps line 1: bad inode");
	vml_error_free(err);
}

static void test_unsorted_and_overlap(void)
{
	struct vml_layout *l = parse_ok("3000-4000 r--p 0 0:0 0\n1000-2000 r--p 0 0:0 0\n");
	CU_ASSERT_EQUAL(vml_layout_region(l, 0)->start, 0x1000);
	vml_layout_free(l);
	struct vml_error *err = vml_layout_from_maps(
		"1000-3000 r--p 0 0:0 0\n2000-4000 r--p 0 0:0 0\n", 46, &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_FORMAT);
	CU_ASSERT_STRING_EQUAL(vml_error_message(err),
			       "regions 0x1000-0x3000 and 0x2000-0x4000 overlap");
	vml_error_free(err);
}

static void test_malformed(void)
{
	static const char ok[] = "1000-2000 r--p 00000000 00:00 0\n";
	static const struct {
		const char *line;
		const char *message; /* after "maps line 2: " */
	} cases[] = {
		{ "x000-2000 r--p 00000000 00:00 0", "bad start address" },
		{ "-2000 r--p 00000000 00:00 0", "bad start address" },
		{ "1000 2000 r--p 00000000 00:00 0", "bad start address" },
		{ "1000", "missing field after start address" },
		{ "1000-", "missing end address" },
		{ "1000-2g00 r--p 00000000 00:00 0", "bad end address" },
		{ "10000000000000000-20000000000000000 r--p 0 00:00 0", "overflow in start address" },
		{ "1000-10000000000000000 r--p 0 00:00 0", "overflow in end address" },
		{ "2000-1000 r--p 00000000 00:00 0", "start address is not below end address" },
		{ "2000-2000 r--p 00000000 00:00 0", "start address is not below end address" },
		{ "1000-2000", "missing perms" },
		{ "1000-2000 rw-", "bad perms (want [r-][w-][x-][sp])" },
		{ "1000-2000 rw-x 0 00:00 0", "bad perms (want [r-][w-][x-][sp])" },
		{ "1000-2000 wr-p 0 00:00 0", "bad perms (want [r-][w-][x-][sp])" },
		{ "1000-2000 rw-pp 0 00:00 0", "bad perms (want [r-][w-][x-][sp])" },
		{ "1000-2000 RW-P 0 00:00 0", "bad perms (want [r-][w-][x-][sp])" },
		{ "1000-2000 r--p", "missing offset" },
		{ "1000-2000 r--p zz 00:00 0", "bad offset" },
		{ "1000-2000 r--p 11112222333344445 00:00 0", "overflow in offset" },
		{ "1000-2000 r--p 0", "missing device" },
		{ "1000-2000 r--p 0 0000 0", "bad device major" },
		{ "1000-2000 r--p 0 100000000:00 0", "overflow in device major" },
		{ "1000-2000 r--p 0 :00 0", "bad device major" },
		{ "1000-2000 r--p 0 08:", "missing device minor" },
		{ "1000-2000 r--p 0 08:q 0", "bad device minor" },
		{ "1000-2000 r--p 0 08:01", "missing inode" },
		{ "1000-2000 r--p 0 08:01 12a /x", "bad inode" },
		{ "1000-2000 r--p 0 08:01 0x1 /x", "bad inode" },
		{ "1000-2000 r--p 0 08:01 18446744073709551616 /x", "overflow in inode" },
		{ "1000-2000 r--p 0 08:01 -1 /x", "bad inode" },
	};
	for (size_t i = 0; i < VML_ARRAY_SIZE(cases); i++) {
		char text[256];
		int n = snprintf(text, sizeof(text), "%s%s\n%s", ok, cases[i].line, ok);
		struct vml_layout *l = NULL;
		struct vml_error *err = vml_layout_from_maps(text, (size_t)n, &l);
		char want[160];
		snprintf(want, sizeof(want), "maps line 2: %s", cases[i].message);
		CU_ASSERT_PTR_NOT_NULL(err);
		CU_ASSERT_PTR_NULL(l);
		if (!err)
			continue;
		CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_PARSE);
		if (strcmp(vml_error_message(err), want) != 0)
			fprintf(stderr, "\ncase %zu: got \"%s\", want \"%s\"\n", i,
				vml_error_message(err), want);
		CU_ASSERT_STRING_EQUAL(vml_error_message(err), want);
		vml_error_free(err);
	}
	/* the largest values that fit are fine */
	struct vml_layout *l = parse_ok(
		"0-ffffffffffffffff rw-p ffffffffffffffff ffffffff:ffffffff 18446744073709551615 /x\n");
	const struct vml_region *r = vml_layout_region(l, 0);
	CU_ASSERT_EQUAL(r->end, UINT64_MAX);
	CU_ASSERT_EQUAL(r->offset, UINT64_MAX);
	CU_ASSERT_EQUAL(r->dev_major, UINT32_MAX);
	CU_ASSERT_EQUAL(r->dev_minor, UINT32_MAX);
	CU_ASSERT_EQUAL(r->inode, UINT64_MAX);
	vml_layout_free(l);
}

static void test_nul_byte(void)
{
	static const char text[] = "1000-2000 r--p 0 0:0 0 /a\n"
				   "2000-3000 r--p 0 0:0 0\n"
				   "3000-4000 r--p 0 0:0 0 /b\0c\n";
	struct vml_layout *l = NULL;
	struct vml_error *err = vml_layout_from_maps(text, sizeof(text) - 1, &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_PARSE);
	CU_ASSERT_STRING_EQUAL(vml_error_message(err), "maps line 3: NUL byte in line");
	vml_error_free(err);
}

/* 60,000 lines (the size of the benchmark's process) parse correctly. How
 * fast is measured by `make bench`, never here: timing has no place in a
 * unit test. */
static void test_60000_lines(void)
{
	enum { LINES = 60000 };
	size_t cap = (size_t)LINES * 200, len = 0;
	char *text = malloc(cap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	for (size_t i = 0; i < LINES; i++) {
		uint64_t s = 0x7f0000000000 + (uint64_t)i * 0x2000;
		len += (size_t)snprintf(text + len, cap - len,
			"%012lx-%012lx r-xp %08lx fe:00 %zu%*s/usr/lib/x86_64-linux-gnu/libfoo%zu.so\n",
			(unsigned long)s, (unsigned long)(s + 0x1000),
			(unsigned long)(i * 0x1000), 300000 + i, 20, "", i % 100);
	}
	struct vml_layout *l = NULL;
	VML_ASSERT_OK(vml_layout_from_maps(text, len, &l));
	CU_ASSERT_EQUAL(vml_layout_count(l), LINES);
	const struct vml_region *r = vml_layout_region(l, 12345);
	CU_ASSERT_EQUAL(r->start, 0x7f0000000000 + 12345 * 0x2000);
	CU_ASSERT_EQUAL(r->end, 0x7f0000000000 + 12345 * 0x2000 + 0x1000);
	CU_ASSERT_EQUAL(r->offset, 12345 * 0x1000);
	CU_ASSERT_EQUAL(r->inode, 312345);
	CU_ASSERT_STRING_EQUAL(r->path, "/usr/lib/x86_64-linux-gnu/libfoo45.so");
	r = vml_layout_region(l, LINES - 1);
	CU_ASSERT_EQUAL(r->start, 0x7f0000000000 + (uint64_t)(LINES - 1) * 0x2000);
	vml_layout_free(l);
	free(text);
}

static CU_TestInfo tests[] = {
	{ "fields of real lines", test_fields },
	{ "names: spaces, deleted, anon, pseudo", test_names },
	{ "10,000-char path, no final newline", test_long_path_no_newline },
	{ "empty text and blank lines", test_empty_and_blank },
	{ "CR kept in the name", test_crlf_kept_in_name },
	{ "unsorted sorted, overlap rejected", test_unsorted_and_overlap },
	{ "malformed lines name line and field", test_malformed },
	{ "NUL byte", test_nul_byte },
	{ "60,000 lines", test_60000_lines },
	CU_TEST_INFO_NULL,
};

int vml_suite_maps_parse(void)
{
	return vml_add_suite("maps_parse", tests);
}
