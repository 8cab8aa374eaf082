/*
 * arch_aarch64.c — the AArch64 architecture description: VMSAv8-64 stage 1
 * translation for the EL1&0 regime (Arm ARM, chapter D8 "The AArch64
 * Virtual Memory System Architecture") from TTBR0_EL1, TTBR1_EL1, TCR_EL1,
 * MAIR_EL1 and SCTLR_EL1: 4, 16 and 64 KiB granules, any T0SZ/T1SZ (the
 * walk of each root starts at the level its width needs), 52-bit output
 * addresses with FEAT_LPA (64 KiB) and FEAT_LPA2 (TCR_EL1.DS), table,
 * block and page descriptors, the table-level APTable/PXNTable/UXNTable
 * limits combined down the levels (unless TCR_EL1.HPDn disables them),
 * AP[2:1], PXN/UXN and the implicit rules (EL0-writable memory is PXN;
 * SCTLR_EL1.WXN), AF, nG, DBM with TCR_EL1.HD, the contiguous hint, SH,
 * and AttrIndx resolved through MAIR_EL1 into a memory type. Also what a
 * Linux process sees, its core notes and libopcodes' name for A64. With
 * its kernel classifier (classify_kernel_aarch64.c) the only file that
 * knows AArch64 facts.
 *
 * Levels: the library numbers them 1 (smallest pages) up to the root; the
 * Arm ARM numbers them 3 (pages) down to 0 (or -1 with 52-bit VAs and
 * 4 KiB pages). Level l here is the Arm's level 4 - l, and the names
 * shown are the Arm's ("L3" ... "L0", "L-1").
 */
#include "config.h"

#include <dis-asm.h>
#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"

#ifndef EM_AARCH64
#define EM_AARCH64 183
#endif

/* Descriptor bits (Arm ARM D8.3, VMSAv8-64 translation table format). */
#define D_VALID (UINT64_C(1) << 0)
#define D_TABLE (UINT64_C(1) << 1)      /* table (levels 0-2) or page (3) */
#define D_ATTRINDX_SHIFT 2              /* [4:2] */
#define D_AP_SHIFT 6                    /* AP[2:1] in [7:6] */
#define D_SH_SHIFT 8                    /* [9:8] (OA[51:50] with DS) */
#define D_AF (UINT64_C(1) << 10)
#define D_NG (UINT64_C(1) << 11)
#define D_DBM (UINT64_C(1) << 51)
#define D_CONT (UINT64_C(1) << 52)
#define D_PXN (UINT64_C(1) << 53)
#define D_UXN (UINT64_C(1) << 54)
#define D_PXNTABLE (UINT64_C(1) << 59)
#define D_UXNTABLE (UINT64_C(1) << 60)
#define D_APTABLE_NO_EL0 (UINT64_C(1) << 61)   /* APTable[0] */
#define D_APTABLE_RO (UINT64_C(1) << 62)       /* APTable[1] */

/* TCR_EL1 fields (Arm ARM D17.2 "TCR_EL1"). */
#define TCR_T0SZ(t) ((unsigned)((t) & 0x3f))
#define TCR_EPD0 (UINT64_C(1) << 7)
#define TCR_TG0(t) ((unsigned)(((t) >> 14) & 3))
#define TCR_SH0(t) ((unsigned)(((t) >> 12) & 3))
#define TCR_T1SZ(t) ((unsigned)(((t) >> 16) & 0x3f))
#define TCR_EPD1 (UINT64_C(1) << 23)
#define TCR_SH1(t) ((unsigned)(((t) >> 28) & 3))
#define TCR_TG1(t) ((unsigned)(((t) >> 30) & 3))
#define TCR_IPS(t) ((unsigned)(((t) >> 32) & 7))
#define TCR_HA (UINT64_C(1) << 39)
#define TCR_HD (UINT64_C(1) << 40)
#define TCR_HPD0 (UINT64_C(1) << 41)
#define TCR_HPD1 (UINT64_C(1) << 42)
#define TCR_DS (UINT64_C(1) << 59)

#define SCTLR_M (UINT64_C(1) << 0)
#define SCTLR_WXN (UINT64_C(1) << 19)

