/*
 * util_test.c — the shared building blocks: the string builder and JSON
 * escaper (strbuf.c), the hash map (hashmap.c) and the binary search
 * (vml_upper_bound). Answers come from plain reference computations in
 * this file (a linear scan, a list of keys), not from the code under test.
 */
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "suites.h"

/* ------------------------------------------------------------ strbuf */

static char *finish(struct vml_strbuf *sb)
{
	char *out = NULL;
	VML_ASSERT_OK(vml_sb_finish(sb, &out));
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	return out;
}

static void test_strbuf_appends(void)
{
	struct vml_strbuf sb = { 0 };
	char *out = finish(&sb);
	CU_ASSERT_STRING_EQUAL(out, "");   /* nothing appended: "" not NULL */
	vml_free(out);

	vml_sb_puts(&sb, "ab");
	vml_sb_putc(&sb, 'c');
	vml_sb_putn(&sb, "dexx", 2);
	vml_sb_repeat(&sb, "-=", 3);
	vml_sb_printf(&sb, "%d:%s", 42, "z");
	out = finish(&sb);
	CU_ASSERT_STRING_EQUAL(out, "abcde-=-=-=42:z");
	vml_free(out);
	CU_ASSERT_PTR_NULL(sb.data);   /* handed out: the builder is empty */

	/* Longer than the printf scratch buffer (256 bytes). */
	char big[1000];
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	vml_sb_puts(&sb, "<");
	vml_sb_printf(&sb, "%s|%s", big, big);
	out = finish(&sb);
	CU_ASSERT_EQUAL(strlen(out), 1 + 2 * 999 + 1);
	CU_ASSERT_EQUAL(out[0], '<');
	CU_ASSERT_EQUAL(out[1000], '|');
	CU_ASSERT_EQUAL(out[1999], 'q');
	vml_free(out);
}

static void test_strbuf_failure_is_sticky(void)
{
	struct vml_strbuf sb = { 0 };
	vml_sb_puts(&sb, "kept until finish");
	sb.failed = true;   /* as after an allocation failure */
	vml_sb_puts(&sb, "dropped");
	vml_sb_printf(&sb, "%s", "dropped");
	CU_ASSERT_EQUAL(sb.len, strlen("kept until finish"));
	char *out = (char *)"untouched";
	CU_ASSERT_PTR_EQUAL(vml_sb_finish(&sb, &out), &vml_enomem);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_PTR_NULL(sb.data);
}

static void test_strbuf_json_and_display(void)
{
	struct vml_strbuf sb = { 0 };
	vml_sb_json_string(&sb, NULL);
	vml_sb_putc(&sb, ' ');
	/* quote, backslash, newline, tab, CR, ^A, DEL, an invalid byte, é */
	vml_sb_json_string(&sb, "q\"b\\n\nt\tr\r\x01\x7f\xff\xc3\xa9");
	char *out = finish(&sb);
	CU_ASSERT_STRING_EQUAL(out, "null \"q\\\"b\\\\n\\nt\\tr\\r\\u0001\\u007f\\u00ff\xc3\xa9\"");
	vml_free(out);

	/* Terminal text: controls and invalid bytes become '?', wide
	 * characters take two columns, a cut string ends in "...". */
	CU_ASSERT_EQUAL(vml_sb_put_display(&sb, "a\nb\xff", 10), 4);
	vml_sb_putc(&sb, '|');
	CU_ASSERT_EQUAL(vml_display_width("\xe6\xbc\xa2\xe5\xad\x97"), 4);   /* 漢字 */
	CU_ASSERT_EQUAL(vml_sb_put_display(&sb, "abcdefghij", 6), 6);
	out = finish(&sb);
	CU_ASSERT_STRING_EQUAL(out, "a?b?|abc...");
	vml_free(out);
}

/* ------------------------------------------------------------ hashmap */

