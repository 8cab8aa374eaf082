/*
 * render_picture.c — the classic picture of an address space: a column of
 * boxes from the top of the address space down, with the gaps between
 * them labelled with their size.
 *
 * A pure formatter: what the halves are and whether kernel space is
 * visible come from the layout (vml_layout_space), not from here.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------ picture */

/*
 * The picture is a column of boxes from the top of the address space down.
 * Each row is one box line (or a few) for one thing users think of as one
 * thing: a library with all its segments, the heap, a run of anonymous
 * mappings. Rows are built bottom-up in address order, then drawn in
 * reverse. Rows of one block (the executable's segments, a thread stack and
 * its guard) are separated by a dashed line instead of a full border.
 *
 *   0x00007ffffffff000 +------------------------------------------------+
 *                      | [stack] main thread, grows down  v        rw-p |  132 KiB
 *   0x00007ffffffde000 +------------------------------------------------+
 *                      ~                2.3 TiB unmapped                ~
 */

/* Address column: "0x" and 16 digits (8 in a 32-bit picture). */
#define PIC_ADDR_W_MAX 18
#define PIC_BOX_W 50                  /* including both borders */
#define PIC_INNER_W (PIC_BOX_W - 2)
#define PIC_SIZE_W 10
/* Rows are folded into "N more mappings" beyond this many blocks. */
#define PIC_MAX_BLOCKS 24
#define PIC_KEEP_BLOCKS 10
/* Three or more touching anonymous mappings, each smaller than this, fold
 * into one row. */
#define PIC_SMALL_ANON (UINT64_C(1) << 20)
#define PIC_MAX_EXE_ROWS 6

enum pic_role {
	PIC_KERNEL_HIDDEN, /* the upper half of a user process */
	PIC_HOLE,          /* non-canonical addresses */
	PIC_LOW,           /* 0 .. the first user region */
	PIC_USER_EMPTY,    /* no user region at all */
	PIC_REGION,        /* one region, or a run of one kernel kind */
	PIC_OBJECT,        /* all segments of one library or file */
	PIC_ANON_RUN,      /* consecutive small anonymous/guard mappings */
	PIC_FILE_RUN,      /* consecutive small file mappings (locales ...) */
	PIC_EXE,           /* segment(s) of the main executable */
	PIC_MORE,          /* folded to keep the picture short */
};

enum pic_cat {
	PIC_CAT_LIB, PIC_CAT_FILE, PIC_CAT_ANON, PIC_CAT_GUARD,
	PIC_CAT_STACK, PIC_CAT_KERNEL, PIC_CAT_OTHER, PIC_CAT_RESERVED,
	PIC_CAT_COUNT
};

struct pic_row {
	uint64_t start, last;   /* inclusive span drawn */
	uint64_t mapped;        /* bytes actually mapped in it */
	size_t first, n;        /* regions [first, first + n) */
	uint32_t counts[PIC_CAT_COUNT]; /* PIC_MORE: what was folded */
	uint8_t role;
	bool joined_below;      /* same block as the row just below */
	bool keep;
	bool lone;              /* would be folded alone: keep it instead */
};

struct pic {
	const struct vml_layout *layout;
	size_t count;
	uint64_t user_top;      /* first non-canonical address above user */
	uint64_t kernel_base;   /* first canonical kernel address */
	bool kernel_visible;    /* layout has kernel regions of its own */
	const char *fault_name; /* what touching the hole raises ("#GP") */
	uint64_t space_last;    /* last address of the space */
	unsigned addr_digits;   /* hex digits of an address */
	size_t hidden_first, hidden_n; /* regions drawn inside KERNEL_HIDDEN */
	struct pic_row *rows;
	size_t nrows, cap;
	bool color;
	bool has_fault;         /* a core's NT_SIGINFO fault address */
	uint64_t fault;
	int32_t fault_signo;
};

static const struct vml_region *pic_region(const struct pic *pic, size_t i)
{
	return vml_layout_region(pic->layout, i);
}

static struct pic_row *pic_add(struct pic *pic, uint8_t role, uint64_t start,
			       uint64_t last)
{
	if (!vml_grow((void **)&pic->rows, &pic->cap, pic->nrows + 1,
		      sizeof(*pic->rows)))
		return NULL;
	struct pic_row *row = &pic->rows[pic->nrows++];
	memset(row, 0, sizeof(*row));
	row->role = role;
	row->start = start;
	row->last = last;
	return row;
}

static struct pic_row *pic_add_regions(struct pic *pic, uint8_t role,
				       size_t first, size_t n)
{
	const struct vml_region *a = pic_region(pic, first);
	const struct vml_region *b = pic_region(pic, first + n - 1);
	struct pic_row *row = pic_add(pic, role, a->start, vml_region_last(b));
	if (!row)
		return NULL;
	row->first = first;
	row->n = n;
	for (size_t i = 0; i < n; i++) {
		const struct vml_region *r = pic_region(pic, first + i);
		row->mapped += vml_region_size(r);
	}
	return row;
}

static bool is_kernel_kind(uint32_t kind)
{
	return kind >= VML_KIND_KERNEL && kind <= VML_KIND_LDT_REMAP;
}

static bool is_anon_like(const struct vml_region *r)
{
	if (r->flags & VML_REGION_ANON_NAMED)
		return false;
	if (r->kind == VML_KIND_MMAP_ANON || r->kind == VML_KIND_GUARD ||
	    (r->kind == VML_KIND_RESERVED && !r->path))
		return true;
	return r->kind == VML_KIND_UNKNOWN && !r->path && !r->name;
}

