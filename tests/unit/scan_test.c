/* scan_test.c — selections (vmlayout --scan FROM TO), pointer scans over
 * memory the test planted (hand-computed answers, noise that holds no
 * pointer), whereis --deref chains (cycles, strings, unreadable memory),
 * kernel scans from hand-written page-table ranges, and the ELF object
 * cache (this test binary parsed once, a rewritten file parsed again, the
 * bound). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "suites.h"

/* A hand-written address space: a program, its bss, the heap, one
 * anonymous mapping of 64 KiB (the test's memory), a PROT_NONE
 * reservation (no stack above it: not a guard), a library, the stack. */
static const char maps[] =
	"00400000-00401000 r-xp 00000000 08:01 100 /nonexistent/vml/prog\n"
	"00401000-00402000 rw-p 00001000 08:01 100 /nonexistent/vml/prog\n"
	"00402000-00403000 rw-p 00000000 00:00 0 [heap]\n"
	"7f0000000000-7f0000010000 rw-p 00000000 00:00 0 \n"
	"7f0000010000-7f0000011000 ---p 00000000 00:00 0 \n"
	"7f0000020000-7f0000022000 r-xp 00000000 08:01 200 /nonexistent/lib/libz.so.1\n"
	"7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]\n";

#define ANON 0x7f0000000000ull
#define ANON_SIZE 0x10000u

static struct vml_layout *layout_of(const char *text)
{
	struct vml_layout *l = NULL;
	VML_ASSERT_OK(vml_layout_from_maps(text, strlen(text), &l));
	VML_ASSERT_OK(vml_layout_classify(l));
	return l;
}

static struct vml_error *select_on(struct vml_layout *l, const char *spec,
				   bool readable, struct vml_span **spans,
				   size_t *n)
{
	struct vml_unit *units;
	size_t nunits;
	struct vml_error *err = vml_layout_units(l, &units, &nunits);
	if (err)
		return err;
	err = vml_select(spec, "FROM", units, nunits, readable, false, spans, n);
	free(units);
	return err;
}

static void expect_spans(struct vml_layout *l, const char *spec, bool readable,
			 const uint64_t *want, size_t nwant)
{
	struct vml_span *s = NULL;
	size_t n = 99;
	VML_ASSERT_OK(select_on(l, spec, readable, &s, &n));
	CU_ASSERT_EQUAL(n, nwant);
	if (n != nwant)
		fprintf(stderr, "\n'%s': %zu spans, want %zu\n", spec, n, nwant);
	for (size_t i = 0; i < n && i < nwant; i++) {
		CU_ASSERT_EQUAL(s[i].start, want[2 * i]);
		CU_ASSERT_EQUAL(s[i].last, want[2 * i + 1]);
	}
	free(s);
}

