/*
 * kallsyms.c — the kernel's own symbol table (CONFIG_KALLSYMS), found and
 * decoded in a copy of the kernel image's read-only data, so that a kernel
 * without vmlinux still gets names.
 *
 * scripts/kallsyms emits, in .rodata, with every table aligned to a word:
 *   kallsyms_num_syms      N (.long, or a word on kernels before ~4.20)
 *   kallsyms_names         N entries: a length (one byte, or two bytes of
 *                          ULEB128 since 6.1), then that many token numbers
 *   kallsyms_markers       offset in names of every 256th entry (u32, or a
 *                          word on older kernels)
 *   kallsyms_token_table   256 NUL-terminated strings: what each byte of
 *                          a name expands to
 *   kallsyms_token_index   256 u16: offset of each token in the table
 * and the addresses: kallsyms_addresses (a word each) or kallsyms_offsets
 * (s32 each, relative to kallsyms_relative_base, a word; with absolute
 * per-CPU symbols a non-negative offset is an absolute value; since 7.0
 * there is no relative_base and each offset is from its own address).
 * Until 6.3 the addresses come first (then relative_base, num_syms, names,
 * markers, 6.2-6.3 kallsyms_seqs_of_names, the token table and index);
 * since 6.4 they follow the token index (then relative_base, then
 * kallsyms_seqs_of_names). Every table starts aligned to the word. The
 * first byte of an expanded name is the symbol's type letter.
 *
 * The tables carry no header, so they are recognised by their structure:
 * the token table holds the digits as one-character tokens in a row
 * ("0\0" "1\0" ... "9\0", bytes that stand for themselves), the token
 * index must give exactly the offsets of the 256 strings, N must be
 * followed by N names that decode into type letter + printable name and
 * end right before markers that give exactly where every 256th name
 * started, and the addresses must ascend with _text inside the image.
 * Every read is bounded by the buffer; nothing is trusted.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ksyms.h"

#define TOKEN_MAX 256            /* longest token accepted */
#define MAX_CANDIDATES 64        /* digit signatures tried */

static uint64_t get_u64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static uint16_t get_u16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* Offset of the first byte at or after off whose address is aligned. */
static size_t align_up(size_t off, uint64_t va, size_t align)
{
	uint64_t mis = (va + off) & (align - 1);
	return mis ? off + (align - mis) : off;
}

static bool is_type_letter(unsigned char c)
{
	return c && strchr("AaBbCcDdGgIiNnPpRrSsTtUuVvWw?", c) != NULL;
}

/* ------------------------------------------------------------ tokens */

struct tokens {
	size_t table, index;     /* offsets in the buffer */
	size_t end;              /* end of the table */
	uint16_t off[256];
	uint8_t len[256];        /* strlen of each token */
};

/* The token table holding the digit signature at sig, if it is one. */
static bool tokens_at(const uint8_t *buf, size_t len, uint64_t va,
		      unsigned ptr_size, size_t sig, struct tokens *t)
{
	/* From token '0' (0x30) to the end: 256 - 0x30 strings. */
	size_t q = sig;
	for (unsigned i = 0x30; i < 256; i++) {
		size_t n = 0;
		while (q + n < len && buf[q + n] && n < TOKEN_MAX)
			n++;
		if (q + n >= len || buf[q + n])
			return false;
		q += n + 1;
	}
	size_t end = q;
	/* The index follows, aligned to the word (older 32-bit: 4). */
	static const size_t aligns[] = { 8, 4, 2 };
	for (size_t a = 0; a < VML_ARRAY_SIZE(aligns); a++) {
		if (aligns[a] > ptr_size)
			continue;
		size_t idx = align_up(end, va, aligns[a]);
		if (idx > len || len - idx < 512)
			continue;
		uint16_t off[256];
		for (unsigned i = 0; i < 256; i++)
			off[i] = get_u16(buf + idx + 2 * i);
		if (off[0] != 0 || off[0x30] > sig)
			continue;
		size_t table = sig - off[0x30];
		size_t pos = table;
		bool ok = true;
		for (unsigned i = 0; i < 256 && ok; i++) {
			if (pos != table + off[i]) {
				ok = false;
				break;
			}
			size_t n = 0;
			while (pos + n < end && buf[pos + n] && n < TOKEN_MAX)
				n++;
			if (pos + n >= end || buf[pos + n]) {
				ok = false;
				break;
			}
			t->len[i] = (uint8_t)(n > 255 ? 255 : n);
			if (n > 255)
				ok = false;
			pos += n + 1;
		}
		if (!ok || pos != end)
			continue;
		t->table = table;
		t->index = idx;
		t->end = end;
		memcpy(t->off, off, sizeof(off));
		return true;
	}
	return false;
}

/* ------------------------------------------------------------ names */

