/*
 * kobjects.c — the reads every walker of kernel objects shares (a word, a
 * 32-bit value, a struct member located by BTF, a global variable located
 * by kallsyms) and vml_kobj_describe, which asks the walkers in turn what
 * holds an address: a module, a CPU's per-CPU unit, a task's stack, a
 * vmalloc area.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"
#include "kobjects.h"

bool vml_kobj_init(struct vml_kobj *c, const struct vml_kernel *k)
{
	memset(c, 0, sizeof(*c));
	if (!k || !k->source || !k->ksyms || !k->ksyms->btf)
		return false;
	c->k = k;
	c->ks = k->ksyms;
	c->btf = k->ksyms->btf;
	c->ptr_size = k->paging.arch->pointer_size;
	return true;
}

bool vml_kobj_word(const struct vml_kobj *c, uint64_t va, uint64_t *ret)
{
	struct vml_error *err = vml_kernel_read_word(c->k, va, ret);
	if (err) {
		vml_error_free(err);
		return false;
	}
	return true;
}

bool vml_kobj_u32(const struct vml_kobj *c, uint64_t va, uint32_t *ret)
{
	uint8_t b[4];
	struct vml_error *err = vml_kernel_read(c->k, va, b, sizeof(b));
	if (err) {
		vml_error_free(err);
		return false;
	}
	bool be = c->k->paging.arch->big_endian;
	uint32_t v = 0;
	for (unsigned i = 0; i < 4; i++)
		v = v << 8 | b[be ? i : 3 - i];
	*ret = v;
	return true;
}

bool vml_kobj_off(const struct vml_kobj *c, const char *type,
		  const char *path, uint64_t *ret)
{
	return vml_btf_offset(c->btf, type, path, ret);
}

bool vml_kobj_member(const struct vml_kobj *c, uint64_t base,
		     const char *type, const char *path, uint64_t *ret)
{
	struct vml_btf_field f;
	uint64_t at;
	if (!vml_btf_member(c->btf, type, path, &f) ||
	    vml_add_overflows(base, f.offset, &at))
		return false;
	if (f.size == c->ptr_size)
		return vml_kobj_word(c, at, ret);
	if (f.size == 4) {
		uint32_t v;
		if (!vml_kobj_u32(c, at, &v))
			return false;
		*ret = v;
		return true;
	}
	return false;
}

bool vml_kobj_global(const struct vml_kobj *c, const char *name,
		     uint64_t *ret)
{
	uint64_t at = vml_ksyms_addr(c->ks, name);
	return at && vml_kobj_word(c, at, ret);
}

struct vml_error *vml_kobj_describe(const struct vml_kernel *k,
				    uint64_t addr, char *desc, size_t dsize,
				    char *sym, size_t ssize, bool *has_sym)
{
	struct vml_kobj c;
	if (dsize)
		desc[0] = '\0';
	*has_sym = false;
	if (!vml_kobj_init(&c, k))
		return NULL;
	uint32_t kind = vml_kernel_kind_at(k, addr);
	if (kind == VML_KIND_MODULES || kind == VML_KIND_KERNEL_TEXT) {
		/* Modules live here (and, on some kernels, next to the image). */
		if (vml_kmod_describe(&c, addr, desc, dsize, sym, ssize)) {
			*has_sym = sym[0] != '\0';
			return NULL;
		}
	}
	/* In the image only its writable data can be a stack (init_task's
	 * init_stack, the idle task of CPU 0). */
	if (kind == VML_KIND_KERNEL_TEXT) {
		const struct vml_pt_range *r = vml_kernel_range_at(k, addr);
		if (!r || !(r->flags & VML_PT_WRITE))
			return NULL;
	}
	/* A CPU's per-CPU unit: the first chunk is in the direct map, the
	 * others in vmalloc space. */
	if (vml_kpercpu_describe(&c, addr, desc, dsize))
		return NULL;
	if (kind != VML_KIND_VMALLOC && kind != VML_KIND_DIRECT_MAP &&
	    kind != VML_KIND_KERNEL_TEXT)
		return NULL;
	struct vml_ktask t;
	char task[256] = "";
	if (vml_ktask_by_stack(&c, addr, &t))
		vml_ktask_format(&t, addr, task, sizeof(task));
	struct vml_vmarea a;
	char area[256] = "";
	if (kind == VML_KIND_VMALLOC && vml_kvmalloc_find(&c, addr, &a))
		vml_kvmalloc_format(&c, &a, area, sizeof(area));
	if (task[0] && area[0])
		snprintf(desc, dsize, "%s; %s", task, area);
	else
		snprintf(desc, dsize, "%s", task[0] ? task : area);
	return NULL;
}
