/*
 * kslab.c — what the page behind a direct-map address is, from its struct
 * page (vmemmap_base + pfn * sizeof(struct page), the size from BTF) and,
 * for a slab page, which object of which cache the address is in and
 * whether that object is allocated or free.
 *
 * SLUB keeps a slab's free objects on singly linked lists threaded
 * through the objects themselves (the free pointer at kmem_cache.offset
 * into each free object): the slab's own freelist, and for the slab a CPU
 * is allocating from, that CPU's lockless kmem_cache_cpu.freelist. An
 * object on neither is allocated. With CONFIG_SLAB_FREELIST_HARDENED
 * (known by kmem_cache having its "random" member) each stored pointer is
 * the next object XOR kmem_cache.random XOR the byte-swapped address the
 * pointer is stored at. Every walk stops after the slab's object count
 * and at the first pointer that is not an object of the slab: a damaged
 * list gives "unknown", never a loop.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"
#include "kobjects.h"

/* x86-64's base page; the kernels this reads (x86-64) use no other. */
#define PAGE_SHIFT 12
#define PAGE_SIZE  (UINT64_C(1) << PAGE_SHIFT)
/* A compound page spans at most 2^MAX_ORDER_BOUND pages (the kernel's
 * MAX_ORDER is 10 or 11; a 1 GiB hugetlb page is 2^18). */
#define MAX_ORDER_BOUND 18

/* page_type bits of kernels before enum pagetype (include/linux/
 * page-flags.h #defines, not in BTF): a type is set when its bit is
 * clear under PAGE_TYPE_BASE. */
#define PAGE_TYPE_BASE 0xf0000000u
static const struct {
	uint32_t bit;
	const char *pgty;      /* the enumerator of later kernels */
	const char *what;
} page_types[] = {
	{ 0x80, "PGTY_buddy", "free (buddy allocator)" },
	{ 0x100, "PGTY_offline", "offline" },
	{ 0x200, "PGTY_table", "page table" },
	{ 0x400, "PGTY_guard", "guard page (debug_pagealloc)" },
};

static bool global(struct vml_kobj *c, const char *name, uint64_t *ret)
{
	return vml_kobj_global(c, name, ret);
}

static uint64_t bswap64(uint64_t v)
{
	uint64_t r = 0;
	for (int i = 0; i < 8; i++) {
		r = r << 8 | (v & 0xff);
		v >>= 8;
	}
	return r;
}

bool vml_kpage_of(struct vml_kobj *c, uint64_t addr, struct vml_kpage *ret)
{
	uint64_t pob, vmemmap, psize, flags_off, max_pfn;
	memset(ret, 0, sizeof(*ret));
	if (!global(c, "page_offset_base", &pob) ||
	    !global(c, "vmemmap_base", &vmemmap) || addr < pob ||
	    !vml_btf_size(c->btf, "page", &psize) || psize < 8 ||
	    psize > 1024 || !vml_kobj_off(c, "page", "flags", &flags_off))
		return false;
	uint64_t pfn = (addr - pob) >> PAGE_SHIFT;
	/* Past the last page frame: not RAM the kernel describes. */
	if (global(c, "max_pfn", &max_pfn) && pfn >= max_pfn)
		return false;
	/* vmemmap + pfn * psize must not wrap (a pfn from a wild address). */
	if (pfn > (UINT64_MAX - vmemmap) / psize)
		return false;
	ret->pfn = ret->head_pfn = pfn;
	ret->page = ret->head = vmemmap + pfn * psize;
	ret->vaddr = pob + (pfn << PAGE_SHIFT);
	/* A tail page of a compound page points at its head, bit 0 set. */
	uint64_t ch;
	if (vml_kobj_member(c, ret->page, "page", "compound_head", &ch) &&
	    (ch & 1)) {
		uint64_t head = ch - 1;
		if (head < vmemmap || head > ret->page ||
		    (head - vmemmap) % psize ||
		    (ret->page - head) / psize >= (UINT64_C(1) << MAX_ORDER_BOUND))
			return false;        /* not a head of this page */
		ret->head = head;
		ret->head_pfn = (head - vmemmap) / psize;
	}
	return vml_kobj_word(c, ret->head + flags_off, &ret->flags);
}

