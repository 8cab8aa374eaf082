/*
 * select.c — which memory a user means: "heap", "libc.so.6",
 * "mmap-anon,stack", "0x7f0000000000-0x7f0000100000" (vmlayout --scan FROM
 * TO). The text comes from the user (or a script), so it is parsed with
 * bounds: its length is capped, numbers are checked for overflow, and an
 * item that names nothing is an error naming it.
 *
 * A selection is made against "units": the process's regions, or a
 * kernel's mapped page-table ranges. The result is sorted, merged spans.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* A selection longer than this is a mistake, not a request. */
#define VML_SELECT_MAX_LEN 4096u

struct span_list {
	struct vml_span *spans;
	size_t count, capacity;
};

static bool add_span(struct span_list *l, uint64_t start, uint64_t last,
		     size_t unit)
{
	if (!vml_grow((void **)&l->spans, &l->capacity, l->count + 1,
		      sizeof(*l->spans)))
		return false;
	l->spans[l->count++] = (struct vml_span){ start, last, unit };
	return true;
}

static int span_cmp(const void *a, const void *b)
{
	const struct vml_span *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->last < y->last ? -1 : x->last > y->last;
}

/* Sorts and merges overlapping or touching spans in place (per_unit:
 * only spans of the same unit, which never overlap another unit's). */
static void merge_spans(struct span_list *l, bool per_unit)
{
	if (l->count < 2)
		return;
	qsort(l->spans, l->count, sizeof(*l->spans), span_cmp);
	size_t out = 0;
	for (size_t i = 1; i < l->count; i++) {
		struct vml_span *cur = &l->spans[out];
		const struct vml_span *next = &l->spans[i];
		bool touch = cur->last == UINT64_MAX ||
			     next->start <= cur->last + 1;
		if (touch && (!per_unit || next->unit == cur->unit)) {
			if (next->last > cur->last)
				cur->last = next->last;
			if (next->unit != cur->unit)
				cur->unit = SIZE_MAX;
		} else {
			l->spans[++out] = *next;
		}
	}
	l->count = out + 1;
}

/* A number as the user writes addresses: 0x hex or decimal, the whole
 * text, at most 2^64 (allow_top: an exclusive end may be 2^64). */
static bool parse_number(const char *s, size_t len, bool allow_top,
			 unsigned __int128 *ret)
{
	unsigned base = 10;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (len == 0 || len > 40)
		return false;
	unsigned __int128 v = 0;
	const unsigned __int128 top = (unsigned __int128)1 << 64;
	for (size_t i = 0; i < len; i++) {
		unsigned d;
		char c = s[i];
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		v = v * base + d;
		if (v > top)
			return false;
	}
	if (v == top && !allow_top)
		return false;
	*ret = v;
	return true;
}

/* "START-END" (one '-' between two numbers): true with the inclusive span;
 * *bad set when both are numbers but the range is empty or reversed. */
static bool parse_range(const char *item, size_t len, uint64_t *start,
			uint64_t *last, bool *bad)
{
	const char *dash = memchr(item, '-', len);
	if (!dash)
		return false;
	size_t a = (size_t)(dash - item);
	unsigned __int128 s, e;
	if (!parse_number(item, a, false, &s) ||
	    !parse_number(dash + 1, len - a - 1, true, &e))
		return false;
	if (e <= s) {
		*bad = true;
		return false;
	}
	*start = (uint64_t)s;
	*last = (uint64_t)(e - 1);
	return true;
}

static bool name_is(const char *name, const char *item, size_t len)
{
	return name && strlen(name) == len && memcmp(name, item, len) == 0;
}

/* The item names this unit's object or file: by path when it has a '/',
 * else by base name; maps names ("[heap]") match as they are. */
static bool unit_named(const struct vml_unit *u, const char *item, size_t len,
		       bool is_path)
{
	const struct vml_region *r = u->region;
	if (!r)
		return false;
	if (is_path)
		return name_is(r->object, item, len) || name_is(r->path, item, len);
	return name_is(vml_base_name(r->object), item, len) ||
	       name_is(vml_base_name(r->path), item, len) ||
	       name_is(r->name, item, len);
}

