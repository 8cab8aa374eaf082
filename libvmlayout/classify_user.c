/*
 * classify_user.c — names every user-space region: which ELF object and
 * segment it is (text, rodata, relro, data, bss), or heap, stack, thread
 * stack, guard, vdso/vvar/vsyscall, file or anonymous mapping.
 *
 * Evidence, strongest first: the ELF program headers of each mapped file
 * (read from disk, bounded), auxv's AT_ENTRY (which file is the program),
 * the threads' stack pointers, the names /proc gives, and last the
 * permissions alone. When a file cannot be read, the kind comes from its
 * permissions and the region is flagged VML_REGION_GUESSED.
 *
 * The kernel half is not classified here: regions there are "kernel".
 */
#include "config.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------ names */

static void set_kind(struct vml_region *r, enum vml_kind kind,
		     enum vml_group group)
{
	r->kind = kind;
	r->group = group;
}

/* "[stack:TID]" (kernels before 4.5 named thread stacks so): the tid, or 0. */
static int64_t old_thread_stack_tid(const char *name)
{
	static const char prefix[] = "[stack:";
	if (strncmp(name, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	int64_t tid = 0;
	const char *p = name + sizeof(prefix) - 1;
	/* At most 10 digits: tids are below 2^22 (PID_MAX_LIMIT). */
	for (int n = 0; *p >= '0' && *p <= '9'; p++, n++) {
		if (n >= 10)
			return 0;
		tid = tid * 10 + (*p - '0');
	}
	return strcmp(p, "]") == 0 ? tid : 0;
}

/* The kernel half (from kernel_start, vml_layout_space) belongs to
 * classify_kernel.c; [vsyscall] lives there but is a user-visible pseudo
 * region. */
static bool kernel_owned(const struct vml_region *r, uint64_t kernel_start)
{
	return r->start >= kernel_start &&
	       !(r->name && strcmp(r->name, "[vsyscall]") == 0);
}

/* Everything that follows from the region alone; ELF objects and threads
 * refine this later. */
static void classify_by_name(struct vml_region *r)
{
	const char *name = r->name;
	if (!name || (r->flags & VML_REGION_ANON_NAMED)) {
		/* PROT_NONE anonymous memory reserves address space (and
		 * traps); classify_stacks makes the ones below stacks guards. */
		set_kind(r, r->prot & ~VML_PROT_SHARED ? VML_KIND_MMAP_ANON :
			 VML_KIND_RESERVED, VML_GROUP_MMAP);
		return;
	}
	if (r->path) {
		set_kind(r, VML_KIND_MMAP_FILE, VML_GROUP_MMAP);
		return;
	}
	int64_t tid;
	if (strcmp(name, "[heap]") == 0)
		set_kind(r, VML_KIND_HEAP, VML_GROUP_HEAP);
	else if (strcmp(name, "[stack]") == 0)
		set_kind(r, VML_KIND_STACK, VML_GROUP_STACK);
	else if ((tid = old_thread_stack_tid(name)) != 0) {
		set_kind(r, VML_KIND_THREAD_STACK, VML_GROUP_STACK);
		r->tid = tid;
	} else if (strcmp(name, "[vdso]") == 0)
		set_kind(r, VML_KIND_VDSO, VML_GROUP_SPECIAL);
	else if (strcmp(name, "[vvar]") == 0 || strcmp(name, "[vvar_vclock]") == 0)
		set_kind(r, VML_KIND_VVAR, VML_GROUP_SPECIAL);
	else if (strcmp(name, "[vsyscall]") == 0)
		set_kind(r, VML_KIND_VSYSCALL, VML_GROUP_SPECIAL);
	else
		set_kind(r, VML_KIND_UNKNOWN, VML_GROUP_MMAP);
}

/* ------------------------------------------------------------ objects */

/* Regions of one file, found by sorting (path, start). */
struct path_ref {
	const char *path;
	uint64_t start;
	size_t idx;
};

static int path_ref_cmp(const void *a, const void *b)
{
	const struct path_ref *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* What the classifier knows while it walks one file's regions. */
struct classify_ctx {
	struct vml_layout *layout;
	const char *exe;           /* main executable's path, or NULL */
	uint64_t pagesz;
	uint64_t kernel_start;     /* files are mapped below it */
};

static uint64_t page_down(uint64_t v, uint64_t pg)
{
	return v & ~(pg - 1);
}

/* Rounds up; saturates instead of wrapping past 2^64. */
static uint64_t page_up(uint64_t v, uint64_t pg)
{
	uint64_t sum;
	if (vml_add_overflows(v, pg - 1, &sum))
		return UINT64_MAX & ~(pg - 1);
	return sum & ~(pg - 1);
}

/* Link-time page span [lo, hi) a PT_LOAD occupies once mapped. */
static void segment_span(const struct vml_elf_segment *s, uint64_t pg,
			 uint64_t *lo, uint64_t *hi)
{
	uint64_t end;
	*lo = page_down(s->vaddr, pg);
	if (vml_add_overflows(s->vaddr, s->memsz, &end))
		end = UINT64_MAX;
	*hi = page_up(end, pg);
}

/* Runtime address - link-time address, from the first PT_LOAD in file
 * order: it is mapped at its page-aligned file offset. */
static uint64_t object_bias(const struct vml_layout *layout,
			    const struct path_ref *refs, size_t n,
			    const struct vml_elf_info *elf, uint64_t pg)
{
	const struct vml_elf_segment *first = &elf->segments[0];
	for (size_t i = 1; i < elf->nsegments; i++) {
		const struct vml_elf_segment *s = &elf->segments[i];
		if (s->offset < first->offset ||
		    (s->offset == first->offset && s->vaddr < first->vaddr))
			first = s;
	}
	uint64_t want = page_down(first->offset, pg);
	/* refs are sorted by start: the first match is the lowest. */
	for (size_t i = 0; i < n; i++) {
		const struct vml_region *r = &layout->regions[refs[i].idx];
		if (r->offset == want)
			return r->start - page_down(first->vaddr, pg);
	}
	return layout->regions[refs[0].idx].start - page_down(first->vaddr, pg);
}

/* The PT_LOAD segments a region's link-time range touches. */
static void region_segments(const struct vml_region *r, uint64_t bias,
			    const struct vml_elf_info *elf, uint64_t pg,
			    bool *any, bool *writable_seg)
{
	*any = *writable_seg = false;
	uint64_t lo = r->start - bias, hi = r->end - bias;
	if (lo >= hi) /* bias made the range wrap: not this object */
		return;
	for (size_t i = 0; i < elf->nsegments; i++) {
		uint64_t slo, shi;
		segment_span(&elf->segments[i], pg, &slo, &shi);
		if (lo < shi && slo < hi) {
			*any = true;
			if (elf->segments[i].flags & PF_W)
				*writable_seg = true;
		}
	}
}

/* Kind of one file-backed region of an object, from its permissions and
 * whether it lies in a writable segment (read-only there = RELRO). */
static enum vml_kind segment_kind(const struct vml_region *r, bool in_rw_segment)
{
	if (r->prot & VML_PROT_EXEC)
		return VML_KIND_TEXT;
	if (r->prot & VML_PROT_WRITE)
		return VML_KIND_DATA;
	if (!(r->prot & VML_PROT_READ))
		return VML_KIND_RESERVED;
	return in_rw_segment ? VML_KIND_RELRO : VML_KIND_RODATA;
}

static void mark_object_region(struct vml_region *r, const char *path,
			       bool is_exe, enum vml_kind kind, bool guessed)
{
	r->kind = kind;
	r->group = is_exe ? VML_GROUP_EXE : VML_GROUP_MMAP;
	r->object = path;
	r->flags |= is_exe ? VML_REGION_EXE : VML_REGION_LIBRARY;
	if (guessed)
		r->flags |= VML_REGION_GUESSED;
}

/* The region right after index last, if it is anonymous writable memory. */
static struct vml_region *anon_after(struct vml_layout *layout, size_t last)
{
	if (last + 1 >= layout->count)
		return NULL;
	struct vml_region *r = &layout->regions[last + 1];
	if (r->name || !(r->prot & VML_PROT_WRITE) || (r->prot & VML_PROT_EXEC))
		return NULL;
	return r;
}

/* A readable ELF file: segments decide every region's kind. Takes elf. */
static struct vml_error *classify_elf_object(struct classify_ctx *ctx,
					     const struct path_ref *refs,
					     size_t n, struct vml_elf_info *elf)
{
	struct vml_layout *layout = ctx->layout;
	const char *path = refs[0].path;
	bool is_exe = ctx->exe && strcmp(path, ctx->exe) == 0;
	uint64_t pg = ctx->pagesz;
	struct vml_object obj = {
		.path = path, .elf = elf, .is_exe = is_exe,
		.bias = object_bias(layout, refs, n, elf, pg),
		.start = UINT64_MAX, .end = 0,
	};
	size_t last = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		struct vml_region *r = &layout->regions[refs[i].idx];
		bool any, in_rw;
		region_segments(r, obj.bias, elf, pg, &any, &in_rw);
		if (!any)
			continue; /* the same file mapped again, as data */
		mark_object_region(r, path, is_exe, segment_kind(r, in_rw), false);
		if (r->start < obj.start)
			obj.start = r->start;
		if (r->end > obj.end)
			obj.end = r->end;
		if (last == SIZE_MAX || refs[i].idx > last)
			last = refs[i].idx;
	}
	if (last == SIZE_MAX) {
		/* No region is a segment: an ELF file mapped as plain data. */
		vml_elf_info_put(elf);
		return NULL;
	}
	/* The loader reserves the object's whole span with one mapping of
	 * the file and maps the segments over it; what stays between them
	 * (alignment holes, PROT_NONE) still belongs to the object. */
	for (size_t i = 0; i < n; i++) {
		struct vml_region *r = &layout->regions[refs[i].idx];
		if (!r->object && !(r->prot & ~VML_PROT_SHARED) &&
		    r->start >= obj.start && r->end <= obj.end)
			mark_object_region(r, path, is_exe, VML_KIND_RESERVED,
					   false);
	}
	/* .bss beyond the file's last page is anonymous memory right after
	 * the last file page, inside the last writable segment's memsz. */
	const struct vml_elf_segment *rw = NULL;
	for (size_t i = 0; i < elf->nsegments; i++)
		if ((elf->segments[i].flags & PF_W) &&
		    (!rw || elf->segments[i].vaddr > rw->vaddr))
			rw = &elf->segments[i];
	struct vml_region *bss = anon_after(layout, last);
	/* Kernels before 6.4 name "[heap]" every mapping that reaches the brk
	 * start, so with brk unrandomized (ASLR off, as under GDB) the .bss
	 * mapping right below the heap is "[heap]" too: it is .bss when it
	 * lies wholly inside the segment. */
	bool named_heap = false;
	if (!bss && last + 1 < layout->count && layout->regions[last + 1].name &&
	    strcmp(layout->regions[last + 1].name, "[heap]") == 0) {
		bss = &layout->regions[last + 1];
		named_heap = true;
	}
	if (rw && bss) {
		uint64_t lo, hi, link = bss->start - obj.bias;
		segment_span(rw, pg, &lo, &hi);
		if (link >= lo && link < hi &&
		    (!named_heap || bss->end - obj.bias <= hi)) {
			mark_object_region(bss, path, is_exe, VML_KIND_BSS, false);
			if (bss->end > obj.end)
				obj.end = bss->end;
		}
	}
	return vml_layout_add_object(layout, &obj);
}

/* A file we could not read (or not ELF) that is mapped executable, or is
 * the program: guess its segments from the permissions, in address order. */
static void classify_guessed_object(struct classify_ctx *ctx,
				    const struct path_ref *refs, size_t n)
{
	struct vml_layout *layout = ctx->layout;
	const char *path = refs[0].path;
	bool is_exe = ctx->exe && strcmp(path, ctx->exe) == 0;
	bool seen_exec = false;
	for (size_t i = 0; i < n; i++) {
		struct vml_region *r = &layout->regions[refs[i].idx];
		const struct vml_region *next =
			i + 1 < n ? &layout->regions[refs[i + 1].idx] : NULL;
		if (r->prot & VML_PROT_EXEC)
			seen_exec = true;
		/* ld.so makes RELRO read-only in place, so it is the read-only
		 * piece after the code that touches the writable data. */
		bool in_rw = seen_exec && next && next->start == r->end &&
			     (next->prot & VML_PROT_WRITE);
		mark_object_region(r, path, is_exe, segment_kind(r, in_rw), true);
	}
	size_t last = refs[n - 1].idx;
	struct vml_region *tail = &layout->regions[last];
	struct vml_region *bss = anon_after(layout, last);
	if (bss && (tail->prot & VML_PROT_WRITE) && bss->start == tail->end)
		mark_object_region(bss, path, is_exe, VML_KIND_BSS, true);
}

/* The region mapping the file's offset 0 (its ELF header), or NULL. */
static const struct vml_region *first_mapping(const struct vml_layout *layout,
					      const struct path_ref *refs,
					      size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (layout->regions[refs[i].idx].offset == 0)
			return &layout->regions[refs[i].idx];
	return NULL;
}

/* One distinct file: load its ELF info once and classify its regions. */
static struct vml_error *classify_path(struct classify_ctx *ctx,
				       const struct path_ref *refs, size_t n)
{
	struct vml_layout *layout = ctx->layout;
	bool deleted = false, exec = false;
	for (size_t i = 0; i < n; i++) {
		const struct vml_region *r = &layout->regions[refs[i].idx];
		deleted |= (r->flags & VML_REGION_DELETED) != 0;
		exec |= (r->prot & VML_PROT_EXEC) != 0;
	}
	bool is_exe = ctx->exe && strcmp(refs[0].path, ctx->exe) == 0;
	enum vml_mismatch mismatch = VML_MISMATCH_NONE;
	/* A deleted file's path now names another file or nothing; a live
	 * local process still has the file it mapped (/proc/PID/map_files).
	 * Files still on disk come through the ELF object cache (shared with
	 * the layouts of earlier stops when the caller keeps one). */
	struct vml_elf_info *elf = NULL;
	struct vml_error *err = deleted ?
		vml_mapped_file_elf(layout, &layout->regions[refs[0].idx],
				    is_exe, &elf) :
		vml_elf_cache_load(layout->elf_cache,
				   vml_layout_file_root(layout, refs[0].path),
				   refs[0].path, &elf);
	if (err)
		return err;
	if (elf && elf->valid && elf->nsegments > 0) {
		if (!deleted)
			mismatch = vml_file_mismatch(layout, refs[0].path,
						     first_mapping(layout, refs, n),
						     elf);
		if (mismatch == VML_MISMATCH_NONE)
			return classify_elf_object(ctx, refs, n, elf);
	}
	/* One reference dropped: a cached object stays in the cache, any
	 * other is freed. */
	vml_elf_info_put(elf);
	if (mismatch != VML_MISMATCH_NONE) {
		/* Another file's segments, sections and symbols would be
		 * wrong answers: its regions are named from their perms. */
		for (size_t i = 0; i < n; i++)
			layout->regions[refs[i].idx].flags |=
				VML_REGION_FILE_MISMATCH;
		err = vml_layout_add_mismatch(layout, refs[0].path, mismatch);
		if (err)
			return err;
	}
	/* Otherwise it stays MMAP_FILE: a file mapped without execute
	 * permission is data whether or not we could read it. */
	if (exec || is_exe)
		classify_guessed_object(ctx, refs, n);
	return NULL;
}

static struct vml_error *classify_files(struct classify_ctx *ctx)
{
	struct vml_layout *layout = ctx->layout;
	size_t n = 0;
	for (size_t i = 0; i < layout->count; i++)
		n += layout->regions[i].path != NULL &&
		     layout->regions[i].start < ctx->kernel_start;
	if (n == 0)
		return NULL;
	struct path_ref *refs = calloc(n, sizeof(*refs));
	if (!refs)
		return &vml_enomem;
	n = 0;
	for (size_t i = 0; i < layout->count; i++) {
		const struct vml_region *r = &layout->regions[i];
		if (r->path && r->start < ctx->kernel_start)
			refs[n++] = (struct path_ref){ r->path, r->start, i };
	}
	qsort(refs, n, sizeof(*refs), path_ref_cmp);
	struct vml_error *err = NULL;
	for (size_t i = 0; i < n && !err;) {
		size_t j = i + 1;
		while (j < n && strcmp(refs[j].path, refs[i].path) == 0)
			j++;
		err = classify_path(ctx, refs + i, j - i);
		i = j;
	}
	free(refs);
	if (!err)
		vml_layout_sort_objects(layout);
	return err;
}

/* The program's path: the file holding AT_ENTRY, else the exe path given. */
static const char *find_exe(const struct vml_layout *layout)
{
	if (layout->auxv.present && layout->auxv.entry) {
		size_t idx = vml_layout_index(layout, layout->auxv.entry);
		if (idx != SIZE_MAX && layout->regions[idx].path)
			return layout->regions[idx].path;
	}
	if (layout->exe_path) {
		for (size_t i = 0; i < layout->count; i++) {
			const char *p = layout->regions[i].path;
			if (p && strcmp(p, layout->exe_path) == 0)
				return p;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------ stacks */

static const struct vml_thread *main_thread(const struct vml_layout *layout)
{
	for (size_t i = 0; i < layout->nthreads; i++)
		if (layout->threads[i].is_main)
			return &layout->threads[i];
	return NULL;
}

/* Only anonymous memory (or the kernel's own stack regions) can be a
 * stack; a thread running on, say, a .bss array keeps that name. */
static bool may_be_stack(const struct vml_region *r)
{
	if (r->kind == VML_KIND_STACK || r->kind == VML_KIND_THREAD_STACK)
		return true;
	return r->kind == VML_KIND_MMAP_ANON && !r->object;
}

static bool is_stack(const struct vml_region *r)
{
	return r->kind == VML_KIND_STACK || r->kind == VML_KIND_THREAD_STACK;
}

/* PROT_NONE anonymous memory nobody has claimed: a guard if it turns out
 * to lie right below a stack. */
static bool is_anon_reserved(const struct vml_region *r)
{
	return r->kind == VML_KIND_RESERVED && !r->object && !r->path;
}

/* A region and one thread whose $sp it holds. */
struct sp_ref {
	size_t idx;
	int64_t tid;
};

static int sp_ref_cmp(const void *a, const void *b)
{
	const struct sp_ref *x = a, *y = b;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

/* Every region's nthreads/tids: the threads whose $sp it holds, by tid.
 * Each thread's $sp is in at most one region, so the runs together need
 * no more than nthreads entries. */
static struct vml_error *assign_sps(struct vml_layout *layout)
{
	for (size_t i = 0; i < layout->count; i++) {
		layout->regions[i].nthreads = 0;
		layout->regions[i].tids = NULL;
	}
	size_t n = layout->nthreads;
	if (n == 0)
		return NULL;
	if (!vml_grow((void **)&layout->region_tids,
		      &layout->region_tids_capacity, n,
		      sizeof(*layout->region_tids)))
		return &vml_enomem;
	struct sp_ref *refs = calloc(n, sizeof(*refs));
	if (!refs)
		return &vml_enomem;
	size_t m = 0;
	for (size_t t = 0; t < n; t++) {
		size_t idx = vml_layout_index(layout, layout->threads[t].sp);
		if (idx != SIZE_MAX)
			refs[m++] = (struct sp_ref){ idx, layout->threads[t].tid };
	}
	qsort(refs, m, sizeof(*refs), sp_ref_cmp);
	for (size_t k = 0; k < m; k++) {
		struct vml_region *r = &layout->regions[refs[k].idx];
		layout->region_tids[k] = refs[k].tid;
		if (r->nthreads++ == 0)
			r->tids = &layout->region_tids[k];
	}
	free(refs);
	return NULL;
}

static bool region_holds_tid(const struct vml_region *r, int64_t tid)
{
	for (uint32_t k = 0; k < r->nthreads; k++)
		if (r->tids[k] == tid)
			return true;
	return false;
}

/*
 * Stacks by each thread's own $sp: a mapping holding no $sp is no stack
 * (but [stack] is the main thread's by name); one holding several is the
 * stack of each of them. A guard is a PROT_NONE mapping right below a
 * stack; one holding a thread's $sp is the guard that thread overflowed
 * into, and the mapping above it is that thread's stack. Every other
 * PROT_NONE mapping stays RESERVED.
 */
static void classify_stacks(struct vml_layout *layout)
{
	const struct vml_thread *main_t = main_thread(layout);
	for (size_t i = 0; i < layout->count; i++) {
		struct vml_region *r = &layout->regions[i];
		if (main_t && r->name && strcmp(r->name, "[stack]") == 0)
			r->tid = main_t->tid;
		if (r->nthreads == 0 || !may_be_stack(r))
			continue;
		bool has_main = main_t && region_holds_tid(r, main_t->tid);
		if (has_main || r->kind == VML_KIND_STACK) {
			set_kind(r, VML_KIND_STACK, VML_GROUP_STACK);
			if (has_main)
				r->tid = main_t->tid;
		} else if (r->kind != VML_KIND_THREAD_STACK || !r->tid) {
			/* [stack:TID] keeps the kernel's word for whose. */
			set_kind(r, VML_KIND_THREAD_STACK, VML_GROUP_STACK);
			r->tid = r->tids[0];
		}
	}
	/* Overflows: a thread's $sp in PROT_NONE memory right below anonymous
	 * writable memory. */
	for (size_t i = 0; i + 1 < layout->count; i++) {
		struct vml_region *g = &layout->regions[i];
		struct vml_region *s = &layout->regions[i + 1];
		if (!is_anon_reserved(g) || g->nthreads == 0 || g->end != s->start)
			continue;
		if (!is_stack(s) && !(may_be_stack(s) && (s->prot & VML_PROT_WRITE)))
			continue;
		set_kind(g, VML_KIND_GUARD, VML_GROUP_STACK);
		g->tid = g->tids[0];
		if (!is_stack(s)) {
			set_kind(s, VML_KIND_THREAD_STACK, VML_GROUP_STACK);
			s->tid = g->tid;
		}
	}
	/* glibc and other runtimes put a PROT_NONE guard right below a stack. */
	for (size_t i = 0; i + 1 < layout->count; i++) {
		struct vml_region *g = &layout->regions[i];
		const struct vml_region *s = &layout->regions[i + 1];
		if (is_anon_reserved(g) && g->end == s->start && is_stack(s)) {
			set_kind(g, VML_KIND_GUARD, VML_GROUP_STACK);
			g->tid = s->tid;
		}
	}
}

/* ------------------------------------------------------------ entry */

static uint64_t layout_page_size(const struct vml_layout *layout)
{
	uint64_t pg = layout->auxv.present ? layout->auxv.pagesz : 0;
	/* A power of two between 4 KiB and 1 GiB, else the x86-64 default. */
	if (pg < 4096 || pg > (1ull << 30) || (pg & (pg - 1)))
		pg = 4096;
	return pg;
}

struct vml_error *vml_layout_classify(struct vml_layout *layout)
{
	if (!layout)
		return vml_error_create(VML_ERROR_INVALID, "classify: NULL layout");
	/* Nothing changed since the last run (every setter and append clears
	 * the flag): the answer would be the same, and keeping it keeps every
	 * pointer handed out into it (objects, sections, symbols) valid. */
	if (layout->classified)
		return NULL;
	if (layout->core) {
		/* A core without NT_FILE: file names from the auxv and the
		 * dynamic linker's list (again when the sysroot changed). */
		struct vml_error *err = vml_core_name_objects(layout);
		if (err)
			return err;
	}
	vml_layout_free_objects(layout);
	struct vml_layout_space space;
	vml_layout_space(layout, &space);
	const uint32_t ours = VML_REGION_LIBRARY | VML_REGION_EXE |
			      VML_REGION_GUESSED | VML_REGION_FILE_MISMATCH;
	vml_layout_clear_warnings(layout);
	for (size_t i = 0; i < layout->count; i++) {
		struct vml_region *r = &layout->regions[i];
		/* What the input could only guess stays a guess. */
		uint32_t guessed = r->flags & (VML_REGION_PERMS_GUESSED |
					       VML_REGION_NAME_GUESSED) ?
				   VML_REGION_GUESSED : 0;
		if (kernel_owned(r, space.kernel_start)) {
			/* Keep what the kernel classifier decided. */
			r->flags |= guessed;
			if (r->kind == VML_KIND_UNKNOWN)
				set_kind(r, VML_KIND_KERNEL, VML_GROUP_KERNEL);
			continue;
		}
		r->flags = (r->flags & ~ours) | guessed;
		r->object = NULL;
		r->tid = 0;
		classify_by_name(r);
	}
	struct classify_ctx ctx = {
		.layout = layout,
		.exe = find_exe(layout),
		.pagesz = layout_page_size(layout),
		.kernel_start = space.kernel_start,
	};
	struct vml_error *err = classify_files(&ctx);
	if (err) {
		vml_layout_free_objects(layout);
		return err;
	}
	err = assign_sps(layout);
	if (err) {
		vml_layout_free_objects(layout);
		return err;
	}
	classify_stacks(layout);
	err = vml_layout_mismatch_warning(layout);
	if (err) {
		vml_layout_free_objects(layout);
		return err;
	}
	layout->classified = true;
	return NULL;
}
