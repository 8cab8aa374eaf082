/*
 * ksyms.c — struct vml_ksyms: a kernel's names (kallsyms) and types (BTF,
 * btf.c) read from its own memory through its page-table walk, and what
 * the rest of the library asks of them: symbol+offset of an address, the
 * address of a name, the KASLR bases the architecture's kernel map wants
 * (read as values through the walk), whether a later stop still shows the
 * same kernel.
 *
 * The tables are searched in the kernel image mapping (the architecture's
 * kernel-text slot): its read-only, non-executable ranges first (.rodata
 * holds kallsyms and BTF), then every mapped range of the image (a kernel
 * booted with rodata=off maps .rodata writable). Each contiguous run of
 * virtual addresses is read once, in large reads, and parsed as one buffer
 * (kallsyms.c); at most VML_KSYMS_MAX_IMAGE bytes are read.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "ksyms.h"

#define VML_KSYMS_MAX_IMAGE (UINT64_C(256) << 20)

/* ------------------------------------------------------------ lookups */

static int by_name_cmp(const void *a, const void *b, void *arg)
{
	const struct vml_kallsyms *k = arg;
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	int c = strcmp(vml_kallsyms_name(k, ia), vml_kallsyms_name(k, ib));
	if (c)
		return c;
	return ia < ib ? -1 : ia > ib;
}

static int by_addr_cmp(const void *a, const void *b)
{
	const struct vml_ksym_addr *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static struct vml_error *index_symbols(struct vml_ksyms *ks)
{
	const struct vml_kallsyms *k = ks->kallsyms;
	ks->by_name = calloc(k->count ? k->count : 1, sizeof(*ks->by_name));
	ks->by_addr = calloc(k->count ? k->count : 1, sizeof(*ks->by_addr));
	if (!ks->by_name || !ks->by_addr)
		return &vml_enomem;
	for (size_t i = 0; i < k->count; i++) {
		ks->by_name[i] = (uint32_t)i;
		if (!k->syms[i].absolute)
			ks->by_addr[ks->nby_addr++] = (struct vml_ksym_addr){
				k->syms[i].addr, (uint32_t)i };
	}
	qsort_r(ks->by_name, k->count, sizeof(*ks->by_name), by_name_cmp,
		(void *)k);
	/* Already ascending in the kernel's order; sorting keeps equal
	 * addresses in that order (the kernel names the first alias). */
	qsort(ks->by_addr, ks->nby_addr, sizeof(*ks->by_addr), by_addr_cmp);
	uint64_t end = vml_ksyms_addr(ks, "_end");
	ks->end = end ? end : ks->image_end;
	return NULL;
}

/* The i-th name in by_name order. */
static const char *sorted_name(const void *ksyms, size_t i)
{
	const struct vml_ksyms *ks = ksyms;
	return vml_kallsyms_name(ks->kallsyms, ks->by_name[i]);
}

const struct vml_kallsyms_sym *vml_ksyms_named(const struct vml_ksyms *ks,
					       const char *name)
{
	if (!ks || !name)
		return NULL;
	const struct vml_kallsyms *k = ks->kallsyms;
	size_t i = vml_first_named(k->count, sorted_name, ks, name);
	return i < k->count ? &k->syms[ks->by_name[i]] : NULL;
}

uint64_t vml_ksyms_addr(const struct vml_ksyms *ks, const char *name)
{
	const struct vml_kallsyms_sym *s = vml_ksyms_named(ks, name);
	return s ? s->addr : 0;
}

size_t vml_ksyms_at(const struct vml_ksyms *ks, uint64_t addr,
		    uint64_t *size_ret)
{
	if (!ks || !ks->nby_addr || addr >= ks->end)
		return SIZE_MAX;
	size_t n = VML_UPPER_BOUND(ks->by_addr, ks->nby_addr, addr, addr);
	if (n == 0)
		return SIZE_MAX;
	uint64_t at = ks->by_addr[n - 1].addr;
	/* The first of the aliases at that address, as the kernel names it. */
	size_t first = n - 1;
	while (first > 0 && ks->by_addr[first - 1].addr == at)
		first--;
	if (size_ret)
		*size_ret = n < ks->nby_addr ? ks->by_addr[n].addr - at : 0;
	return ks->by_addr[first].index;
}

bool vml_ksyms_format(const struct vml_ksyms *ks, uint64_t addr, char *buf,
		      size_t size)
{
	size_t i = vml_ksyms_at(ks, addr, NULL);
	if (i == SIZE_MAX)
		return false;
	const struct vml_kallsyms_sym *s = &ks->kallsyms->syms[i];
	if (addr == s->addr)
		snprintf(buf, size, "%s", vml_kallsyms_name(ks->kallsyms, i));
	else
		snprintf(buf, size, "%s+0x%" PRIx64,
			 vml_kallsyms_name(ks->kallsyms, i), addr - s->addr);
	return true;
}

/* ------------------------------------------------------------ loading */

/* A run of contiguous kernel-image virtual addresses to search. */
struct run {
	uint64_t start, end;
};

static bool range_wanted(const struct vml_kernel *k, size_t i, bool strict)
{
	const struct vml_pt_range *r = &k->ranges[i];
	if (r->status != VML_PT_MAPPED || k->kinds[i] != VML_KIND_KERNEL_TEXT)
		return false;
	if (!strict)
		return true;
	bool nx = k->paging.nx && (r->flags & VML_PT_NX);
	return !(r->flags & VML_PT_WRITE) && nx;
}

/* The runs of the image to search (strict: read-only, non-executable). */
static size_t image_runs(const struct vml_kernel *k, bool strict,
			 struct run *runs, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < k->nranges; i++) {
		if (!range_wanted(k, i, strict))
			continue;
		uint64_t start = k->ranges[i].start;
		uint64_t end = vml_kernel_range_end(&k->ranges[i]);
		if (n && runs[n - 1].end == start) {
			runs[n - 1].end = end;
			continue;
		}
		if (n == max)
			break;
		runs[n++] = (struct run){ start, end };
	}
	return n;
}