/* PG_name is set in flags. */
static bool page_flag(struct vml_kobj *c, uint64_t flags, const char *name)
{
	int64_t bit;
	return vml_btf_enum_value(c->btf, name, &bit) && bit >= 0 && bit < 64 &&
	       (flags >> bit & 1);
}

/* The page's type ("page table", ...), NULL when it has none. */
static const char *page_type(struct vml_kobj *c, uint64_t page)
{
	uint64_t pt;
	if (!vml_kobj_member(c, page, "page", "page_type", &pt))
		return NULL;
	uint32_t t = (uint32_t)pt;
	int64_t v;
	bool pgty = vml_btf_enum_value(c->btf, "PGTY_buddy", &v);
	for (size_t i = 0; i < sizeof(page_types) / sizeof(page_types[0]);
	     i++) {
		if (pgty) {
			/* Later kernels: the type in the top byte. */
			if (vml_btf_enum_value(c->btf, page_types[i].pgty, &v) &&
			    (t >> 24) == (uint64_t)v)
				return page_types[i].what;
		} else if ((t & (PAGE_TYPE_BASE | page_types[i].bit)) ==
			   PAGE_TYPE_BASE) {
			return page_types[i].what;
		}
	}
	return NULL;
}

/* A page that is a slab's: PG_slab on the head (a page type on kernels
 * whose enum pagetype has PGTY_slab). */
static bool is_slab(struct vml_kobj *c, const struct vml_kpage *p)
{
	int64_t v;
	uint64_t pt;
	if (vml_btf_enum_value(c->btf, "PGTY_slab", &v))
		return vml_kobj_member(c, p->head, "page", "page_type", &pt) &&
		       ((uint32_t)pt >> 24) == (uint64_t)v;
	return page_flag(c, p->flags, "PG_slab");
}

/* An unsigned bit field of type at base (little-endian kernels). */
static bool bitfield(struct vml_kobj *c, uint64_t base, const char *type,
		     const char *path, uint64_t *ret)
{
	uint64_t bit, word;
	uint32_t width;
	uint8_t b[8];
	if (c->big_endian ||
	    !vml_btf_bitfield(c->btf, type, path, &bit, &width) ||
	    bit % 8 + width > 64 ||
	    !vml_kobj_read(c, base + bit / 8, b, (bit % 8 + width + 7) / 8))
		return false;
	word = 0;
	for (unsigned i = (unsigned)((bit % 8 + width + 7) / 8); i-- > 0;)
		word = word << 8 | b[i];
	word >>= bit % 8;
	*ret = width == 64 ? word : word & ((UINT64_C(1) << width) - 1);
	return true;
}

enum walk { WALK_END, WALK_FOUND, WALK_DAMAGED };

/* Follows a freelist from head looking for obj: at most o->objects
 * objects, each one of the slab's. */
static enum walk walk_freelist(struct vml_kobj *c,
			       const struct vml_kslab_obj *o, uint64_t random,
			       uint64_t start, uint64_t head, uint64_t obj)
{
	uint64_t p = head;
	for (uint32_t n = 0; p && n < o->objects; n++) {
		if (p < start || (p - start) % o->size ||
		    (p - start) / o->size >= o->objects)
			return WALK_DAMAGED;
		if (p == obj)
			return WALK_FOUND;
		uint64_t at = p + o->fp_offset, stored;
		if (!vml_kobj_word(c, at, &stored))
			return WALK_DAMAGED;
		p = o->hardened ? stored ^ random ^ bswap64(at) : stored;
	}
	/* Longer than the slab: a cycle. */
	return p ? WALK_DAMAGED : WALK_END;
}

/* Allocated or free: the slab's freelist, then each CPU's whose current
 * slab this is. */
