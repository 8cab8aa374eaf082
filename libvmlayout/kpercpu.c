/*
 * kpercpu.c — per-CPU areas. Each possible CPU has a unit of
 * pcpu_unit_size bytes starting at __per_cpu_offset[cpu] + __per_cpu_start
 * (a per-CPU pointer p of CPU n is p + __per_cpu_offset[n]); an address in
 * one names the CPU and, from the per-CPU offset, the per-CPU symbol
 * (kallsyms: absolute on kernels that keep per-CPU symbols as offsets) or
 * the module whose per-CPU data it is. Each CPU's current task comes from
 * pcpu_hot.current_task (x86-64 since 6.2, and 6.1 stable) or the older
 * current_task, whichever the kernel's kallsyms and BTF have.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kobjects.h"

bool vml_kpercpu_read(struct vml_kobj *c, struct vml_percpu *ret)
{
	memset(ret, 0, sizeof(*ret));
	uint64_t offs = vml_ksyms_addr(c->ks, "__per_cpu_offset");
	uint64_t nr_at = vml_ksyms_addr(c->ks, "nr_cpu_ids");
	uint32_t nr = 1;
	if (!offs)
		return false;       /* a uniprocessor kernel */
	if (nr_at && !vml_kobj_u32(c, nr_at, &nr))
		return false;
	if (nr == 0 || nr > VML_KOBJ_MAX_CPUS)
		return false;
	ret->ncpus = nr;
	size_t n = nr < 64 ? nr : 64;
	for (size_t i = 0; i < n; i++)
		if (!vml_kobj_word(c, offs + i * c->ptr_size, &ret->offsets[i]))
			return false;
	uint64_t us = vml_ksyms_addr(c->ks, "pcpu_unit_size");
	uint32_t unit = 0;
	if (us && vml_kobj_u32(c, us, &unit))
		ret->unit_size = unit;
	ret->start = vml_ksyms_addr(c->ks, "__per_cpu_start");
	ret->end = vml_ksyms_addr(c->ks, "__per_cpu_end");
	return true;
}

bool vml_kpercpu_current(struct vml_kobj *c,
			 const struct vml_percpu *pc, uint32_t cpu,
			 uint64_t *task_ret)
{
	if (cpu >= pc->ncpus || cpu >= 64)
		return false;
	uint64_t var, off = 0;
	const struct vml_kallsyms_sym *s = vml_ksyms_named(c->ks, "pcpu_hot");
	if (s && vml_kobj_off(c, "pcpu_hot", "current_task", &off)) {
		var = s->addr + off;
	} else {
		s = vml_ksyms_named(c->ks, "current_task");
		if (!s)
			return false;
		var = s->addr;
	}
	return vml_kobj_word(c, var + pc->offsets[cpu], task_ret);
}

/* The per-CPU symbol at per-CPU offset off: kernels with absolute per-CPU
 * symbols list them as values, others at their link addresses. */
static bool percpu_symbol(struct vml_kobj *c, uint64_t off, char *buf,
			  size_t size)
{
	const struct vml_kallsyms *t = c->ks->kallsyms;
	if (t->addrs != VML_KALLSYMS_ABS_PERCPU)
		return vml_ksyms_format(c->ks, off, buf, size);
	size_t best = SIZE_MAX;
	for (size_t i = 0; i < t->count; i++) {
		const struct vml_kallsyms_sym *s = &t->syms[i];
		if (!s->absolute || s->addr > off)
			continue;
		if (best == SIZE_MAX || s->addr > t->syms[best].addr)
			best = i;
	}
	if (best == SIZE_MAX)
		return false;
	uint64_t d = off - t->syms[best].addr;
	if (d)
		snprintf(buf, size, "%s+0x%" PRIx64,
			 vml_kallsyms_name(t, best), d);
	else
		snprintf(buf, size, "%s", vml_kallsyms_name(t, best));
	return true;
}

bool vml_kpercpu_describe(struct vml_kobj *c, uint64_t addr,
			  char *buf, size_t size)
{
	struct vml_percpu pc;
	if (!vml_kpercpu_read(c, &pc) || !pc.unit_size)
		return false;
	uint32_t n = pc.ncpus < 64 ? pc.ncpus : 64;
	for (uint32_t cpu = 0; cpu < n; cpu++) {
		uint64_t unit = pc.offsets[cpu] + pc.start;
		if (addr < unit || addr - unit >= pc.unit_size)
			continue;
		uint64_t off = addr - pc.offsets[cpu];
		char sym[160] = "";
		if (off < pc.end && off >= pc.start) {
			if (!percpu_symbol(c, off, sym, sizeof(sym)))
				sym[0] = '\0';
		} else if (!vml_kmod_percpu(c, off, sym, sizeof(sym))) {
			sym[0] = '\0';
		}
		snprintf(buf, size, "per-CPU area of CPU %" PRIu32
			 " (unit 0x%" PRIx64 ", %" PRIu64 " bytes), per-CPU"
			 " offset 0x%" PRIx64 "%s%s", cpu, unit, pc.unit_size,
			 off, sym[0] ? ": " : "", sym);
		return true;
	}
	return false;
}