static void image_span(const struct vml_kernel *k, uint64_t *lo, uint64_t *hi)
{
	*lo = UINT64_MAX;
	*hi = 0;
	for (size_t i = 0; i < k->nranges; i++) {
		if (!range_wanted(k, i, false))
			continue;
		if (k->ranges[i].start < *lo)
			*lo = k->ranges[i].start;
		if (vml_kernel_range_end(&k->ranges[i]) > *hi)
			*hi = vml_kernel_range_end(&k->ranges[i]);
	}
}

/* Reads one run and parses it; a run that cannot be read is skipped. */
static struct vml_error *search_run(struct vml_ksyms *ks,
				    const struct vml_kernel *k,
				    const struct run *run, uint64_t *budget)
{
	uint64_t len = run->end - run->start;
	if (len > *budget)
		len = *budget;
	if (len < 4096)
		return vml_error_create(VML_ERROR_NOT_FOUND, "short run");
	uint8_t *buf = malloc((size_t)len);
	if (!buf)
		return &vml_enomem;
	*budget -= len;
	/* Unreadable megabytes read as zeros: the tables may be elsewhere. */
	for (uint64_t off = 0; off < len; off += UINT64_C(1) << 20) {
		uint64_t n = len - off < (UINT64_C(1) << 20) ?
			     len - off : (UINT64_C(1) << 20);
		struct vml_error *err = vml_kernel_read_bulk(
			k, run->start + off, buf + off, (size_t)n);
		if (err) {
			vml_error_free(err);
			memset(buf + off, 0, (size_t)n);
		}
		ks->bytes_read += n;
	}
	struct vml_kallsyms *tab;
	struct vml_error *err = vml_kallsyms_parse(
		buf, (size_t)len, run->start, k->paging.arch->pointer_size,
		ks->image_start, ks->image_end, &tab);
	free(buf);
	if (err)
		return err;
	ks->kallsyms = tab;
	ks->tables_va = run->start;
	return NULL;
}