static int kind_named(const char *item, size_t len)
{
	for (int k = 0; k < VML_KIND_COUNT; k++)
		if (name_is(vml_kind_name((enum vml_kind)k), item, len))
			return k;
	return -1;
}

/* The units overlapping [start, last], clipped to it. */
static bool add_range(struct span_list *l, const struct vml_unit *units,
		      size_t n, bool readable_only, uint64_t start,
		      uint64_t last)
{
	size_t i = VML_UPPER_BOUND(units, n, start, start);
	if (i > 0)
		i--;
	for (; i < n && units[i].start <= last; i++) {
		const struct vml_unit *u = &units[i];
		if (u->last < start || (readable_only && !u->readable))
			continue;
		uint64_t s = u->start > start ? u->start : start;
		uint64_t e = u->last < last ? u->last : last;
		if (!add_span(l, s, e, i))
			return false;
	}
	return true;
}

/* One item; NULL or an error naming it. */
static struct vml_error *select_item(struct span_list *l, const char *what,
				     const char *item, size_t len,
				     const struct vml_unit *units, size_t n,
				     bool readable_only)
{
	bool all = name_is("all", item, len);
	int kind = all ? -1 : kind_named(item, len);
	if (all || kind >= 0) {
		for (size_t i = 0; i < n; i++) {
			const struct vml_unit *u = &units[i];
			if ((readable_only && !u->readable) ||
			    (!all && u->kind != (uint32_t)kind))
				continue;
			if (!add_span(l, u->start, u->last, i))
				return &vml_enomem;
		}
		return NULL;
	}
	uint64_t start, last;
	bool bad = false;
	if (parse_range(item, len, &start, &last, &bad))
		return add_range(l, units, n, readable_only, start, last) ?
			       NULL : &vml_enomem;
	if (bad)
		return vml_error_create(VML_ERROR_INVALID,
					"%s: '%.*s' is an empty range (END must"
					" be above START)", what, (int)len, item);
	bool is_path = memchr(item, '/', len) != NULL, named = false;
	for (size_t i = 0; i < n; i++) {
		const struct vml_unit *u = &units[i];
		if (!unit_named(u, item, len, is_path))
			continue;
		named = true;
		if (readable_only && !u->readable)
			continue;
		if (!add_span(l, u->start, u->last, i))
			return &vml_enomem;
	}
	if (named)
		return NULL;
	return vml_error_create(VML_ERROR_NOT_FOUND,
				"%s: '%.*s' is not a kind (as vmlayout --table"
				" prints them: heap, stack, mmap-anon, data ...),"
				" 'all', a mapped object or file, or START-END",
				what, (int)len, item);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A selection's length, refused past VML_SELECT_MAX_LEN (checked before
 * anything is parsed, so a huge string costs nothing). */
static struct vml_error *spec_length(const char *spec, const char *what,
				     size_t *ret)
{
	*ret = strnlen(spec, VML_SELECT_MAX_LEN + 1);
	if (*ret > VML_SELECT_MAX_LEN)
		return vml_error_create(VML_ERROR_LIMIT,
					"%s: a selection of more than %u "
					"characters", what, VML_SELECT_MAX_LEN);
	return NULL;
}

/* The next comma-separated item of spec[0, total) from *pos, blanks
 * trimmed: [*a, *b), empty when *a == *b; false when none is left. */
static bool next_item(const char *spec, size_t total, size_t *pos,
		      size_t *a, size_t *b)
{
	if (*pos > total)
		return false;
	const char *comma = memchr(spec + *pos, ',', total - *pos);
	size_t end = comma ? (size_t)(comma - spec) : total;
	*a = *pos;
	*b = end;
	while (*a < *b && is_space(spec[*a]))
		(*a)++;
	while (*b > *a && is_space(spec[*b - 1]))
		(*b)--;
	*pos = end + 1;
	return true;
}