/* What decode_entry needs, kept in paging->arch_flags / arch_regs. */
#define F_DS 0x1u        /* FEAT_LPA2 descriptor format (TCR_EL1.DS) */
#define F_HD 0x2u        /* hardware dirty state: DBM makes RO writable */
#define F_HPD 0x4u       /* hierarchical permissions disabled */
#define F_WXN 0x8u       /* SCTLR_EL1.WXN */
#define F_HA 0x10u       /* hardware access flag */
#define F_SH_SHIFT 8     /* DS: shareability from TCR_EL1.SHn */
#define R_MAIR 0         /* arch_regs[R_MAIR] = MAIR_EL1 */

#define GENMASK(hi, lo) ((~UINT64_C(0) >> (63 - (hi))) & ~((UINT64_C(1) << (lo)) - 1))

static const char *const level_names[] = { "?", "L3", "L2", "L1", "L0",
					   "L-1" };

static unsigned granule_shift(const struct vml_paging *p)
{
	return p->level[1].shift;
}

/* Output (or next-table) address of descriptor e, before the block-size
 * mask: bits [47:granule], with 64 KiB pages OA[51:48] in bits [15:12]
 * (FEAT_LPA), with DS bits [49:granule] and OA[51:50] in bits [9:8]. */
static uint64_t desc_addr(const struct vml_paging *p, uint64_t e)
{
	unsigned g = granule_shift(p);
	if (g == 16)
		return (e & GENMASK(47, 16)) | (((e >> 12) & 0xf) << 48);
	if (p->arch_flags & F_DS)
		return (e & GENMASK(49, g)) | (((e >> 8) & 3) << 50);
	return e & GENMASK(47, g);
}

/* May level l (the library's numbering) hold a block descriptor? 4 KiB:
 * 2 MiB and 1 GiB blocks (512 GiB with DS); 16 KiB: 32 MiB (64 GiB with
 * DS); 64 KiB: 512 MiB (4 TiB with 52-bit output addresses). */
static bool block_allowed(const struct vml_paging *p, uint32_t level)
{
	unsigned g = granule_shift(p);
	bool ds = p->arch_flags & F_DS;
	switch (g) {
	case 12: return level == 2 || level == 3 || (level == 4 && ds);
	case 14: return level == 2 || (level == 3 && ds);
	default: return level == 2 || (level == 3 && p->maxphyaddr == 52);
	}
}

/* MAIR_EL1 attribute byte -> memory type (Arm ARM D17.2 "MAIR_EL1").
 * One cacheability nibble of Normal memory: 0b0100 non-cacheable, 0b1xRW
 * write-through (x = 0) or write-back (x = 1), non-transient; 0b0xRW with
 * RW != 00 the same, transient (the same type here). */
static uint32_t normal_kind(unsigned nibble)
{
	if (nibble == 0x4)
		return VML_PT_MEM_NORMAL_NC;
	if (!(nibble & 8) && !(nibble & 3))
		return VML_PT_MEM_RESERVED;
	return nibble & 4 ? VML_PT_MEM_NORMAL_WB : VML_PT_MEM_NORMAL_WT;
}

static uint32_t memtype(uint64_t mair, unsigned index)
{
	unsigned attr = (unsigned)(mair >> (8 * index)) & 0xff;
	unsigned outer = attr >> 4, inner = attr & 0xf;
	if (outer == 0) {
		if (inner & 3)
			return VML_PT_MEM_RESERVED;
		static const uint32_t dev[] = {
			VML_PT_MEM_DEVICE_nGnRnE, VML_PT_MEM_DEVICE_nGnRE,
			VML_PT_MEM_DEVICE_nGRE, VML_PT_MEM_DEVICE_GRE,
		};
		return dev[inner >> 2];
	}
	if (attr == 0xf0)
		return VML_PT_MEM_NORMAL_TAGGED;      /* FEAT_MTE2 */
	uint32_t o = normal_kind(outer), i = normal_kind(inner);
	if (o == VML_PT_MEM_RESERVED || i == VML_PT_MEM_RESERVED)
		return VML_PT_MEM_RESERVED;
	return o == i ? o : VML_PT_MEM_NORMAL_MIXED;
}

