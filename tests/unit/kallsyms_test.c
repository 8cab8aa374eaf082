/* kallsyms_test.c — the kallsyms parser against tables built here the way
 * scripts/kallsyms lays them out in each kernel generation (4.x words,
 * 6.1 .long and ULEB128 lengths, 6.2 kallsyms_seqs_of_names, 6.4+
 * addresses after the token index; absolute addresses, relative offsets,
 * absolute per-CPU symbols), inside junk, then damaged and cut. Truth: the
 * symbol list the tables were built from. Also the symbol index of
 * struct vml_ksyms and the ELF symbol file (read back with the library's
 * ELF reader and with binutils' readelf). */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "helpers.h"
#include "ksyms.h"
#include "suites.h"

#define VA UINT64_C(0xffffffff82000000)
#define IMAGE_LO UINT64_C(0xffffffff81000000)
#define IMAGE_HI UINT64_C(0xffffffff84000000)

struct tsym {
	const char *name;
	char type;
	uint64_t addr;
};

/* What each kernel generation emits. */
struct layout {
	const char *what;
	unsigned num_size;        /* 8: PTR (4.x), 4: .long */
	unsigned marker_size;     /* 8: PTR (4.x), 4: .long */
	bool uleb;                /* two-byte lengths for long names (6.1+) */
	bool seqs;                /* kallsyms_seqs_of_names after markers */
	bool offsets_last;        /* addresses after the token index (6.4+) */
	uint32_t addrs;           /* enum vml_kallsyms_addrs */
};

static const struct layout layouts[] = {
	{ "4.4 absolute", 8, 8, false, false, false, VML_KALLSYMS_ABSOLUTE },
	{ "4.19 relative, absolute per-CPU", 8, 8, false, false, false,
	  VML_KALLSYMS_ABS_PERCPU },
	{ "6.1", 4, 4, true, false, false, VML_KALLSYMS_ABS_PERCPU },
	{ "6.2 seqs_of_names", 4, 4, true, true, false,
	  VML_KALLSYMS_ABS_PERCPU },
	{ "6.4 offsets last", 4, 4, true, true, true, VML_KALLSYMS_RELATIVE },
	{ "6.4 absolute", 4, 4, true, true, true, VML_KALLSYMS_ABSOLUTE },
	{ "7.0 place-relative", 4, 4, true, true, true,
	  VML_KALLSYMS_PLACE_RELATIVE },
};

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *data, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 4096;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void put_n(struct buf *b, uint64_t v, unsigned size)
{
	put(b, &v, size);     /* little-endian host */
}

static void align(struct buf *b)
{
	while (b->len % 8)
		put_n(b, 0, 1);
}

/* Tokens: every byte that occurs stands for itself; a few unused byte
 * values stand for two- and three-character strings, as scripts/kallsyms
 * picks them. */
struct tokens {
	char text[256][8];
};

static void make_tokens(const struct tsym *syms, size_t n, struct tokens *t)
{
	bool used[256] = { false };
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < n; i++) {
		used[(unsigned char)syms[i].type] = true;
		for (const char *c = syms[i].name; *c; c++)
			used[(unsigned char)*c] = true;
	}
	for (int c = 0; c < 256; c++)
		if (used[c])
			t->text[c][0] = (char)c;
	static const char *const multi[] = { "_s", "ta", "rt", "Tvm",
					     "_text", "per", "cpu" };
	size_t m = 0;
	for (int c = 1; c < 256 && m < VML_ARRAY_SIZE(multi); c++)
		if (!used[c])
			snprintf(t->text[c], sizeof(t->text[c]), "%s", multi[m++]);
}

/* Greedy encoding of type letter + name into token numbers. */
static size_t encode(const struct tokens *t, char type, const char *name,
		     uint8_t *out)
{
	char full[2048];
	snprintf(full, sizeof(full), "%c%s", type, name);
	size_t n = 0;
	for (size_t i = 0; full[i];) {
		int best = -1;
		size_t best_len = 0;
		for (int c = 0; c < 256; c++) {
			size_t l = strlen(t->text[c]);
			if (l > best_len && !strncmp(full + i, t->text[c], l)) {
				best = c;
				best_len = l;
			}
		}
		CU_ASSERT_FATAL(best >= 0);
		out[n++] = (uint8_t)best;
		i += best_len;
	}
	return n;
}