static void test_select(void)
{
	struct vml_layout *l = layout_of(maps);
	/* Kinds as --table prints them. */
	expect_spans(l, "heap", true, (uint64_t[]){ 0x402000, 0x402fff }, 1);
	expect_spans(l, "mmap-anon", true,
		     (uint64_t[]){ ANON, ANON + ANON_SIZE - 1 }, 1);
	/* A reservation is selected only when readability does not matter. */
	expect_spans(l, "reserved", true, NULL, 0);
	expect_spans(l, "reserved", false,
		     (uint64_t[]){ 0x7f0000010000, 0x7f0000010fff }, 1);
	/* Neighbours merge: mmap-anon and the reservation are one span. */
	expect_spans(l, "mmap-anon,reserved", false,
		     (uint64_t[]){ ANON, 0x7f0000010fff }, 1);
	/* By maps name, base name and path. */
	expect_spans(l, "[heap]", true, (uint64_t[]){ 0x402000, 0x402fff }, 1);
	expect_spans(l, "libz.so.1", true,
		     (uint64_t[]){ 0x7f0000020000, 0x7f0000021fff }, 1);
	expect_spans(l, " /nonexistent/vml/prog , stack", true,
		     (uint64_t[]){ 0x400000, 0x401fff,
				   0x7ffc00000000, 0x7ffc00020fff }, 2);
	/* START-END cuts regions and skips holes. */
	expect_spans(l, "0x400800-0x402800", true,
		     (uint64_t[]){ 0x400800, 0x4027ff }, 1);
	expect_spans(l, "0x7f000000f000-0x7f0000021000", true,
		     (uint64_t[]){ 0x7f000000f000, 0x7f000000ffff,
				   0x7f0000020000, 0x7f0000020fff }, 2);
	expect_spans(l, "4194304-4198400", true,
		     (uint64_t[]){ 0x400000, 0x400fff }, 1);
	/* An exclusive end of 2^64 is allowed. */
	expect_spans(l, "0x7ffc00020000-0x10000000000000000", true,
		     (uint64_t[]){ 0x7ffc00020000, 0x7ffc00020fff }, 1);
	/* "all", and nothing given means all. */
	uint64_t all[] = { 0x400000, 0x402fff, ANON, ANON + ANON_SIZE - 1,
			   0x7f0000020000, 0x7f0000021fff, 0x7ffc00000000,
			   0x7ffc00020fff };
	expect_spans(l, "all", true, all, 4);
	expect_spans(l, "", true, all, 4);
	expect_spans(l, NULL, true, all, 4);
	expect_spans(l, ",,all,", true, all, 4);
	/* A kind with no region selects nothing: not an error. */
	expect_spans(l, "vdso", true, NULL, 0);

	/* Per unit: neighbours stay apart, each span names its region, and
	 * the same region named twice is one span. */
	struct vml_unit *units;
	size_t nunits, np;
	struct vml_span *ps;
	VML_ASSERT_OK(vml_layout_units(l, &units, &nunits));
	VML_ASSERT_OK(vml_select("mmap-anon,guard,0x7f000000f000-0x7f0000010010",
				 "TO", units, nunits, false, true, &ps, &np));
	CU_ASSERT_EQUAL_FATAL(np, 2);
	CU_ASSERT_EQUAL(ps[0].start, ANON);
	CU_ASSERT_EQUAL(ps[0].last, ANON + ANON_SIZE - 1);
	CU_ASSERT_EQUAL(units[ps[0].unit].region_index, 3);
	CU_ASSERT_EQUAL(ps[1].start, 0x7f0000010000);
	CU_ASSERT_EQUAL(units[ps[1].unit].region_index, 4);
	free(ps);
	free(units);

	struct vml_span *s = NULL;
	size_t n;
	VML_ASSERT_ERR(select_on(l, "nosuchthing", true, &s, &n),
		       VML_ERROR_NOT_FOUND);
	VML_ASSERT_ERR(select_on(l, "heap,libc.so.6", true, &s, &n),
		       VML_ERROR_NOT_FOUND);
	VML_ASSERT_ERR(select_on(l, "0x3000-0x1000", true, &s, &n),
		       VML_ERROR_INVALID);
	VML_ASSERT_ERR(select_on(l, "0x1000-0x1000", true, &s, &n),
		       VML_ERROR_INVALID);
	/* Past 2^64: not a number, so not a range, so nothing. */
	VML_ASSERT_ERR(select_on(l, "0x0-0x10000000000000001", true, &s, &n),
		       VML_ERROR_NOT_FOUND);
	VML_ASSERT_ERR(select_on(l, "0x-0x10", true, &s, &n),
		       VML_ERROR_NOT_FOUND);
	char *longspec = malloc(5000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(longspec);
	memset(longspec, 'a', 4999);
	longspec[4999] = '\0';
	VML_ASSERT_ERR(select_on(l, longspec, true, &s, &n), VML_ERROR_LIMIT);
	free(longspec);
	vml_layout_free(l);
}

/* ------------------------------------------------------------ scans */

struct planted {
	uint64_t *mem;              /* the 64 KiB of ANON */
	struct vml_source *src;
	struct vml_layout *layout;
};

static uint64_t noise_state = 0x9e3779b97f4a7c15ull;

/* Noise: non-canonical values (top bit set), never a mapped address. */
static uint64_t noise(void)
{
	uint64_t x = noise_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	noise_state = x;
	return x | (1ull << 63);
}

static void plant(struct planted *p)
{
	p->mem = malloc(ANON_SIZE);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p->mem);
	for (size_t i = 0; i < ANON_SIZE / 8; i++)
		p->mem[i] = noise();
	p->mem[3] = 0x400123;              /* text */
	p->mem[100] = 0x401010;            /* data */
	p->mem[101] = 0x402ff8;            /* heap, its last word */
	p->mem[4000] = ANON + 8;           /* itself */
	p->mem[8191] = 0x7ffc00020000;     /* stack, the last word */
	p->mem[5000] = 0x403000;           /* just past the heap: nothing */
	p->mem[5001] = 0x3fffff;           /* just below the program: nothing */
	p->layout = layout_of(maps);
	VML_ASSERT_OK(vml_source_from_buffer(VML_SPACE_VIRTUAL, ANON, p->mem,
					     ANON_SIZE, &p->src));
	vml_layout_set_source(p->layout, p->src);
}

