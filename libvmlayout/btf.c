/*
 * btf.c — the kernel's own type information (CONFIG_DEBUG_INFO_BTF), read
 * from its memory between __start_BTF and __stop_BTF (kallsyms gives both)
 * and parsed with libbpf, which exists to do exactly this. The walkers of
 * kernel lists (tasks, modules, vmalloc areas, VMAs) take every struct
 * member offset and size from here: no offset is written down in vmlayout,
 * so one binary follows every kernel build that carries BTF.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "arch.h"
#include "ksyms.h"

/* The largest BTF accepted (Debian's 6.1: 4.2 MiB). */
#define BTF_MAX (UINT64_C(256) << 20)
/* Nesting followed through anonymous members and modifiers. */
#define DEPTH_MAX 16
/* Members looked at for one member path: a kernel's largest struct has a
 * few hundred; a damaged blob whose anonymous members contain their own
 * struct would otherwise cost vlen^DEPTH_MAX. */
#define VISITS_MAX 100000u

/* One enumerator; order: its place in type order, so that of equal names
 * the first the types hold is the one found (as a scan would). */
struct btf_enumerator {
	const char *name;          /* in libbpf's string section */
	int64_t value;
	uint32_t order;
};

struct vml_btf {
	struct btf *btf;
	uint64_t start, size;      /* where the kernel holds it */
	uint32_t ntypes;
	/* Every enumerator sorted by name: page flags, page types and maple
	 * node types are looked up on every whereis, and a scan of 100,000
	 * types each time cost a millisecond. */
	struct btf_enumerator *enums;
	size_t nenums;
	char summary[128];
};

static bool btf_header_ok(const uint8_t *data, size_t size)
{
	/* libbpf checks these too; being strict first keeps a damaged blob
	 * from reaching it with lengths that do not add up. */
	if (size < 24)
		return false;
	uint16_t magic;
	uint32_t hdr_len, type_off, type_len, str_off, str_len;
	memcpy(&magic, data, 2);
	memcpy(&hdr_len, data + 4, 4);
	memcpy(&type_off, data + 8, 4);
	memcpy(&type_len, data + 12, 4);
	memcpy(&str_off, data + 16, 4);
	memcpy(&str_len, data + 20, 4);
	if (magic != 0xeB9F || hdr_len < 24 || hdr_len > size)
		return false;
	/* Types are read in place as 4-byte words (struct btf_type): a type
	 * section that does not start on a word, or ends inside one, is
	 * damage the kernel itself refuses, and libbpf would read it
	 * misaligned. */
	if (hdr_len % 4 || type_off % 4 || type_len % 4)
		return false;
	uint64_t body = size - hdr_len;
	return type_off <= body && type_len <= body - type_off &&
	       str_off <= body && str_len <= body - str_off;
}

