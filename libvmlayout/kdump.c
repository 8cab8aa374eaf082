/*
 * kdump.c — the kdump-compressed dump format (makedumpfile's "diskdump",
 * what QEMU's dump-guest-memory -z/-l/-s writes): a header block, an
 * architecture sub-header (phys_base, where the ELF notes and VMCOREINFO
 * are), two bitmaps of page frames (RAM; pages in the dump), then one page
 * descriptor {offset, size, flags} per dumped page in frame order, then
 * the pages, each compressed alone (zlib, lzo or snappy) or raw.
 *
 * Opening checks the headers and bitmaps and indexes the 2nd bitmap for
 * ranks (descriptor i is the page of the i-th set bit); nothing else is
 * read until a page is asked for. A page is decompressed when read and a
 * few are kept. Every offset and size comes from the file: checked before
 * use; a damaged descriptor fails that page only.
 */
#include "config.h"

#include <inttypes.h>
#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "vmcore_internal.h"

/* Header (QEMU's DiskDumpHeader64, makedumpfile's disk_dump_header). */
#define H_VERSION 8
#define H_RELEASE (12 + 2 * 65)
#define H_MACHINE (12 + 4 * 65)
#define H_STATUS 424
#define H_BLOCK_SIZE 428
#define H_SUB_HDR_SIZE 432
#define H_BITMAP_BLOCKS 436
#define H_MAX_MAPNR 440
#define H_NR_CPUS 460
#define H_SIZE 464
/* Sub-header (KdumpSubHeader64). */
#define S_PHYS_BASE 0
#define S_OFFSET_VMCOREINFO 32
#define S_SIZE_VMCOREINFO 40
#define S_OFFSET_NOTE 48
#define S_SIZE_NOTE 56
#define S_MAX_MAPNR_64 96
#define S_SIZE 104
/* A page descriptor. */
#define DESC_SIZE 24

/* Ranks are counted per this many bits of the 2nd bitmap. */
#define RANK_BITS 4096u
#define CACHED_PAGES 8u
/* 2^40 frames: 4 EiB of 4 KiB pages; no machine comes near. */
#define MAX_MAPNR (UINT64_C(1) << 40)

struct cached_page {
	uint64_t pfn;   /* UINT64_MAX: empty */
	uint8_t *data;
};

/* makedumpfile's flattened stream: blocks {offset, size} of the file it
 * stands for, each followed by its bytes (big-endian header fields). */
struct flat_block {
	uint64_t voff;   /* offset in the reassembled file */
	uint64_t size;
	uint64_t pos;    /* where its bytes are in the stream */
};

struct vml_kdump {
	const uint8_t *data;
	size_t size;
	uint64_t vsize;                     /* size of the (reassembled) file */
	struct flat_block *blocks;          /* flattened: sorted by voff */
	size_t nblocks;
	uint8_t *own, *own2, *own3;         /* flattened: notes, VMCOREINFO
					       and bitmaps copied out */
	uint8_t *cbuf;                      /* one page of compressed data */
	struct vml_kdump_facts facts;
	const uint8_t *bitmap1, *bitmap2;   /* max_mapnr bits each */
	uint64_t *rank;                     /* set bits of bitmap2 before each
					       RANK_BITS block */
	uint64_t desc_off;                  /* file offset of descriptor 0 */
	uint64_t sub_blocks, bitmap_blocks, max_mapnr32;  /* from the header */
	uint64_t ndescs;                    /* descriptors the file holds */
	struct cached_page cache[CACHED_PAGES];
	unsigned cache_next;
	uint8_t *scratch;                   /* one page for decompression */
	uint64_t decompressions;
	/* Runs of the 1st bitmap, computed on first use. */
	uint64_t (*ranges)[2];
	size_t nranges;
	bool ranges_done;
};

static void copy_name(char *dst, const uint8_t *src)
{
	memcpy(dst, src, 65);
	dst[65] = '\0';
}