static void unplant(struct planted *p)
{
	vml_layout_free(p->layout);
	vml_source_free(p->src);
	free(p->mem);
}

static struct vml_scan *scan(struct planted *p, const char *from,
			     const char *to, uint64_t max)
{
	struct vml_scan_request req = {
		.from = from, .to = to, .max_hits = max,
	};
	struct vml_scan *s = NULL;
	VML_ASSERT_OK(vml_layout_scan(p->layout, &req, sizeof(req), &s));
	return s;
}

static struct vml_scan_hit hit(const struct vml_scan *s, size_t i)
{
	struct vml_scan_hit h;
	memset(&h, 0, sizeof(h));
	VML_ASSERT_OK(vml_scan_hit(s, i, &h, sizeof(h)));
	return h;
}

static void test_scan_planted(void)
{
	struct planted p;
	plant(&p);
	struct vml_scan *s = scan(&p, "mmap-anon", NULL, 0);
	struct vml_scan_stats st;
	VML_ASSERT_OK(vml_scan_get_stats(s, &st, sizeof(st)));
	CU_ASSERT_EQUAL(st.selected, ANON_SIZE);
	CU_ASSERT_EQUAL(st.scanned, ANON_SIZE);
	CU_ASSERT_EQUAL(st.unreadable, 0);
	CU_ASSERT_EQUAL(st.ranges, 1);
	/* Exactly the planted pointers, in address order; none in noise. */
	CU_ASSERT_EQUAL(st.hits, 5);
	CU_ASSERT_EQUAL(st.kept, 5);
	static const struct {
		size_t word;
		uint64_t value;
		size_t region;
	} want[] = {
		{ 3, 0x400123, 0 }, { 100, 0x401010, 1 }, { 101, 0x402ff8, 2 },
		{ 4000, ANON + 8, 3 }, { 8191, 0x7ffc00020000, 6 },
	};
	for (size_t i = 0; i < 5; i++) {
		struct vml_scan_hit h = hit(s, i);
		CU_ASSERT_EQUAL(h.at, ANON + want[i].word * 8);
		CU_ASSERT_EQUAL(h.value, want[i].value);
		CU_ASSERT_EQUAL(h.region_index, want[i].region);
	}
	struct vml_scan_hit h;
	VML_ASSERT_ERR(vml_scan_hit(s, 5, &h, sizeof(h)), VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_scan_hit(s, 0, &h, VML_SCAN_HIT_SIZE_V2 - 1),
		       VML_ERROR_INVALID);

	char *text = NULL;
	VML_ASSERT_OK(vml_render_scan(s, VML_FORMAT_TEXT, 0, &text));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "scanned 64 KiB of 64 KiB in 1 range "
					    "(mmap-anon) for pointers into "
					    "anything mapped: 5 found\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "       1  heap [heap]\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "0x00007f0000000018  0x0000000000400123"
					    "  text prog\n"));
	vml_free(text);
	VML_ASSERT_OK(vml_render_scan(s, VML_FORMAT_JSON, 0, &text));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "{\"scanned\": 65536, "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "{\"at\": 139637976727576, \"value\": "
					    "4194595, \"kind\": \"text\", \"path\": "
					    "\"/nonexistent/vml/prog\", \"section\": "
					    "null, \"symbol\": null, \"offset\": 291}"));
	vml_free(text);
	VML_ASSERT_ERR(vml_render_scan(s, VML_FORMAT_PICTURE, 0, &text),
		       VML_ERROR_INVALID);
	vml_scan_free(s);

	/* TO narrows the destinations; max_hits keeps the first, counts all. */
	s = scan(&p, "0x7f0000000000-0x7f0000010000", "heap,stack", 1);
	VML_ASSERT_OK(vml_scan_get_stats(s, &st, sizeof(st)));
	CU_ASSERT_EQUAL(st.hits, 2);
	CU_ASSERT_EQUAL(st.kept, 1);
	CU_ASSERT_EQUAL(hit(s, 0).value, 0x402ff8);
	vml_scan_free(s);

	/* Unaligned FROM: only whole aligned words inside it. */
	s = scan(&p, "0x7f0000000019-0x7f0000000328", NULL, 0);
	VML_ASSERT_OK(vml_scan_get_stats(s, &st, sizeof(st)));
	CU_ASSERT_EQUAL(st.hits, 1);   /* word 100 at +0x320; 101 cut off */
	CU_ASSERT_EQUAL(hit(s, 0).value, 0x401010);
	vml_scan_free(s);

	/* A slab cache on a process: one error. */
	struct vml_scan_request sreq = { .from = "mmap-anon",
					 .to = "slab:kmalloc-256" };
	struct vml_scan *none = NULL;
	VML_ASSERT_ERR(vml_layout_scan(p.layout, &sreq, sizeof(sreq), &none),
		       VML_ERROR_INVALID);
	CU_ASSERT_PTR_NULL(none);

	/* Nothing to point at: nothing found. */
	s = scan(&p, "mmap-anon", "vdso", 0);
	VML_ASSERT_OK(vml_scan_get_stats(s, &st, sizeof(st)));
	CU_ASSERT_EQUAL(st.hits, 0);
	CU_ASSERT_EQUAL(st.scanned, ANON_SIZE);
	vml_scan_free(s);
	unplant(&p);
}