/* The tables of syms (ascending addresses) laid out as l says, after
 * junk_before bytes of junk and followed by more; *tables is where
 * kallsyms_num_syms is. */
static struct buf build(const struct layout *l, const struct tsym *syms,
			size_t n, size_t junk_before, size_t *num_at)
{
	struct buf b = { 0 };
	struct tokens t;
	make_tokens(syms, n, &t);
	/* Junk that looks a little like tables: small words, digits. */
	for (size_t i = 0; i < junk_before; i++)
		put_n(&b, (i * 7) % 5 ? (i % 251) : 0, 1);
	align(&b);
	uint64_t base = UINT64_MAX;
	for (size_t i = 0; i < n; i++)
		if (!(l->addrs == VML_KALLSYMS_ABS_PERCPU && syms[i].type == 'A')
		    && syms[i].addr < base)
			base = syms[i].addr;
	struct buf addrs = { 0 };
	for (size_t i = 0; i < n; i++) {
		switch (l->addrs) {
		case VML_KALLSYMS_ABSOLUTE:
			put_n(&addrs, syms[i].addr, 8);
			break;
		case VML_KALLSYMS_RELATIVE:
			put_n(&addrs, syms[i].addr - base, 4);
			break;
		default:
			if (syms[i].type == 'A')
				put_n(&addrs, syms[i].addr, 4);
			else
				put_n(&addrs, (uint32_t)(int32_t)
				      (int64_t)(base - 1 - syms[i].addr), 4);
		}
	}
	if (!l->offsets_last) {
		put(&b, addrs.p, addrs.len);
		align(&b);
		if (l->addrs != VML_KALLSYMS_ABSOLUTE) {
			put_n(&b, base, 8);
			align(&b);
		}
	}
	*num_at = b.len;
	put_n(&b, n, l->num_size);
	align(&b);
	size_t names = b.len;
	uint64_t *marks = calloc((n + 255) / 256 + 1, sizeof(*marks));
	for (size_t i = 0; i < n; i++) {
		if (i % 256 == 0)
			marks[i / 256] = b.len - names;
		uint8_t enc[2048];
		size_t len = encode(&t, syms[i].type, syms[i].name, enc);
		if (len > 127) {
			CU_ASSERT_FATAL(l->uleb);
			put_n(&b, (len & 0x7f) | 0x80, 1);
			put_n(&b, len >> 7, 1);
		} else {
			put_n(&b, len, 1);
		}
		put(&b, enc, len);
	}
	align(&b);
	for (size_t i = 0; i < (n + 255) / 256; i++)
		put_n(&b, marks[i], l->marker_size);
	free(marks);
	align(&b);
	/* kallsyms_seqs_of_names: after the markers in 6.2-6.3, last since
	 * 6.4 (the order of its entries does not matter here). */
	if (l->seqs && !l->offsets_last) {
		for (size_t i = 0; i < n; i++)
			put_n(&b, i, 3);
		align(&b);
	}
	uint16_t idx[256];
	size_t table = b.len;
	for (int c = 0; c < 256; c++) {
		idx[c] = (uint16_t)(b.len - table);
		put(&b, t.text[c], strlen(t.text[c]) + 1);
	}
	align(&b);
	put(&b, idx, sizeof(idx));
	align(&b);
	if (l->offsets_last) {
		if (l->addrs == VML_KALLSYMS_PLACE_RELATIVE) {
			/* Each offset from its own address (VA is the
			 * buffer's start), no base. */
			for (size_t i = 0; i < n; i++)
				put_n(&b, (uint32_t)(int32_t)(int64_t)
				      (syms[i].addr - (VA + b.len)), 4);
			align(&b);
		} else {
			put(&b, addrs.p, addrs.len);
			align(&b);
		}
		if (l->addrs != VML_KALLSYMS_ABSOLUTE &&
		    l->addrs != VML_KALLSYMS_PLACE_RELATIVE) {
			put_n(&b, base, 8);
			align(&b);
		}
		if (l->seqs) {
			for (size_t i = 0; i < n; i++)
				put_n(&b, i, 3);
			align(&b);
		}
	}
	free(addrs.p);
	for (size_t i = 0; i < 1000; i++)
		put_n(&b, i * 13, 1);
	return b;
}

