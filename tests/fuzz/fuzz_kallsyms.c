/* fuzz_kallsyms.c — libFuzzer target for the kallsyms parser (kallsyms.c)
 * and the symbol index over it (ksyms.c): arbitrary bytes as a copy of
 * kernel-image memory. Whatever the bytes, the parser returns an error or
 * tables that hold together: names inside the names buffer, relocatable
 * addresses ascending, _text inside the image; lookups by address answer
 * a symbol at or below the address, lookups by name the same name. The
 * first byte picks the word size (a 64-bit or a 32-bit kernel). */
// run-fuzz: max_len=65536
#include <string.h>

#include "arch.h"
#include "ksyms.h"

#define VA UINT64_C(0xffffffff82000000)
#define IMAGE_LO UINT64_C(0xffffffff81000000)
#define IMAGE_HI UINT64_C(0xffffffff84000000)

static void check_tables(const struct vml_kallsyms *t, unsigned ptr_size)
{
	if (t->count == 0 || t->count > VML_KALLSYMS_MAX_SYMS)
		__builtin_trap();
	uint64_t prev = 0;
	for (size_t i = 0; i < t->count; i++) {
		const struct vml_kallsyms_sym *s = &t->syms[i];
		if (s->name >= t->names_size ||
		    !memchr(t->names + s->name, 0, t->names_size - s->name))
			__builtin_trap();
		if (s->absolute)
			continue;
		if (s->addr < prev)
			__builtin_trap();
		prev = s->addr;
		if (ptr_size == 4 && s->addr > UINT32_MAX &&
		    t->addrs == VML_KALLSYMS_ABSOLUTE)
			__builtin_trap();
	}
}

static void check_index(const struct vml_ksyms *ks, uint64_t probe)
{
	uint64_t size;
	size_t i = vml_ksyms_at(ks, probe, &size);
	if (i != SIZE_MAX) {
		const struct vml_kallsyms_sym *s = &ks->kallsyms->syms[i];
		if (i >= ks->kallsyms->count || s->addr > probe || s->absolute)
			__builtin_trap();
		const char *name = vml_kallsyms_name(ks->kallsyms, i);
		const struct vml_kallsyms_sym *n = vml_ksyms_named(ks, name);
		if (!n || strcmp(vml_kallsyms_name(ks->kallsyms,
						   (size_t)(n - ks->kallsyms->syms)),
				 name))
			__builtin_trap();
		char buf[64];
		if (!vml_ksyms_format(ks, probe, buf, sizeof(buf)))
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned ptr_size = (data[0] & 1) ? 4 : 8;
	uint64_t va = ptr_size == 8 ? VA : 0xc2000000;
	uint64_t lo = ptr_size == 8 ? IMAGE_LO : 0xc1000000;
	uint64_t hi = ptr_size == 8 ? IMAGE_HI : 0xc4000000;
	struct vml_kallsyms *t = NULL;
	struct vml_error *err = vml_kallsyms_parse(data + 1, size - 1, va,
						   ptr_size, lo, hi, &t);
	if (err) {
		if (vml_error_code(err) != VML_ERROR_NOT_FOUND &&
		    vml_error_code(err) != VML_ERROR_NOMEM)
			__builtin_trap();
		vml_error_free(err);
		return 0;
	}
	check_tables(t, ptr_size);
	struct vml_ksyms *ks = NULL;
	err = vml_ksyms_from_kallsyms(&vml_arch_x86_64, t, va, lo, hi, &ks);
	if (err) {
		vml_error_free(err);
		return 0;
	}
	for (size_t i = 0; i < t->count && i < 16; i++) {
		check_index(ks, t->syms[i].addr);
		check_index(ks, t->syms[i].addr + 1);
		check_index(ks, t->syms[i].addr - 1);
	}
	check_index(ks, 0);
	check_index(ks, UINT64_MAX);
	vml_ksyms_free(ks);
	return 0;
}
