/* fuzz_btf.c — libFuzzer target for the BTF reader (btf.c, over libbpf):
 * arbitrary bytes as the kernel's __start_BTF..__stop_BTF. A blob is
 * either refused (VML_ERROR_FORMAT) or answers member, size and enum
 * questions without reading outside it; a member found lies inside its
 * struct. */
// run-fuzz: max_len=65536
#include <bpf/libbpf.h>
#include <string.h>

#include "ksyms.h"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

static void member(const struct vml_btf *b, const char *type,
		   const char *path)
{
	struct vml_btf_field f;
	uint64_t size;
	if (vml_btf_member(b, type, path, &f) &&
	    (!vml_btf_size(b, type, &size) || f.offset > size ||
	     f.size > size - f.offset))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	if (!init) {
		libbpf_set_print(quiet);
		init = true;
	}
	struct vml_btf *b = NULL;
	struct vml_error *err = vml_btf_from_bytes(data, size, &b);
	if (err) {
		if (vml_error_code(err) != VML_ERROR_FORMAT &&
		    vml_error_code(err) != VML_ERROR_NOMEM)
			__builtin_trap();
		vml_error_free(err);
		return 0;
	}
	static const char *const q[][2] = {
		{ "task_struct", "thread.sp" }, { "task_struct", "pid" },
		{ "task_struct", "comm" }, { "thread_struct", "sp" },
		{ "list_head", "next" }, { "a", "b.c.d.e.f.g.h.i.j.k.l" },
	};
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		member(b, q[i][0], q[i][1]);
	uint64_t s, bit;
	uint32_t width;
	vml_btf_size(b, "task_struct", &s);
	/* A bit field stays inside its struct. */
	if (vml_btf_bitfield(b, "slab", "objects", &bit, &width) &&
	    (!width || width > 64 || !vml_btf_size(b, "slab", &s) ||
	     bit / 8 >= s || (bit + width + 7) / 8 > s))
		__builtin_trap();
	int64_t v;
	vml_btf_enum_value(b, "TASK_COMM_LEN", &v);
	const char *en = vml_btf_enum_name(b, "pageflags", 9);
	if (en)
		(void)strlen(en);
	vml_btf_summary(b);
	vml_btf_free(b);
	return 0;
}
