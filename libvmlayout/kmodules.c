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

/* ------------------------------------------------------------ vml_kmod_each */

/* Longest symbol name taken (the kernel's KSYM_NAME_LEN is 512 since 6.1,
 * 128 before): a longer one is dropped, not cut. */
#define SYM_NAME_MAX 512u
/* Most of a module's string table read (a module's names are a few
 * hundred KiB at most). */
#define STRTAB_MAX (16u << 20)

/* The kallsyms letter of an ELF symbol with st_info info in part p; 0 for
 * kinds that are not code or data (sections, files). Kernels before 5.3
 * stored the letter itself in st_info: a letter is no valid st_info (the
 * binding would be 4 to 7), so it is taken as it is. */
static char sym_letter(uint8_t info, const struct vml_kmod_part *p)
{
	if ((info >= 'a' && info <= 'z') || (info >= 'A' && info <= 'Z'))
		return (char)info;
	unsigned type = info & 0xf, bind = info >> 4;
	char l;
	if (type == 2 || (type == 0 && p->exec))          /* STT_FUNC */
		l = bind == 2 ? 'w' : 't';
	else if (type == 1 || type == 0)                  /* STT_OBJECT */
		l = bind == 2 ? 'v' : strstr(p->name, "ro") ? 'r' : 'd';
	else
		return 0;
	/* STB_LOCAL lower case; global, weak (and GNU unique) upper. */
	return bind == 0 ? l : (char)(l - 'a' + 'A');
}

/* The first len bytes at va, or as many whole pages of them as can be
 * read from the start: how many bytes buf holds. */