static struct vml_error *find_kallsyms(struct vml_ksyms *ks,
				       const struct vml_kernel *k)
{
	struct run runs[64];
	uint64_t budget = VML_KSYMS_MAX_IMAGE;
	image_span(k, &ks->image_start, &ks->image_end);
	if (ks->image_start >= ks->image_end)
		return vml_error_create(VML_ERROR_NOT_FOUND,
					"kernel symbols: no kernel image is"
					" mapped to read kallsyms from");
	for (int strict = 1; strict >= 0; strict--) {
		size_t n = image_runs(k, strict, runs, VML_ARRAY_SIZE(runs));
		for (size_t i = 0; i < n && budget; i++) {
			struct vml_error *err = search_run(ks, k, &runs[i],
							   &budget);
			if (!err)
				return NULL;
			if (err == &vml_enomem)
				return err;
			vml_error_free(err);
		}
	}
	return vml_error_create(VML_ERROR_NOT_FOUND,
				"kernel symbols: no kallsyms tables in the"
				" kernel image (0x%" PRIx64 "-0x%" PRIx64 ", %"
				PRIu64 " bytes searched): a kernel built"
				" without CONFIG_KALLSYMS?", ks->image_start,
				ks->image_end, ks->bytes_read);
}

static const char *addrs_name(uint32_t addrs)
{
	switch (addrs) {
	case VML_KALLSYMS_RELATIVE:
		return "relative offsets";
	case VML_KALLSYMS_ABS_PERCPU:
		return "relative offsets, absolute per-CPU symbols";
	case VML_KALLSYMS_PLACE_RELATIVE:
		return "place-relative offsets";
	default:
		return "absolute addresses";
	}
}

void vml_ksyms_describe(struct vml_ksyms *ks)
{
	const struct vml_kallsyms *t = ks->kallsyms;
	int n = snprintf(ks->description, sizeof(ks->description),
			 "%zu symbols from kallsyms at 0x%" PRIx64 " (%s)",
			 t->count, ks->tables_va + t->num_syms_off,
			 addrs_name(t->addrs));
	if (n < 0 || (size_t)n >= sizeof(ks->description))
		return;
	snprintf(ks->description + n, sizeof(ks->description) - (size_t)n,
		 "; %s", ks->btf ? vml_btf_summary(ks->btf) : ks->btf_note);
}

struct vml_error *vml_ksyms_from_kallsyms(const struct vml_arch *arch,
					 struct vml_kallsyms *tab,
					 uint64_t tables_va,
					 uint64_t image_start,
					 uint64_t image_end,
					 struct vml_ksyms **ret)
{
	struct vml_ksyms *ks = calloc(1, sizeof(*ks));
	if (!ks) {
		vml_kallsyms_free(tab);
		return &vml_enomem;
	}
	ks->arch = arch;
	ks->kallsyms = tab;
	ks->tables_va = tables_va;
	ks->image_start = image_start;
	ks->image_end = image_end;
	snprintf(ks->btf_note, sizeof(ks->btf_note), "types not read");
	struct vml_error *err = index_symbols(ks);
	if (err) {
		vml_ksyms_free(ks);
		return err;
	}
	vml_ksyms_describe(ks);
	*ret = ks;
	return NULL;
}