/* One entry of kallsyms_names at *pos (bounded by limit): its token bytes
 * in [*tok, *tok + *ntok), *pos moved past it. */
static bool name_entry(const uint8_t *buf, size_t limit, size_t *pos,
		       size_t *tok, size_t *ntok)
{
	size_t p = *pos;
	if (p >= limit)
		return false;
	size_t n = buf[p++];
	if (n & 0x80) {
		/* Two bytes of ULEB128 (6.1+, names longer than 127 tokens). */
		if (p >= limit || (buf[p] & 0x80))
			return false;
		n = (n & 0x7f) | ((size_t)buf[p++] << 7);
	}
	if (n == 0 || n > limit - p)
		return false;
	*tok = p;
	*ntok = n;
	*pos = p + n;
	return true;
}

/* Expands tokens into out (VML_KALLSYMS_NAME_MAX + 1 bytes): the type
 * letter then the name, NUL-terminated. False for a name that cannot be a
 * symbol (too long, empty, not a type letter, unprintable). */
static bool expand(const uint8_t *buf, const struct tokens *t, size_t tok,
		   size_t ntok, char *out, size_t *out_len)
{
	size_t o = 0;
	for (size_t i = 0; i < ntok; i++) {
		uint8_t b = buf[tok + i];
		size_t n = t->len[b];
		if (n > VML_KALLSYMS_NAME_MAX - o)
			return false;
		memcpy(out + o, buf + t->table + t->off[b], n);
		o += n;
	}
	out[o] = '\0';
	if (o < 2 || !is_type_letter((unsigned char)out[0]))
		return false;
	for (size_t i = 1; i < o; i++)
		if ((unsigned char)out[i] <= 0x20 ||
		    (unsigned char)out[i] >= 0x7f)
			return false;
	*out_len = o;
	return true;
}

/* A cheap look at the first few names from names: are they names? */
static bool names_look_right(const uint8_t *buf, size_t limit,
			     const struct tokens *t, size_t names,
			     size_t count, char *scratch)
{
	size_t pos = names;
	for (size_t i = 0; i < count; i++) {
		size_t tok, ntok, n;
		if (!name_entry(buf, limit, &pos, &tok, &ntok) ||
		    !expand(buf, t, tok, ntok, scratch, &n))
			return false;
	}
	return true;
}

/* ------------------------------------------------------------ addresses */

static uint64_t get_word(const uint8_t *p, unsigned ptr_size)
{
	return ptr_size == 8 ? get_u64(p) : get_u32(p);
}

/* Addresses of every symbol from the table at off, stored as addrs;
 * false when they cannot be (out of the buffer, a relative base outside
 * the image, addresses that do not ascend). */
static bool read_addresses(const uint8_t *buf, size_t len, uint64_t va,
			   unsigned ptr_size,
			   size_t off, size_t base_off, uint32_t addrs,
			   uint64_t image_start, uint64_t image_end,
			   struct vml_kallsyms *ks)
{
	size_t n = ks->count, elem = addrs == VML_KALLSYMS_ABSOLUTE ?
				    ptr_size : 4;
	if (off > len || n > (len - off) / elem)
		return false;
	uint64_t base = 0;
	if (addrs != VML_KALLSYMS_ABSOLUTE &&
	    addrs != VML_KALLSYMS_PLACE_RELATIVE) {
		if (base_off > len || len - base_off < ptr_size)
			return false;
		base = get_word(buf + base_off, ptr_size);
		if (base < image_start || base >= image_end)
			return false;
	}
	/* Relative offsets are all non-negative without absolute per-CPU
	 * symbols (an image is far smaller than 2 GiB); a negative one means
	 * the other encoding. */
	if (addrs == VML_KALLSYMS_RELATIVE) {
		for (size_t i = 0; i < n; i++)
			if ((int32_t)get_u32(buf + off + 4 * i) < 0) {
				addrs = VML_KALLSYMS_ABS_PERCPU;
				break;
			}
	}
	uint64_t prev = 0;
	bool have_prev = false;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = buf + off + i * elem;
		uint64_t a;
		bool absolute = false;
		switch (addrs) {
		case VML_KALLSYMS_ABSOLUTE:
			a = get_word(p, ptr_size);
			break;
		case VML_KALLSYMS_RELATIVE:
			a = base + get_u32(p);
			break;
		case VML_KALLSYMS_PLACE_RELATIVE:
			a = va + off + 4 * i +
			    (uint64_t)(int64_t)(int32_t)get_u32(p);
			if (ptr_size == 4)
				a &= UINT32_MAX;
			break;
		default: {
			int32_t o = (int32_t)get_u32(p);
			if (o >= 0) {
				a = (uint64_t)o;
				absolute = true;
			} else {
				a = base - 1 - (uint64_t)(int64_t)o;
			}
			break;
		}
		}
		ks->syms[i].addr = a;
		ks->syms[i].absolute = absolute;
		/* kallsyms is sorted by address (absolute per-CPU symbols are
		 * small offsets, sorted first). */
		if (!absolute) {
			if (have_prev && a < prev)
				return false;
			prev = a;
			have_prev = true;
		}
	}
	/* _text, when it is there, is the start of the image. */
	for (size_t i = 0; i < n; i++) {
		if (strcmp(ks->names + ks->syms[i].name, "_text"))
			continue;
		if (ks->syms[i].addr < image_start ||
		    ks->syms[i].addr >= image_end)
			return false;
		break;
	}
	ks->addrs = addrs;
	ks->relative_base = base;
	ks->addrs_off = off;
	return true;
}

