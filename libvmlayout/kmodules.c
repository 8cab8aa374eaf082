/*
 * kmodules.c — loaded modules (the list at `modules`, linked by
 * module.list). Where a module's memory is, the kernel's BTF decides:
 * kernels before 6.4 give core_layout and init_layout (base, size and the
 * ends of text, read-only data and read-only-after-init data inside it);
 * newer ones give mem[], one {base, size} per enum mod_mem_type. A
 * module's symbols are its ELF symbol table as the kernel keeps it
 * (module.kallsyms -> symtab, num_symtab, strtab); the symbol format is
 * the ELF one (Elf64_Sym / Elf32_Sym), not a kernel struct.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "kobjects.h"

#define NAME_MAX_LEN 64

/* One part of a module's memory. */
struct part {
	uint64_t base, size;
	const char *name;
};

/* The parts of module mod (at most max). */
static size_t module_parts(struct vml_kobj *c, uint64_t mod,
			   struct part *parts, size_t max)
{
	size_t n = 0;
	struct vml_btf_field mem;
	if (vml_btf_member(c->btf, "module", "mem", &mem)) {
		static const char *const types[] = {
			"MOD_TEXT", "MOD_DATA", "MOD_RODATA",
			"MOD_RO_AFTER_INIT", "MOD_INIT_TEXT", "MOD_INIT_DATA",
			"MOD_INIT_RODATA",
		};
		static const char *const names[] = {
			"text", "data", "rodata", "ro_after_init",
			"init text", "init data", "init rodata",
		};
		uint64_t base_off, size_off;
		if (!vml_kobj_off(c, "module_memory", "base", &base_off) ||
		    !vml_kobj_off(c, "module_memory", "size", &size_off))
			return 0;
		for (size_t i = 0; i < VML_ARRAY_SIZE(types) && n < max; i++) {
			int64_t idx;
			if (!vml_btf_enum_value(c->btf, types[i], &idx) ||
			    idx < 0 || (uint64_t)idx >= mem.count)
				continue;
			uint64_t at = mod + mem.offset +
				      (uint64_t)idx * mem.elem_size;
			uint64_t base, size;
			if (!vml_kobj_word(c, at + base_off, &base) ||
			    !vml_kobj_member(c, at, "module_memory", "size",
					     &size) || !base || !size)
				continue;
			parts[n++] = (struct part){ base, size, names[i] };
		}
		return n;
	}
	static const char *const layouts[] = { "core_layout", "init_layout" };
	for (size_t l = 0; l < 2; l++) {
		char path[64];
		uint64_t base, size, text = 0, ro = 0, roai = 0;
		snprintf(path, sizeof(path), "%s.base", layouts[l]);
		if (!vml_kobj_member(c, mod, "module", path, &base) || !base)
			continue;
		snprintf(path, sizeof(path), "%s.size", layouts[l]);
		if (!vml_kobj_member(c, mod, "module", path, &size) || !size)
			continue;
		snprintf(path, sizeof(path), "%s.text_size", layouts[l]);
		vml_kobj_member(c, mod, "module", path, &text);
		snprintf(path, sizeof(path), "%s.ro_size", layouts[l]);
		vml_kobj_member(c, mod, "module", path, &ro);
		snprintf(path, sizeof(path), "%s.ro_after_init_size",
			 layouts[l]);
		if (!vml_kobj_member(c, mod, "module", path, &roai))
			roai = ro;
		/* Each end no lower than the one before, none past size. */
		if (text > size)
			text = size;
		if (ro < text)
			ro = text;
		if (ro > size)
			ro = size;
		if (roai < ro)
			roai = ro;
		if (roai > size)
			roai = size;
		bool init = l == 1;
		struct part p[4] = {
			{ base, text, init ? "init text" : "text" },
			{ base + text, ro - text, init ? "init rodata" : "rodata" },
			{ base + ro, roai - ro, "ro_after_init" },
			{ base + roai, size - roai, init ? "init data" : "data" },
		};
		for (size_t i = 0; i < 4 && n < max; i++)
			if (p[i].size)
				parts[n++] = p[i];
	}
	return n;
}

/* Calls fn on each loaded module until it returns true. */
static bool each_module(struct vml_kobj *c,
			bool (*fn)(struct vml_kobj *, uint64_t, void *),
			void *arg)
{
	uint64_t head = vml_ksyms_addr(c->ks, "modules"), list_off, node;
	if (!head || !vml_kobj_off(c, "module", "list", &list_off) ||
	    !vml_kobj_word(c, head, &node))
		return false;
	for (unsigned i = 0; node != head && node && i < VML_KOBJ_MAX_MODULES;
	     i++) {
		if (fn(c, node - list_off, arg))
			return true;
		if (!vml_kobj_word(c, node, &node))
			return false;
	}
	return false;
}

static void module_name(struct vml_kobj *c, uint64_t mod, char *buf,
			size_t size)
{
	uint64_t off;
	buf[0] = '\0';
	if (!vml_kobj_off(c, "module", "name", &off))
		return;
	vml_kobj_string(c, mod + off, buf, size);
}