/* Decode descriptor e found at level. */
static void decode_entry(const struct vml_paging *p, uint32_t level,
			 uint64_t e, struct vml_pt_entry *ret)
{
	struct vml_pt_entry d = { 0 };
	if (!(e & D_VALID)) {
		*ret = d;
		return;
	}
	d.present = true;
	d.flags = VML_PT_PRESENT;
	d.addr = desc_addr(p, e);
	bool table = level > 1 && (e & D_TABLE);
	if (table) {
		if (!(p->arch_flags & F_HPD)) {
			if (!(e & D_APTABLE_NO_EL0))
				d.flags |= VML_PT_USER;
			if (!(e & D_APTABLE_RO))
				d.flags |= VML_PT_WRITE;
			if (e & D_PXNTABLE)
				d.flags |= VML_PT_NX;
			if (e & D_UXNTABLE)
				d.flags |= VML_PT_UXN;
		} else {
			d.flags |= VML_PT_USER | VML_PT_WRITE;
		}
	} else {
		/* A page descriptor needs bit 1 at level 3; a block is only
		 * allowed at some levels: otherwise the CPU faults. */
		if (level == 1 ? !(e & D_TABLE) : !block_allowed(p, level))
			d.reserved = true;
		d.leaf = true;
		d.page_size = vml_pt_span(p, level);
		d.addr &= ~(d.page_size - 1);   /* RES0 below a block's OA */
		unsigned ap = (unsigned)(e >> D_AP_SHIFT) & 3;
		bool hd = p->arch_flags & F_HD;
		/* AP[2] clear: writable; with hardware dirty management a
		 * read-only page with DBM becomes writable on first write. */
		if (!(ap & 2) || (hd && (e & D_DBM)))
			d.flags |= VML_PT_WRITE;
		if (ap & 1)
			d.flags |= VML_PT_USER;
		if (e & D_AF)
			d.flags |= VML_PT_ACCESSED;
		if (!(e & D_NG))
			d.flags |= VML_PT_GLOBAL;
		if (e & D_PXN)
			d.flags |= VML_PT_NX;
		if (e & D_UXN)
			d.flags |= VML_PT_UXN;
		if (e & D_CONT)
			d.flags |= VML_PT_CONT;
		if (e & D_DBM)
			d.flags |= VML_PT_DBM;
		if (level > 1)
			d.flags |= VML_PT_PS;
		unsigned sh = p->arch_flags & F_DS ?
			      (p->arch_flags >> F_SH_SHIFT) & 3 :
			      (unsigned)(e >> D_SH_SHIFT) & 3;
		d.flags |= (uint32_t)sh << VML_PT_SH_SHIFT;
		d.flags |= memtype(p->arch_regs[R_MAIR],
				   (unsigned)(e >> D_ATTRINDX_SHIFT) & 7)
			   << VML_PT_MEMTYPE_SHIFT;
	}
	/* An output address beyond the physical address size is an
	 * Address size fault. */
	if (p->maxphyaddr < 64 && (d.addr >> p->maxphyaddr))
		d.reserved = true;
	*ret = d;
}

/* Permissions down the levels: EL0 access and write only if every level
 * allows them, execute-never if any level says so. */
static uint32_t combine(uint32_t upper, uint32_t entry)
{
	uint32_t keep = VML_PT_USER | VML_PT_WRITE;
	uint32_t any = VML_PT_NX | VML_PT_UXN;
	return (upper & entry & keep) | ((upper | entry) & any);
}

static uint32_t leaf_flags(const struct vml_paging *p, uint32_t effective,
			   uint32_t leaf)
{
	uint32_t own = VML_PT_PRESENT | VML_PT_GLOBAL | VML_PT_CONT |
		       VML_PT_DBM | VML_PT_PS | VML_PT_SH_MASK |
		       VML_PT_MEMTYPE_MASK;
	uint32_t f = combine(effective, leaf) | (leaf & own);
	/* Memory EL0 may write is never executable at EL1. */
	if ((f & VML_PT_USER) && (f & VML_PT_WRITE))
		f |= VML_PT_NX;
	/* SCTLR_EL1.WXN: writable memory is executable at no level. */
	if ((p->arch_flags & F_WXN) && (f & VML_PT_WRITE))
		f |= VML_PT_NX | VML_PT_UXN;
	return f;
}

/* A process's view (Linux: TTBR0 below 2^va_bits, TTBR1 from
 * 2^64 - 2^va_bits). */
static void halves(unsigned va_bits, uint64_t *user_end,
		   uint64_t *kernel_start)
{
	*user_end = UINT64_C(1) << va_bits;
	*kernel_start = ~(*user_end - 1);
}

/* As QEMU's gdbstub names them (its system-register feature): SCTLR_EL1
 * is "SCTLR" there; "SCTLR_EL1" is accepted too. ID_AA64MMFR0_EL1 gives
 * the physical address range the CPU implements (PARange). */