static bool is_exe_region(const struct vml_region *r)
{
	return r->group == VML_GROUP_EXE || (r->flags & VML_REGION_EXE);
}


/* Which file a run of segments belongs to (library or plain file). */
static const char *region_file(const struct vml_region *r)
{
	if (is_exe_region(r))
		return NULL;
	if (r->object)
		return r->object;
	return r->path;
}

/* A guard mapping directly below a thread stack is drawn with that stack. */
static bool is_stack_guard(const struct pic *pic, size_t i)
{
	const struct vml_region *r = pic_region(pic, i);
	const struct vml_region *up = pic_region(pic, i + 1);
	return r->kind == VML_KIND_GUARD && up &&
	       up->kind == VML_KIND_THREAD_STACK && up->start == r->end;
}

static size_t pic_exe_run(struct pic *pic, size_t i)
{
	const struct vml_region *r = pic_region(pic, i);
	size_t j = i + 1;
	while (j < pic->count) {
		const struct vml_region *q = pic_region(pic, j);
		if (!is_exe_region(q) || !vml_same_str(q->object, r->object) ||
		    q->start >= pic->user_top)
			break;
		j++;
	}
	/* One row per segment, same-kind neighbours merged, at most
	 * PIC_MAX_EXE_ROWS rows (the last takes whatever is left). */
	size_t rows = 0;
	for (size_t k = i; k < j && rows < PIC_MAX_EXE_ROWS;) {
		size_t m = k + 1;
		uint32_t kind = pic_region(pic, k)->kind;
		while (m < j && pic_region(pic, m)->kind == kind)
			m++;
		if (rows + 1 == PIC_MAX_EXE_ROWS)
			m = j;
		struct pic_row *row = pic_add_regions(pic, PIC_EXE, k, m - k);
		if (!row)
			return 0;
		if (rows > 0)
			row->joined_below = true;
		rows++;
		k = m;
	}
	return j - i;
}

static size_t pic_anon_run(struct pic *pic, size_t i)
{
	size_t j = i;
	while (j < pic->count) {
		const struct vml_region *q = pic_region(pic, j);
		if (!is_anon_like(q) || vml_region_size(q) >= PIC_SMALL_ANON ||
		    is_stack_guard(pic, j) || q->start >= pic->user_top)
			break;
		/* Only touching mappings: a gap between them is worth seeing. */
		if (j > i && pic_region(pic, j - 1)->end != q->start)
			break;
		j++;
	}
	if (j - i < 3)
		return 0;
	return pic_add_regions(pic, PIC_ANON_RUN, i, j - i) ? j - i : 0;
}

static bool is_small_file(const struct pic *pic, size_t i)
{
	const struct vml_region *r = pic_region(pic, i);
	return r && r->kind == VML_KIND_MMAP_FILE && r->path && !r->object &&
	       vml_region_size(r) < PIC_SMALL_ANON && r->start < pic->user_top;
}

/* Three or more small file mappings in a row (locale files, caches) are
 * one row; fewer are drawn one by one. */
static size_t pic_file_run(struct pic *pic, size_t i)
{
	size_t j = i;
	while (j < pic->count && is_small_file(pic, j) &&
	       (j == i || pic_region(pic, j - 1)->end == pic_region(pic, j)->start))
		j++;
	if (j - i < 3)
		return 0;
	return pic_add_regions(pic, PIC_FILE_RUN, i, j - i) ? j - i : 0;
}

/* Regions of one file (a library's segments and its .bss) drawn as one. */
static size_t pic_object_run(struct pic *pic, size_t i)
{
	const char *file = region_file(pic_region(pic, i));
	if (!file)
		return 0;
	size_t j = i + 1;
	while (j < pic->count) {
		const struct vml_region *q = pic_region(pic, j);
		if (!vml_same_str(region_file(q), file))
			break;
		j++;
	}
	return pic_add_regions(pic, PIC_OBJECT, i, j - i) ? j - i : 0;
}

/* Kernel regions: a run of one kind is one row. */
static size_t pic_kernel_run(struct pic *pic, size_t i)
{
	uint32_t kind = pic_region(pic, i)->kind;
	size_t j = i + 1;
	while (j < pic->count && pic_region(pic, j)->kind == kind)
		j++;
	return pic_add_regions(pic, PIC_REGION, i, j - i) ? j - i : 0;
}

/* One row (or block) starting at region i; returns regions consumed, 0 on
 * out of memory. */
static size_t pic_build_one(struct pic *pic, size_t i)
{
	const struct vml_region *r = pic_region(pic, i);
	size_t used;
	if (r->group == VML_GROUP_KERNEL || is_kernel_kind(r->kind))
		return pic_kernel_run(pic, i);
	if (is_exe_region(r))
		return pic_exe_run(pic, i);
	if (is_anon_like(r) && (used = pic_anon_run(pic, i)))
		return used;
	if (r->kind == VML_KIND_THREAD_STACK && i > 0 && is_stack_guard(pic, i - 1) &&
	    pic->nrows > 0 && pic->rows[pic->nrows - 1].first == i - 1) {
		struct pic_row *row = pic_add_regions(pic, PIC_REGION, i, 1);
		if (!row)
			return 0;
		row->joined_below = true;
		return 1;
	}
	if (is_small_file(pic, i) && (used = pic_file_run(pic, i)))
		return used;
	if (region_file(r) && !(r->flags & VML_REGION_PSEUDO))
		return pic_object_run(pic, i);
	return pic_add_regions(pic, PIC_REGION, i, 1) ? 1 : 0;
}