/* The module's symbol at or below addr, within [lo, hi): "name+0x4". */
static bool module_symbol(struct vml_kobj *c, uint64_t mod,
			  uint64_t addr, uint64_t lo, uint64_t hi, char *buf,
			  size_t size)
{
	uint64_t ksy, symtab, strtab, num;
	if (!vml_kobj_member(c, mod, "module", "kallsyms", &ksy) || !ksy ||
	    !vml_kobj_member(c, ksy, "mod_kallsyms", "symtab", &symtab) ||
	    !vml_kobj_member(c, ksy, "mod_kallsyms", "strtab", &strtab) ||
	    !vml_kobj_member(c, ksy, "mod_kallsyms", "num_symtab", &num))
		return false;
	bool wide = c->ptr_size == 8;
	size_t esize = wide ? 24 : 16;
	if (!num || num > VML_KOBJ_MAX_MODSYMS)
		return false;
	uint8_t *tab = malloc((size_t)num * esize);
	if (!tab)
		return false;
	if (!vml_kobj_read(c, symtab, tab, (size_t)num * esize)) {
		free(tab);
		return false;
	}
	bool be = c->big_endian;
	uint64_t best_val = 0;
	uint32_t best_name = 0;
	bool found = false;
	for (uint64_t i = 0; i < num; i++) {
		const uint8_t *e = tab + i * esize;
		/* Elf64_Sym: name u32, info u8, other u8, shndx u16, value,
		 * size; Elf32_Sym: name, value, size u32, info, other, shndx. */
		uint32_t name = 0;
		uint64_t value = 0;
		uint16_t shndx = 0;
		unsigned vo = wide ? 8 : 4, vs = wide ? 8 : 4, so = wide ? 6 : 14;
		for (unsigned b = 0; b < 4; b++)
			name = name << 8 | e[be ? b : 3 - b];
		for (unsigned b = 0; b < vs; b++)
			value = value << 8 | e[vo + (be ? b : vs - 1 - b)];
		shndx = (uint16_t)(be ? e[so] << 8 | e[so + 1] :
				   e[so + 1] << 8 | e[so]);
		unsigned type = e[wide ? 4 : 12] & 0xf;
		/* Defined functions and objects (and untyped labels). */
		if (!shndx || shndx >= 0xff00 || !name || type > 2)
			continue;
		if (value < lo || value >= hi || value > addr)
			continue;
		if (!found || value > best_val) {
			best_val = value;
			best_name = name;
			found = true;
		}
	}
	free(tab);
	if (!found)
		return false;
	char sname[128];
	if (!vml_kobj_string(c, strtab + best_name, sname, sizeof(sname)) ||
	    !sname[0])
		return false;
	if (addr == best_val)
		snprintf(buf, size, "%s", sname);
	else
		snprintf(buf, size, "%s+0x%" PRIx64, sname, addr - best_val);
	return true;
}

struct mod_find {
	uint64_t addr;
	char *desc, *sym;
	size_t dsize, ssize;
	bool found;
};

static bool find_in_module(struct vml_kobj *c, uint64_t mod, void *arg)
{
	struct mod_find *f = arg;
	struct part parts[16];
	size_t n = module_parts(c, mod, parts, VML_ARRAY_SIZE(parts));
	for (size_t i = 0; i < n; i++) {
		const struct part *p = &parts[i];
		if (f->addr < p->base || f->addr - p->base >= p->size)
			continue;
		char name[NAME_MAX_LEN];
		module_name(c, mod, name, sizeof(name));
		char sym[160] = "";
		if (module_symbol(c, mod, f->addr, p->base, p->base + p->size,
				  sym, sizeof(sym)) && f->sym)
			snprintf(f->sym, f->ssize, "%s [%s]", sym, name);
		snprintf(f->desc, f->dsize, "module %s: %s 0x%" PRIx64 "-0x%"
			 PRIx64 " +0x%" PRIx64 "%s%s", name, p->name, p->base,
			 p->base + p->size, f->addr - p->base,
			 sym[0] ? ", " : "", sym);
		f->found = true;
		return true;
	}
	return false;
}

bool vml_kmod_describe(struct vml_kobj *c, uint64_t addr, char *desc,
		       size_t dsize, char *sym, size_t ssize)
{
	if (ssize)
		sym[0] = '\0';
	struct mod_find f = { addr, desc, sym, dsize, ssize, false };
	each_module(c, find_in_module, &f);
	return f.found;
}

bool vml_kobj_symbolize(struct vml_kobj *c, uint64_t addr, char *buf,
			size_t size)
{
	if (vml_ksyms_format(c->ks, addr, buf, size))
		return true;
	char desc[256], sym[192];
	if (vml_kmod_describe(c, addr, desc, sizeof(desc), sym, sizeof(sym)) &&
	    sym[0]) {
		snprintf(buf, size, "%s", sym);
		return true;
	}
	return false;
}

struct mod_percpu {
	uint64_t off;
	char *buf;
	size_t size;
	bool found;
};

static bool percpu_in_module(struct vml_kobj *c, uint64_t mod,
			     void *arg)
{
	struct mod_percpu *m = arg;
	uint64_t base, size;
	if (!vml_kobj_member(c, mod, "module", "percpu", &base) || !base ||
	    !vml_kobj_member(c, mod, "module", "percpu_size", &size) ||
	    m->off < base || m->off - base >= size)
		return false;
	char name[NAME_MAX_LEN], sym[160];
	module_name(c, mod, name, sizeof(name));
	if (module_symbol(c, mod, m->off, base, base + size, sym, sizeof(sym)))
		snprintf(m->buf, m->size, "%s [%s]", sym, name);
	else
		snprintf(m->buf, m->size, "per-CPU data of module %s +0x%"
			 PRIx64, name, m->off - base);
	m->found = true;
	return true;
}

bool vml_kmod_percpu(struct vml_kobj *c, uint64_t off, char *buf,
		     size_t size)
{
	struct mod_percpu m = { off, buf, size, false };
	each_module(c, percpu_in_module, &m);
	return m.found;
}