struct vml_error *vml_select(const char *spec, const char *what,
			     const struct vml_unit *units, size_t nunits,
			     bool readable_only, bool per_unit,
			     struct vml_span **spans_ret, size_t *count_ret)
{
	if (!spans_ret || !count_ret || (!units && nunits))
		return vml_error_create(VML_ERROR_INVALID,
					"select: NULL argument");
	if (!what)
		what = "selection";
	*spans_ret = NULL;
	*count_ret = 0;
	if (!spec)
		spec = "";
	size_t total;
	struct vml_error *err = spec_length(spec, what, &total);
	if (err)
		return err;
	struct span_list l = { 0 };
	bool any = false;
	size_t pos = 0, a, b;
	while (!err && next_item(spec, total, &pos, &a, &b)) {
		if (b > a) {
			any = true;
			err = select_item(&l, what, spec + a, b - a, units,
					  nunits, readable_only);
		}
	}
	if (!err && !any)
		err = select_item(&l, what, "all", 3, units, nunits,
				  readable_only);
	if (err) {
		free(l.spans);
		return err;
	}
	merge_spans(&l, per_unit);
	*spans_ret = l.spans;
	*count_ret = l.count;
	return NULL;
}

/* "slab:NAME": a cache; the prefix as in the kernel's own
 * /sys/kernel/slab/NAME and /proc/slabinfo naming. */
#define SLAB_PREFIX "slab:"

struct vml_error *vml_select_caches(const char *spec, const char *what,
				    char **rest_ret,
				    struct vml_cache_names *ret)
{
	if (!rest_ret || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"select: NULL argument");
	if (!what)
		what = "selection";
	*rest_ret = NULL;
	memset(ret, 0, sizeof(*ret));
	if (!spec)
		spec = "";
	size_t total;
	struct vml_error *err = spec_length(spec, what, &total);
	if (err)
		return err;
	char *rest = malloc(total + 1);
	if (!rest)
		return &vml_enomem;
	size_t out = 0;
	const size_t plen = sizeof(SLAB_PREFIX) - 1;
	size_t pos = 0, a, b;
	while (next_item(spec, total, &pos, &a, &b)) {
		if (b == a)
			continue;
		if (b - a < plen || memcmp(spec + a, SLAB_PREFIX, plen) != 0) {
			if (out)
				rest[out++] = ',';
			memcpy(rest + out, spec + a, b - a);
			out += b - a;
			continue;
		}
		size_t na = a + plen;
		while (na < b && is_space(spec[na]))
			na++;
		if (na == b)
			err = vml_error_create(VML_ERROR_INVALID,
					       "%s: '%.*s' names no slab cache"
					       " (slab:NAME, as /proc/slabinfo"
					       " names it)", what,
					       (int)(b - a), spec + a);
		else if (b - na >= VML_SELECT_CACHE_NAME)
			err = vml_error_create(VML_ERROR_LIMIT,
					       "%s: slab cache name '%.*s' is "
					       "longer than %u characters", what,
					       (int)(b - na), spec + na,
					       VML_SELECT_CACHE_NAME - 1);
		else if (ret->count >= VML_SELECT_MAX_CACHES)
			err = vml_error_create(VML_ERROR_LIMIT,
					       "%s: more than %u slab caches",
					       what, VML_SELECT_MAX_CACHES);
		if (err) {
			free(rest);
			memset(ret, 0, sizeof(*ret));
			return err;
		}
		memcpy(ret->names[ret->count], spec + na, b - na);
		ret->names[ret->count][b - na] = '\0';
		ret->count++;
	}
	rest[out] = '\0';
	*rest_ret = rest;
	return NULL;
}

struct vml_error *vml_layout_units(const struct vml_layout *layout,
				   struct vml_unit **ret, size_t *count_ret)
{
	*ret = NULL;
	*count_ret = 0;
	if (layout->count == 0)
		return NULL;
	struct vml_unit *units = calloc(layout->count, sizeof(*units));
	if (!units)
		return &vml_enomem;
	for (size_t i = 0; i < layout->count; i++) {
		const struct vml_region *r = &layout->regions[i];
		units[i] = (struct vml_unit){
			.start = r->start,
			.last = vml_region_last(r),
			.kind = r->kind,
			.readable = (r->prot & VML_PROT_READ) != 0,
			.region = r,
			.region_index = i,
		};
	}
	*ret = units;
	*count_ret = layout->count;
	return NULL;
}