static bool pic_overlaps(const struct pic *pic, uint64_t start, uint64_t last)
{
	for (size_t i = 0; i < pic->nrows; i++)
		if (pic->rows[i].start <= last && pic->rows[i].last >= start)
			return true;
	return false;
}

/* Insert a synthetic row keeping rows sorted by start. */
static bool pic_insert(struct pic *pic, uint8_t role, uint64_t start,
		       uint64_t last)
{
	if (!pic_add(pic, role, start, last))
		return false;
	struct pic_row row = pic->rows[pic->nrows - 1];
	size_t at = pic->nrows - 1;
	while (at > 0 && pic->rows[at - 1].start > start) {
		pic->rows[at] = pic->rows[at - 1];
		at--;
	}
	pic->rows[at] = row;
	return true;
}

static bool pic_is_pinned(const struct pic *pic, const struct pic_row *row)
{
	switch (row->role) {
	case PIC_KERNEL_HIDDEN: case PIC_HOLE: case PIC_LOW:
	case PIC_USER_EMPTY: case PIC_EXE:
		return true;
	case PIC_REGION: {
		uint32_t kind = pic_region(pic, row->first)->kind;
		return kind == VML_KIND_STACK || kind == VML_KIND_HEAP ||
		       kind == VML_KIND_VDSO || kind == VML_KIND_VVAR ||
		       kind == VML_KIND_VSYSCALL;
	}
	default:
		return false;
	}
}

static enum pic_cat region_cat(const struct vml_region *r)
{
	if (r->group == VML_GROUP_KERNEL || is_kernel_kind(r->kind))
		return PIC_CAT_KERNEL;
	if (r->kind == VML_KIND_GUARD)
		return PIC_CAT_GUARD;
	if (r->kind == VML_KIND_RESERVED && !r->object)
		return PIC_CAT_RESERVED;
	if (r->kind == VML_KIND_THREAD_STACK || r->kind == VML_KIND_STACK)
		return PIC_CAT_STACK;
	if (r->flags & VML_REGION_LIBRARY)
		return PIC_CAT_LIB;
	if (r->path)
		return PIC_CAT_FILE;
	if (is_anon_like(r) || r->kind == VML_KIND_BSS)
		return PIC_CAT_ANON;
	return PIC_CAT_OTHER;
}

static void pic_count_row(const struct pic *pic, const struct pic_row *row,
			  uint32_t counts[PIC_CAT_COUNT])
{
	if (row->role == PIC_MORE) {
		for (int c = 0; c < PIC_CAT_COUNT; c++)
			counts[c] += row->counts[c];
		return;
	}
	if (row->role == PIC_OBJECT) {
		/* A library counts once, not once per segment. */
		const struct vml_region *r = pic_region(pic, row->first);
		bool lib = false;
		for (size_t i = 0; i < row->n; i++)
			lib |= !!(pic_region(pic, row->first + i)->flags &
				  VML_REGION_LIBRARY);
		counts[lib ? PIC_CAT_LIB : (r->path ? PIC_CAT_FILE : PIC_CAT_OTHER)]++;
		return;
	}
	for (size_t i = 0; i < row->n; i++)
		counts[region_cat(pic_region(pic, row->first + i))]++;
}

/* Blocks are maximal chains of joined rows; [lo, hi] row indices. */
static size_t pic_block_end(const struct pic *pic, size_t lo)
{
	size_t hi = lo;
	while (hi + 1 < pic->nrows && pic->rows[hi + 1].joined_below)
		hi++;
	return hi;
}

static bool pic_block_pinned(const struct pic *pic, size_t lo, size_t hi)
{
	for (size_t k = lo; k <= hi; k++)
		if (pic_is_pinned(pic, &pic->rows[k]))
			return true;
	return false;
}

/*
 * Keep the picture short whatever the input: when there are more than
 * PIC_MAX_BLOCKS blocks, keep the pinned ones (stack, heap, executable ...)
 * and the PIC_KEEP_BLOCKS largest others, and fold every run of the rest
 * into one "N more mappings" row.
 */
static bool pic_fold(struct pic *pic)
{
	size_t blocks = 0;
	for (size_t lo = 0; lo < pic->nrows; lo = pic_block_end(pic, lo) + 1)
		blocks++;
	if (blocks <= PIC_MAX_BLOCKS)
		return true;
	for (size_t lo = 0; lo < pic->nrows;) {
		size_t hi = pic_block_end(pic, lo);
		pic->rows[lo].keep = pic_block_pinned(pic, lo, hi);
		lo = hi + 1;
	}
	for (int pass = 0; pass < PIC_KEEP_BLOCKS; pass++) {
		size_t best = SIZE_MAX;
		uint64_t best_span = 0;
		for (size_t lo = 0; lo < pic->nrows;) {
			size_t hi = pic_block_end(pic, lo);
			uint64_t span = pic->rows[hi].last - pic->rows[lo].start;
			if (!pic->rows[lo].keep &&
			    (best == SIZE_MAX || span > best_span)) {
				best = lo;
				best_span = span;
			}
			lo = hi + 1;
		}
		if (best == SIZE_MAX)
			break;
		pic->rows[best].keep = true;
	}
	/* Folding one block alone saves nothing and hides its name. */
	size_t prev = SIZE_MAX;
	for (size_t lo = 0; lo < pic->nrows;) {
		size_t hi = pic_block_end(pic, lo);
		bool prev_kept = prev == SIZE_MAX || pic->rows[prev].keep;
		bool next_kept = hi + 1 >= pic->nrows || pic->rows[hi + 1].keep;
		pic->rows[lo].lone = !pic->rows[lo].keep && prev_kept && next_kept;
		prev = lo;
		lo = hi + 1;
	}
	/* Compact in place: out <= lo always, so nothing unread is lost. */
	size_t out = 0;
	struct pic_row *more = NULL;
	for (size_t lo = 0; lo < pic->nrows;) {
		size_t hi = pic_block_end(pic, lo);
		if (pic->rows[lo].keep || pic->rows[lo].lone) {
			for (size_t k = lo; k <= hi; k++)
				pic->rows[out++] = pic->rows[k];
			more = NULL;
		} else {
			struct pic_row folded;
			memset(&folded, 0, sizeof(folded));
			if (more)
				folded = *more;
			else
				folded.start = pic->rows[lo].start;
			folded.role = PIC_MORE;
			folded.last = pic->rows[hi].last;
			for (size_t k = lo; k <= hi; k++) {
				pic_count_row(pic, &pic->rows[k], folded.counts);
				folded.mapped += pic->rows[k].mapped;
				folded.n += pic->rows[k].n;
			}
			if (!more)
				more = &pic->rows[out++];
			*more = folded;
		}
		lo = hi + 1;
	}
	pic->nrows = out;
	return true;
}