static int enumerator_cmp(const void *a, const void *b)
{
	const struct btf_enumerator *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

static const char *enumerator_name(const void *btf, size_t i)
{
	return ((const struct vml_btf *)btf)->enums[i].name;
}

/* b->enums from every BTF_KIND_ENUM's members; false only on out of
 * memory. libbpf has checked that each type's members lie inside the
 * blob, so there are at most size / sizeof(struct btf_enum) of them. */
static bool index_enumerators(struct vml_btf *b)
{
	size_t n = 0;
	for (uint32_t id = 1; id < b->ntypes; id++) {
		const struct btf_type *t = btf__type_by_id(b->btf, id);
		if (t && btf_is_enum(t))
			n += btf_vlen(t);
	}
	if (n > b->size / sizeof(struct btf_enum))
		n = b->size / sizeof(struct btf_enum);
	b->enums = calloc(n ? n : 1, sizeof(*b->enums));
	if (!b->enums)
		return false;
	for (uint32_t id = 1; id < b->ntypes && b->nenums < n; id++) {
		const struct btf_type *t = btf__type_by_id(b->btf, id);
		if (!t || !btf_is_enum(t))
			continue;
		const struct btf_enum *e = btf_enum(t);
		for (uint16_t i = 0; i < btf_vlen(t) && b->nenums < n; i++) {
			const char *name = btf__name_by_offset(b->btf,
							       e[i].name_off);
			if (!name || !*name)
				continue;
			b->enums[b->nenums] = (struct btf_enumerator){
				name, e[i].val, (uint32_t)b->nenums };
			b->nenums++;
		}
	}
	qsort(b->enums, b->nenums, sizeof(*b->enums), enumerator_cmp);
	return true;
}

struct vml_error *vml_btf_from_bytes(const void *data, size_t size,
				     struct vml_btf **ret)
{
	if (!data || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"BTF: NULL data or result");
	if (size > BTF_MAX || !btf_header_ok(data, size))
		return vml_error_create(VML_ERROR_FORMAT,
					"BTF: %zu bytes that are not BTF (bad"
					" magic, header or section lengths)",
					size);
	struct vml_btf *b = calloc(1, sizeof(*b));
	if (!b)
		return &vml_enomem;
	errno = 0;
	struct btf *btf = btf__new(data, (uint32_t)size);
	long perr = libbpf_get_error(btf);
	if (!btf || perr) {
		free(b);
		return vml_error_create(VML_ERROR_FORMAT,
					"BTF: libbpf refused %zu bytes (error"
					" %ld)", size, perr ? -perr : errno);
	}
	b->btf = btf;
	b->size = size;
	b->ntypes = btf__type_cnt(btf);
	if (!index_enumerators(b)) {
		vml_btf_free(b);
		return &vml_enomem;
	}
	snprintf(b->summary, sizeof(b->summary),
		 "%" PRIu32 " types from BTF (%" PRIu64 " KiB)", b->ntypes,
		 (uint64_t)size >> 10);
	*ret = b;
	return NULL;
}

void vml_btf_free(struct vml_btf *b)
{
	if (!b)
		return;
	btf__free(b->btf);
	free(b->enums);
	free(b);
}

const char *vml_btf_summary(const struct vml_btf *b)
{
	return b ? b->summary : "";
}

struct vml_error *vml_btf_load(struct vml_ksyms *ks,
			       const struct vml_kernel *k)
{
	uint64_t start = vml_ksyms_addr(ks, "__start_BTF");
	uint64_t stop = vml_ksyms_addr(ks, "__stop_BTF");
	if (!start || stop <= start) {
		snprintf(ks->btf_note, sizeof(ks->btf_note),
			 "no BTF (no __start_BTF in kallsyms: a kernel built"
			 " without CONFIG_DEBUG_INFO_BTF): symbols only");
		return NULL;
	}
	if (stop - start > BTF_MAX) {
		snprintf(ks->btf_note, sizeof(ks->btf_note),
			 "no types: __start_BTF..__stop_BTF spans %" PRIu64
			 " bytes, more than BTF can be", stop - start);
		return NULL;
	}
	size_t size = (size_t)(stop - start);
	uint8_t *data = malloc(size);
	if (!data)
		return &vml_enomem;
	struct vml_error *err = vml_kernel_read_bulk(k, start, data, size);
	if (!err) {
		ks->bytes_read += size;
		err = vml_btf_from_bytes(data, size, &ks->btf);
	}
	free(data);
	if (err == &vml_enomem)
		return err;
	if (err) {
		snprintf(ks->btf_note, sizeof(ks->btf_note),
			 "no types: %s", vml_error_message(err));
		vml_error_free(err);
		return NULL;
	}
	ks->btf->start = start;
	return NULL;
}

/* ------------------------------------------------------------ queries */

/* id with typedefs and modifiers (const, volatile ...) stripped. */
static uint32_t skip_mods(const struct btf *btf, uint32_t id)
{
	for (int d = 0; d < DEPTH_MAX; d++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!t || !(btf_is_mod(t) || btf_is_typedef(t)))
			return id;
		id = t->type;
	}
	return 0;
}

/* The struct or union called name. */
static int32_t find_composite(const struct btf *btf, const char *name)
{
	int32_t id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);
	if (id < 0)
		id = btf__find_by_name_kind(btf, name, BTF_KIND_UNION);
	if (id < 0) {
		id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
		if (id > 0) {
			uint32_t s = skip_mods(btf, (uint32_t)id);
			const struct btf_type *t = btf__type_by_id(btf, s);
			id = t && btf_is_composite(t) ? (int32_t)s : -1;
		}
	}
	return id;
}

/* Member name of composite id, looked for in anonymous members too: its
 * bit offset from id's start and its type. */
static bool find_member(const struct btf *btf, uint32_t id, const char *name,
			size_t name_len, uint64_t *bits, uint32_t *type,
			uint32_t *bitsize, int depth, unsigned *visits)
{
	if (depth > DEPTH_MAX)
		return false;
	const struct btf_type *t = btf__type_by_id(btf, id);
	if (!t || !btf_is_composite(t))
		return false;
	const struct btf_member *m = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++) {
		if (++*visits > VISITS_MAX)
			return false;
		const char *mn = btf__name_by_offset(btf, m[i].name_off);
		uint64_t off = btf_member_bit_offset(t, i);
		if (mn && *mn) {
			if (strlen(mn) == name_len && !memcmp(mn, name, name_len)) {
				*bits = off;
				*type = m[i].type;
				*bitsize = btf_member_bitfield_size(t, i);
				return true;
			}
			continue;
		}
		/* An anonymous struct or union: its members are this one's. */
		uint64_t inner;
		if (find_member(btf, skip_mods(btf, m[i].type), name, name_len,
				&inner, type, bitsize, depth + 1, visits)) {
			*bits = off + inner;
			return true;
		}
	}
	return false;
}

/* Member path of type: its bit offset, type and bit-field size (0 when
 * it is not a bit field); id: type's id. */