/* A symbol list: per-CPU ones first (absolute), then the image, with a
 * name longer than 127 tokens where the layout allows it. */
static size_t make_symbols(const struct layout *l, size_t count,
			   struct tsym *syms, char (*names)[600])
{
	size_t n = 0;
	if (l->addrs == VML_KALLSYMS_ABS_PERCPU) {
		syms[n++] = (struct tsym){ "fixed_percpu_data", 'A', 0 };
		syms[n++] = (struct tsym){ "__per_cpu_start", 'A', 0 };
		syms[n++] = (struct tsym){ "cpu_tss_rw", 'A', 0x6000 };
	}
	syms[n++] = (struct tsym){ "_text", 'T', IMAGE_LO };
	syms[n++] = (struct tsym){ "startup_64", 'T', IMAGE_LO };
	/* Every kernel's names use all ten digits (the parser looks for
	 * them in the token table). */
	syms[n++] = (struct tsym){ "digits_0123456789", 't', IMAGE_LO + 8 };
	uint64_t at = IMAGE_LO + 0x1000;
	static const char types[] = "TtDdBbRr";
	for (size_t i = 0; n < count; i++) {
		if (l->uleb && i == 7) {
			/* 300 characters no token shortens: > 127 tokens. */
			memset(names[i], 'Q', 300);
			names[i][300] = '\0';
		} else {
			snprintf(names[i], sizeof(names[i]), "%s_%zu_%s",
				 i % 3 ? "vm_start" : "do_thing", i,
				 i % 5 ? "x" : "percpu_rt");
		}
		syms[n++] = (struct tsym){ names[i], types[i % 8], at };
		at += (i % 4) ? 0x40 + i % 64 : 0;   /* aliases too */
	}
	syms[n++] = (struct tsym){ "_end", 'B', at + 0x1000 };
	return n;
}