static bool pic_build(struct pic *pic)
{
	size_t i = 0;
	/* Bounded: every step consumes at least one region. */
	while (i < pic->count) {
		const struct vml_region *r = pic_region(pic, i);
		if (!r)
			break;
		if (r->start >= pic->kernel_base && !pic->kernel_visible) {
			if (pic->hidden_n++ == 0)
				pic->hidden_first = i;
			i++;
			continue;
		}
		size_t used = pic_build_one(pic, i);
		if (used == 0)
			return false;
		i += used;
	}
	bool any_user = pic->nrows > 0 && pic->rows[0].start < pic->user_top;
	if (!any_user) {
		if (!pic_overlaps(pic, 0, pic->user_top - 1) &&
		    !pic_insert(pic, PIC_USER_EMPTY, 0, pic->user_top - 1))
			return false;
	} else if (pic->rows[0].start > 0) {
		if (!pic_insert(pic, PIC_LOW, 0, pic->rows[0].start - 1))
			return false;
	}
	/* A 32-bit space has no hole: the user part ends where the kernel's
	 * starts. */
	if (pic->user_top < pic->kernel_base &&
	    !pic_overlaps(pic, pic->user_top, pic->kernel_base - 1) &&
	    !pic_insert(pic, PIC_HOLE, pic->user_top, pic->kernel_base - 1))
		return false;
	if (!pic->kernel_visible && pic->kernel_base <= pic->space_last &&
	    !pic_insert(pic, PIC_KERNEL_HIDDEN, pic->kernel_base,
			pic->space_last))
		return false;
	return pic_fold(pic);
}

/* --- drawing */

struct pic_line {
	char text[160];   /* already sanitized and fitted */
	char perms[24];
	bool has_size;
	uint64_t size;
	bool size_all;    /* the whole 2^64 space */
	uint32_t group;
	bool colored;
};

/* Permissions of a row: one region's as maps writes them ("rw-s"), or
 * the distinct rwx triples of several, in address order: "r-- r-x rw-";
 * a shared one keeps its 's' ("r-- rw-s"): private is the default. */
static void perms_summary(const struct pic *pic, const struct pic_row *row,
			  char *buf, size_t size)
{
	if (row->n == 1) {
		vml_format_perms(pic_region(pic, row->first), buf, size);
		return;
	}
	char seen[4][5];
	size_t nseen = 0;
	bool more = false;
	for (size_t i = 0; i < row->n; i++) {
		const struct vml_region *r = pic_region(pic, row->first + i);
		char p[5];
		memcpy(p, r->perms, 3);
		p[3] = r->prot & VML_PROT_SHARED ? 's' : '\0';
		p[4] = '\0';
		for (int k = 0; k < 3; k++)
			if (p[k] < 0x20 || p[k] > 0x7e)
				p[k] = '?';
		bool dup = false;
		for (size_t k = 0; k < nseen; k++)
			dup |= memcmp(seen[k], p, 5) == 0;
		if (dup)
			continue;
		if (nseen == VML_ARRAY_SIZE(seen)) {
			more = true;
			break;
		}
		memcpy(seen[nseen++], p, 5);
	}
	buf[0] = '\0';
	size_t len = 0;
	for (size_t k = 0; k < nseen; k++) {
		int n = snprintf(buf + len, size - len, "%s%s", k ? " " : "", seen[k]);
		if (n < 0 || (size_t)n >= size - len)
			return;
		len += (size_t)n;
	}
	if (more && size - len > 4)
		memcpy(buf + len, " ...", 5);
}

