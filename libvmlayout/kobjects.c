/*
 * kobjects.c — the reads every walker of kernel objects shares (a word, a
 * 32-bit value, a struct member located by BTF, a global variable located
 * by kallsyms) and vml_kobj_describe, which asks the walkers in turn what
 * holds an address: a module, a CPU's per-CPU unit, a task's stack, a
 * vmalloc area, a page of the direct map (a slab object).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "arch.h"
#include "kobjects.h"

/* The kernel's memory through its page-table walk (kmem.c). */
static bool kernel_read(void *arg, uint64_t va, void *buf, size_t len)
{
	struct vml_error *err = vml_kernel_read(arg, va, buf, len);
	if (err) {
		vml_error_free(err);
		return false;
	}
	return true;
}

static bool kernel_phys(void *arg, uint64_t va, uint64_t *pa_ret)
{
	struct vml_error *err = vml_kernel_virt_to_phys(arg, va, pa_ret, NULL);
	if (err) {
		vml_error_free(err);
		return false;
	}
	return true;
}

bool vml_kobj_init(struct vml_kobj *c, const struct vml_kernel *k)
{
	memset(c, 0, sizeof(*c));
	if (!k || !k->source || !k->ksyms || !k->ksyms->btf)
		return false;
	c->read = kernel_read;
	c->phys = kernel_phys;
	c->read_arg = (void *)k;
	c->ks = k->ksyms;
	c->btf = k->ksyms->btf;
	c->ptr_size = k->paging.arch->pointer_size;
	c->big_endian = k->paging.arch->big_endian;
	return true;
}

bool vml_kobj_read(struct vml_kobj *c, uint64_t va, void *buf, size_t len)
{
	uint64_t last;
	if (len && vml_add_overflows(va, len - 1, &last))
		return false;
	c->reads++;
	return c->read(c->read_arg, va, buf, len);
}

bool vml_kobj_string(struct vml_kobj *c, uint64_t va, char *buf,
		     size_t size)
{
	if (!size)
		return false;
	buf[0] = '\0';
	size_t n = 0;
	while (n + 1 < size) {
		/* Up to the end of the page: never read a page the string
		 * does not reach. */
		size_t chunk = 4096 - ((va + n) & 4095);
		if (chunk > size - 1 - n)
			chunk = size - 1 - n;
		if (!vml_kobj_read(c, va + n, buf + n, chunk)) {
			buf[n] = '\0';
			return false;
		}
		if (memchr(buf + n, '\0', chunk))
			break;
		n += chunk;
	}
	buf[size - 1] = '\0';
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
	return true;
}

static uint64_t from_bytes(const struct vml_kobj *c, const uint8_t *b,
			   unsigned size)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v = v << 8 | b[c->big_endian ? i : size - 1 - i];
	return v;
}

bool vml_kobj_word(struct vml_kobj *c, uint64_t va, uint64_t *ret)
{
	uint8_t b[8];
	if (c->ptr_size > 8 || !vml_kobj_read(c, va, b, c->ptr_size))
		return false;
	*ret = from_bytes(c, b, c->ptr_size);
	return true;
}

bool vml_kobj_u32(struct vml_kobj *c, uint64_t va, uint32_t *ret)
{
	uint8_t b[4];
	if (!vml_kobj_read(c, va, b, sizeof(b)))
		return false;
	*ret = (uint32_t)from_bytes(c, b, 4);
	return true;
}

bool vml_kobj_off(struct vml_kobj *c, const char *type,
		  const char *path, uint64_t *ret)
{
	return vml_btf_offset(c->btf, type, path, ret);
}

bool vml_kobj_member(struct vml_kobj *c, uint64_t base,
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

bool vml_kobj_global(struct vml_kobj *c, const char *name,
		     uint64_t *ret)
{
	uint64_t at = vml_ksyms_addr(c->ks, name);
	return at && vml_kobj_word(c, at, ret);
}

void vml_kobj_describe_in(struct vml_kobj *c, uint64_t addr, uint32_t kind,
			  bool writable, char *desc, size_t dsize, char *sym,
			  size_t ssize, bool *has_sym)
{
	if (dsize)
		desc[0] = '\0';
	if (ssize)
		sym[0] = '\0';
	*has_sym = false;
	if (kind == VML_KIND_MODULES || kind == VML_KIND_KERNEL_TEXT) {
		/* Modules live here (and, on some kernels, next to the image). */
		if (vml_kmod_describe(c, addr, desc, dsize, sym, ssize)) {
			*has_sym = ssize && sym[0] != '\0';
			return;
		}
	}
	/* In the image only its writable data can be a stack (init_task's
	 * init_stack, the idle task of CPU 0). */
	if (kind == VML_KIND_KERNEL_TEXT && !writable) {
		vml_kpage_describe_mapped(c, addr, desc, dsize);
		return;
	}
	/* A CPU's per-CPU unit: the first chunk is in the direct map, the
	 * others in vmalloc space. */
	if (vml_kpercpu_describe(c, addr, desc, dsize))
		return;
	if (kind != VML_KIND_VMALLOC && kind != VML_KIND_DIRECT_MAP &&
	    kind != VML_KIND_KERNEL_TEXT) {
		vml_kpage_describe_mapped(c, addr, desc, dsize);
		return;
	}
	struct vml_ktask t;
	char task[256] = "";
	if (vml_ktask_by_stack(c, addr, &t))
		vml_ktask_format(&t, addr, task, sizeof(task));
	struct vml_vmarea a;
	char area[256] = "";
	if (kind == VML_KIND_VMALLOC && vml_kvmalloc_find(c, addr, &a))
		vml_kvmalloc_format(c, &a, area, sizeof(area));
	/* A direct-map address: its page (a slab object, page cache ...). */
	char page[320] = "";
	if (kind == VML_KIND_DIRECT_MAP && !task[0])
		vml_kpage_describe(c, addr, page, sizeof(page));
	if (task[0] && area[0])
		snprintf(desc, dsize, "%s; %s", task, area);
	else
		snprintf(desc, dsize, "%s%s", task[0] ? task : area, page);
	/* Nothing else known: the page it maps, through the page tables. */
	if (dsize && !desc[0] && kind != VML_KIND_DIRECT_MAP)
		vml_kpage_describe_mapped(c, addr, desc, dsize);
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
	const struct vml_pt_range *r = vml_kernel_range_at(k, addr);
	vml_kobj_describe_in(&c, addr, vml_kernel_kind_at(k, addr),
			     r && (r->flags & VML_PT_WRITE), desc, dsize, sym,
			     ssize, has_sym);
	return NULL;
}