static const char *const registers[] = { "TTBR0_EL1", "TTBR1_EL1", "TCR_EL1",
					 "MAIR_EL1", "SCTLR",
					 "ID_AA64MMFR0_EL1", NULL };
enum { TTBR0, TTBR1, TCR, MAIR, SCTLR, MMFR0, NREGS };
static const char *const register_aliases[NREGS] = {
	[SCTLR] = "SCTLR_EL1",
};

/* Granule size shift from TCR_EL1.TG0 / TG1 (their encodings differ),
 * 0 for a reserved encoding. */
static unsigned tg0_shift(unsigned tg)
{
	static const unsigned s[] = { 12, 16, 14, 0 };
	return s[tg & 3];
}

static unsigned tg1_shift(unsigned tg)
{
	static const unsigned s[] = { 0, 14, 12, 16 };
	return s[tg & 3];
}

/* The root of one TTBR: its table's level and entries for a VA width. */
struct root_shape {
	unsigned va_bits;
	uint32_t levels;
	unsigned top_bits;
};

static struct vml_error *shape(const char *reg, unsigned txsz, unsigned g,
			       bool wide, struct root_shape *ret)
{
	unsigned min = wide ? 12 : 16;
	if (txsz < min || txsz > 48)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"AArch64 paging: %s T%cSZ %u is outside"
					" %u..48 (%u-bit VAs)%s", "TCR_EL1",
					reg[4], txsz, min, 64 - txsz,
					!wide && txsz < 16 ?
					": 52-bit VAs need 64K pages or"
					" TCR_EL1.DS (LPA2)" : "");
	unsigned stride = g - 3;
	ret->va_bits = 64 - txsz;
	unsigned above = ret->va_bits > g ? ret->va_bits - g : 1;
	ret->levels = (above + stride - 1) / stride;
	if (ret->levels < 1)
		ret->levels = 1;
	ret->top_bits = ret->va_bits - g - stride * (ret->levels - 1);
	if (ret->levels > VML_PT_MAX_LEVELS)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"AArch64 paging: %u levels for %u-bit"
					" VAs", ret->levels, ret->va_bits);
	return NULL;
}

/* The root table's physical address from TTBRn_EL1: BADDR in [47:1]
 * (ASID above, CnP in bit 0), with 52-bit output addresses BADDR[51:48]
 * in bits [5:2]. Misaligned or too wide addresses are errors. */
static struct vml_error *root_table(const char *reg, uint64_t ttbr,
				    const struct vml_paging *p,
				    const struct root_shape *s, uint64_t *ret)
{
	bool wide_pa = granule_shift(p) == 16 || (p->arch_flags & F_DS);
	uint64_t base;
	if (wide_pa && p->maxphyaddr == 52)
		base = (ttbr & GENMASK(47, 6)) | (((ttbr >> 2) & 0xf) << 48);
	else
		base = ttbr & GENMASK(47, 1);
	uint64_t size = (UINT64_C(8) << s->top_bits);
	uint64_t align = size < 64 ? 64 : size;
	if (base & (align - 1))
		return vml_error_create(VML_ERROR_INVALID,
					"%s 0x%" PRIx64 ": root table 0x%" PRIx64
					" is not aligned to its %" PRIu64
					" bytes", reg, ttbr, base, size);
	if (base >> p->maxphyaddr)
		return vml_error_create(VML_ERROR_INVALID,
					"%s 0x%" PRIx64 " has address bits at or"
					" above the %" PRIu32 "-bit physical"
					" address size: no CPU of that width"
					" can use it as a root", reg, ttbr,
					p->maxphyaddr);
	*ret = base;
	return NULL;
}