static bool member_path(const struct vml_btf *b, const char *type,
			const char *path, int32_t *id_ret, uint64_t *bits_ret,
			uint32_t *type_ret, uint32_t *bitsize_ret)
{
	if (!b || !type || !path)
		return false;
	int32_t id = find_composite(b->btf, type);
	if (id < 0)
		return false;
	uint64_t bits = 0;
	uint32_t cur = (uint32_t)id, mtype = 0, bitsize = 0;
	const char *p = path;
	unsigned visits = 0;
	for (int depth = 0; depth < DEPTH_MAX; depth++) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		uint64_t off;
		if (!len || !find_member(b->btf, cur, p, len, &off, &mtype,
					 &bitsize, 0, &visits))
			return false;
		bits += off;
		if (!dot)
			break;
		if (bitsize)
			return false;       /* a bit field has no members */
		cur = skip_mods(b->btf, mtype);
		p = dot + 1;
	}
	*id_ret = id;
	*bits_ret = bits;
	*type_ret = mtype;
	*bitsize_ret = bitsize;
	return true;
}

bool vml_btf_member(const struct vml_btf *b, const char *type,
		    const char *path, struct vml_btf_field *ret)
{
	int32_t id;
	uint64_t bits;
	uint32_t mtype, bitsize;
	if (!ret || !member_path(b, type, path, &id, &bits, &mtype, &bitsize))
		return false;
	if (bits % 8 || bitsize)
		return false;       /* a bit field: vml_btf_bitfield */
	uint32_t resolved = skip_mods(b->btf, mtype);
	const struct btf_type *t = btf__type_by_id(b->btf, resolved);
	long long size = btf__resolve_size(b->btf, mtype);
	if (!t || size < 0)
		return false;
	/* A member reaching past its struct is damage, not a layout. */
	long long outer = btf__resolve_size(b->btf, (uint32_t)id);
	if (outer < 0 || bits / 8 > (uint64_t)outer ||
	    (uint64_t)size > (uint64_t)outer - bits / 8)
		return false;
	*ret = (struct vml_btf_field){ .offset = bits / 8,
				       .size = (uint64_t)size, .count = 1,
				       .elem_size = (uint64_t)size };
	if (btf_is_array(t)) {
		const struct btf_array *a = btf_array(t);
		long long es = btf__resolve_size(b->btf, a->type);
		if (es > 0) {
			ret->count = a->nelems;
			ret->elem_size = (uint64_t)es;
		}
	}
	return true;
}

bool vml_btf_offset(const struct vml_btf *b, const char *type,
		    const char *path, uint64_t *offset_ret)
{
	struct vml_btf_field f;
	if (!vml_btf_member(b, type, path, &f))
		return false;
	*offset_ret = f.offset;
	return true;
}

bool vml_btf_size(const struct vml_btf *b, const char *type, uint64_t *ret)
{
	if (!b || !type)
		return false;
	int32_t id = find_composite(b->btf, type);
	if (id < 0)
		return false;
	long long size = btf__resolve_size(b->btf, (uint32_t)id);
	if (size < 0)
		return false;
	*ret = (uint64_t)size;
	return true;
}

bool vml_btf_enum_value(const struct vml_btf *b, const char *name,
			int64_t *ret)
{
	if (!b || !name)
		return false;
	/* The first of the entries named name: the lowest order. */
	size_t i = vml_first_named(b->nenums, enumerator_name, b, name);
	if (i == b->nenums)
		return false;
	*ret = b->enums[i].value;
	return true;
}

bool vml_btf_bitfield(const struct vml_btf *b, const char *type,
		      const char *path, uint64_t *bit_offset_ret,
		      uint32_t *bit_size_ret)
{
	int32_t id;
	uint64_t bits;
	uint32_t mtype, bitsize;
	if (!member_path(b, type, path, &id, &bits, &mtype, &bitsize) ||
	    !bitsize || bitsize > 64)
		return false;
	long long outer = btf__resolve_size(b->btf, (uint32_t)id);
	if (outer < 0 || bits / 8 >= (uint64_t)outer ||
	    (bits + bitsize + 7) / 8 > (uint64_t)outer)
		return false;       /* past its struct: damage */
	*bit_offset_ret = bits;
	*bit_size_ret = bitsize;
	return true;
}

const char *vml_btf_enum_name(const struct vml_btf *b, const char *enum_name,
			      int64_t value)
{
	if (!b || !enum_name)
		return NULL;
	int32_t id = btf__find_by_name_kind(b->btf, enum_name, BTF_KIND_ENUM);
	const struct btf_type *t = id > 0 ? btf__type_by_id(b->btf, (uint32_t)id)
					  : NULL;
	if (!t || !btf_is_enum(t))
		return NULL;
	const struct btf_enum *e = btf_enum(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++)
		if (e[i].val == value)
			return btf__name_by_offset(b->btf, e[i].name_off);
	return NULL;
}
