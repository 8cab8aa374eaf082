/*
 * fuzz_vmcore.c — libFuzzer target for the kernel-dump reader (vmcore.c).
 *
 * Feeds arbitrary bytes to vml_vmcore_open_buffer (ELF header, program
 * headers, PT_NOTE notes: NT_PRSTATUS, QEMU's CPU state, VMCOREINFO; the
 * paging registers they give or the root VMCOREINFO names) and, when a
 * vmcore comes back, asks it everything the command line does: its facts,
 * VMCOREINFO keys, the kernel picture, the page-table walk and W+X view
 * (text and JSON), whereis at a few addresses (the pc, the mapped page of
 * the seeds, an unmapped and a non-canonical one) and a physical lookup,
 * so the walk meets the dump's hostile tables through its own source.
 * Seeds are the hand-made dumps of tests/fuzz/make_vmcore_seed.py,
 * written into the corpus by run-fuzz (QEMU's ELF with its CPU note, one
 * whose root comes from VMCOREINFO, kdump-compressed zlib and raw).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An answer is text or an error; never both, never neither. */
static void ask(const struct vml_vmcore *vc, uint32_t query, uint32_t format,
		uint64_t addr)
{
	struct vml_kernel_request req = {
		.query = query, .format = format, .addr = addr,
	};
	char *out = NULL;
	struct vml_error *err = vml_vmcore_answer(vc, &req, sizeof(req), &out);
	if (err) {
		if (out)
			abort();
		if (!vml_error_message(err) || strchr(vml_error_message(err),
						      '\n'))
			abort();
		vml_error_free(err);
		return;
	}
	if (!out)
		abort();
	vml_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vml_vmcore *vc = NULL;
	struct vml_error *err = vml_vmcore_open_buffer(data, size, &vc);
	if (err) {
		/* One line naming what is wrong. */
		const char *msg = vml_error_message(err);
		if (!msg || !*msg || strchr(msg, '\n'))
			abort();
		vml_error_free(err);
		return 0;
	}
	struct vml_vmcore_info info;
	if (vml_vmcore_get_info(vc, &info, sizeof(info)))
		abort();
	char value[64];
	(void)vml_vmcore_vmcoreinfo(vc, "SYMBOL(_stext)", value, sizeof(value));
	(void)vml_vmcore_vmcoreinfo(vc, "KERNELOFFSET", value, 1);
	uint8_t page[64];
	vml_error_free(vml_source_read(vml_vmcore_source(vc),
				       VML_SPACE_PHYSICAL, 0x100000, page,
				       sizeof(page)));
	static const uint32_t formats[] = { VML_FORMAT_TEXT, VML_FORMAT_JSON };
	for (size_t f = 0; f < 2; f++) {
		ask(vc, VML_KQUERY_LAYOUT, formats[f], 0);
		ask(vc, VML_KQUERY_PAGETABLES, formats[f], 0);
		ask(vc, VML_KQUERY_WX, formats[f], 0);
		ask(vc, VML_KQUERY_WHERE, formats[f], info.pc);
		ask(vc, VML_KQUERY_WHERE, formats[f], 0xffffffffa0000008u);
		ask(vc, VML_KQUERY_WHERE, formats[f], 0x10);
		ask(vc, VML_KQUERY_WHERE, formats[f], 0x8000000000000000u);
		ask(vc, VML_KQUERY_PHYS, formats[f], 0x105000);
	}
	struct vml_kernel *k = NULL;
	err = vml_vmcore_kernel(vc, &k);
	if (err)
		vml_error_free(err);
	vml_kernel_free(k);
	vml_vmcore_free(vc);
	return 0;
}