static void check_parsed(const struct layout *l, const struct tsym *syms,
			 size_t n, const struct vml_kallsyms *ks)
{
	CU_ASSERT_EQUAL(ks->count, n);
	CU_ASSERT_EQUAL(ks->addrs, l->addrs);
	CU_ASSERT_EQUAL(ks->offsets_last, l->offsets_last);
	/* One marker (at most 256 symbols) is 0 in either width and both
	 * widths take the same aligned 8 bytes: nothing tells them apart and
	 * nothing depends on it. Kernels have thousands of symbols. */
	if (n > 256)
		CU_ASSERT_EQUAL(ks->markers_size, l->marker_size);
	size_t bad = 0;
	for (size_t i = 0; i < n && i < ks->count; i++) {
		if (strcmp(vml_kallsyms_name(ks, i), syms[i].name) ||
		    ks->syms[i].type != syms[i].type ||
		    ks->syms[i].addr != syms[i].addr) {
			if (!bad)
				fprintf(stderr, "\n%s: symbol %zu: %s %c %llx,"
					" want %s %c %llx\n", l->what, i,
					vml_kallsyms_name(ks, i),
					ks->syms[i].type,
					(unsigned long long)ks->syms[i].addr,
					syms[i].name, syms[i].type,
					(unsigned long long)syms[i].addr);
			bad++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* Optional: the tables as seeds for fuzz_kallsyms (VML_KALLSYMS_SEED_DIR,
 * set by tests/fuzz/run-fuzz): its first byte 0 picks a 64-bit kernel. */
static void write_seed(size_t layout, const struct buf *b)
{
	const char *dir = getenv("VML_KALLSYMS_SEED_DIR");
	if (!dir)
		return;
	char path[4096];
	snprintf(path, sizeof(path), "%s/layout-%zu", dir, layout);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	fputc(0, f);
	fwrite(b->p, 1, b->len, f);
	fclose(f);
}

static void test_every_layout(void)
{
	static struct tsym syms[1200];
	static char names[1200][600];
	const size_t counts[] = { 5, 256, 257, 1100 };
	for (size_t li = 0; li < VML_ARRAY_SIZE(layouts); li++) {
		const struct layout *l = &layouts[li];
		for (size_t ci = 0; ci < VML_ARRAY_SIZE(counts); ci++) {
			size_t n = make_symbols(l, counts[ci], syms, names);
			size_t num_at;
			struct buf b = build(l, syms, n, 3000 + ci * 17, &num_at);
			if (counts[ci] == 257)
				write_seed(li, &b);
			struct vml_kallsyms *ks = NULL;
			struct vml_error *err = vml_kallsyms_parse(
				b.p, b.len, VA, 8, IMAGE_LO, IMAGE_HI, &ks);
			if (err)
				fprintf(stderr, "\n%s (%zu): %s\n", l->what, n,
					vml_error_message(err));
			CU_ASSERT_PTR_NULL(err);
			if (ks) {
				check_parsed(l, syms, n, ks);
				CU_ASSERT_EQUAL(ks->num_syms_off, num_at);
			}
			vml_kallsyms_free(ks);
			vml_error_free(err);
			free(b.p);
		}
	}
}

/* Damage: no crash, and either the right answer or NOT_FOUND. */
static void test_damaged_and_cut(void)
{
	static struct tsym syms[301];   /* and _end */
	static char names[300][600];
	const struct layout *l = &layouts[2];
	size_t n = make_symbols(l, 300, syms, names), num_at;
	struct buf b = build(l, syms, n, 100, &num_at);
	/* Every cut below the end of the token index finds nothing. */
	for (size_t cut = 0; cut < b.len; cut += 97) {
		struct vml_kallsyms *ks = NULL;
		struct vml_error *err = vml_kallsyms_parse(b.p, cut, VA, 8,
							   IMAGE_LO, IMAGE_HI,
							   &ks);
		CU_ASSERT(err != NULL || ks->count == n);
		if (err)
			CU_ASSERT_EQUAL(vml_error_code(err),
					VML_ERROR_NOT_FOUND);
		vml_kallsyms_free(ks);
		vml_error_free(err);
	}
	/* One byte changed anywhere in the tables: never a crash, never a
	 * wrong count. */
	uint64_t state = 12345;
	for (int round = 0; round < 400; round++) {
		uint8_t *copy = malloc(b.len);
		memcpy(copy, b.p, b.len);
		state = state * 6364136223846793005ULL + 1442695040888963407ULL;
		size_t at = num_at + (size_t)((state >> 33) % (b.len - num_at));
		copy[at] ^= (uint8_t)(1u << ((state >> 20) % 8));
		struct vml_kallsyms *ks = NULL;
		struct vml_error *err = vml_kallsyms_parse(copy, b.len, VA, 8,
							   IMAGE_LO, IMAGE_HI,
							   &ks);
		if (!err)
			CU_ASSERT_EQUAL(ks->count, n);
		vml_kallsyms_free(ks);
		vml_error_free(err);
		free(copy);
	}
	/* The relative base outside the image: not these tables. */
	struct vml_kallsyms *ks = NULL;
	struct vml_error *err = vml_kallsyms_parse(b.p, b.len, VA, 8,
						   IMAGE_HI, IMAGE_HI + 4096,
						   &ks);
	CU_ASSERT_PTR_NOT_NULL(err);
	vml_error_free(err);
	/* Arguments. */
	err = vml_kallsyms_parse(NULL, 10, VA, 8, 0, 1, &ks);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_INVALID);
	vml_error_free(err);
	err = vml_kallsyms_parse(b.p, b.len, VA, 3, 0, 1, &ks);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_INVALID);
	vml_error_free(err);
	free(b.p);
}

/* struct vml_ksyms over parsed tables: lookups by name and address as the
 * kernel answers them (first alias, symbol+offset, nothing past _end),
 * and the ELF symbol file. */
static void test_ksyms_lookups_and_elf(void)
{
	static struct tsym syms[401];   /* and _end */
	static char names[400][600];
	const struct layout *l = &layouts[2];
	size_t n = make_symbols(l, 400, syms, names), num_at;
	struct buf b = build(l, syms, n, 64, &num_at);
	struct vml_kallsyms *tab = NULL;
	CU_ASSERT_PTR_NULL_FATAL(vml_kallsyms_parse(b.p, b.len, VA, 8,
						    IMAGE_LO, IMAGE_HI, &tab));
	struct vml_ksyms *ks = NULL;
	CU_ASSERT_PTR_NULL_FATAL(vml_ksyms_from_kallsyms(
		&vml_arch_x86_64, tab, VA, IMAGE_LO, IMAGE_HI, &ks));
	CU_ASSERT_EQUAL(vml_ksyms_count(ks), n);
	CU_ASSERT_FALSE(vml_ksyms_has_types(ks));
	CU_ASSERT_PTR_NOT_NULL(strstr(vml_ksyms_description(ks),
				      "symbols from kallsyms"));
	struct vml_ksym s;
	uint64_t off;
	/* _text and startup_64 share an address: the first is named. */
	CU_ASSERT_PTR_NULL(vml_ksyms_find(ks, IMAGE_LO + 5, &s, sizeof(s),
					  &off));
	CU_ASSERT_STRING_EQUAL(s.name, "_text");
	CU_ASSERT_EQUAL(off, 5);
	CU_ASSERT_EQUAL(s.type, 'T');
	/* Every symbol by name: its own address (first of equal names). */
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_PTR_NULL(vml_ksyms_lookup(ks, syms[i].name, &s,
						    sizeof(s)));
		CU_ASSERT_EQUAL(s.addr, syms[i].addr);
	}
	/* Every relocatable address: the first symbol at the highest
	 * address at or below it. */
	for (size_t i = 0; i + 1 < n; i++) {
		if (syms[i].type == 'A')
			continue;
		uint64_t a = syms[i].addr + 1;
		size_t want = i;
		while (want > 0 && syms[want - 1].addr == syms[i].addr)
			want--;
		if (syms[i + 1].addr <= a)
			continue;
		CU_ASSERT_PTR_NULL(vml_ksyms_find(ks, a, &s, sizeof(s), &off));
		CU_ASSERT_STRING_EQUAL(s.name, syms[want].name);
		CU_ASSERT_EQUAL(off, 1);
	}
	/* Past _end, below the first: nothing. */
	struct vml_error *err = vml_ksyms_find(ks, syms[n - 1].addr + 1, &s,
					       sizeof(s), &off);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_NOT_FOUND);
	vml_error_free(err);
	err = vml_ksyms_find(ks, IMAGE_LO - 1, &s, sizeof(s), &off);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_NOT_FOUND);
	vml_error_free(err);
	err = vml_ksyms_lookup(ks, "no_such_symbol", &s, sizeof(s));
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_NOT_FOUND);
	vml_error_free(err);
	err = vml_ksyms_symbol(ks, 0, &s, VML_KSYM_SIZE_V2 - 1);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_INVALID);
	vml_error_free(err);
	CU_ASSERT_PTR_NULL(vml_ksyms_symbol(ks, 0, &s, sizeof(s)));
	CU_ASSERT_TRUE(s.absolute);   /* fixed_percpu_data */

	/* The symbol file, read back with the library's ELF reader. */
	char path[] = "/tmp/vml-ksyms-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_PTR_NULL(vml_ksyms_write_elf(ks, NULL, path));
	struct vml_elf_info *info = NULL;
	CU_ASSERT_PTR_NULL(vml_elf_info_load(NULL, path, &info));
	CU_ASSERT_FATAL(info && info->valid);
	CU_ASSERT_EQUAL(info->arch, &vml_arch_x86_64);
	/* The reader keeps one name per address (aliases share one): every
	 * relocatable symbol's address is there, named by one of the
	 * symbols at that address. */
	size_t relocatable = 0, found = 0, addresses = 0;
	for (size_t i = 0; i < n; i++) {
		if (syms[i].type == 'A')
			continue;
		relocatable++;
		bool first = true;
		for (size_t j = 0; j < i; j++)
			if (syms[j].type != 'A' && syms[j].addr == syms[i].addr)
				first = false;
		addresses += first;
		for (size_t j = 0; j < info->nsymbols; j++) {
			if (info->symbols[j].addr != syms[i].addr)
				continue;
			for (size_t k = 0; k < n; k++)
				if (syms[k].addr == syms[i].addr &&
				    !strcmp(info->symbols[j].name,
					    syms[k].name)) {
					found++;
					break;
				}
			break;
		}
	}
	CU_ASSERT_EQUAL(found, relocatable);
	CU_ASSERT_EQUAL(info->nsymbols, addresses);
	CU_ASSERT_EQUAL(info->nsegments, 1);
	vml_elf_info_free(info);
	/* binutils agrees: readelf lists every symbol. */
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "readelf -sW %s 2>&1 | grep -c 'do_thing_'",
		 path);
	FILE *p = popen(cmd, "r");
	if (p) {
		int count = -1;
		if (fscanf(p, "%d", &count) != 1)
			count = -1;
		pclose(p);
		size_t want = 0;
		for (size_t i = 0; i < n; i++)
			want += strstr(syms[i].name, "do_thing_") != NULL;
		CU_ASSERT_EQUAL((size_t)count, want);
	}
	unlink(path);
	vml_ksyms_free(ks);
	free(b.p);
}