struct vml_error *vml_ksyms_load(const struct vml_kernel *kernel,
				 uint32_t flags, struct vml_ksyms **ret)
{
	if (!kernel || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"kernel symbols: NULL kernel or result");
	if (flags & ~(uint32_t)VML_KSYMS_NO_TYPES)
		return vml_error_create(VML_ERROR_INVALID,
					"kernel symbols: unknown flags 0x%" PRIx32,
					flags);
	if (!kernel->source)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"kernel symbols: a kernel made from"
					" ranges has no memory to read them"
					" from");
	struct vml_ksyms found = { .arch = kernel->paging.arch };
	struct vml_error *err = find_kallsyms(&found, kernel);
	if (err)
		return err;
	struct vml_ksyms *ks;
	err = vml_ksyms_from_kallsyms(found.arch, found.kallsyms,
				      found.tables_va, found.image_start,
				      found.image_end, &ks);
	if (err)
		return err;
	ks->bytes_read = found.bytes_read;
	ks->btf_note[0] = '\0';
	if (flags & VML_KSYMS_NO_TYPES)
		snprintf(ks->btf_note, sizeof(ks->btf_note), "types not read");
	else
		err = vml_btf_load(ks, kernel);
	if (err) {
		vml_ksyms_free(ks);
		return err;
	}
	vml_ksyms_describe(ks);
	*ret = ks;
	return NULL;
}

void vml_ksyms_free(struct vml_ksyms *ks)
{
	if (!ks)
		return;
	vml_btf_free(ks->btf);
	vml_kallsyms_free(ks->kallsyms);
	free(ks->by_addr);
	free(ks->by_name);
	free(ks);
}

struct vml_error *vml_ksyms_check(const struct vml_ksyms *ks,
				  const struct vml_kernel *kernel)
{
	if (!ks || !kernel)
		return vml_error_create(VML_ERROR_INVALID,
					"kernel symbols: NULL symbols or kernel");
	uint8_t now[512];
	uint64_t at = ks->tables_va + ks->kallsyms->token_index_off;
	struct vml_error *err = vml_kernel_read(kernel, at, now, sizeof(now));
	if (err) {
		vml_error_free(err);
		return vml_error_create(VML_ERROR_NOT_FOUND,
					"kernel symbols: the kallsyms token"
					" index at 0x%" PRIx64 " is not mapped"
					" any more: another kernel", at);
	}
	if (memcmp(now, ks->kallsyms->token_index, sizeof(now)))
		return vml_error_create(VML_ERROR_NOT_FOUND,
					"kernel symbols: the kallsyms token"
					" index at 0x%" PRIx64 " changed: another"
					" kernel", at);
	return NULL;
}

/* ------------------------------------------------------------ public */

size_t vml_ksyms_count(const struct vml_ksyms *ks)
{
	return ks ? ks->kallsyms->count : 0;
}

const char *vml_ksyms_description(const struct vml_ksyms *ks)
{
	return ks ? ks->description : "";
}

bool vml_ksyms_has_types(const struct vml_ksyms *ks)
{
	return ks && ks->btf;
}

static void fill(const struct vml_ksyms *ks, size_t i, struct vml_ksym *s)
{
	const struct vml_kallsyms_sym *k = &ks->kallsyms->syms[i];
	*s = (struct vml_ksym){
		.addr = k->addr,
		.name = vml_kallsyms_name(ks->kallsyms, i),
		.type = (uint32_t)(unsigned char)k->type,
		.absolute = k->absolute,
	};
	if (!k->absolute) {
		uint64_t size = 0;
		size_t at = vml_ksyms_at(ks, k->addr, &size);
		if (at != SIZE_MAX)
			s->size = size;
	}
}

/* What every symbol query checks first: its arguments are there
 * (missing: which may not be), and the caller's struct vml_ksym is at
 * least the size this ABI fills. */
static struct vml_error *query_args(bool given, const char *missing,
				    size_t ret_size)
{
	if (!given)
		return vml_error_create(VML_ERROR_INVALID,
					"kernel symbols: NULL %s", missing);
	return vml_check_size("kernel symbol", ret_size, VML_KSYM_SIZE_V2);
}

