/*
 * fuzz_pt.c — libFuzzer target for the page-table walker.
 *
 * Input: 4 header bytes, then physical memory starting at address 0.
 *   byte 0: bit 0 -> CR4.LA57 (5-level paging), bit 1 -> EFER.NXE,
 *           bits 7:4 -> CR3's low bits (PCID: ignored by the walk)
 *   byte 1: MAXPHYADDR = 32 + byte % 21 (32..52)
 *   byte 2: CR3 page index (may point past the memory: unreadable root)
 *   byte 3: seed for one extra address to translate
 * The paging comes from those raw registers through
 * vml_paging_from_registers, as a debugger makes it. Besides memory
 * safety, it checks what must hold for any tables (pt_checks.h).
 */
// run-fuzz: max_len=36868
#include "pt_checks.h"

#define HEADER 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < HEADER)
		return 0;
	const uint8_t *mem = data + HEADER;
	size_t len = size - HEADER;
	struct vml_named_value regs[] = {
		{ "cr3", (uint64_t)data[2] * 4096 | (data[0] >> 4) },
		{ "cr4", data[0] & 1 ? UINT64_C(1) << 12 : 0 },
		{ "efer", data[0] & 2 ? UINT64_C(1) << 11 : 0 },
	};
	struct vml_paging *cfg;
	struct vml_error *err = vml_paging_from_registers(
		VML_ARCH_X86_64, regs, 3, 32 + data[1] % 21, &cfg);
	if (err) {
		/* Roots below 1 MiB fit every width from 32 bits. */
		check(err == &vml_enomem);
		return 0;
	}
	check_pt_walk(cfg, mem, len, true,
		      (uint64_t)data[3] * UINT64_C(0x0101010101010101) << 12);
	return 0;
}