static struct vml_error *paging_from_registers(
	const struct vml_arch *arch, const struct vml_named_value *regs,
	size_t nregs, uint32_t maxphyaddr, struct vml_paging *p)
{
	uint64_t value[NREGS] = { 0 };
	bool seen[NREGS] = { false };
	for (size_t i = 0; i < nregs; i++) {
		size_t r = 0;
		/* GDB spells them in capitals; a user may not. */
		while (registers[r] && strcasecmp(registers[r], regs[i].name) &&
		       !(register_aliases[r] &&
			 !strcasecmp(register_aliases[r], regs[i].name)))
			r++;
		if (!registers[r])
			return vml_error_create(VML_ERROR_INVALID,
						"%s paging: unknown register"
						" '%s' (want TTBR0_EL1,"
						" TTBR1_EL1, TCR_EL1, MAIR_EL1,"
						" SCTLR, ID_AA64MMFR0_EL1)",
						arch->name,
						regs[i].name);
		if (seen[r])
			return vml_error_create(VML_ERROR_INVALID,
						"%s paging: register %s given"
						" twice", arch->name,
						registers[r]);
		seen[r] = true;
		value[r] = regs[i].value;
	}
	for (size_t r = 0; registers[r]; r++)
		if (!seen[r])
			return vml_error_create(VML_ERROR_INVALID,
						"%s paging: register %s missing",
						arch->name, registers[r]);
	uint64_t tcr = value[TCR], sctlr = value[SCTLR];
	if (!(sctlr & SCTLR_M))
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"AArch64 paging: the MMU is off"
					" (SCTLR_EL1.M clear, SCTLR_EL1 0x%"
					PRIx64 "): addresses are physical",
					sctlr);
	bool use0 = !(tcr & TCR_EPD0), use1 = !(tcr & TCR_EPD1);
	if (!use0 && !use1)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"AArch64 paging: TCR_EL1 0x%" PRIx64
					" disables walks from both TTBR0_EL1"
					" and TTBR1_EL1 (EPD0, EPD1)", tcr);
	unsigned g0 = tg0_shift(TCR_TG0(tcr)), g1 = tg1_shift(TCR_TG1(tcr));
	if ((use0 && !g0) || (use1 && !g1))
		return vml_error_create(VML_ERROR_INVALID,
					"AArch64 paging: TCR_EL1 0x%" PRIx64
					" has a reserved %s granule encoding",
					tcr, use0 && !g0 ? "TG0" : "TG1");
	if (use0 && use1 && g0 != g1)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"AArch64 paging: TTBR0_EL1 and TTBR1_EL1"
					" with different granules (%uK, %uK)"
					" are not supported", 1u << (g0 - 10),
					1u << (g1 - 10));
	unsigned g = use1 ? g1 : g0;
	bool ds = (tcr & TCR_DS) && g != 16;
	bool hpd0 = tcr & TCR_HPD0, hpd1 = tcr & TCR_HPD1;
	if (use0 && use1 && hpd0 != hpd1)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"AArch64 paging: hierarchical"
					" permissions disabled for one TTBR"
					" only (TCR_EL1.HPD0 %d, HPD1 %d)",
					hpd0, hpd1);
	if (ds && use0 && use1 && TCR_SH0(tcr) != TCR_SH1(tcr))
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"AArch64 paging: LPA2 with different"
					" shareability for TTBR0 and TTBR1"
					" (TCR_EL1.SH0, SH1)");

	/* Output address size: TCR_EL1.IPS (52 only where the descriptor
	 * format has the bits), no wider than the caller's PARange. */
	static const unsigned pa_bits[] = { 32, 36, 40, 42, 44, 48, 52, 52 };
	unsigned ips = pa_bits[TCR_IPS(tcr)];
	if (ips == 52 && g != 16 && !ds)
		ips = 48;
	/* The CPU's PARange (ID_AA64MMFR0_EL1[3:0]) caps it: an output
	 * address beyond what it implements is an Address size fault. */
	unsigned parange = pa_bits[value[MMFR0] & 7];
	if (parange < ips)
		ips = parange;
	if (maxphyaddr && (maxphyaddr < 32 || maxphyaddr > 52))
		return vml_error_create(VML_ERROR_INVALID,
					"physical address size %" PRIu32
					" is outside 32..52", maxphyaddr);
	p->maxphyaddr = maxphyaddr && maxphyaddr < ips ? maxphyaddr : ips;

	p->arch_flags = (ds ? F_DS : 0) | ((tcr & TCR_HD) ? F_HD : 0) |
			((tcr & TCR_HA) ? F_HA : 0) |
			((use1 ? hpd1 : hpd0) ? F_HPD : 0) |
			((sctlr & SCTLR_WXN) ? F_WXN : 0) |
			((use1 ? TCR_SH1(tcr) : TCR_SH0(tcr)) << F_SH_SHIFT);
	p->arch_regs[R_MAIR] = value[MAIR];

	struct root_shape s0 = { 0 }, s1 = { 0 };
	struct vml_error *err = NULL;
	if (use0)
		err = shape("TTBR0", TCR_T0SZ(tcr), g, g == 16 || ds, &s0);
	if (!err && use1)
		err = shape("TTBR1", TCR_T1SZ(tcr), g, g == 16 || ds, &s1);
	if (err)
		return err;
	p->levels = s0.levels > s1.levels ? s0.levels : s1.levels;
	for (uint32_t l = 1; l <= p->levels; l++)
		p->level[l] = (struct vml_pt_level){
			.shift = g + (g - 3) * (l - 1),
			.index_bits = g - 3,
			.name = level_names[l],
			.short_name = level_names[l],
		};
	p->entry_size = 8;
	/* The halves each TTBR translates, whether or not it is walked: an
	 * address between them is outside both (a translation fault). */
	unsigned user_bits = 64 - TCR_T0SZ(tcr), kernel_bits = 64 - TCR_T1SZ(tcr);
	if (user_bits > 52)
		user_bits = 52;
	if (kernel_bits > 52)
		kernel_bits = 52;
	p->user_end = UINT64_C(1) << user_bits;
	p->kernel_start = ~((UINT64_C(1) << kernel_bits) - 1);
	p->va_bits = use1 ? s1.va_bits : s0.va_bits;
	p->nroots = 0;
	if (use0) {
		uint64_t table;
		err = root_table("TTBR0_EL1", value[TTBR0], p, &s0, &table);
		if (err)
			return err;
		p->roots[p->nroots++] = (struct vml_pt_root){
			.table = table,
			.va_base = 0,
			.name = "TTBR0_EL1",
			.key = "ttbr0_el1",
			.levels = s0.levels,
			.index_bits = s0.top_bits,
		};
	}
	if (use1) {
		uint64_t table;
		err = root_table("TTBR1_EL1", value[TTBR1], p, &s1, &table);
		if (err)
			return err;
		p->roots[p->nroots++] = (struct vml_pt_root){
			.table = table,
			.va_base = p->kernel_start,
			.name = "TTBR1_EL1",
			.key = "ttbr1_el1",
			.levels = s1.levels,
			.index_bits = s1.top_bits,
		};
	}
	/* Execute-never is always enforced. */
	p->nx = true;
	p->nx_key = "xn";
	p->nx_off_note = "";

	int n = snprintf(p->mode_text, sizeof(p->mode_text), "%uK granule, ",
			 1u << (g - 10));
	size_t len = n > 0 ? (size_t)n : 0;
	if (use0 && use1 && s0.va_bits == s1.va_bits)
		n = snprintf(p->mode_text + len, sizeof(p->mode_text) - len,
			     "%u-bit VAs, %u levels from L%d",
			     s1.va_bits, s1.levels, 4 - (int)s1.levels);
	else
		n = snprintf(p->mode_text + len, sizeof(p->mode_text) - len,
			     "TTBR0 %s%u-bit/%u levels, TTBR1 %s%u-bit/%u"
			     " levels", use0 ? "" : "off, ", s0.va_bits,
			     s0.levels, use1 ? "" : "off, ", s1.va_bits,
			     s1.levels);
	len += n > 0 ? (size_t)n : 0;
	if (len < sizeof(p->mode_text))
		snprintf(p->mode_text + len, sizeof(p->mode_text) - len,
			 ", %" PRIu32 "-bit PAs%s%s%s", p->maxphyaddr,
			 ds ? ", LPA2" : "", (sctlr & SCTLR_WXN) ? ", WXN" : "",
			 (tcr & TCR_HD) ? ", HW dirty" : "");
	return NULL;
}