/* Write label text into line->text, sanitized and cut to fit the box. */
static void line_text(struct pic_line *line, const char *fmt, ...) VML_PRINTF(2, 3);
static void line_text(struct pic_line *line, const char *fmt, ...)
{
	char raw[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	if (n < 0)
		raw[0] = '\0';
	size_t perms_w = strlen(line->perms);
	size_t max = PIC_INNER_W - 2 - (perms_w ? perms_w + 1 : 0);
	struct vml_strbuf sb = { 0 };
	vml_sb_put_display(&sb, raw, max);
	if (sb.failed || !sb.data) {
		line->text[0] = '\0';
	} else {
		snprintf(line->text, sizeof(line->text), "%s", sb.data);
	}
	free(sb.data);
}

static const char *kernel_kind_text(uint32_t kind)
{
	switch (kind) {
	case VML_KIND_DIRECT_MAP: return "direct map of all physical memory";
	case VML_KIND_VMALLOC: return "vmalloc/ioremap space";
	case VML_KIND_VMEMMAP: return "vmemmap (struct page array)";
	case VML_KIND_CPU_ENTRY_AREA: return "cpu_entry_area";
	case VML_KIND_ESPFIX: return "espfix stacks";
	case VML_KIND_EFI: return "EFI runtime services";
	case VML_KIND_KERNEL_TEXT: return "kernel text, data, bss";
	case VML_KIND_MODULES: return "modules";
	case VML_KIND_FIXMAP: return "fixmap";
	case VML_KIND_KASAN: return "KASAN shadow memory";
	case VML_KIND_LDT_REMAP: return "LDT remap for PTI";
	case VML_KIND_PCI_IO: return "PCI I/O space";
	default: return "kernel mapping";
	}
}

static const char *exe_kind_text(uint32_t kind)
{
	switch (kind) {
	case VML_KIND_TEXT: return ".text (code)";
	case VML_KIND_RODATA: return "rodata (headers, .rodata)";
	case VML_KIND_RELRO: return "relro (.got, .data.rel.ro)";
	case VML_KIND_DATA: return ".data";
	case VML_KIND_BSS: return ".bss";
	default: return NULL;
	}
}

/* "stacks of threads 4788, 4789": a mapping holding several $sp. As
 * many tids as fit the box, then "+N more". */
static void shared_stack_text(const struct vml_region *r, struct pic_line *line)
{
	size_t max = PIC_INNER_W - 2 - (strlen(line->perms) + 1);
	for (uint32_t k = r->nthreads; k > 0; k--) {
		struct vml_strbuf sb = { 0 };
		vml_sb_puts(&sb, "stacks of threads ");
		for (uint32_t i = 0; i < k; i++)
			vml_sb_printf(&sb, "%s%" PRId64, i ? ", " : "", r->tids[i]);
		if (k < r->nthreads)
			vml_sb_printf(&sb, " +%" PRIu32 " more", r->nthreads - k);
		bool fits = !sb.failed && sb.data && strlen(sb.data) <= max;
		if (fits || k == 1)
			line_text(line, "%s", sb.data && !sb.failed ? sb.data :
				  "stacks of several threads");
		vml_sb_release(&sb);
		if (fits || k == 1)
			return;
	}
}

/* A region's row: one line, or two for a guard a thread overflowed into
 * ("guard page of thread 23229's stack" / "$sp is 0xe20 into it ...").
 * Returns how many lines of lines[] it filled. */
static size_t region_row_text(const struct pic *pic, const struct pic_row *row,
			      struct pic_line *lines)
{
	struct pic_line *line = &lines[0];
	struct vml_overflow o;
	const struct vml_region *r = pic_region(pic, row->first);
	const char *name = vml_region_label(r);
	const char *del = (r->flags & VML_REGION_DELETED) ? " (deleted)" : "";
	switch (r->kind) {
	case VML_KIND_STACK:
		line_text(line, "%s main thread stack, grows down  v",
			  r->name ? r->name : "[stack]");
		return 1;
	case VML_KIND_HEAP:
		line_text(line, "%s grows up  ^", r->name ? r->name : "[heap]");
		return 1;
	case VML_KIND_THREAD_STACK:
		if (r->nthreads > 1)
			shared_stack_text(r, line);
		else if (r->tid)
			line_text(line, "thread %" PRId64 " stack, grows down  v",
				  r->tid);
		else
			line_text(line, "thread stack, grows down  v");
		return 1;
	case VML_KIND_GUARD:
		if (vml_guard_overflow(pic->layout, row->first, &o)) {
			line_text(line, "guard page of %sthread %" PRId64 "'s stack",
				  o.is_main ? "main " : "", o.tid);
			lines[1].colored = true;
			lines[1].group = line->group;
			line_text(&lines[1], "$sp is 0x%" PRIx64 " into it (stack "
				  "overflow)", o.depth);
			return 2;
		}
		if (is_stack_guard(pic, row->first))
			line_text(line, "guard (a stack overflow faults here)");
		else
			line_text(line, "guard%s%s%s", name ? " " : "",
				  name ? vml_base_name(name) : "", del);
		return 1;
	case VML_KIND_RESERVED:
		line_text(line, "reserved address space%s%s%s", name ? " " : "",
			  name ? vml_base_name(name) : " (PROT_NONE)", del);
		return 1;
	case VML_KIND_VDSO: case VML_KIND_VVAR: case VML_KIND_VSYSCALL: {
		const char *k = vml_kind_name(r->kind);
		line_text(line, "%s", name ? name : (k ? k : "?"));
		return 1;
	}
	case VML_KIND_MMAP_ANON:
		if (name)
			line_text(line, "%s%s", name, del);
		else
			line_text(line, "anonymous mapping");
		return 1;
	default:
		break;
	}
	if (is_kernel_kind(r->kind) || r->group == VML_GROUP_KERNEL) {
		if (row->n > 1)
			line_text(line, "%s (%zu ranges)",
				  kernel_kind_text(r->kind), row->n);
		else
			line_text(line, "%s", kernel_kind_text(r->kind));
		return 1;
	}
	if (name)
		line_text(line, "%s%s", r->path ? vml_base_name(name) : name, del);
	else if (r->kind != VML_KIND_UNKNOWN)
		line_text(line, "%s", vml_kind_name(r->kind));
	else
		line_text(line, "anonymous mapping");
	return 1;
}

static void more_text(const struct pic_row *row, struct pic_line *line)
{
	/* Singular and plural: "1 file", "2 files". */
	static const char *const names[PIC_CAT_COUNT][2] = {
		{ "lib", "libs" }, { "file", "files" }, { "anon", "anon" },
		{ "guard", "guards" }, { "stack", "stacks" },
		{ "kernel", "kernel" }, { "other", "other" },
		{ "reserved", "reserved" },
	};
	char parts[128];
	size_t len = 0;
	uint64_t total = 0;
	parts[0] = '\0';
	for (int c = 0; c < PIC_CAT_COUNT; c++) {
		total += row->counts[c];
		if (!row->counts[c])
			continue;
		int n = snprintf(parts + len, sizeof(parts) - len, "%s%" PRIu32 " %s",
				 len ? ", " : "", row->counts[c],
				 names[c][row->counts[c] != 1]);
		if (n < 0 || (size_t)n >= sizeof(parts) - len)
			break;
		len += (size_t)n;
	}
	line_text(line, "%" PRIu64 " more mapping%s: %s", total,
		  total == 1 ? "" : "s", parts);
}

static void anon_run_text(const struct pic *pic, const struct pic_row *row,
			  struct pic_line *line)
{
	size_t guards = 0, reserved = 0;
	bool alternating = true;
	for (size_t i = 0; i < row->n; i++) {
		const struct vml_region *r = pic_region(pic, row->first + i);
		bool g = r->kind == VML_KIND_GUARD || r->kind == VML_KIND_RESERVED;
		guards += r->kind == VML_KIND_GUARD;
		reserved += r->kind == VML_KIND_RESERVED;
		if (i > 0) {
			const struct vml_region *p = pic_region(pic, row->first + i - 1);
			if ((p->kind == VML_KIND_GUARD ||
			     p->kind == VML_KIND_RESERVED) == g)
				alternating = false;
		}
	}
	/* The PROT_NONE members: guards, reservations, or both. */
	size_t none = guards + reserved;
	const char *what = !reserved ? "guard" : !guards ? "reserved" : "PROT_NONE";
	if (none == 0)
		line_text(line, "%zu anonymous mappings", row->n);
	else if (none == row->n)
		line_text(line, "%zu %s mappings", row->n, what);
	else
		line_text(line, "%zu anon / %zu %s%s", row->n - none, none,
			  !reserved ? (none == 1 ? "guard" : "guards") : what,
			  alternating ? ", alternating" : "");
}

/* "5 files in /usr/lib/locale/C.utf8/": the deepest common directory. */
static void file_run_text(const struct pic *pic, const struct pic_row *row,
			  struct pic_line *line)
{
	const char *first = pic_region(pic, row->first)->path;
	size_t common = strlen(first);
	for (size_t i = 1; i < row->n; i++) {
		const char *p = pic_region(pic, row->first + i)->path;
		size_t k = 0;
		while (k < common && p[k] && p[k] == first[k])
			k++;
		common = k;
	}
	while (common > 0 && first[common - 1] != '/')
		common--;
	if (common > 1)
		line_text(line, "%zu files in %.*s", row->n, (int)common, first);
	else
		line_text(line, "%zu small file mappings", row->n);
}

/* Fill up to 3 lines for a row; returns how many. */
static size_t pic_row_lines(const struct pic *pic, const struct pic_row *row,
			    bool block_top, struct pic_line lines[3])
{
	memset(lines, 0, 3 * sizeof(*lines));
	const struct vml_region *r = row->n ? pic_region(pic, row->first) : NULL;
	struct pic_line *l = &lines[0];
	l->has_size = true;
	l->size = row->last - row->start + 1;
	l->colored = true;
	if (r)
		l->group = r->group;
	switch (row->role) {
	case PIC_KERNEL_HIDDEN: {
		l->group = VML_GROUP_KERNEL;
		line_text(l, "kernel space");
		line_text(&lines[1], "(not visible to this process)");
		if (pic->hidden_n == 0)
			return 2;
		const struct vml_region *h = pic_region(pic, pic->hidden_first);
		struct pic_line *x = &lines[2];
		x->group = h->group;
		x->colored = true;
		if (pic->hidden_n == 1) {
			vml_format_perms(h, x->perms, sizeof(x->perms));
			x->has_size = true;
			x->size = vml_region_size(h);
			line_text(x, "  %s at 0x%" PRIx64,
				  vml_region_label(h) ? vml_region_label(h) : vml_kind_name(h->kind),
				  h->start);
		} else {
			line_text(x, "  %zu mappings, from %s at 0x%" PRIx64,
				  pic->hidden_n,
				  vml_region_label(h) ? vml_region_label(h) : vml_kind_name(h->kind),
				  h->start);
		}
		return 3;
	}
	case PIC_HOLE: {
		/* "16 EiB - 256 TiB" says the size exactly. */
		char hole[48];
		vml_format_hole(pic->user_top, pic->kernel_base, hole, sizeof(hole));
		l->group = VML_GROUP_NONE;
		l->has_size = false;
		line_text(l, "non-canonical hole (%s)", hole);
		line_text(&lines[1], "(never mapped: any access faults, %s)",
			  pic->fault_name ? pic->fault_name : "a fault");
		return 2;
	}
	case PIC_LOW:
		l->group = VML_GROUP_NONE;
		line_text(l, "reserved / unmapped");
		line_text(&lines[1], "(NULL pointer dereferences fault here)");
		return 2;
	case PIC_USER_EMPTY:
		l->group = VML_GROUP_NONE;
		line_text(l, "user space: nothing mapped");
		return 1;
	case PIC_MORE:
		l->size = row->mapped;
		l->group = VML_GROUP_NONE;
		more_text(row, l);
		return 1;
	case PIC_FILE_RUN:
		perms_summary(pic, row, l->perms, sizeof(l->perms));
		l->size = row->mapped;
		file_run_text(pic, row, l);
		return 1;
	case PIC_ANON_RUN:
		perms_summary(pic, row, l->perms, sizeof(l->perms));
		l->size = row->mapped;
		anon_run_text(pic, row, l);
		return 1;
	case PIC_OBJECT: {
		perms_summary(pic, row, l->perms, sizeof(l->perms));
		const char *file = region_file(r);
		bool deleted = false;
		for (size_t i = 0; i < row->n; i++)
			deleted |= !!(pic_region(pic, row->first + i)->flags &
				      VML_REGION_DELETED);
		line_text(l, "%s%s", vml_base_name(file), deleted ? " (deleted)" : "");
		return 1;
	}
	case PIC_EXE: {
		size_t n = 0;
		if (block_top) {
			/* The title carries the size of the whole block. */
			const struct pic_row *lo = row;
			while (lo > pic->rows && lo->joined_below)
				lo--;
			l->size = row->last - lo->start + 1;
			const char *exe = r->object ? r->object : r->path;
			/* The program's file was removed (or replaced) while
			 * it ran, as /proc/PID/maps and NT_FILE say. */
			bool deleted = false;
			for (const struct pic_row *k = lo; k <= row; k++)
				for (size_t i = 0; i < k->n; i++)
					deleted |= !!(pic_region(pic, k->first + i)->flags &
						      VML_REGION_DELETED);
			line_text(l, "%s (executable%s)",
				  exe ? vml_base_name(exe) : "main program",
				  deleted ? ", deleted" : "");
			n = 1;
			l = &lines[1];
			l->colored = true;
			l->group = r->group;
			l->has_size = true;
			l->size = row->last - row->start + 1;
		}
		const char *what = exe_kind_text(r->kind);
		perms_summary(pic, row, l->perms, sizeof(l->perms));
		if (row->n > 1) {
			bool one_kind = true;
			for (size_t i = 1; i < row->n; i++)
				one_kind &= pic_region(pic, row->first + i)->kind == r->kind;
			if (one_kind && what)
				line_text(l, "  %s", what);
			else
				line_text(l, "  %zu segments", row->n);
		} else {
			line_text(l, "  %s", what ? what : vml_kind_name(r->kind));
		}
		return n + 1;
	}
	case PIC_REGION:
	default:
		perms_summary(pic, row, l->perms, sizeof(l->perms));
		return region_row_text(pic, row, lines);
	}
}

static void pic_addr(const struct pic *pic, struct vml_strbuf *sb, bool show,
		     uint64_t addr)
{
	if (show)
		vml_sb_printf(sb, "0x%0*" PRIx64 " ", (int)pic->addr_digits, addr);
	else
		vml_sb_repeat(sb, " ", pic->addr_digits + 3);
}

static void pic_border(const struct pic *pic, struct vml_strbuf *sb, bool show,
		       uint64_t addr)
{
	pic_addr(pic, sb, show, addr);
	vml_sb_putc(sb, '+');
	vml_sb_repeat(sb, "-", PIC_INNER_W);
	vml_sb_puts(sb, "+\n");
}

static void pic_inner_border(const struct pic *pic, struct vml_strbuf *sb,
			     uint64_t addr)
{
	pic_addr(pic, sb, true, addr);
	vml_sb_puts(sb, "|");
	vml_sb_repeat(sb, " -", PIC_INNER_W / 2);
	vml_sb_puts(sb, "|\n");
}

static void pic_gap(struct pic *pic, struct vml_strbuf *sb, uint64_t size)
{
	char sz[32], text[64];
	vml_format_size(size, sz, sizeof(sz));
	snprintf(text, sizeof(text), "%s unmapped", sz);
	size_t w = strlen(text);
	size_t left = (PIC_INNER_W - w) / 2;
	pic_addr(pic, sb, false, 0);
	vml_sb_putc(sb, '~');
	vml_sb_repeat(sb, " ", left);
	if (pic->color)
		vml_sb_puts(sb, "\033[2m");
	vml_sb_puts(sb, text);
	if (pic->color)
		vml_sb_puts(sb, VML_COLOR_RESET);
	vml_sb_repeat(sb, " ", PIC_INNER_W - w - left);
	vml_sb_puts(sb, "~\n");
}

static void pic_line_out(struct pic *pic, struct vml_strbuf *sb,
			 const struct pic_line *line)
{
	pic_addr(pic, sb, false, 0);
	vml_sb_puts(sb, "| ");
	if (pic->color && line->colored)
		vml_sb_puts(sb, vml_group_color(line->group));
	vml_sb_puts(sb, line->text);
	if (pic->color && line->colored)
		vml_sb_puts(sb, VML_COLOR_RESET);
	size_t used = 1 + vml_display_width(line->text);
	size_t perms_w = strlen(line->perms);
	size_t pad = PIC_INNER_W - used - perms_w - 1;
	if (used + perms_w + 1 > PIC_INNER_W)
		pad = 0;
	vml_sb_repeat(sb, " ", pad);
	vml_sb_puts(sb, line->perms);
	vml_sb_puts(sb, " |");
	if (line->has_size) {
		char sz[32];
		vml_format_size(line->size, sz, sizeof(sz));
		vml_sb_printf(sb, " %*s", PIC_SIZE_W, sz);
	}
	vml_sb_putc(sb, '\n');
}

/* The crash address of a core is what the user came for: mark it in the
 * row or gap that holds it, so the picture answers "where did it fault". */
static void pic_fault_line(struct pic *pic, struct vml_strbuf *sb, bool in_gap)
{
	char sig[32], text[80];
	vml_signal_name(pic->fault_signo, sig, sizeof(sig));
	snprintf(text, sizeof(text), "%s at 0x%" PRIx64 " <== fault", sig,
		 pic->fault);
	size_t w = strlen(text);
	if (w > PIC_INNER_W - 2)
		w = PIC_INNER_W - 2;
	pic_addr(pic, sb, false, 0);
	vml_sb_putc(sb, in_gap ? '~' : '|');
	vml_sb_putc(sb, ' ');
	if (pic->color)
		vml_sb_puts(sb, "\033[1;31m");
	vml_sb_putn(sb, text, w);
	if (pic->color)
		vml_sb_puts(sb, VML_COLOR_RESET);
	vml_sb_repeat(sb, " ", PIC_INNER_W - 1 - w);
	vml_sb_puts(sb, in_gap ? "~\n" : "|\n");
}

/* The main thread's $sp below its stack, in the gap the stack could not
 * grow into: said in that gap, as the fault is. */
static void pic_gap_overflow_line(struct pic *pic, struct vml_strbuf *sb,
				  const struct pic_row *above)
{
	struct vml_overflow o;
	if (above->role != PIC_REGION || above->n != 1 ||
	    !vml_stack_gap_overflow(pic->layout, above->first, &o))
		return;
	char text[80];
	snprintf(text, sizeof(text), "$sp 0x%" PRIx64 " below the stack: stack "
		 "overflow", o.depth);
	size_t w = strlen(text);
	if (w > PIC_INNER_W - 2)
		w = PIC_INNER_W - 2;
	pic_addr(pic, sb, false, 0);
	vml_sb_puts(sb, "~ ");
	if (pic->color)
		vml_sb_puts(sb, "\033[1;31m");
	vml_sb_putn(sb, text, w);
	if (pic->color)
		vml_sb_puts(sb, VML_COLOR_RESET);
	vml_sb_repeat(sb, " ", PIC_INNER_W - 1 - w);
	vml_sb_puts(sb, "~\n");
}

static bool pic_fault_in(const struct pic *pic, uint64_t start, uint64_t last)
{
	return pic->has_fault && pic->fault >= start && pic->fault <= last;
}

static void pic_draw(struct pic *pic, struct vml_strbuf *sb)
{
	for (size_t k = pic->nrows; k-- > 0 && !sb->failed;) {
		const struct pic_row *row = &pic->rows[k];
		const struct pic_row *above = k + 1 < pic->nrows ? &pic->rows[k + 1] : NULL;
		/* The top line shows the first address above the row (its
		 * exclusive end), or the last address of the space. */
		uint64_t top = row->last >= pic->space_last ? row->last :
							      row->last + 1;
		if (!above) {
			pic_border(pic, sb, true, top);
		} else if (above->start == top) {
			if (above->joined_below)
				pic_inner_border(pic, sb, top);
			else
				pic_border(pic, sb, true, top);
		} else {
			pic_border(pic, sb, true, above->start);
			pic_gap(pic, sb, above->start - top);
			pic_gap_overflow_line(pic, sb, above);
			if (pic_fault_in(pic, top, above->start - 1))
				pic_fault_line(pic, sb, true);
			pic_border(pic, sb, true, top);
		}
		bool block_top = !above || !above->joined_below;
		struct pic_line lines[3];
		size_t n = pic_row_lines(pic, row, block_top, lines);
		for (size_t i = 0; i < n; i++)
			pic_line_out(pic, sb, &lines[i]);
		if (pic_fault_in(pic, row->start, row->last))
			pic_fault_line(pic, sb, false);
	}
	if (pic->nrows)
		pic_border(pic, sb, true, pic->rows[0].start);
}

struct vml_error *vml_render_picture(const struct vml_layout *layout,
				      uint32_t flags, char **ret)
{
	struct pic pic = {
		.layout = layout,
		.count = vml_layout_count(layout),
		.color = flags & VML_RENDER_COLOR,
	};
	struct vml_layout_space space;
	vml_layout_space(layout, &space);
	pic.user_top = space.user_end;
	pic.kernel_base = space.kernel_start;
	pic.kernel_visible = space.kernel_visible;
	pic.fault_name = space.noncanonical_fault;
	pic.space_last = space.last;
	pic.addr_digits = space.addr_digits > PIC_ADDR_W_MAX - 2 ?
				  PIC_ADDR_W_MAX - 2 : space.addr_digits;
	const struct vml_core_info *core = vml_layout_core(layout);
	if (core && core->has_fault_addr) {
		pic.has_fault = true;
		pic.fault = core->fault_addr;
		pic.fault_signo = core->signo;
	}
	struct vml_strbuf sb = { 0 };
	if (!pic_build(&pic)) {
		free(pic.rows);
		return &vml_enomem;
	}
	pic_draw(&pic, &sb);
	if (vml_layout_flags(layout) & VML_LAYOUT_INCOMPLETE)
		vml_sb_puts(&sb, "(incomplete: some input was missing or damaged)\n");
	free(pic.rows);
	return vml_sb_finish(&sb, ret);
}
