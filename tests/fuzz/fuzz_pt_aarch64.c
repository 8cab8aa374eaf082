/*
 * fuzz_pt_aarch64.c — libFuzzer target for the walker with AArch64 paging.
 *
 * Input: 8 header bytes, then physical memory starting at address 0.
 *   byte 0: granule (bits 1:0: 4K, 16K, 64K, 4K) for both halves; bit 2
 *           TCR_EL1.DS (LPA2); bit 3 TCR_EL1.HD; bit 4 HPD0+HPD1; bit 5
 *           SCTLR_EL1.WXN; bit 6 EPD0; bit 7 EPD1
 *   byte 1: T0SZ = 12 + byte % 37 (12..48, some refused)
 *   byte 2: T1SZ the same way
 *   byte 3: TCR_EL1.IPS (bits 2:0) and PARange (bits 6:4)
 *   byte 4: TTBR0_EL1 page index (4 KiB pages; may be misaligned for its
 *           table, or past the memory: unreadable root)
 *   byte 5: TTBR1_EL1 page index
 *   byte 6: MAIR_EL1 byte pattern (every attribute the same)
 *   byte 7: seed for one extra address to translate
 * The same invariants as fuzz_pt.c (pt_checks.h): sorted disjoint ranges
 * inside the levels, translate agrees with the walk, the reverse lookup
 * finds the walk's mappings, errors only of the kinds allowed.
 */
// run-fuzz: max_len=36872
#include "pt_checks.h"

#define HEADER 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER)
		return 0;
	const uint8_t *mem = data + HEADER;
	size_t len = size - HEADER;
	static const uint64_t tg0[] = { 0, 2, 1, 0 };   /* 4K 16K 64K 4K */
	static const uint64_t tg1[] = { 2, 1, 3, 2 };
	unsigned g = data[0] & 3;
	uint64_t tcr = (12 + data[1] % 37) | tg0[g] << 14 |
		       (uint64_t)(12 + data[2] % 37) << 16 | tg1[g] << 30 |
		       (uint64_t)(data[3] & 7) << 32;
	if (data[0] & 4)
		tcr |= UINT64_C(1) << 59;
	if (data[0] & 8)
		tcr |= UINT64_C(1) << 40;
	if (data[0] & 16)
		tcr |= UINT64_C(3) << 41;
	if (data[0] & 64)
		tcr |= UINT64_C(1) << 7;
	if (data[0] & 128)
		tcr |= UINT64_C(1) << 23;
	struct vml_named_value regs[] = {
		{ "TTBR0_EL1", (uint64_t)data[4] * 4096 },
		{ "TTBR1_EL1", (uint64_t)data[5] * 4096 },
		{ "TCR_EL1", tcr },
		{ "MAIR_EL1", (uint64_t)data[6] * UINT64_C(0x0101010101010101) },
		{ "SCTLR", 1 | (data[0] & 32 ? UINT64_C(1) << 19 : 0) },
		{ "ID_AA64MMFR0_EL1", (uint64_t)(data[3] >> 4) & 7 },
	};
	struct vml_paging *cfg;
	struct vml_error *err = vml_paging_from_registers(
		VML_ARCH_AARCH64, regs, 6, 0, &cfg);
	if (err) {
		/* Refused configurations: only with a clear error. */
		enum vml_error_code code = vml_error_code(err);
		check(code == VML_ERROR_INVALID || code == VML_ERROR_UNSUPPORTED ||
		      code == VML_ERROR_NOMEM);
		vml_error_free(err);
		return 0;
	}
	/* Tables of 16K and 64K granules are not 4 KiB pages: not counted. */
	check_pt_walk(cfg, mem, len, false,
		      (uint64_t)data[7] * UINT64_C(0x0101010101010101) << 12);
	return 0;
}