/* ------------------------------------------------------------ text */

static const char *const memtype_names[VML_PT_MEMTYPE_COUNT] = {
	NULL, "Normal-WB", "Normal-WT", "Normal-NC", "Normal-Tagged",
	"Normal-mixed", "Device-nGnRnE", "Device-nGnRE", "Device-nGRE",
	"Device-GRE", "reserved-attr",
};

static const char *const sh_names[4] = {
	"non-shareable", "reserved-sh", "outer-shareable", "inner-shareable",
};

/* The whereis walk: one descriptor in the Arm ARM's words. */
static void format_entry(const struct vml_paging *p, uint32_t level,
			 uint64_t e, struct vml_strbuf *sb)
{
	if (!(e & D_VALID)) {
		vml_sb_puts(sb, " invalid");
		return;
	}
	if (level > 1 && (e & D_TABLE)) {
		vml_sb_printf(sb, " TABLE APTable=%u%u %sPXNTable %sUXNTable%s",
			      (unsigned)(e >> 62) & 1, (unsigned)(e >> 61) & 1,
			      e & D_PXNTABLE ? "" : "-",
			      e & D_UXNTABLE ? "" : "-",
			      p->arch_flags & F_HPD ? " (ignored: HPD)" : "");
		return;
	}
	struct vml_pt_entry d;
	decode_entry(p, level, e, &d);
	unsigned ap = (unsigned)(e >> D_AP_SHIFT) & 3;
	static const char *const ap_text[] = {
		"EL1 rw, EL0 --", "EL1 rw, EL0 rw", "EL1 r-, EL0 --",
		"EL1 r-, EL0 r-",
	};
	unsigned idx = (unsigned)(e >> D_ATTRINDX_SHIFT) & 7;
	uint32_t mt = (d.flags & VML_PT_MEMTYPE_MASK) >> VML_PT_MEMTYPE_SHIFT;
	vml_sb_printf(sb, " %s%s %sAF %snG AP=%u%u(%s)",
		      level == 1 ? "PAGE" : "BLOCK",
		      d.reserved ? (level == 1 && !(e & D_TABLE) ?
				    "(reserved: bit 1 clear)" :
				    d.addr >> p->maxphyaddr ?
				    "(address size fault)" :
				    "(not allowed at this level)") : "",
		      e & D_AF ? "" : "-", e & D_NG ? "" : "-", ap >> 1, ap & 1,
		      ap_text[ap]);
	if (!(p->arch_flags & F_DS))
		vml_sb_printf(sb, " SH=%s",
			      sh_names[(e >> D_SH_SHIFT) & 3]);
	vml_sb_printf(sb, " AttrIndx=%u(%s) %sDBM %sCONT %sPXN %sUXN", idx,
		      memtype_names[mt] ? memtype_names[mt] : "?",
		      e & D_DBM ? "" : "-", e & D_CONT ? "" : "-",
		      e & D_PXN ? "" : "-", e & D_UXN ? "" : "-");
}