/* Regions larger than the memory the source has: the rest is counted as
 * unreadable, page by page, and what can be read is still scanned. */
static void test_scan_unreadable(void)
{
	struct planted p;
	plant(&p);
	struct vml_scan_request req = { .from = "all", .block = 8192 };
	struct vml_scan *s = NULL;
	VML_ASSERT_OK(vml_layout_scan(p.layout, &req, sizeof(req), &s));
	struct vml_scan_stats st;
	VML_ASSERT_OK(vml_scan_get_stats(s, &st, sizeof(st)));
	uint64_t other = 0x3000 + 0x2000 + 0x21000;   /* prog+heap, libz, stack */
	CU_ASSERT_EQUAL(st.selected, ANON_SIZE + other);
	CU_ASSERT_EQUAL(st.scanned, ANON_SIZE);
	CU_ASSERT_EQUAL(st.unreadable, other);
	CU_ASSERT_EQUAL(st.hits, 5);
	vml_scan_free(s);

	/* A layout without a source cannot be scanned. */
	vml_layout_set_source(p.layout, NULL);
	VML_ASSERT_ERR(vml_layout_scan(p.layout, &req, sizeof(req), &s),
		       VML_ERROR_INVALID);
	/* ... unless the request brings one. */
	req.source = p.src;
	VML_ASSERT_OK(vml_layout_scan(p.layout, &req, sizeof(req), &s));
	vml_scan_free(s);
	VML_ASSERT_ERR(vml_layout_scan(p.layout, &req,
				       VML_SCAN_REQUEST_SIZE_V2 - 1, &s),
		       VML_ERROR_INVALID);
	req.from = "nosuchthing";
	VML_ASSERT_ERR(vml_layout_scan(p.layout, &req, sizeof(req), &s),
		       VML_ERROR_NOT_FOUND);
	unplant(&p);
}

static int calls;

static int stop_after_two(void *arg, uint64_t done, uint64_t total)
{
	uint64_t *last = arg;
	CU_ASSERT(done <= total);
	CU_ASSERT(done > *last);
	*last = done;
	return ++calls >= 2;
}

static void test_scan_progress_cancel(void)
{
	struct planted p;
	plant(&p);
	uint64_t last = 0;
	calls = 0;
	struct vml_scan_request req = {
		.from = "mmap-anon", .block = 4096, .progress = stop_after_two,
		.progress_arg = &last,
	};
	struct vml_scan *s = NULL;
	VML_ASSERT_ERR(vml_layout_scan(p.layout, &req, sizeof(req), &s),
		       VML_ERROR_CANCELLED);
	CU_ASSERT_EQUAL(calls, 2);
	CU_ASSERT_EQUAL(last, 8192);
	unplant(&p);
}

/* ------------------------------------------------------------ deref */

