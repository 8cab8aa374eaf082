/*
 * fuzz_core.c — libFuzzer target for the ELF core reader.
 *
 * Feeds arbitrary bytes to vml_layout_from_core_buffer (headers, notes,
 * region building, pseudo names, classification) and, when a layout comes
 * back, reads through its memory source and asks for its core facts, so the
 * read path over damaged loads is exercised too; then renders it every way
 * (picture, table, JSON, summary, warnings, whereis at a few addresses, one
 * inside the vDSO, whose ELF image is then parsed from the core), so
 * the renderers meet hostile names and numbers. Seeds in
 * tests/fuzz/seeds_core/ are the tiny hand-built cores of
 * tests/unit/core_elf_test.c (VML_CORE_SEED_DIR=DIR ./unit_tests writes
 * them).
 *
 * Every core that parses is also asked why it crashed (vml_layout_crash:
 * its registers and siginfo are the fuzzer's bytes) and the answer is
 * rendered as text and JSON; and the input's first bytes, as text, go
 * through the x86 operand parser of both architectures with registers
 * made of the input, so garbage instruction text meets it too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A render must succeed (or run out of memory) and give a string. */
static void check_render(struct vml_error *err, char *out)
{
	if (err == &vml_enomem)
		return;
	if (err || !out)
		abort();
	vml_free(out);
}

static void render_all(struct vml_layout *layout, const struct vml_core_info *info)
{
	static const enum vml_format layout_formats[] = {
		VML_FORMAT_PICTURE, VML_FORMAT_TABLE, VML_FORMAT_JSON,
	};
	static const enum vml_format where_formats[] = {
		VML_FORMAT_TEXT, VML_FORMAT_JSON, VML_FORMAT_LINE,
	};
	char *out = NULL;
	for (size_t i = 0; i < sizeof(layout_formats) / sizeof(layout_formats[0]); i++) {
		struct vml_error *err = vml_render_layout(layout, layout_formats[i],
							  VML_RENDER_COLOR, &out);
		check_render(err, out);
	}
	check_render(vml_render_core_summary(layout, "core", &out), out);
	check_render(vml_render_layout_warnings(layout, &out), out);
	size_t n = vml_layout_count(layout);
	/* Inside the vDSO, when the core names one: its ELF image is parsed
	 * from the core's memory (elf_mem.c). */
	uint64_t vdso = 0x10;
	for (size_t i = 0; i < n; i++)
		if (vml_layout_region(layout, i)->kind == VML_KIND_VDSO)
			vdso = vml_layout_region(layout, i)->start + 0x10;
	uint64_t addrs[5] = {
		info->fault_addr, 0x10,
		n ? vml_layout_region(layout, 0)->start : 0,
		n ? vml_layout_region(layout, n - 1)->end : UINT64_MAX,
		vdso,
	};
	for (size_t a = 0; a < 5; a++) {
		struct vml_where w;
		struct vml_error *err = vml_layout_where(layout, addrs[a], &w,
							sizeof(w));
		if (err) {
			vml_error_free(err);
			continue;
		}
		for (size_t f = 0; f < sizeof(where_formats) / sizeof(where_formats[0]); f++)
			check_render(vml_render_where(layout, &w, sizeof(w), where_formats[f], 0, &out),
				     out);
	}
}

/* The crash explanation of a parsed core: an answer rendered both ways,
 * or one error line (no fatal signal, unsupported). */
static void explain(struct vml_layout *layout)
{
	struct vml_crash c;
	char *out = NULL;
	struct vml_error *err = vml_layout_crash(layout, &c, sizeof(c));
	if (err) {
		if (!vml_error_message(err))
			abort();
		vml_error_free(err);
		return;
	}
	if (!vml_crash_kind_name(c.kind))
		abort();
	check_render(vml_render_crash(layout, &c, sizeof(c), VML_FORMAT_TEXT, 0,
				      &out), out);
	check_render(vml_render_crash(layout, &c, sizeof(c), VML_FORMAT_JSON, 0,
				      &out), out);
}

struct fuzz_regs {
	const uint8_t *data;
	size_t size;
};

/* Any register name gets a value made of the input. */
static bool fuzz_reg(void *arg, const char *name, uint64_t *value)
{
	const struct fuzz_regs *r = arg;
	uint64_t v = strlen(name);
	for (size_t i = 0; i < 8 && i < r->size; i++)
		v = v << 8 | r->data[r->size - 1 - i];
	*value = v;
	return (v & 7) != 0;
}

static bool fuzz_mem(void *arg, uint64_t addr, void *buf, size_t len)
{
	(void)arg;
	memset(buf, (int)(addr & 0xff), len);
	return (addr & 1) == 0;
}

static void parse_operands(const uint8_t *data, size_t size)
{
	char text[200];
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
	memcpy(text, data, n);
	text[n] = '\0';
	struct fuzz_regs r = { data, size };
	struct vml_insn_facts f;
	vml_x86_insn_facts(&vml_arch_x86_64, text, 0x401000, 7, fuzz_reg,
			   fuzz_mem, &r, &f);
	if (f.nmem > VML_INSN_MAX_MEM)
		abort();
	for (size_t i = 0; i < f.nmem; i++)
		if (memchr(f.mem[i].text, '\0', sizeof(f.mem[i].text)) == NULL)
			abort();
	vml_x86_insn_facts(&vml_arch_i386, text, 0x8049000, 3, fuzz_reg,
			   fuzz_mem, &r, &f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_operands(data, size);
	/* A copy of exactly size bytes: ASan flags any read past the end. */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	struct vml_layout *layout = NULL;
	struct vml_error *err = vml_layout_from_core_buffer(copy, size, &layout);
	if (err) {
		/* Every error must carry a message. */
		if (!vml_error_message(err))
			abort();
		vml_error_free(err);
		free(copy);
		return 0;
	}
	struct vml_core_info info;
	if (!vml_layout_is_core(layout) ||
	    vml_layout_core_info(layout, &info, sizeof(info)))
		abort();
	uint8_t buf[64];
	size_t n = vml_layout_count(layout);
	for (size_t i = 0; i < n && i < 64; i++) {
		const struct vml_region *r = vml_layout_region(layout, i);
		if (r->start >= r->end)
			abort();
		if (layout->source) {
			struct vml_error *e = vml_source_read(layout->source,
							      VML_SPACE_VIRTUAL,
							      r->end - 1, buf, 1);
			vml_error_free(e);
			e = vml_source_read(layout->source, VML_SPACE_VIRTUAL,
					    r->start, buf, sizeof(buf));
			vml_error_free(e);
		}
	}
	render_all(layout, &info);
	explain(layout);
	vml_layout_free(layout);
	free(copy);
	return 0;
}