/* whereis "effective:" as each exception level sees the mapping. */
static void format_effective(const struct vml_paging *p, uint32_t f,
			     struct vml_strbuf *sb)
{
	(void)p;
	bool w = f & VML_PT_WRITE, u = f & VML_PT_USER;
	uint32_t mt = (f & VML_PT_MEMTYPE_MASK) >> VML_PT_MEMTYPE_SHIFT;
	vml_sb_printf(sb, "EL1 r%c%c, EL0 %c%c%c%s%s, %s %s", w ? 'w' : '-',
		      f & VML_PT_NX ? '-' : 'x', u ? 'r' : '-',
		      u && w ? 'w' : '-', f & VML_PT_UXN ? '-' : 'x',
		      f & VML_PT_GLOBAL ? ", global" : ", non-global (ASID)",
		      f & VML_PT_CONT ? ", contiguous" : "",
		      memtype_names[mt] ? memtype_names[mt] : "?",
		      sh_names[(f & VML_PT_SH_MASK) >> VML_PT_SH_SHIFT]);
}

static const struct vml_arch_bit entry_bits[] = {
	{ VML_PT_PRESENT, "valid" }, { VML_PT_USER, "user" },
	{ VML_PT_WRITE, "write" }, { VML_PT_NX, "pxn" }, { VML_PT_UXN, "uxn" },
	{ VML_PT_ACCESSED, "af" }, { VML_PT_GLOBAL, "global" },
	{ VML_PT_CONT, "cont" }, { VML_PT_DBM, "dbm" },
};