/* ------------------------------------------------------------ BTF */

/* A BTF blob built by hand the way the format lays it out (header, type
 * records, string section): struct task_struct { int pid; union { void
 * *stack; }; char comm[16]; struct thread_struct { long sp; } thread; }
 * (40 bytes), enum { TASK_COMM_LEN = 16 } and a second enum. Truth: the
 * offsets and values written here. */
struct btfb {
	uint8_t types[512], strs[256];
	size_t ntypes, nstrs;
};

static uint32_t btf_str(struct btfb *b, const char *s)
{
	uint32_t off = (uint32_t)b->nstrs;
	memcpy(b->strs + b->nstrs, s, strlen(s) + 1);
	b->nstrs += strlen(s) + 1;
	return off;
}

static void btf_u32s(struct btfb *b, const uint32_t *v, size_t n)
{
	memcpy(b->types + b->ntypes, v, 4 * n);
	b->ntypes += 4 * n;
}

#define BTF_INFO(kind, vlen) (((uint32_t)(kind) << 24) | (vlen))

static size_t build_btf(uint8_t *out)
{
	struct btfb b = { .nstrs = 1 };
	/* 1 long, 2 int, 3 char, 4 char[16] */
	btf_u32s(&b, (uint32_t[]){ btf_str(&b, "long"), BTF_INFO(1, 0), 8,
				   (1u << 24) | 64 }, 4);
	btf_u32s(&b, (uint32_t[]){ btf_str(&b, "int"), BTF_INFO(1, 0), 4,
				   (1u << 24) | 32 }, 4);
	btf_u32s(&b, (uint32_t[]){ btf_str(&b, "char"), BTF_INFO(1, 0), 1, 8 },
		 4);
	btf_u32s(&b, (uint32_t[]){ 0, BTF_INFO(3, 0), 0, 3, 2, 16 }, 6);
	/* 5 struct thread_struct { long sp; } */
	btf_u32s(&b, (uint32_t[]){ btf_str(&b, "thread_struct"), BTF_INFO(4, 1),
				   8, btf_str(&b, "sp"), 1, 0 }, 6);
	/* 6 struct task_struct (member offsets in bits) */
	uint32_t name = btf_str(&b, "task_struct");
	uint32_t pid = btf_str(&b, "pid"), comm = btf_str(&b, "comm"),
		 thread = btf_str(&b, "thread");
	uint32_t ts[] = { name, BTF_INFO(4, 4), 40, pid, 2, 0, 0, 7, 64,
			  comm, 4, 128, thread, 5, 256 };
	btf_u32s(&b, ts, VML_ARRAY_SIZE(ts));
	/* 7 union { void *stack; }, 8 void *, 9 enum */
	btf_u32s(&b, (uint32_t[]){ 0, BTF_INFO(5, 1), 8, btf_str(&b, "stack"),
				   8, 0 }, 6);
	btf_u32s(&b, (uint32_t[]){ 0, BTF_INFO(2, 0), 0 }, 3);
	btf_u32s(&b, (uint32_t[]){ btf_str(&b, "task_comm"), BTF_INFO(6, 1), 4,
				   btf_str(&b, "TASK_COMM_LEN"), 16 }, 5);
	/* 10 enum { PG_zzz = 7, TASK_COMM_LEN = 99, AAA_first = -5 }: a
	 * name again (the first enum's value is the one), names sorting
	 * before and after. */
	btf_u32s(&b, (uint32_t[]){ 0, BTF_INFO(6, 3), 4,
				   btf_str(&b, "PG_zzz"), 7,
				   btf_str(&b, "TASK_COMM_LEN"), 99,
				   btf_str(&b, "AAA_first"), (uint32_t)-5 }, 9);
	uint32_t hdr[6] = { 0x0001eB9F, 24, 0, (uint32_t)b.ntypes,
			    (uint32_t)b.ntypes, (uint32_t)b.nstrs };
	memcpy(out, hdr, 24);
	memcpy(out + 24, b.types, b.ntypes);
	memcpy(out + 24 + b.ntypes, b.strs, b.nstrs);
	return 24 + b.ntypes + b.nstrs;
}