static void object_state(struct vml_kobj *c, struct vml_kslab_obj *o,
			 const char *stype, uint64_t random, uint64_t start)
{
	bool damaged = false;
	uint64_t head;
	if (!vml_kobj_member(c, o->slab, stype, "freelist", &head)) {
		o->state = VML_KSLAB_UNKNOWN;
		return;
	}
	switch (walk_freelist(c, o, random, start, head, o->obj)) {
	case WALK_FOUND:
		o->state = VML_KSLAB_FREE;
		return;
	case WALK_DAMAGED:
		damaged = true;
		break;
	case WALK_END:
		break;
	}
	uint64_t cpu_slab, slab_off, fl_off;
	struct vml_percpu pc;
	const char *cpu_field = "slab";
	if (!vml_kobj_off(c, "kmem_cache_cpu", cpu_field, &slab_off)) {
		cpu_field = "page";         /* before struct slab (5.17) */
		if (!vml_kobj_off(c, "kmem_cache_cpu", cpu_field, &slab_off))
			damaged = true;
	}
	if (!damaged &&
	    vml_kobj_member(c, o->cache, "kmem_cache", "cpu_slab", &cpu_slab) &&
	    vml_kobj_off(c, "kmem_cache_cpu", "freelist", &fl_off) &&
	    vml_kpercpu_read(c, &pc)) {
		uint32_t n = pc.ncpus < 64 ? pc.ncpus : 64;
		/* CPUs past the offsets read: their freelists unseen, so
		 * "allocated" could be wrong. */
		if (pc.ncpus > n)
			damaged = true;
		for (uint32_t cpu = 0; cpu < n; cpu++) {
			uint64_t kcc = cpu_slab + pc.offsets[cpu], s, fl;
			if (!vml_kobj_word(c, kcc + slab_off, &s)) {
				damaged = true;
				continue;
			}
			if (s != o->slab)
				continue;
			if (!vml_kobj_word(c, kcc + fl_off, &fl)) {
				damaged = true;
				continue;
			}
			enum walk w = walk_freelist(c, o, random, start, fl,
						    o->obj);
			if (w == WALK_FOUND) {
				o->state = VML_KSLAB_FREE_CPU;
				o->cpu = (int32_t)cpu;
				return;
			}
			if (w == WALK_DAMAGED)
				damaged = true;
		}
	} else {
		damaged = true;
	}
	o->state = damaged ? VML_KSLAB_UNKNOWN : VML_KSLAB_ALLOCATED;
}

static bool slab_find(struct vml_kobj *c, uint64_t addr,
		      struct vml_kslab_obj *ret, bool with_state)
{
	struct vml_kpage p;
	memset(ret, 0, sizeof(*ret));
	ret->cpu = -1;
	if (!vml_kpage_of(c, addr, &p) || !is_slab(c, &p))
		return false;
	/* struct slab overlays struct page from 5.17; before, the same
	 * members are struct page's. */
	const char *stype = vml_btf_size(c->btf, "slab", &(uint64_t){ 0 }) &&
			    vml_kobj_off(c, "slab", "slab_cache",
					 &(uint64_t){ 0 }) ? "slab" : "page";
	uint64_t size, osize, off, objects, name, random = 0, red = 0;
	ret->slab = p.head;
	ret->slab_addr = p.vaddr - ((p.pfn - p.head_pfn) << PAGE_SHIFT);
	if (!vml_kobj_member(c, p.head, stype, "slab_cache", &ret->cache) ||
	    !ret->cache ||
	    !vml_kobj_member(c, ret->cache, "kmem_cache", "size", &size) ||
	    !vml_kobj_member(c, ret->cache, "kmem_cache", "object_size",
			     &osize) ||
	    !vml_kobj_member(c, ret->cache, "kmem_cache", "offset", &off))
		return false;
	if (!bitfield(c, p.head, stype, "objects", &objects)) {
		/* No bit field to read: the cache's usual count (oo's low
		 * 16 bits), which a slab of a smaller order does not have. */
		if (!vml_kobj_member(c, ret->cache, "kmem_cache", "oo.x",
				     &objects))
			return false;
		objects &= 0xffff;
	}
	/* A cache that is not one: sizes no slab can have. */
	if (!size || size > (PAGE_SIZE << MAX_ORDER_BOUND) || osize > size ||
	    off > size - 8 || !objects || objects > VML_KSLAB_MAX_OBJECTS ||
	    objects > (PAGE_SIZE << MAX_ORDER_BOUND) / size)
		return false;
	ret->size = (uint32_t)size;
	ret->object_size = (uint32_t)osize;
	ret->fp_offset = (uint32_t)off;
	ret->objects = (uint32_t)objects;
	ret->hardened = vml_kobj_member(c, ret->cache, "kmem_cache", "random",
					&random);
	/* With red zones (slub_debug=Z) each object starts after its left
	 * pad: the first one red_left_pad bytes into the slab. */
	if (!vml_kobj_member(c, ret->cache, "kmem_cache", "red_left_pad", &red) ||
	    red >= size)
		red = 0;
	if (vml_kobj_member(c, ret->cache, "kmem_cache", "name", &name))
		vml_kobj_string(c, name, ret->name, sizeof(ret->name));
	if (!ret->name[0])
		snprintf(ret->name, sizeof(ret->name), "?");
	uint64_t start = ret->slab_addr + red;
	if (addr < start || (addr - start) / size >= objects) {
		ret->in_object = false;
		ret->off = addr - ret->slab_addr;
		ret->state = VML_KSLAB_UNKNOWN;
		return true;
	}
	ret->in_object = true;
	ret->index = (addr - start) / size;
	ret->obj = start + ret->index * size;
	ret->off = addr - ret->obj;
	if (with_state)
		object_state(c, ret, stype, random, start);
	return true;
}