/* The places and encodings the addresses may have, tried in turn. */
static bool find_addresses(const uint8_t *buf, size_t len, uint64_t va,
			   unsigned ptr_size, uint64_t image_start,
			   uint64_t image_end, struct vml_kallsyms *ks)
{
	size_t n = ks->count, p = ks->num_syms_off;
	/* Before num_syms (<= 6.3): ... offsets, relative_base, num_syms. */
	if (p >= ptr_size) {
		size_t base_off = p - ptr_size;
		size_t bytes = align_up(4 * n, 0, ptr_size);
		if (bytes <= base_off &&
		    read_addresses(buf, len, va, ptr_size, base_off - bytes,
				   base_off, VML_KALLSYMS_RELATIVE,
				   image_start, image_end, ks))
			return true;
	}
	/* After the token index (6.4+): offsets, relative_base. */
	size_t after = align_up(ks->token_index_off + 512, va, ptr_size);
	if (after <= len) {
		size_t base_off = align_up(after + 4 * n, va, ptr_size);
		ks->offsets_last = true;
		if (read_addresses(buf, len, va, ptr_size, after, base_off,
				   VML_KALLSYMS_RELATIVE, image_start,
				   image_end, ks))
			return true;
		ks->offsets_last = false;
	}
	/* Absolute addresses (CONFIG_KALLSYMS_BASE_RELATIVE off). */
	if (n <= p / ptr_size &&
	    read_addresses(buf, len, va, ptr_size, p - n * ptr_size, 0,
			   VML_KALLSYMS_ABSOLUTE, image_start, image_end, ks))
		return true;
	if (after <= len) {
		ks->offsets_last = true;
		if (read_addresses(buf, len, va, ptr_size, after, 0,
				   VML_KALLSYMS_ABSOLUTE, image_start,
				   image_end, ks))
			return true;
		/* 7.0+: offsets from their own address, no base. */
		if (read_addresses(buf, len, va, ptr_size, after, 0,
				   VML_KALLSYMS_PLACE_RELATIVE, image_start,
				   image_end, ks))
			return true;
		ks->offsets_last = false;
	}
	return false;
}

/* ------------------------------------------------------------ tables */

/* Decodes n names from names (bounded by limit), filling ks->syms and
 * ks->names and the offset of every 256th entry into marks. */
static bool decode_names(const uint8_t *buf, size_t limit,
			 const struct tokens *t, size_t names, size_t n,
			 uint64_t *marks, struct vml_kallsyms *ks,
			 size_t *end_ret, char *scratch)
{
	size_t pos = names, used = 0, cap = 0;
	for (size_t i = 0; i < n; i++) {
		if ((i & 0xff) == 0)
			marks[i >> 8] = pos - names;
		size_t tok, ntok, len;
		if (!name_entry(buf, limit, &pos, &tok, &ntok) ||
		    !expand(buf, t, tok, ntok, scratch, &len))
			return false;
		/* len - 1 name bytes and a NUL. */
		if (!vml_grow((void **)&ks->names, &cap, used + len, 1))
			return false;
		memcpy(ks->names + used, scratch + 1, len);
		ks->syms[i].type = scratch[0];
		ks->syms[i].name = (uint32_t)used;
		used += len;
		if (used > UINT32_MAX - VML_KALLSYMS_NAME_MAX - 2)
			return false;
	}
	ks->names_size = used;
	*end_ret = pos;
	return true;
}

static bool markers_at(const uint8_t *buf, size_t len, size_t off,
		       unsigned size, const uint64_t *marks, size_t nmarks)
{
	if (off > len || nmarks > (len - off) / size)
		return false;
	for (size_t i = 0; i < nmarks; i++) {
		uint64_t v = size == 8 ? get_u64(buf + off + 8 * i) :
					 get_u32(buf + off + 4 * i);
		if (v != marks[i])
			return false;
	}
	return true;
}

/* num_syms at p (a word-aligned offset below the token table): the names
 * after it, the markers after them, the addresses. */