static void test_deref(void)
{
	struct planted p;
	plant(&p);
	uint64_t *m = p.mem;
	/* A three-word cycle, a two-step chain into text, characters, a
	 * pointer into the guard (mapped, unreadable), a pointer past the
	 * source's memory (mapped, cannot be read). */
	m[10] = ANON + 11 * 8;
	m[11] = ANON + 12 * 8;
	m[12] = ANON + 10 * 8;
	m[13] = ANON + 14 * 8;
	m[14] = 0x400010;
	memcpy(&m[15], "hello\0\0", 8);
	m[16] = 0x7f0000010008;
	m[17] = 0x401000;
	struct vml_deref_word w[9];
	VML_ASSERT_OK(vml_layout_deref(p.layout, NULL, ANON + 10 * 8, 8, 0, w,
				       sizeof(w[0])));
	CU_ASSERT_EQUAL(w[0].at, ANON + 80);
	CU_ASSERT_EQUAL(w[0].nvalues, 3);
	CU_ASSERT_EQUAL(w[0].end, VML_DEREF_END_CYCLE);
	CU_ASSERT_EQUAL(w[0].chain[0], ANON + 88);
	CU_ASSERT_EQUAL(w[0].chain[1], ANON + 96);
	CU_ASSERT_EQUAL(w[0].chain[2], ANON + 80);
	CU_ASSERT_EQUAL(w[3].nvalues, 2);            /* -> m[14] -> text */
	CU_ASSERT_EQUAL(w[3].chain[1], 0x400010);
	CU_ASSERT_EQUAL(w[3].end, VML_DEREF_END_UNREADABLE);
	CU_ASSERT_EQUAL(w[4].nvalues, 1);             /* text: not readable here */
	CU_ASSERT_EQUAL(w[4].end, VML_DEREF_END_UNREADABLE);
	CU_ASSERT_EQUAL(w[5].nvalues, 1);
	CU_ASSERT_EQUAL(w[5].end, VML_DEREF_END_VALUE);
	CU_ASSERT_EQUAL(w[6].end, VML_DEREF_END_UNREADABLE);   /* guard */
	CU_ASSERT_EQUAL(w[7].end, VML_DEREF_END_UNREADABLE);   /* no bytes */

	/* Depth bound. */
	VML_ASSERT_OK(vml_layout_deref(p.layout, NULL, ANON + 10 * 8, 1, 2, w,
				       sizeof(w[0])));
	CU_ASSERT_EQUAL(w[0].nvalues, 2);
	CU_ASSERT_EQUAL(w[0].end, VML_DEREF_END_DEPTH);

	/* A word that cannot be read, and one that points at itself. */
	m[20] = ANON + 20 * 8;
	VML_ASSERT_OK(vml_layout_deref(p.layout, NULL, ANON + 20 * 8, 1, 0, w,
				       sizeof(w[0])));
	CU_ASSERT_EQUAL(w[0].nvalues, 1);
	CU_ASSERT_EQUAL(w[0].end, VML_DEREF_END_CYCLE);
	VML_ASSERT_OK(vml_layout_deref(p.layout, NULL, 0x1000, 1, 0, w,
				       sizeof(w[0])));
	CU_ASSERT_EQUAL(w[0].nvalues, 0);
	CU_ASSERT_EQUAL(w[0].end, VML_DEREF_END_NO_WORD);
	/* The last word before 2^64 and beyond. */
	VML_ASSERT_OK(vml_layout_deref(p.layout, NULL, UINT64_MAX - 7, 3, 0, w,
				       sizeof(w[0])));
	CU_ASSERT_EQUAL(w[2].end, VML_DEREF_END_NO_WORD);

	VML_ASSERT_OK(vml_layout_deref(p.layout, NULL, ANON + 10 * 8, 8, 0, w,
				       sizeof(w[0])));
	char *text = NULL;
	VML_ASSERT_OK(vml_render_deref(p.layout, w, 8, sizeof(w[0]),
				       VML_FORMAT_TEXT, 0, &text));
	CU_ASSERT_PTR_NOT_NULL(strstr(text,
		"0x00007f0000000050 +0x0000: 0x00007f0000000058 [mmap-anon] -> "
		"0x00007f0000000060 [mmap-anon] -> 0x00007f0000000050 "
		"[mmap-anon] (cycle)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text,
		"0x00007f0000000078 +0x0028: 0x0000006f6c6c6568 \"hello\"\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "[text prog] (cannot be read)\n"));
	vml_free(text);
	VML_ASSERT_OK(vml_render_deref(p.layout, w, 8, sizeof(w[0]),
				       VML_FORMAT_JSON, 0, &text));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "{\"address\": 139637976727632, "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\"end\": \"cycle\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "{\"value\": 4194320, \"kind\": \"text\""));
	vml_free(text);
	VML_ASSERT_ERR(vml_render_deref(p.layout, w, 8, VML_DEREF_WORD_SIZE_V2 - 1,
					VML_FORMAT_TEXT, 0, &text),
		       VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_layout_deref(p.layout, NULL, 0, 100000, 0, w,
					sizeof(w[0])),
		       VML_ERROR_LIMIT);
	unplant(&p);
}

/* ------------------------------------------------------------ kernel */

static struct vml_pt_range R(uint64_t start, uint64_t size, uint64_t phys,
			     uint32_t flags)
{
	return (struct vml_pt_range){
		.start = start, .last = start + size - 1, .phys = phys,
		.page_size = 4096, .flags = VML_PT_PRESENT | flags, .level = 1,
		.status = VML_PT_MAPPED,
	};
}

/* Pointers into the kernel image inside the direct map. */
/* TO's slab:NAME items come out of the selection; the rest stays. */
static void test_select_caches(void)
{
	struct vml_cache_names c;
	char *rest = NULL;
	VML_ASSERT_OK(vml_select_caches(" slab:kmalloc-256 , heap,slab: "
					"vmltest_cache,0x10-0x20", "TO",
					&rest, &c));
	CU_ASSERT_EQUAL(c.count, 2);
	CU_ASSERT_STRING_EQUAL(c.names[0], "kmalloc-256");
	CU_ASSERT_STRING_EQUAL(c.names[1], "vmltest_cache");
	CU_ASSERT_STRING_EQUAL(rest, "heap,0x10-0x20");
	free(rest);
	/* None: the selection as it was (empty items dropped). */
	VML_ASSERT_OK(vml_select_caches("heap,,stack", "TO", &rest, &c));
	CU_ASSERT_EQUAL(c.count, 0);
	CU_ASSERT_STRING_EQUAL(rest, "heap,stack");
	free(rest);
	VML_ASSERT_OK(vml_select_caches(NULL, "TO", &rest, &c));
	CU_ASSERT_STRING_EQUAL(rest, "");
	free(rest);
	/* "slabby" is not the prefix: an ordinary item. */
	VML_ASSERT_OK(vml_select_caches("slabby", "TO", &rest, &c));
	CU_ASSERT_EQUAL(c.count, 0);
	CU_ASSERT_STRING_EQUAL(rest, "slabby");
	free(rest);
	/* Errors: no name, a name too long, too many caches, too long. */
	VML_ASSERT_ERR(vml_select_caches("heap,slab: ", "TO", &rest, &c),
		       VML_ERROR_INVALID);
	CU_ASSERT_PTR_NULL(rest);
	char big[VML_SELECT_CACHE_NAME + 16];
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "slab:", 5);
	big[sizeof(big) - 1] = '\0';
	VML_ASSERT_ERR(vml_select_caches(big, "TO", &rest, &c),
		       VML_ERROR_LIMIT);
	char many[512] = "";
	for (unsigned i = 0; i <= VML_SELECT_MAX_CACHES; i++)
		strcat(many, "slab:x,");
	VML_ASSERT_ERR(vml_select_caches(many, "TO", &rest, &c),
		       VML_ERROR_LIMIT);
	char *huge = malloc(5000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(huge);
	memset(huge, 'x', 4999);
	huge[4999] = '\0';
	VML_ASSERT_ERR(vml_select_caches(huge, "TO", &rest, &c),
		       VML_ERROR_LIMIT);
	free(huge);
}

static void test_kernel_scan(void)
{
	struct vml_paging *paging = vml_test_x86_paging(0x1000, 4, true, 0);
	struct vml_pt_range r[] = {
		R(0xffff888000000000, 0x4000, 0, VML_PT_WRITE | VML_PT_NX),
		R(0xffff888000004000, 0x1000, 0x4000,
		  VML_PT_WRITE | VML_PT_NX | VML_PT_PCD),
		R(0xffffffff81000000, 0x2000, 0x1000000, 0),
	};
	struct vml_kernel *k = NULL;
	VML_ASSERT_OK(vml_kernel_from_ranges(paging, r, 3, sizeof(r[0]), NULL, 0,
					     &k));
	uint64_t *mem = calloc(1, 0x5000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mem);
	mem[7] = 0xffffffff81000010;
	mem[600] = 0xffffffff81001ff8;
	mem[601] = 0xffffffff81002000;     /* past the text: nothing */
	mem[0x4000 / 8] = 0xffffffff81000000; /* uncached page: never read */
	struct vml_source *src = NULL;
	VML_ASSERT_OK(vml_source_from_buffer(VML_SPACE_VIRTUAL,
					     0xffff888000000000, mem, 0x5000,
					     &src));
	struct vml_scan_request req = {
		.from = "direct-map", .to = "kernel-text", .source = src,
	};
	struct vml_scan *s = NULL;
	VML_ASSERT_OK(vml_kernel_scan(k, &req, sizeof(req), &s));
	struct vml_scan_stats st;
	VML_ASSERT_OK(vml_scan_get_stats(s, &st, sizeof(st)));
	CU_ASSERT_EQUAL(st.selected, 0x4000);
	CU_ASSERT_EQUAL(st.hits, 2);
	CU_ASSERT_EQUAL(hit(s, 0).at, 0xffff888000000038);
	CU_ASSERT_EQUAL(hit(s, 1).value, 0xffffffff81001ff8);
	const struct vml_layout *kl = vml_kernel_layout(k);
	CU_ASSERT_EQUAL(vml_layout_region(kl, hit(s, 0).region_index)->kind,
			VML_KIND_KERNEL_TEXT);

	CU_ASSERT_PTR_NULL(hit(s, 0).object);
	vml_scan_free(s);
	/* A slab cache needs the kernel's BTF: one error, no scan. */
	req.to = "slab:kmalloc-256";
	VML_ASSERT_ERR(vml_kernel_scan(k, &req, sizeof(req), &s),
		       VML_ERROR_NOT_FOUND);
	req.to = "kernel-text";

	/* Without a source: no memory to read. */
	req.source = NULL;
	VML_ASSERT_ERR(vml_kernel_scan(k, &req, sizeof(req), &s),
		       VML_ERROR_INVALID);

	struct vml_deref_word w[2];
	VML_ASSERT_OK(vml_kernel_deref(k, src, 0xffff888000000038, 1, 0, w,
				       sizeof(w[0])));
	CU_ASSERT_EQUAL(w[0].nvalues, 1);   /* text is mapped, not in src */
	CU_ASSERT_EQUAL(w[0].end, VML_DEREF_END_UNREADABLE);
	mem[8] = 0xffff888000004000;       /* into the uncached page */
	VML_ASSERT_OK(vml_kernel_deref(k, src, 0xffff888000000040, 1, 0, w,
				       sizeof(w[0])));
	CU_ASSERT_EQUAL(w[0].end, VML_DEREF_END_UNREADABLE);
	vml_source_free(src);
	free(mem);
	vml_kernel_free(k);
	vml_paging_free(paging);
}

/* ------------------------------------------------------------ ELF cache */

static void copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC,
						   0600);
	CU_ASSERT_FATAL(in >= 0 && out >= 0);
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		CU_ASSERT_EQUAL_FATAL(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

static struct vml_elf_cache_stats cache_stats(const struct vml_elf_cache *c)
{
	struct vml_elf_cache_stats st;
	VML_ASSERT_OK(vml_elf_cache_get_stats(c, &st, sizeof(st)));
	return st;
}

static void test_elf_cache(void)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	CU_ASSERT_FATAL(n > 0);
	exe[n] = '\0';
	char tmp[] = "/tmp/vml-elf-cache-XXXXXX";
	int fd = mkstemp(tmp);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	copy_file(exe, tmp);

	struct vml_elf_cache *c = NULL;
	VML_ASSERT_OK(vml_elf_cache_new(0, &c));
	struct vml_elf_info *a = NULL, *b = NULL, *d = NULL;
	VML_ASSERT_OK(vml_elf_cache_load(c, NULL, tmp, &a));
	CU_ASSERT_TRUE(a->valid);
	CU_ASSERT(a->nsymbols > 0);
	VML_ASSERT_OK(vml_elf_cache_load(c, "/", tmp, &b));  /* same file */
	CU_ASSERT_PTR_EQUAL(a, b);
	struct vml_elf_cache_stats st = cache_stats(c);
	CU_ASSERT_EQUAL(st.hits, 1);
	CU_ASSERT_EQUAL(st.misses, 1);
	CU_ASSERT_EQUAL(st.entries, 1);
	CU_ASSERT(st.bytes > a->nsymbols * sizeof(*a->symbols));

	/* Rewritten in place (another mtime): parsed again. */
	struct timespec times[2] = { { 0, UTIME_OMIT }, { 12345, 0 } };
	CU_ASSERT_EQUAL(utimensat(AT_FDCWD, tmp, times, 0), 0);
	VML_ASSERT_OK(vml_elf_cache_load(c, NULL, tmp, &d));
	CU_ASSERT_PTR_NOT_EQUAL(d, a);
	st = cache_stats(c);
	CU_ASSERT_EQUAL(st.misses, 2);
	CU_ASSERT_EQUAL(st.entries, 1);
	/* The old object still serves its holders. */
	CU_ASSERT_TRUE(a->valid);
	CU_ASSERT_STRING_EQUAL(a->symbols[0].name, d->symbols[0].name);
	vml_elf_info_put(a);
	vml_elf_info_put(b);
	vml_elf_info_put(d);

	/* A file that is not there: parsed (invalid), not remembered. */
	VML_ASSERT_OK(vml_elf_cache_load(c, NULL, "/nonexistent/vml/x", &a));
	CU_ASSERT_FALSE(a->valid);
	vml_elf_info_put(a);
	CU_ASSERT_EQUAL(cache_stats(c).entries, 1);
	vml_elf_cache_free(c);

	/* A bound of one byte keeps nothing, but answers still come. */
	VML_ASSERT_OK(vml_elf_cache_new(1, &c));
	VML_ASSERT_OK(vml_elf_cache_load(c, NULL, tmp, &a));
	VML_ASSERT_OK(vml_elf_cache_load(c, NULL, tmp, &b));
	CU_ASSERT_PTR_NOT_EQUAL(a, b);
	st = cache_stats(c);
	CU_ASSERT_EQUAL(st.entries, 0);
	CU_ASSERT_EQUAL(st.bytes, 0);
	CU_ASSERT_EQUAL(st.evictions, 2);
	CU_ASSERT(a->valid && b->valid);
	vml_elf_info_put(a);
	vml_elf_info_put(b);
	vml_elf_cache_free(c);
	VML_ASSERT_ERR(vml_elf_cache_get_stats(NULL, &st,
					       VML_ELF_CACHE_STATS_SIZE_V2 - 1),
		       VML_ERROR_INVALID);
	unlink(tmp);
}