bool vml_kslab_find(struct vml_kobj *c, uint64_t addr,
		    struct vml_kslab_obj *ret)
{
	return slab_find(c, addr, ret, true);
}

bool vml_kslab_slot(struct vml_kobj *c, uint64_t addr,
		    struct vml_kslab_obj *ret)
{
	return slab_find(c, addr, ret, false);
}

void vml_kslab_format(const struct vml_kslab_obj *o, char *buf, size_t size)
{
	if (!o->in_object) {
		snprintf(buf, size, "%s slab at 0x%" PRIx64 " (%" PRIu32
			 " objects of %" PRIu32 " bytes), +0x%" PRIx64
			 " into it: outside its objects (red zone or padding)",
			 o->name, o->slab_addr, o->objects, o->size, o->off);
		return;
	}
	char state[48];
	switch (o->state) {
	case VML_KSLAB_ALLOCATED:
		snprintf(state, sizeof(state), "allocated");
		break;
	case VML_KSLAB_FREE:
		snprintf(state, sizeof(state), "free");
		break;
	case VML_KSLAB_FREE_CPU:
		snprintf(state, sizeof(state), "free (CPU %" PRId32
			 "'s freelist)", o->cpu);
		break;
	default:
		snprintf(state, sizeof(state),
			 "state unknown (freelist damaged)");
		break;
	}
	char past[64] = "";
	if (o->off >= o->object_size)
		snprintf(past, sizeof(past), " (past its %" PRIu32
			 " bytes: slab metadata)", o->object_size);
	/* The slot's size too when metadata (a free pointer kept out of
	 * the object, alignment, red zones) makes it larger. */
	char slot[48] = "";
	if (o->size != o->object_size)
		snprintf(slot, sizeof(slot), ", %" PRIu32 " with metadata",
			 o->size);
	snprintf(buf, size, "%s object %" PRIu64 " at 0x%" PRIx64 " (%" PRIu32
		 " bytes%s) of slab at 0x%" PRIx64 ", +0x%" PRIx64 " into it%s,"
		 " %s", o->name, o->index, o->obj, o->object_size, slot,
		 o->slab_addr, o->off, past, state);
}

/* The file a page-cache page belongs to: its inode's first dentry. */
static void mapping_file(struct vml_kobj *c, uint64_t mapping, char *buf,
			 size_t size, uint64_t *ino)
{
	uint64_t host, first, alias_off;
	buf[0] = '\0';
	*ino = 0;
	if (!vml_kobj_member(c, mapping, "address_space", "host", &host) ||
	    !host)
		return;
	vml_kobj_member(c, host, "inode", "i_ino", ino);
	if (vml_kobj_member(c, host, "inode", "i_dentry.first", &first) &&
	    first && vml_kobj_off(c, "dentry", "d_u.d_alias", &alias_off) &&
	    first > alias_off)
		vml_kmm_dentry_path(c, first - alias_off, buf, size);
}