static bool tables_at(const uint8_t *buf, size_t len, uint64_t va,
		      unsigned ptr_size, uint64_t image_start,
		      uint64_t image_end, const struct tokens *t, size_t p,
		      struct vml_kallsyms *ks, char *scratch)
{
	uint64_t n = get_u32(buf + p);
	/* A .long is followed by alignment padding, a word by its high half:
	 * zero either way on a 64-bit kernel. */
	if (ptr_size == 8 && get_u32(buf + p + 4) != 0)
		return false;
	if (n == 0 || n > VML_KALLSYMS_MAX_SYMS)
		return false;
	size_t names = align_up(p + 4, va, ptr_size);
	if (!names_look_right(buf, t->table, t, names, n < 8 ? n : 8, scratch))
		return false;
	size_t nmarks = (n + 255) / 256;
	uint64_t *marks = calloc(nmarks, sizeof(*marks));
	ks->syms = calloc(n, sizeof(*ks->syms));
	ks->count = n;
	size_t end = 0;
	bool ok = marks && ks->syms &&
		  decode_names(buf, t->table, t, names, n, marks, ks, &end,
			       scratch);
	if (ok) {
		ok = false;
		static const unsigned sizes[] = { 4, 8 };
		for (size_t s = 0; s < VML_ARRAY_SIZE(sizes) && !ok; s++) {
			if (sizes[s] > ptr_size)
				continue;
			size_t m = align_up(end, va, ptr_size);
			if (markers_at(buf, len, m, sizes[s], marks, nmarks)) {
				ks->markers_off = m;
				ks->markers_size = sizes[s];
				ok = true;
			}
		}
	}
	free(marks);
	if (ok) {
		ks->num_syms_off = p;
		ks->names_off = names;
		ks->token_table_off = t->table;
		ks->token_index_off = t->index;
		memcpy(ks->token_index, buf + t->index, 512);
		ok = find_addresses(buf, len, va, ptr_size, image_start,
				    image_end, ks);
	}
	if (!ok) {
		free(ks->syms);
		free(ks->names);
		ks->syms = NULL;
		ks->names = NULL;
		ks->count = ks->names_size = 0;
	}
	return ok;
}

void vml_kallsyms_free(struct vml_kallsyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->names);
	free(ks);
}

struct vml_error *vml_kallsyms_parse(const uint8_t *buf, size_t len,
				     uint64_t va, unsigned ptr_size,
				     uint64_t image_start, uint64_t image_end,
				     struct vml_kallsyms **ret)
{
	if ((!buf && len) || !ret || (ptr_size != 4 && ptr_size != 8))
		return vml_error_create(VML_ERROR_INVALID,
					"kallsyms: NULL buffer or result, or a"
					" word of %u bytes", ptr_size);
	static const char sig[] = "0\0" "1\0" "2\0" "3\0" "4\0"
				  "5\0" "6\0" "7\0" "8\0" "9";
	const size_t siglen = sizeof(sig);    /* with the last NUL */
	struct vml_kallsyms *ks = calloc(1, sizeof(*ks));
	char *scratch = malloc(VML_KALLSYMS_NAME_MAX + 1);
	if (!ks || !scratch) {
		free(ks);
		free(scratch);
		return &vml_enomem;
	}
	size_t from = 0;
	unsigned tried = 0;
	bool found = false;
	while (!found && from < len && tried < MAX_CANDIDATES) {
		const uint8_t *hit = memmem(buf + from, len - from, sig, siglen);
		if (!hit)
			break;
		size_t s = (size_t)(hit - buf);
		from = s + 1;
		tried++;
		struct tokens t;
		/* Token '0' follows a NUL (the previous token's end). */
		if (s == 0 || buf[s - 1] != 0 ||
		    !tokens_at(buf, len, va, ptr_size, s, &t))
			continue;
		/* num_syms: a word-aligned count below the token table. */
		if (t.table < 8)
			continue;
		size_t low = t.table > VML_KALLSYMS_MAX_BACK ?
			     t.table - VML_KALLSYMS_MAX_BACK : 0;
		size_t p = t.table - 8;
		p -= (va + p) & (ptr_size - 1);
		for (;;) {
			found = tables_at(buf, len, va, ptr_size, image_start,
					  image_end, &t, p, ks, scratch);
			if (found || p < low + ptr_size)
				break;
			p -= ptr_size;
		}
	}
	free(scratch);
	if (!found) {
		free(ks);
		return vml_error_create(VML_ERROR_NOT_FOUND,
					"kallsyms: no symbol tables in %zu"
					" bytes at 0x%" PRIx64 " (%u token"
					" table candidate%s)", len, va, tried,
					vml_plural(tried));
	}
	*ret = ks;
	return NULL;
}