/* Two layouts of this process with one cache: the second parses nothing,
 * answers the same, and outlives the cache. */
static void test_elf_cache_layouts(void)
{
	struct vml_elf_cache *c = NULL;
	VML_ASSERT_OK(vml_elf_cache_new(0, &c));
	struct vml_layout *one = NULL, *two = NULL;
	VML_ASSERT_OK(vml_layout_from_pid(getpid(), &one));
	VML_ASSERT_OK(vml_layout_from_pid(getpid(), &two));
	/* from_pid classified without the cache; again with it. */
	vml_layout_set_elf_cache(one, c);
	vml_layout_set_elf_cache(two, c);
	VML_ASSERT_OK(vml_layout_add_thread(one, 1, 0, false));
	VML_ASSERT_OK(vml_layout_add_thread(two, 1, 0, false));
	VML_ASSERT_OK(vml_layout_classify(one));
	struct vml_elf_cache_stats st = cache_stats(c);
	CU_ASSERT(st.misses > 0);
	CU_ASSERT_EQUAL(st.hits, 0);
	VML_ASSERT_OK(vml_layout_classify(two));
	struct vml_elf_cache_stats st2 = cache_stats(c);
	CU_ASSERT_EQUAL(st2.misses, st.misses);
	CU_ASSERT_EQUAL(st2.hits, st.misses);
	vml_elf_cache_free(c);
	struct vml_where w1, w2;
	uint64_t addr = (uint64_t)(uintptr_t)&test_elf_cache_layouts;
	VML_ASSERT_OK(vml_layout_where(one, addr, &w1, sizeof(w1)));
	VML_ASSERT_OK(vml_layout_where(two, addr, &w2, sizeof(w2)));
	CU_ASSERT_PTR_NOT_NULL_FATAL(w1.symbol);
	CU_ASSERT_STRING_EQUAL(w1.symbol, "test_elf_cache_layouts");
	CU_ASSERT_PTR_EQUAL(w1.symbol, w2.symbol);   /* one shared object */
	vml_layout_free(one);
	vml_layout_free(two);
}

int vml_suite_scan(void)
{
	static CU_TestInfo tests[] = {
		{ "select", test_select },
		{ "scan_planted", test_scan_planted },
		{ "scan_unreadable", test_scan_unreadable },
		{ "scan_progress_cancel", test_scan_progress_cancel },
		{ "deref", test_deref },
		{ "select_caches", test_select_caches },
		{ "kernel_scan", test_kernel_scan },
		{ "elf_cache", test_elf_cache },
		{ "elf_cache_layouts", test_elf_cache_layouts },
		CU_TEST_INFO_NULL,
	};
	return vml_add_suite("scan", tests);
}