struct vml_error *vml_ksyms_symbol(const struct vml_ksyms *ks, size_t i,
				   struct vml_ksym *ret, size_t ret_size)
{
	struct vml_error *err = query_args(ks && ret, "symbols or result",
					   ret_size);
	if (err)
		return err;
	if (i >= ks->kallsyms->count)
		return vml_error_create(VML_ERROR_NOT_FOUND,
					"kernel symbols: no symbol %zu (%zu"
					" symbols)", i, ks->kallsyms->count);
	struct vml_ksym s;
	fill(ks, i, &s);
	vml_copy_out(ret, ret_size, &s, sizeof(s));
	return NULL;
}

struct vml_error *vml_ksyms_lookup(const struct vml_ksyms *ks,
				   const char *name, struct vml_ksym *ret,
				   size_t ret_size)
{
	struct vml_error *err = query_args(ks && name && ret,
					   "symbols, name or result", ret_size);
	if (err)
		return err;
	const struct vml_kallsyms_sym *s = vml_ksyms_named(ks, name);
	if (!s)
		return vml_error_create(VML_ERROR_NOT_FOUND,
					"kernel symbols: no symbol '%s'", name);
	struct vml_ksym out;
	fill(ks, (size_t)(s - ks->kallsyms->syms), &out);
	vml_copy_out(ret, ret_size, &out, sizeof(out));
	return NULL;
}

struct vml_error *vml_ksyms_find(const struct vml_ksyms *ks, uint64_t addr,
				 struct vml_ksym *ret, size_t ret_size,
				 uint64_t *offset_ret)
{
	struct vml_error *err = query_args(ks && ret, "symbols or result",
					   ret_size);
	if (err)
		return err;
	size_t i = vml_ksyms_at(ks, addr, NULL);
	if (i == SIZE_MAX)
		return vml_error_create(VML_ERROR_NOT_FOUND,
					"kernel symbols: no symbol at 0x%"
					PRIx64, addr);
	struct vml_ksym out;
	fill(ks, i, &out);
	vml_copy_out(ret, ret_size, &out, sizeof(out));
	if (offset_ret)
		*offset_ret = addr - out.addr;
	return NULL;
}

/* The values of the architecture's base symbols, read through the walk
 * (or their addresses), as vml_kernel_hints symbols. */
size_t vml_ksyms_base_values(const struct vml_ksyms *ks,
			     const struct vml_kernel *k,
			     struct vml_named_value *out, size_t max)
{
	const struct vml_kernel_class *kc = k->kclass;
	size_t n = 0;
	for (size_t s = 0; kc && s < kc->nsymbols && n < max; s++) {
		uint64_t addr = vml_ksyms_addr(ks, kc->symbols[s].name);
		if (!addr)
			continue;
		uint64_t value = addr;
		if (kc->symbols[s].want == VML_SYMBOL_VALUE) {
			struct vml_error *err = vml_kernel_read_word(k, addr,
								     &value);
			if (err) {
				vml_error_free(err);
				continue;
			}
		}
		if (value)
			out[n++] = (struct vml_named_value){ kc->symbols[s].name,
							     value };
	}
	return n;
}

struct vml_error *vml_kernel_set_ksyms(struct vml_kernel *k,
				       const struct vml_ksyms *ks)
{
	if (!k)
		return vml_error_create(VML_ERROR_INVALID,
					"kernel symbols: NULL kernel");
	if (ks && ks->arch != k->paging.arch)
		return vml_error_create(VML_ERROR_INVALID,
					"kernel symbols: read from a %s kernel,"
					" given to a %s one", ks->arch->name,
					k->paging.arch->name);
	k->ksyms = ks;
	if (!ks)
		return NULL;
	struct vml_named_value values[16];
	size_t n = vml_ksyms_base_values(ks, k, values,
					 VML_ARRAY_SIZE(values));
	return vml_kernel_reclassify(k, values, n);
}