static size_t read_prefix(struct vml_kobj *c, uint64_t va, uint8_t *buf,
			  size_t len)
{
	if (vml_kobj_read(c, va, buf, len))
		return len;
	size_t n = 0;
	while (n < len) {
		size_t chunk = 4096 - ((va + n) & 4095);
		if (chunk > len - n)
			chunk = len - n;
		if (!vml_kobj_read(c, va + n, buf + n, chunk))
			break;
		n += chunk;
	}
	return n;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct vml_kmod_sym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* What the walk keeps between modules: buffers grown as needed. */
struct each_state {
	bool (*fn)(const struct vml_kmod *m, void *arg);
	void *arg;
	size_t skipped;
	struct vml_error *err;
	uint8_t *tab, *str;
	size_t tab_cap, str_cap, syms_cap;
	struct vml_kmod_sym *syms;
	struct vml_kmod m;
};

static uint64_t get_le_be(const uint8_t *p, unsigned n, bool be)
{
	uint64_t v = 0;
	for (unsigned b = 0; b < n; b++)
		v = v << 8 | p[be ? b : n - 1 - b];
	return v;
}

/* The symbols of module mod inside st->m's parts into st->syms; false
 * when its symbol table cannot be read (or memory runs out: st->err). */
static bool read_module_symbols(struct vml_kobj *c, uint64_t mod,
				struct each_state *st)
{
	struct vml_kmod *m = &st->m;
	uint64_t ksy, symtab, strtab, num;
	if (!vml_kobj_member(c, mod, "module", "kallsyms", &ksy) || !ksy ||
	    !vml_kobj_member(c, ksy, "mod_kallsyms", "symtab", &symtab) ||
	    !vml_kobj_member(c, ksy, "mod_kallsyms", "strtab", &strtab) ||
	    !vml_kobj_member(c, ksy, "mod_kallsyms", "num_symtab", &num) ||
	    num > VML_KOBJ_MAX_MODSYMS)
		return false;
	if (!num)
		return true;
	bool wide = c->ptr_size == 8, be = c->big_endian;
	size_t esize = wide ? 24 : 16;
	if (!vml_grow((void **)&st->tab, &st->tab_cap, (size_t)num * esize,
		      1) ||
	    !vml_grow((void **)&st->syms, &st->syms_cap, (size_t)num,
		      sizeof(*st->syms))) {
		st->err = &vml_enomem;
		return false;
	}
	if (!symtab || !vml_kobj_read(c, symtab, st->tab, (size_t)num * esize))
		return false;
	/* Elf64_Sym: name u32, info u8, other u8, shndx u16, value, size;
	 * Elf32_Sym: name, value, size u32, info, other, shndx. Keep the
	 * defined ones inside a part; names are string table offsets yet. */
	size_t n = 0;
	uint64_t max_name = 0;
	for (uint64_t i = 0; i < num; i++) {
		const uint8_t *e = st->tab + i * esize;
		uint32_t name = (uint32_t)get_le_be(e, 4, be);
		uint64_t value = get_le_be(e + (wide ? 8 : 4), wide ? 8 : 4, be);
		uint8_t info = e[wide ? 4 : 12];
		uint16_t shndx = (uint16_t)get_le_be(e + (wide ? 6 : 14), 2, be);
		if (!shndx || shndx >= 0xff00 || !name ||
		    name > STRTAB_MAX - SYM_NAME_MAX)
			continue;
		size_t p = 0;
		while (p < m->nparts && (value < m->parts[p].base ||
					 value - m->parts[p].base >=
					 m->parts[p].size))
			p++;
		if (p == m->nparts)
			continue;
		char type = sym_letter(info, &m->parts[p]);
		if (!type)
			continue;
		st->syms[n++] = (struct vml_kmod_sym){
			.name = (const char *)(uintptr_t)name, .addr = value,
			.type = type, .part = (uint32_t)p };
		if (name > max_name)
			max_name = name;
	}
	m->nsyms = 0;
	m->syms = st->syms;
	if (!n)
		return true;
	/* The names: the string table up to the last name's end, or what of
	 * it can be read; a name not ended inside what was read is dropped. */
	size_t want = (size_t)max_name + SYM_NAME_MAX;
	if (!vml_grow((void **)&st->str, &st->str_cap, want + 1, 1)) {
		st->err = &vml_enomem;
		return false;
	}
	size_t have = strtab ? read_prefix(c, strtab, st->str, want) : 0;
	st->str[have] = '\0';
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		size_t off = (size_t)(uintptr_t)st->syms[i].name;
		if (off >= have)
			continue;
		char *s = (char *)st->str + off;
		size_t len = strnlen(s, have - off);
		if (!len || len >= SYM_NAME_MAX || off + len >= have)
			continue;
		for (size_t k = 0; k < len; k++)
			if ((unsigned char)s[k] < 0x20 ||
			    (unsigned char)s[k] > 0x7e)
				s[k] = '?';
		st->syms[kept] = st->syms[i];
		st->syms[kept++].name = s;
	}
	qsort(st->syms, kept, sizeof(*st->syms), sym_cmp);
	m->nsyms = kept;
	return true;
}

static bool each_one(struct vml_kobj *c, uint64_t mod, void *arg)
{
	struct each_state *st = arg;
	struct vml_kmod *m = &st->m;
	struct part parts[VML_KMOD_MAX_PARTS];
	memset(m, 0, sizeof(*m));
	m->module = mod;
	module_name(c, mod, m->name, sizeof(m->name));
	m->nparts = module_parts(c, mod, parts, VML_ARRAY_SIZE(parts));
	for (size_t i = 0; i < m->nparts; i++)
		m->parts[i] = (struct vml_kmod_part){
			.base = parts[i].base, .size = parts[i].size,
			.name = parts[i].name,
			.exec = strstr(parts[i].name, "text") != NULL };
	if (!m->name[0] || !m->nparts || !read_module_symbols(c, mod, st)) {
		st->skipped++;
		return st->err != NULL;
	}
	return st->fn(m, st->arg);
}

struct vml_error *vml_kmod_each(struct vml_kobj *c,
				bool (*fn)(const struct vml_kmod *m,
					   void *arg),
				void *arg, size_t *skipped)
{
	struct each_state st = { .fn = fn, .arg = arg };
	each_module(c, each_one, &st);
	free(st.tab);
	free(st.str);
	free(st.syms);
	if (skipped)
		*skipped = st.skipped;
	return st.err;
}