static uint64_t next_random(uint64_t *state)
{
	/* xorshift64: deterministic, no libc state. */
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

static void test_hashmap_against_a_list(void)
{
	enum { N = 5000 };
	uint64_t *keys = calloc(N, sizeof(*keys));
	CU_ASSERT_PTR_NOT_NULL_FATAL(keys);
	uint64_t state = 0x1234567;
	struct vml_hashmap map = { 0 };
	CU_ASSERT_FALSE(vml_hashmap_get(&map, 0, NULL));
	CU_ASSERT_FALSE(vml_hashmap_get(&map, 42, NULL));
	/* Page-aligned keys like the page cache's, key 0 among them. */
	for (size_t i = 0; i < N; i++) {
		keys[i] = i == 7 ? 0 : (next_random(&state) & ~UINT64_C(0xfff)) | (i & 1);
		CU_ASSERT_TRUE_FATAL(vml_hashmap_put(&map, keys[i], i));
	}
	/* Some random keys may repeat: the last put wins. */
	size_t distinct = 0;
	for (size_t i = 0; i < N; i++) {
		size_t last = i;
		bool first = true;
		for (size_t j = 0; j < N; j++) {
			if (keys[j] != keys[i])
				continue;
			first &= j >= i;
			last = j;
		}
		distinct += first;
		uint64_t v = UINT64_MAX;
		CU_ASSERT_TRUE(vml_hashmap_get(&map, keys[i], &v));
		CU_ASSERT_EQUAL(v, last);
	}
	CU_ASSERT_EQUAL(vml_hashmap_count(&map), distinct);
	CU_ASSERT_FALSE(vml_hashmap_get(&map, 0x5, NULL));   /* not a page | space */

	/* Iteration visits each key once. */
	size_t pos = 0, seen = 0;
	uint64_t k, v;
	bool saw_zero = false;
	while (vml_hashmap_next(&map, &pos, &k, &v)) {
		seen++;
		saw_zero |= k == 0;
		CU_ASSERT_EQUAL(keys[v], k);
	}
	CU_ASSERT_EQUAL(seen, distinct);
	CU_ASSERT_TRUE(saw_zero);

	/* Replacing a value adds no key; reserve makes room ahead. */
	CU_ASSERT_TRUE(vml_hashmap_put(&map, keys[3], 99));
	CU_ASSERT_EQUAL(vml_hashmap_count(&map), distinct);
	CU_ASSERT_TRUE(vml_hashmap_get(&map, keys[3], &v));
	CU_ASSERT_EQUAL(v, 99);
	size_t slots = map.nslots;
	CU_ASSERT_TRUE(vml_hashmap_reserve(&map, 3 * N));
	CU_ASSERT_TRUE(map.nslots >= 2 * (distinct + 3 * N));
	CU_ASSERT_TRUE(map.nslots > slots);
	CU_ASSERT_TRUE(vml_hashmap_get(&map, keys[N - 1], NULL));
	CU_ASSERT_FALSE(vml_hashmap_reserve(&map, SIZE_MAX));

	vml_hashmap_release(&map);
	CU_ASSERT_EQUAL(vml_hashmap_count(&map), 0);
	CU_ASSERT_FALSE(vml_hashmap_get(&map, keys[0], NULL));
	CU_ASSERT_FALSE(vml_hashmap_get(&map, 0, NULL));
	pos = 0;
	CU_ASSERT_FALSE(vml_hashmap_next(&map, &pos, &k, &v));
	free(keys);
}

/* ------------------------------------------------------------ search */

struct keyed {
	uint32_t pad;
	uint64_t key;
	char tail[5];
};

static void test_upper_bound_against_a_scan(void)
{
	uint64_t state = 0xfeedbeef;
	for (size_t n = 0; n < 40; n++) {
		struct keyed a[40];
		uint64_t at = 0;
		for (size_t i = 0; i < n; i++) {
			/* Ascending, with repeats. */
			at += next_random(&state) % 3;
			a[i].key = at;
		}
		for (uint64_t key = 0; key <= at + 2; key++) {
			size_t want = 0;
			while (want < n && a[want].key <= key)
				want++;
			CU_ASSERT_EQUAL(VML_UPPER_BOUND(a, n, key, key), want);
		}
	}
	/* Keys at the ends of the range. */
	uint64_t edge[] = { 0, 1, UINT64_MAX - 1, UINT64_MAX };
	CU_ASSERT_EQUAL(vml_upper_bound(edge, 4, sizeof(edge[0]), 0, 0), 1);
	CU_ASSERT_EQUAL(vml_upper_bound(edge, 4, sizeof(edge[0]), 0, UINT64_MAX - 1), 3);
	CU_ASSERT_EQUAL(vml_upper_bound(edge, 4, sizeof(edge[0]), 0, UINT64_MAX), 4);
	CU_ASSERT_EQUAL(vml_upper_bound(NULL, 0, sizeof(edge[0]), 0, 5), 0);
}

static const char *name_of(const void *names, size_t i)
{
	return ((const char *const *)names)[i];
}

/* Sorted names with repeats: the first of equal names, or n. */
static void test_first_named_against_a_scan(void)
{
	static const char *const names[] = { "a", "b", "b", "b", "cc", "d",
					     "d", "zz" };
	static const char *const asked[] = { "", "a", "b", "c", "cc", "d",
					     "e", "zz", "zzz" };
	for (size_t n = 0; n <= 8; n++) {
		for (size_t q = 0; q < 9; q++) {
			size_t want = 0;
			while (want < n && strcmp(names[want], asked[q]))
				want++;
			CU_ASSERT_EQUAL(vml_first_named(n, name_of, names,
							asked[q]), want);
		}
	}
}

static CU_TestInfo tests[] = {
	{ "strbuf: appends and hands out", test_strbuf_appends },
	{ "strbuf: failure is sticky", test_strbuf_failure_is_sticky },
	{ "strbuf: JSON strings and terminal text", test_strbuf_json_and_display },
	{ "hashmap: against a list of keys", test_hashmap_against_a_list },
	{ "upper bound: against a linear scan", test_upper_bound_against_a_scan },
	{ "first named: against a linear scan", test_first_named_against_a_scan },
	CU_TEST_INFO_NULL,
};

int vml_suite_util(void)
{
	return vml_add_suite("util", tests);
}