static void test_btf_members(void)
{
	uint8_t blob[1024];
	size_t size = build_btf(blob);
	struct vml_btf *b = NULL;
	struct vml_error *err = vml_btf_from_bytes(blob, size, &b);
	if (err)
		fprintf(stderr, "\nBTF: %s\n", vml_error_message(err));
	CU_ASSERT_PTR_NULL_FATAL(err);
	struct vml_btf_field f;
	CU_ASSERT_TRUE(vml_btf_member(b, "task_struct", "thread.sp", &f));
	CU_ASSERT_EQUAL(f.offset, 32);
	CU_ASSERT_EQUAL(f.size, 8);
	/* Through the anonymous union. */
	CU_ASSERT_TRUE(vml_btf_member(b, "task_struct", "stack", &f));
	CU_ASSERT_EQUAL(f.offset, 8);
	CU_ASSERT_TRUE(vml_btf_member(b, "task_struct", "comm", &f));
	CU_ASSERT_EQUAL(f.offset, 16);
	CU_ASSERT_EQUAL(f.count, 16);
	CU_ASSERT_EQUAL(f.elem_size, 1);
	CU_ASSERT_FALSE(vml_btf_member(b, "task_struct", "thread.ip", &f));
	CU_ASSERT_FALSE(vml_btf_member(b, "mm_struct", "pgd", &f));
	uint64_t sz;
	CU_ASSERT_TRUE(vml_btf_size(b, "task_struct", &sz));
	CU_ASSERT_EQUAL(sz, 40);
	int64_t v;
	CU_ASSERT_TRUE(vml_btf_enum_value(b, "TASK_COMM_LEN", &v));
	CU_ASSERT_EQUAL(v, 16);
	CU_ASSERT_TRUE(vml_btf_enum_value(b, "PG_zzz", &v));
	CU_ASSERT_EQUAL(v, 7);
	CU_ASSERT_TRUE(vml_btf_enum_value(b, "AAA_first", &v));
	CU_ASSERT_EQUAL(v, -5);
	CU_ASSERT_FALSE(vml_btf_enum_value(b, "PG_zz", &v));
	CU_ASSERT_FALSE(vml_btf_enum_value(b, "", &v));
	CU_ASSERT_FALSE(vml_btf_enum_value(b, "ZZZ_last", &v));
	CU_ASSERT_PTR_NOT_NULL(strstr(vml_btf_summary(b), "11 types from BTF"));
	vml_btf_free(b);
	/* A member past its struct (thread at bit 320 of 40 bytes): damage. */
	uint32_t *thread_off = NULL;
	for (size_t i = 24; i + 4 <= size; i += 4) {
		uint32_t w;
		memcpy(&w, blob + i, 4);
		if (w == 256) {
			thread_off = (uint32_t *)(blob + i);
			break;
		}
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(thread_off);
	uint32_t far = 320;
	memcpy(thread_off, &far, 4);
	CU_ASSERT_PTR_NULL_FATAL(vml_btf_from_bytes(blob, size, &b));
	CU_ASSERT_FALSE(vml_btf_member(b, "task_struct", "thread.sp", &f));
	vml_btf_free(b);
	/* The type section two bytes off a word, by its offset or by a
	 * longer header (types are read in place as 32-bit words, so they
	 * would be misaligned): refused, not read. */
	for (int by_header = 0; by_header < 2; by_header++) {
		uint8_t shifted[1024 + 4] = { 0 };
		uint32_t hdr[6];
		memcpy(hdr, blob, 24);
		hdr[by_header ? 1 : 2] += 2;	/* hdr_len or type_off */
		if (!by_header)
			hdr[4] += 2;		/* str_off */
		memcpy(shifted, hdr, 24);
		memcpy(shifted + 24 + 2, blob + 24, size - 24);
		err = vml_btf_from_bytes(shifted, size + 2, &b);
		CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_FORMAT);
		vml_error_free(err);
	}
	/* Not BTF. */
	blob[0] ^= 0xff;
	err = vml_btf_from_bytes(blob, size, &b);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_FORMAT);
	vml_error_free(err);
}