static bool bit(const uint8_t *map, uint64_t i)
{
	return map[i / 8] >> (i % 8) & 1;
}

static uint64_t popcount_bytes(const uint8_t *p, size_t n)
{
	uint64_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += (uint64_t)__builtin_popcount(p[i]);
	return c;
}

static uint64_t rd64be(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* len bytes at offset off of the file the dump stands for into buf;
 * false where it has no bytes (past its end, or a hole between the
 * flattened stream's blocks). */
static bool vread(const struct vml_kdump *kd, uint64_t off, void *buf,
		  uint64_t len)
{
	if (off > kd->vsize || len > kd->vsize - off)
		return false;
	if (!kd->blocks) {
		memcpy(buf, kd->data + off, (size_t)len);
		return true;
	}
	/* The last block starting at or before off. */
	size_t lo = VML_UPPER_BOUND(kd->blocks, kd->nblocks, voff, off);
	uint8_t *out = buf;
	for (size_t i = lo ? lo - 1 : 0; len; i++) {
		if (i >= kd->nblocks)
			return false;
		const struct flat_block *b = &kd->blocks[i];
		if (b->voff > off || off - b->voff >= b->size)
			return false;
		uint64_t in = off - b->voff;
		uint64_t n = b->size - in < len ? b->size - in : len;
		memcpy(out, kd->data + b->pos + in, (size_t)n);
		out += n;
		off += n;
		len -= n;
	}
	return true;
}

/* Bytes [off, off + len) of the file: in place when it is not flattened,
 * else copied into buf (len bytes); NULL where they are not all there. */
static const uint8_t *vptr(const struct vml_kdump *kd, uint64_t off,
			   uint64_t len, uint8_t *buf)
{
	if (!kd->blocks)
		return off <= kd->vsize && len <= kd->vsize - off ?
		       kd->data + off : NULL;
	return vread(kd, off, buf, len) ? buf : NULL;
}

static int block_cmp(const void *a, const void *b)
{
	const struct flat_block *x = a, *y = b;
	return x->voff < y->voff ? -1 : x->voff > y->voff;
}

/* The 4 KiB flattened header, then blocks up to the end marker (-1, -1).
 * There is no index: every block header is read once here. */
#define FLAT_HEADER 4096u
#define FLAT_MAX_BLOCKS (UINT64_C(1) << 26)

static struct vml_error *index_flattened(struct vml_kdump *kd)
{
	kd->facts.flattened = true;
	if (kd->size < FLAT_HEADER)
		return vml_error_create(VML_ERROR_FORMAT,
					"truncated: %zu bytes, shorter than the"
					" flattened header (%u)", kd->size,
					FLAT_HEADER);
	size_t cap = 0;
	uint64_t pos = FLAT_HEADER;
	bool ended = false;
	while (!ended) {
		if (kd->size - pos < 16) {
			kd->facts.incomplete = true;
			snprintf(kd->facts.problem, sizeof(kd->facts.problem),
				 "truncated: the flattened stream ends at byte"
				 " %" PRIu64 " without its end marker", pos);
			break;
		}
		uint64_t voff = rd64be(kd->data + pos);
		uint64_t size = rd64be(kd->data + pos + 8);
		pos += 16;
		if (voff == UINT64_MAX && size == UINT64_MAX) {
			ended = true;
			break;
		}
		if (voff >> 62)
			return vml_error_create(VML_ERROR_FORMAT,
						"flattened block at byte %" PRIu64
						": bad offset %" PRIu64, pos - 16,
						voff);
		if (size > kd->size - pos) {
			/* Cut short: what is there is kept. */
			kd->facts.incomplete = true;
			snprintf(kd->facts.problem, sizeof(kd->facts.problem),
				 "truncated: flattened block at byte %" PRIu64
				 " (offset %" PRIu64 ", %" PRIu64 " bytes) has %"
				 PRIu64 " bytes", pos - 16, voff, size,
				 (uint64_t)(kd->size - pos));
			size = kd->size - pos;
			ended = true;
		}
		if (kd->nblocks >= FLAT_MAX_BLOCKS)
			return vml_error_create(VML_ERROR_LIMIT,
						"more than %" PRIu64 " flattened"
						" blocks", FLAT_MAX_BLOCKS);
		if (size) {
			if (kd->nblocks == cap) {
				size_t ncap = cap ? cap * 2 : 256;
				void *p = realloc(kd->blocks,
						  ncap * sizeof(*kd->blocks));
				if (!p)
					return &vml_enomem;
				kd->blocks = p;
				cap = ncap;
			}
			kd->blocks[kd->nblocks++] = (struct flat_block){
				voff, size, pos };
			if (voff + size > kd->vsize)
				kd->vsize = voff + size;
		}
		pos += size;
	}
	kd->facts.blocks = kd->nblocks;
	if (!kd->nblocks)
		return vml_error_create(VML_ERROR_FORMAT,
					"the flattened stream has no data");
	qsort(kd->blocks, kd->nblocks, sizeof(*kd->blocks), block_cmp);
	for (size_t i = 1; i < kd->nblocks; i++)
		if (kd->blocks[i].voff < kd->blocks[i - 1].voff +
					 kd->blocks[i - 1].size)
			return vml_error_create(VML_ERROR_UNSUPPORTED,
						"unsupported: flattened blocks"
						" overlap at offset %" PRIu64
						" (rewritten data)",
						kd->blocks[i].voff);
	return NULL;
}

void vml_kdump_free(struct vml_kdump *kd)
{
	if (!kd)
		return;
	for (unsigned i = 0; i < CACHED_PAGES; i++)
		free(kd->cache[i].data);
	free(kd->scratch);
	free(kd->cbuf);
	free(kd->blocks);
	free(kd->own);
	free(kd->own2);
	free(kd->own3);
	free(kd->rank);
	free(kd->ranges);
	free(kd);
}

static struct vml_error *open_header(struct vml_kdump *kd)
{
	struct vml_kdump_facts *f = &kd->facts;
	uint8_t buf[H_SIZE];
	const uint8_t *d = vptr(kd, 0, H_SIZE, buf);
	if (!d)
		return vml_error_create(VML_ERROR_FORMAT,
					"truncated: %" PRIu64 " bytes, shorter"
					" than the kdump header (%u)", kd->vsize,
					H_SIZE);
	if (memcmp(d, "KDUMP   ", 8))
		return vml_error_create(VML_ERROR_FORMAT,
					"no KDUMP signature");
	f->header_version = vml_le32(d + H_VERSION);
	f->status = vml_le32(d + H_STATUS);
	f->block_size = vml_le32(d + H_BLOCK_SIZE);
	f->nr_cpus = vml_le32(d + H_NR_CPUS);
	copy_name(f->release, d + H_RELEASE);
	copy_name(f->machine, d + H_MACHINE);
	kd->sub_blocks = vml_le32(d + H_SUB_HDR_SIZE);
	kd->bitmap_blocks = vml_le32(d + H_BITMAP_BLOCKS);
	kd->max_mapnr32 = vml_le32(d + H_MAX_MAPNR);
	uint32_t bs = f->block_size;
	if (bs < 4096 || bs > 65536 || (bs & (bs - 1)))
		return vml_error_create(VML_ERROR_FORMAT,
					"kdump block_size %" PRIu32 " (a page"
					" size: a power of two, 4 KiB to 64 KiB)",
					bs);
	if (f->header_version < 6)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"unsupported: kdump header version %"
					PRIu32 " (6 and later are read)",
					f->header_version);
	return NULL;
}

/* The sub-header: phys_base, notes, VMCOREINFO, the 64-bit frame count. */
/* An owned copy of [off, off + size) for a flattened stream; in place
 * otherwise. */
static const uint8_t *keep_bytes(struct vml_kdump *kd, uint8_t **own,
				 uint64_t off, uint64_t size)
{
	if (!kd->blocks)
		return vptr(kd, off, size, NULL);
	uint8_t *p = malloc(size ? (size_t)size : 1);
	if (!p)
		return NULL;
	if (!vread(kd, off, p, size)) {
		free(p);
		return NULL;
	}
	*own = p;
	return p;
}

static struct vml_error *open_sub_header(struct vml_kdump *kd,
					 uint64_t *max_mapnr)
{
	struct vml_kdump_facts *f = &kd->facts;
	uint64_t bs = f->block_size;
	uint64_t sub_blocks = kd->sub_blocks;
	uint8_t buf[S_SIZE];
	const uint8_t *s = NULL;
	if (sub_blocks && bs * (sub_blocks + 1) <= kd->vsize &&
	    bs * sub_blocks >= S_SIZE)
		s = vptr(kd, bs, S_SIZE, buf);
	if (!s)
		return vml_error_create(VML_ERROR_FORMAT,
					"truncated or corrupt: the sub-header (%"
					PRIu64 " block%s) is not in the file's %"
					PRIu64 " bytes", sub_blocks,
					vml_plural(sub_blocks), kd->vsize);
	f->has_phys_base = true;
	f->phys_base = (int64_t)vml_le64(s + S_PHYS_BASE);
	*max_mapnr = vml_le64(s + S_MAX_MAPNR_64);
	if (!*max_mapnr)
		*max_mapnr = kd->max_mapnr32;
	static const struct {
		size_t off, size;
		const char *what;
	} parts[] = {
		{ S_OFFSET_NOTE, S_SIZE_NOTE, "notes" },
		{ S_OFFSET_VMCOREINFO, S_SIZE_VMCOREINFO, "VMCOREINFO" },
	};
	for (size_t i = 0; i < VML_ARRAY_SIZE(parts); i++) {
		uint64_t off = vml_le64(s + parts[i].off);
		uint64_t size = vml_le64(s + parts[i].size);
		if (!size)
			continue;
		const uint8_t *p = NULL;
		if (size <= (1u << 24))
			p = keep_bytes(kd, i == 0 ? &kd->own : &kd->own2, off,
				       size);
		if (!p)
			return vml_error_create(VML_ERROR_FORMAT,
						"truncated or corrupt: the %s"
						" (offset %" PRIu64 ", %" PRIu64
						" bytes) are not in the file's %"
						PRIu64 " bytes", parts[i].what,
						off, size, kd->vsize);
		if (i == 0) {
			f->notes = p;
			f->notes_size = (size_t)size;
		} else {
			f->vmcoreinfo = p;
			f->vmcoreinfo_size = (size_t)size;
		}
	}
	return NULL;
}

static struct vml_error *open_bitmaps(struct vml_kdump *kd,
				      uint64_t max_mapnr)
{
	struct vml_kdump_facts *f = &kd->facts;
	uint64_t bs = f->block_size;
	uint64_t sub_blocks = kd->sub_blocks;
	uint64_t bitmap_blocks = kd->bitmap_blocks;
	if (max_mapnr == 0 || max_mapnr > MAX_MAPNR)
		return vml_error_create(VML_ERROR_FORMAT,
					"kdump max_mapnr %" PRIu64 " (1 to 2^40"
					" page frames)", max_mapnr);
	/* Two bitmaps of max_mapnr bits, in whole blocks. */
	uint64_t bytes = (max_mapnr + 7) / 8;
	if (bitmap_blocks % 2 || bitmap_blocks / 2 * bs < bytes)
		return vml_error_create(VML_ERROR_FORMAT,
					"kdump bitmap_blocks %" PRIu64 " cannot"
					" hold two bitmaps of %" PRIu64 " page"
					" frames", bitmap_blocks, max_mapnr);
	uint64_t start = (1 + sub_blocks) * bs;
	const uint8_t *maps = NULL;
	if (start <= kd->vsize && bitmap_blocks * bs <= kd->vsize - start)
		maps = keep_bytes(kd, &kd->own3, start, bitmap_blocks * bs);
	if (!maps)
		return vml_error_create(VML_ERROR_FORMAT,
					"truncated: the bitmaps (%" PRIu64
					" blocks at offset %" PRIu64 ") are not"
					" in the file's %" PRIu64 " bytes",
					bitmap_blocks, start, kd->vsize);
	kd->bitmap1 = maps;
	kd->bitmap2 = maps + bitmap_blocks / 2 * bs;
	f->max_mapnr = max_mapnr;
	/* Ranks: set bits of the 2nd bitmap before each block of bits. A
	 * page in the 2nd but not the 1st is dumped all the same. */
	size_t nblocks = (size_t)((max_mapnr + RANK_BITS - 1) / RANK_BITS);
	kd->rank = calloc(nblocks + 1, sizeof(*kd->rank));
	if (!kd->rank)
		return &vml_enomem;
	uint64_t total = 0;
	for (size_t b = 0; b < nblocks; b++) {
		kd->rank[b] = total;
		uint64_t first = (uint64_t)b * (RANK_BITS / 8);
		uint64_t n = bytes - first < RANK_BITS / 8 ? bytes - first :
			     RANK_BITS / 8;
		total += popcount_bytes(kd->bitmap2 + first, (size_t)n);
		f->ram_pages += popcount_bytes(kd->bitmap1 + first, (size_t)n);
	}
	/* Bits past max_mapnr in the last byte are not frames. */
	for (uint64_t i = max_mapnr; i < bytes * 8; i++) {
		total -= bit(kd->bitmap2, i);
		f->ram_pages -= bit(kd->bitmap1, i);
	}
	kd->rank[nblocks] = total;
	f->dumped_pages = total;
	kd->desc_off = start + bitmap_blocks * bs;
	uint64_t room = kd->desc_off <= kd->vsize ?
			(kd->vsize - kd->desc_off) / DESC_SIZE : 0;
	kd->ndescs = total < room ? total : room;
	if (kd->ndescs < total) {
		f->incomplete = true;
		snprintf(f->problem, sizeof(f->problem),
			 "truncated: %" PRIu64 " of %" PRIu64 " page"
			 " descriptors in the file", kd->ndescs, total);
	} else if (f->status & VML_KDUMP_INCOMPLETE) {
		/* The file may be whole: the dumper says pages are missing. */
		f->incomplete = true;
		snprintf(f->problem, sizeof(f->problem),
			 "incomplete: the dumper stopped writing (its header"
			 " says so); pages it did not write are missing");
	}
	return NULL;
}

struct vml_error *vml_kdump_open(const uint8_t *data, size_t size,
				 struct vml_kdump **ret)
{
	struct vml_kdump *kd = calloc(1, sizeof(*kd));
	if (!kd)
		return &vml_enomem;
	kd->data = data;
	kd->size = size;
	kd->vsize = size;
	for (unsigned i = 0; i < CACHED_PAGES; i++)
		kd->cache[i].pfn = UINT64_MAX;
	uint64_t max_mapnr = 0;
	struct vml_error *err = NULL;
	if (size >= 12 && !memcmp(data, "makedumpfile", 12)) {
		kd->vsize = 0;
		err = index_flattened(kd);
	}
	if (!err)
		err = open_header(kd);
	if (!err)
		err = open_sub_header(kd, &max_mapnr);
	if (!err)
		err = open_bitmaps(kd, max_mapnr);
	if (!err && (!(kd->scratch = malloc(kd->facts.block_size)) ||
		     !(kd->cbuf = malloc(kd->facts.block_size))))
		err = &vml_enomem;
	if (err) {
		vml_kdump_free(kd);
		return err;
	}
	static bool lzo_ready;
	if (!lzo_ready)
		lzo_ready = lzo_init() == LZO_E_OK;
	*ret = kd;
	return NULL;
}

const struct vml_kdump_facts *vml_kdump_get_facts(const struct vml_kdump *kd)
{
	return &kd->facts;
}

uint64_t vml_kdump_decompressions(const struct vml_kdump *kd)
{
	return kd ? kd->decompressions : 0;
}

/* Descriptor index of pfn: the set bits of the 2nd bitmap before it. */
static uint64_t rank_of(const struct vml_kdump *kd, uint64_t pfn)
{
	uint64_t b = pfn / RANK_BITS;
	uint64_t r = kd->rank[b];
	uint64_t first = b * (RANK_BITS / 8);
	r += popcount_bytes(kd->bitmap2 + first,
			    (size_t)(pfn / 8 - first));
	for (uint64_t i = pfn & ~UINT64_C(7); i < pfn; i++)
		r += bit(kd->bitmap2, i);
	return r;
}

/* The page of frame pfn into out (block_size bytes). */
static struct vml_error *load_page(struct vml_kdump *kd, uint64_t pfn,
				   uint8_t *out)
{
	uint64_t bs = kd->facts.block_size;
	uint64_t pa = pfn * bs;
	if (pfn >= kd->facts.max_mapnr)
		return vml_error_fault(pa, "physical 0x%" PRIx64 " is past the"
				       " dump's %" PRIu64 " page frames", pa,
				       kd->facts.max_mapnr);
	if (!bit(kd->bitmap2, pfn))
		return vml_error_fault(pa, "physical page 0x%" PRIx64 " is not"
				       " in the dump (%s)", pa,
				       bit(kd->bitmap1, pfn) ?
				       "excluded by the dumper" : "not RAM");
	uint64_t i = rank_of(kd, pfn);
	if (i >= kd->ndescs)
		return vml_error_fault(pa, "physical page 0x%" PRIx64 ": its"
				       " descriptor is past the end of the"
				       " file", pa);
	uint8_t dbuf[DESC_SIZE];
	const uint8_t *desc = vptr(kd, kd->desc_off + i * DESC_SIZE, DESC_SIZE,
				   dbuf);
	if (!desc)
		return vml_error_fault(pa, "physical page 0x%" PRIx64 ": its"
				       " descriptor is not in the file", pa);
	uint64_t off = vml_le64(desc);
	uint32_t size = vml_le32(desc + 8), flags = vml_le32(desc + 12);
	/* makedumpfile leaves the descriptors of the pages it could not
	 * write zero (offset 0 is the header: never page data). */
	if (!off && (kd->facts.status & VML_KDUMP_INCOMPLETE))
		return vml_error_fault(pa, "physical page 0x%" PRIx64 " was not"
				       " written (the dump is incomplete)", pa);
	const uint8_t *src = NULL;
	if (size && size <= bs)
		src = vptr(kd, off, size, kd->cbuf);
	if (!src)
		return vml_error_fault(pa, "physical page 0x%" PRIx64 ": bad"
				       " descriptor (offset %" PRIu64 ", %"
				       PRIu32 " bytes)", pa, off, size);
	uint32_t method = flags & (VML_KDUMP_ZLIB | VML_KDUMP_LZO |
				   VML_KDUMP_SNAPPY | VML_KDUMP_ZSTD);
	bool ok = false;
	const char *name = "raw";
	switch (method) {
	case 0:
		ok = size == bs;
		if (ok)
			memcpy(out, src, bs);
		break;
	case VML_KDUMP_ZLIB: {
		name = "zlib";
		uLongf n = (uLongf)bs;
		ok = uncompress(out, &n, src, size) == Z_OK && n == bs;
		break;
	}
	case VML_KDUMP_LZO: {
		name = "lzo";
		lzo_uint n = (lzo_uint)bs;
		ok = lzo1x_decompress_safe(src, size, out, &n, NULL) ==
		     LZO_E_OK && n == bs;
		break;
	}
	case VML_KDUMP_SNAPPY: {
		name = "snappy";
		size_t n = 0;
		ok = snappy_uncompressed_length((const char *)src, size, &n) ==
		     SNAPPY_OK && n == bs;
		if (ok)
			ok = snappy_uncompress((const char *)src, size,
					       (char *)out, &n) == SNAPPY_OK &&
			     n == bs;
		break;
	}
	case VML_KDUMP_ZSTD:
		return vml_error_fault(pa, "physical page 0x%" PRIx64 " is"
				       " zstd-compressed: not read", pa);
	default:
		return vml_error_fault(pa, "physical page 0x%" PRIx64 ": bad"
				       " descriptor flags 0x%" PRIx32, pa,
				       flags);
	}
	if (method)
		kd->decompressions++;
	if (!ok)
		return vml_error_fault(pa, "physical page 0x%" PRIx64 ": its %"
				       PRIu32 " bytes of %s data are not one"
				       " page", pa, size, name);
	return NULL;
}

static struct vml_error *page_of(struct vml_kdump *kd, uint64_t pfn,
				 const uint8_t **ret)
{
	for (unsigned i = 0; i < CACHED_PAGES; i++)
		if (kd->cache[i].pfn == pfn) {
			*ret = kd->cache[i].data;
			return NULL;
		}
	struct cached_page *c = &kd->cache[kd->cache_next++ % CACHED_PAGES];
	if (!c->data && !(c->data = malloc(kd->facts.block_size)))
		return &vml_enomem;
	c->pfn = UINT64_MAX;
	struct vml_error *err = load_page(kd, pfn, c->data);
	if (err)
		return err;
	c->pfn = pfn;
	*ret = c->data;
	return NULL;
}

struct vml_error *vml_kdump_read(struct vml_kdump *kd, uint64_t pa,
				 void *buf, size_t len)
{
	uint8_t *out = buf;
	uint64_t bs = kd->facts.block_size;
	while (len) {
		uint64_t in = pa % bs;
		uint64_t n = bs - in < len ? bs - in : len;
		const uint8_t *page;
		struct vml_error *err = page_of(kd, pa / bs, &page);
		if (err)
			return err;
		memcpy(out, page + in, (size_t)n);
		out += n;
		len -= (size_t)n;
		if (len && pa > UINT64_MAX - n)
			return vml_error_fault(pa, "read wraps past 2^64");
		pa += n;
	}
	return NULL;
}

static void find_ranges(struct vml_kdump *kd)
{
	if (kd->ranges_done)
		return;
	kd->ranges_done = true;
	size_t cap = 0;
	uint64_t bs = kd->facts.block_size;
	for (uint64_t pfn = 0; pfn < kd->facts.max_mapnr;) {
		/* Whole bytes of zeros at once. */
		if (pfn % 8 == 0 && !kd->bitmap1[pfn / 8]) {
			pfn += 8;
			continue;
		}
		if (!bit(kd->bitmap1, pfn)) {
			pfn++;
			continue;
		}
		uint64_t start = pfn;
		while (pfn < kd->facts.max_mapnr && bit(kd->bitmap1, pfn))
			pfn++;
		if (kd->nranges == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			void *p = realloc(kd->ranges, ncap * sizeof(*kd->ranges));
			if (!p)
				return;
			kd->ranges = p;
			cap = ncap;
		}
		kd->ranges[kd->nranges][0] = start * bs;
		kd->ranges[kd->nranges][1] = (pfn - start) * bs;
		kd->nranges++;
	}
}

size_t vml_kdump_range_count(const struct vml_kdump *kd)
{
	find_ranges((struct vml_kdump *)kd);
	return kd->nranges;
}

bool vml_kdump_range(const struct vml_kdump *kd, size_t i, uint64_t *start,
		     uint64_t *size)
{
	find_ranges((struct vml_kdump *)kd);
	if (i >= kd->nranges)
		return false;
	*start = kd->ranges[i][0];
	*size = kd->ranges[i][1];
	return true;
}