#define COL(flag, on, off) { flag, flag, on }, { flag, 0, off }
#define MT(t, name) { VML_PT_MEMTYPE_MASK, (uint32_t)(t) << VML_PT_MEMTYPE_SHIFT, name }
#define SH(v, name) { VML_PT_SH_MASK, (uint32_t)(v) << VML_PT_SH_SHIFT, name }
/* Like the kernel's arm64 ptdump (arch/arm64/mm/ptdump.c), plus SH kinds. */
static const struct vml_arch_column ptdump_columns[] = {
	COL(VML_PT_USER, "USR", "   "), COL(VML_PT_WRITE, "RW", "ro"),
	COL(VML_PT_NX, "PXN", "   "), COL(VML_PT_UXN, "UXN", "   "),
	SH(0, "NSH"), SH(1, "?SH"), SH(2, "OSH"), SH(3, "ISH"),
	COL(VML_PT_GLOBAL, "  ", "NG"), COL(VML_PT_CONT, "CON", "   "),
	COL(VML_PT_DBM, "DBM", "   "), COL(VML_PT_PS, "BLK", "   "),
	MT(VML_PT_MEM_NORMAL_WB, "MEM/NORMAL"),
	MT(VML_PT_MEM_NORMAL_WT, "MEM/NORMAL-WT"),
	MT(VML_PT_MEM_NORMAL_NC, "MEM/NORMAL-NC"),
	MT(VML_PT_MEM_NORMAL_TAGGED, "MEM/NORMAL-TAGGED"),
	MT(VML_PT_MEM_NORMAL_MIXED, "MEM/NORMAL-MIXED"),
	MT(VML_PT_MEM_DEVICE_nGnRnE, "DEVICE/nGnRnE"),
	MT(VML_PT_MEM_DEVICE_nGnRE, "DEVICE/nGnRE"),
	MT(VML_PT_MEM_DEVICE_nGRE, "DEVICE/nGRE"),
	MT(VML_PT_MEM_DEVICE_GRE, "DEVICE/GRE"),
	MT(VML_PT_MEM_RESERVED, "MEM/RESERVED"),
};
#undef COL
#undef MT
#undef SH

static const struct vml_arch_bit json_bits[] = {
	{ VML_PT_USER, "user" }, { VML_PT_WRITE, "write" }, { VML_PT_NX, "nx" },
	{ VML_PT_UXN, "uxn" }, { VML_PT_GLOBAL, "global" },
	{ VML_PT_CONT, "cont" }, { VML_PT_DBM, "dbm" },
};

static const char *const aliases[] = { "aarch64", "arm64", NULL };

/* struct elf_prstatus, elf_prpsinfo and siginfo_t of AArch64 Linux
 * (<sys/procfs.h>: the same generic layout as x86-64's; pr_reg is struct
 * user_pt_regs, x0..x30 then sp (31) and pc (32)). */
static const struct vml_arch_core_notes core_notes = {
	.prstatus_cursig = 12,
	.prstatus_pid = 32,
	.prstatus_reg = 112,
	.reg_size = 8,
	.reg_sp = 31,
	.reg_ip = 32,
	.prpsinfo_size = 136,
	.prpsinfo_pid = 24,
	.prpsinfo_fname = 40,
	.prpsinfo_psargs = 56,
	.siginfo_signo = 0,
	.siginfo_code = 8,
	.siginfo_addr = 16,
};

const struct vml_arch vml_arch_aarch64 = {
	.id = VML_ARCH_AARCH64,
	.name = "aarch64",
	.aliases = aliases,
	.elf_machine = EM_AARCH64,
	.elf_class = ELFCLASS64,
	.pointer_size = 8,
	.bfd_arch = bfd_arch_aarch64,
	.bfd_mach = bfd_mach_aarch64,
	.big_endian = false,
	.insn_max = 4,
	.paging_registers = registers,
	.paging_from_registers = paging_from_registers,
	.decode_entry = decode_entry,
	.combine = combine,
	.initial_flags = VML_PT_USER | VML_PT_WRITE,
	.leaf_flags = leaf_flags,
	.user_nx_flag = VML_PT_UXN,
	.halves = halves,
	.entry_bits = entry_bits,
	.nentry_bits = VML_ARRAY_SIZE(entry_bits),
	.pkey_name = NULL,
	.ptdump_columns = ptdump_columns,
	.nptdump_columns = VML_ARRAY_SIZE(ptdump_columns),
	.json_bits = json_bits,
	.njson_bits = VML_ARRAY_SIZE(json_bits),
	.json_pkey = false,
	.memtype_names = memtype_names,
	.shareability_names = sh_names,
	.format_entry = format_entry,
	.format_effective = format_effective,
	.process = {
		.va_bits = 48,
		.wide_va_bits = 52,
		.red_zone = 0,                 /* AAPCS64 has none */
		.null_guard_end = 0x8000,      /* Debian's vm.mmap_min_addr */
		.noncanonical_fault = "a translation fault",
		.space_last = UINT64_MAX,
	},
	.kernel = &vml_kernel_class_aarch64,
	.core = &core_notes,
};