/* A kernel without BTF (no __start_BTF in kallsyms): one line saying so,
 * and every symbol still there. */
static void test_no_btf(void)
{
	static struct tsym syms[301];
	static char names[300][600];
	const struct layout *l = &layouts[2];
	size_t n = make_symbols(l, 300, syms, names), num_at;
	struct buf b = build(l, syms, n, 64, &num_at);
	struct vml_kallsyms *tab = NULL;
	CU_ASSERT_PTR_NULL_FATAL(vml_kallsyms_parse(b.p, b.len, VA, 8,
						    IMAGE_LO, IMAGE_HI, &tab));
	struct vml_ksyms *ks = NULL;
	CU_ASSERT_PTR_NULL_FATAL(vml_ksyms_from_kallsyms(
		&vml_arch_x86_64, tab, VA, IMAGE_LO, IMAGE_HI, &ks));
	/* No kernel is needed: the symbol is looked up first. */
	CU_ASSERT_PTR_NULL(vml_btf_load(ks, NULL));
	vml_ksyms_describe(ks);
	CU_ASSERT_FALSE(vml_ksyms_has_types(ks));
	const char *d = vml_ksyms_description(ks);
	CU_ASSERT_PTR_NULL(strchr(d, '\n'));
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "symbols from kallsyms"));
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "; no BTF ("));
	CU_ASSERT_PTR_NOT_NULL(strstr(d, "symbols only"));
	CU_ASSERT_EQUAL(vml_ksyms_count(ks), n);
	vml_ksyms_free(ks);
	free(b.p);
}

static CU_TestInfo tests[] = {
	{ "kallsyms: every kernel generation's layout", test_every_layout },
	{ "kallsyms: damaged and cut tables", test_damaged_and_cut },
	{ "ksyms: lookups and the ELF symbol file", test_ksyms_lookups_and_elf },
	{ "btf: members, sizes, enums of a hand-built blob", test_btf_members },
	{ "ksyms: a kernel without BTF gives symbols only", test_no_btf },
	CU_TEST_INFO_NULL,
};

int vml_suite_kallsyms(void)
{
	return vml_add_suite("kallsyms", tests);
}