/* "uptodate|lru|..." of the flags below NR_PAGEFLAGS. */
static void flag_names(struct vml_kobj *c, uint64_t flags, char *buf,
		       size_t size)
{
	int64_t nr;
	size_t n = 0;
	buf[0] = '\0';
	if (!vml_btf_enum_value(c->btf, "__NR_PAGEFLAGS", &nr) || nr <= 0 ||
	    nr > 64)
		return;
	for (int64_t bit = 0; bit < nr && n < size; bit++) {
		if (!(flags >> bit & 1))
			continue;
		const char *name = vml_btf_enum_name(c->btf, "pageflags", bit);
		if (!name)
			continue;
		if (!strncmp(name, "PG_", 3))
			name += 3;
		n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "|" : "",
				      name);
	}
}

bool vml_kpage_describe(struct vml_kobj *c, uint64_t addr, char *buf,
			size_t size)
{
	struct vml_kslab_obj o;
	if (vml_kslab_find(c, addr, &o)) {
		vml_kslab_format(&o, buf, size);
		return true;
	}
	struct vml_kpage p;
	if (!vml_kpage_of(c, addr, &p))
		return false;
	char what[320] = "";
	const char *type = page_type(c, p.page);
	uint64_t mapping = 0, index = 0, priv = 0;
	if (is_slab(c, &p)) {
		/* Its mapping is a kmem_cache: never a file. */
		snprintf(what, sizeof(what), "slab page (cache or counts"
			 " damaged)");
	} else if (type) {
		if (vml_kobj_member(c, p.page, "page", "private", &priv) &&
		    !strncmp(type, "free", 4) && priv < 64)
			snprintf(what, sizeof(what), "%s, a block of 2^%" PRIu64
				 " pages", type, priv);
		else
			snprintf(what, sizeof(what), "%s", type);
	} else if (vml_kobj_member(c, p.head, "page", "mapping", &mapping) &&
		   mapping) {
		vml_kobj_member(c, p.head, "page", "index", &index);
		if ((mapping & 3) == 3) {
			snprintf(what, sizeof(what), "anonymous (KSM)");
		} else if (mapping & 1) {
			snprintf(what, sizeof(what), "anonymous");
		} else if (mapping & 2) {
			snprintf(what, sizeof(what), "movable (driver's)");
		} else {
			char file[256];
			uint64_t ino;
			mapping_file(c, mapping, file, sizeof(file), &ino);
			snprintf(what, sizeof(what), "page cache of %s (inode %"
				 PRIu64 "), file offset 0x%" PRIx64,
				 file[0] ? file : "?", ino,
				 (index + (p.pfn - p.head_pfn)) << PAGE_SHIFT);
		}
	} else if (page_flag(c, p.flags, "PG_reserved")) {
		snprintf(what, sizeof(what), "reserved");
	}
	char flags[192];
	flag_names(c, p.flags, flags, sizeof(flags));
	char compound[64] = "";
	if (p.head != p.page)
		snprintf(compound, sizeof(compound), ", page %" PRIu64
			 " of a compound page", p.pfn - p.head_pfn);
	snprintf(buf, size, "page 0x%" PRIx64 " (struct page 0x%" PRIx64
		 "%s)%s%s, flags %s", p.pfn, p.page, compound, what[0] ? ": " : "",
		 what, flags[0] ? flags : "none");
	return true;
}

bool vml_kpage_describe_mapped(struct vml_kobj *c, uint64_t addr, char *buf,
			       size_t size)
{
	uint64_t pa;
	return c->phys && c->phys(c->read_arg, addr, &pa) &&
	       vml_kpage_describe_phys(c, pa, buf, size);
}

bool vml_kpage_describe_phys(struct vml_kobj *c, uint64_t pa, char *buf,
			     size_t size)
{
	uint64_t pob, dm;
	if (!global(c, "page_offset_base", &pob) ||
	    vml_add_overflows(pob, pa, &dm))
		return false;
	return vml_kpage_describe(c, dm, buf, size);
}
