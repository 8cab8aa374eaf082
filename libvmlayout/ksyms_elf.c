/*
 * ksyms_elf.c — the kernel's symbols as an ELF file a debugger can load
 * beside the target (GDB: add-symbol-file), so that its own commands (bt,
 * x/i, info symbol, break) know the names kallsyms gave: an ET_EXEC object
 * of the kernel's architecture with one NOBITS section spanning the image
 * and one per part of each loaded module (vmltest.text, vmltest.data ...;
 * a module that cannot be read is left out), and a symbol table
 * (functions STT_FUNC, variables STT_OBJECT, sizes to the next symbol;
 * lower-case kallsyms letters are local symbols). No bytes: the debugger reads the target.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "kobjects.h"
#include "ksyms.h"

/* A growable byte buffer with sticky failure. */
struct bytes {
	uint8_t *data;
	size_t len, cap;
	bool failed;
};

static size_t put(struct bytes *b, const void *p, size_t n)
{
	size_t at = b->len;
	if (b->failed)
		return at;
	if (!vml_grow((void **)&b->data, &b->cap, b->len + n, 1)) {
		b->failed = true;
		return at;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return at;
}

static uint32_t put_str(struct bytes *b, const char *s)
{
	return (uint32_t)put(b, s, strlen(s) + 1);
}

static bool is_local(char type)
{
	return type >= 'a' && type <= 'z';
}

static unsigned char sym_type(char type)
{
	switch (type | 0x20) {
	case 't':
	case 'w':
		return STT_FUNC;
	case 'd':
	case 'b':
	case 'r':
	case 'g':
	case 's':
	case 'v':
		return STT_OBJECT;
	default:
		return STT_NOTYPE;
	}
}

static void add_symbol(struct bytes *symtab, struct bytes *strtab,
		       const struct vml_elf_symbol_in *s, uint16_t shndx)
{
	Elf64_Sym sym = {
		.st_name = put_str(strtab, s->name),
		.st_info = ELF64_ST_INFO(is_local(s->type) ? STB_LOCAL :
					 STB_GLOBAL, sym_type(s->type)),
		.st_shndx = shndx,
		.st_value = s->addr,
		.st_size = s->size,
	};
	put(symtab, &sym, sizeof(sym));
}

/* The image's symbols in the form ksyms_elf wants (relocatable only, in
 * [lo, hi)); *ret is the caller's (free). */
static struct vml_error *image_symbols(const struct vml_ksyms *ks,
				       struct vml_elf_symbol_in **ret,
				       size_t *n_ret, uint64_t *lo,
				       uint64_t *hi)
{
	struct vml_elf_symbol_in *out = calloc(ks->nby_addr ? ks->nby_addr : 1,
					       sizeof(*out));
	if (!out)
		return &vml_enomem;
	size_t n = 0;
	*lo = UINT64_MAX;
	*hi = 0;
	for (size_t i = 0; i < ks->nby_addr; i++) {
		const struct vml_kallsyms_sym *s =
			&ks->kallsyms->syms[ks->by_addr[i].index];
		if (s->addr >= ks->end && s->addr != ks->end)
			continue;
		uint64_t size = 0;
		for (size_t j = i + 1; j < ks->nby_addr; j++)
			if (ks->by_addr[j].addr > s->addr) {
				size = ks->by_addr[j].addr - s->addr;
				break;
			}
		if (s->addr + size > ks->end)
			size = ks->end > s->addr ? ks->end - s->addr : 0;
		out[n++] = (struct vml_elf_symbol_in){
			.name = vml_kallsyms_name(ks->kallsyms,
						  ks->by_addr[i].index),
			.addr = s->addr, .size = size, .type = s->type };
		if (s->addr < *lo)
			*lo = s->addr;
		if (s->addr + (size ? size : 1) > *hi)
			*hi = s->addr + (size ? size : 1);
	}
	*ret = out;
	*n_ret = n;
	return NULL;
}

static struct vml_error *write_file(const char *path, const struct bytes *b)
{
	char tmp[4096];
	int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return vml_error_create(VML_ERROR_INVALID,
					"symbol file: path too long");
	FILE *f = fopen(tmp, "wb");
	if (!f)
		return vml_error_from_errno(errno, "cannot create %s", tmp);
	bool ok = fwrite(b->data, 1, b->len, f) == b->len;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return vml_error_from_errno(e, "cannot write %s", path);
	}
	return NULL;
}

struct vml_error *vml_elf_write_symbols(const struct vml_arch *arch,
					const struct vml_elf_section_in *secs,
					size_t nsecs, const char *path)
{
	if (arch->elf_class != ELFCLASS64 || arch->big_endian)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"symbol file: only little-endian 64-bit"
					" kernels (not %s)", arch->name);
	if (nsecs > SHN_LORESERVE - 8)
		return vml_error_create(VML_ERROR_INVALID,
					"symbol file: %zu sections", nsecs);
	struct bytes file = { 0 }, symtab = { 0 }, strtab = { 0 },
		     shstr = { 0 };
	put(&strtab, "", 1);
	put(&shstr, "", 1);
	Elf64_Sym null_sym = { 0 };
	put(&symtab, &null_sym, sizeof(null_sym));
	/* Locals first (ELF's rule: sh_info is the first global). */
	for (int pass = 0; pass < 2; pass++)
		for (size_t s = 0; s < nsecs; s++)
			for (size_t i = 0; i < secs[s].nsyms; i++)
				if (is_local(secs[s].syms[i].type) == !pass)
					add_symbol(&symtab, &strtab,
						   &secs[s].syms[i],
						   (uint16_t)(s + 1));
	size_t nlocal = 1;
	for (size_t s = 0; s < nsecs; s++)
		for (size_t i = 0; i < secs[s].nsyms; i++)
			nlocal += is_local(secs[s].syms[i].type);

	Elf64_Ehdr eh = { 0 };
	put(&file, &eh, sizeof(eh));
	/* One PT_LOAD per section (no file bytes): an executable has
	 * segments, and readers that place an object by its segments (ours,
	 * and any that checks it is loadable) see where it lives. */
	size_t phoff = file.len;
	for (size_t s = 0; s < nsecs; s++) {
		Elf64_Phdr ph = {
			.p_type = PT_LOAD,
			.p_flags = PF_R | PF_W | (secs[s].exec ? PF_X : 0),
			.p_offset = 0,
			.p_vaddr = secs[s].addr,
			.p_paddr = secs[s].addr,
			.p_filesz = 0,
			.p_memsz = secs[s].size,
			.p_align = 1,
		};
		put(&file, &ph, sizeof(ph));
	}
	/* Section layout: [NULL][secs...][.symtab][.strtab][.shstrtab]. */
	size_t nsh = nsecs + 4;
	Elf64_Shdr *sh = calloc(nsh, sizeof(*sh));
	if (!sh) {
		free(symtab.data);
		free(strtab.data);
		free(shstr.data);
		return &vml_enomem;
	}
	for (size_t s = 0; s < nsecs; s++) {
		sh[s + 1] = (Elf64_Shdr){
			.sh_name = put_str(&shstr, secs[s].name),
			.sh_type = SHT_NOBITS,
			.sh_flags = SHF_ALLOC | SHF_WRITE |
				    (secs[s].exec ? SHF_EXECINSTR : 0),
			.sh_addr = secs[s].addr,
			.sh_offset = sizeof(eh),
			.sh_size = secs[s].size,
			.sh_addralign = 1,
		};
	}
	size_t isym = nsecs + 1, istr = nsecs + 2, ishstr = nsecs + 3;
	sh[isym] = (Elf64_Shdr){ .sh_name = put_str(&shstr, ".symtab"),
				 .sh_type = SHT_SYMTAB, .sh_link = (uint32_t)istr,
				 .sh_info = (uint32_t)nlocal,
				 .sh_addralign = 8,
				 .sh_entsize = sizeof(Elf64_Sym) };
	sh[istr] = (Elf64_Shdr){ .sh_name = put_str(&shstr, ".strtab"),
				 .sh_type = SHT_STRTAB, .sh_addralign = 1 };
	sh[ishstr] = (Elf64_Shdr){ .sh_name = put_str(&shstr, ".shstrtab"),
				   .sh_type = SHT_STRTAB, .sh_addralign = 1 };
	while (file.len % 8)
		put(&file, "", 1);
	sh[isym].sh_offset = put(&file, symtab.data, symtab.len);
	sh[isym].sh_size = symtab.len;
	sh[istr].sh_offset = put(&file, strtab.data, strtab.len);
	sh[istr].sh_size = strtab.len;
	sh[ishstr].sh_offset = put(&file, shstr.data, shstr.len);
	sh[ishstr].sh_size = shstr.len;
	while (file.len % 8)
		put(&file, "", 1);
	size_t shoff = put(&file, sh, nsh * sizeof(*sh));
	bool failed = file.failed || symtab.failed || strtab.failed ||
		      shstr.failed;
	free(sh);
	free(symtab.data);
	free(strtab.data);
	free(shstr.data);
	if (failed) {
		free(file.data);
		return &vml_enomem;
	}
	Elf64_Ehdr *e = (Elf64_Ehdr *)file.data;
	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_ident[EI_OSABI] = ELFOSABI_NONE;
	e->e_type = ET_EXEC;
	e->e_machine = arch->elf_machine;
	e->e_version = EV_CURRENT;
	e->e_ehsize = sizeof(Elf64_Ehdr);
	e->e_phoff = nsecs ? phoff : 0;
	e->e_phentsize = sizeof(Elf64_Phdr);
	e->e_phnum = (uint16_t)nsecs;
	e->e_shentsize = sizeof(Elf64_Shdr);
	e->e_shoff = shoff;
	e->e_shnum = (uint16_t)nsh;
	e->e_shstrndx = (uint16_t)ishstr;
	struct vml_error *err = write_file(path, &file);
	free(file.data);
	return err;
}

/* The loaded modules' parts and symbols, gathered by vml_kmod_each.
 * Names and symbols are kept as offsets while the arrays grow, and made
 * pointers once the walk is over (module_sections). */
struct mod_syms {
	struct vml_elf_section_in *secs;
	struct vml_elf_symbol_in *syms;
	char *names;
	size_t nsecs, secs_cap, nsyms, syms_cap, names_len, names_cap;
	bool failed;
};

static size_t add_name(struct mod_syms *ms, const char *a, const char *b)
{
	size_t la = strlen(a), lb = b ? strlen(b) : 0, at = ms->names_len;
	if (!vml_grow((void **)&ms->names, &ms->names_cap,
		      ms->names_len + la + lb + 1, 1)) {
		ms->failed = true;
		return 0;
	}
	memcpy(ms->names + at, a, la);
	memcpy(ms->names + at + la, b ? b : "", lb);
	ms->names[at + la + lb] = '\0';
	ms->names_len += la + lb + 1;
	return at;
}

/* One section per part of m ("vmltest.text", "vmltest.init.text"), each
 * holding the module's symbols inside it, sized to the next higher
 * symbol of the part or to its end. */
static bool add_module(const struct vml_kmod *m, void *arg)
{
	struct mod_syms *ms = arg;
	for (size_t p = 0; p < m->nparts && !ms->failed; p++) {
		const struct vml_kmod_part *part = &m->parts[p];
		char suffix[48];
		snprintf(suffix, sizeof(suffix), ".%s", part->name);
		for (char *q = suffix; *q; q++)
			if (*q == ' ')
				*q = '.';
		if (!vml_grow((void **)&ms->secs, &ms->secs_cap, ms->nsecs + 1,
			      sizeof(*ms->secs))) {
			ms->failed = true;
			break;
		}
		struct vml_elf_section_in *sec = &ms->secs[ms->nsecs++];
		*sec = (struct vml_elf_section_in){
			.name = (const char *)(uintptr_t)add_name(ms, m->name,
								  suffix),
			.addr = part->base, .size = part->size,
			.exec = part->exec,
			.syms = (const void *)(uintptr_t)ms->nsyms };
		/* m->syms is sorted by address: the part's are in order. */
		for (size_t i = 0; i < m->nsyms && !ms->failed; i++) {
			const struct vml_kmod_sym *s = &m->syms[i];
			if (s->part != p)
				continue;
			uint64_t end = part->base + part->size;
			for (size_t j = i + 1; j < m->nsyms; j++)
				if (m->syms[j].part == p &&
				    m->syms[j].addr > s->addr) {
					end = m->syms[j].addr;
					break;
				}
			if (!vml_grow((void **)&ms->syms, &ms->syms_cap,
				      ms->nsyms + 1, sizeof(*ms->syms))) {
				ms->failed = true;
				break;
			}
			ms->syms[ms->nsyms++] = (struct vml_elf_symbol_in){
				.name = (const char *)(uintptr_t)add_name(
					ms, s->name, NULL),
				.addr = s->addr, .size = end - s->addr,
				.type = s->type };
			sec->nsyms++;
		}
	}
	return ms->failed;
}

/* The modules c reads into ms (offsets made pointers); modules that
 * cannot be read are left out. Errors: out of memory only. */
static struct vml_error *module_sections(struct vml_kobj *c,
					 struct mod_syms *ms)
{
	if (!c)
		return NULL;
	struct vml_error *err = vml_kmod_each(c, add_module, ms, NULL);
	if (err)
		return err;
	if (ms->failed)
		return &vml_enomem;
	for (size_t i = 0; i < ms->nsyms; i++)
		ms->syms[i].name = ms->names + (uintptr_t)ms->syms[i].name;
	for (size_t i = 0; i < ms->nsecs; i++) {
		ms->secs[i].name = ms->names + (uintptr_t)ms->secs[i].name;
		ms->secs[i].syms = ms->secs[i].nsyms ?
			ms->syms + (uintptr_t)ms->secs[i].syms : NULL;
	}
	return NULL;
}

struct vml_error *vml_ksyms_write_elf_in(const struct vml_ksyms *ks,
					 struct vml_kobj *c,
					 const char *path)
{
	if (!ks || !path)
		return vml_error_create(VML_ERROR_INVALID,
					"symbol file: NULL symbols or path");
	struct vml_elf_symbol_in *image;
	size_t nimage;
	uint64_t lo, hi;
	struct vml_error *err = image_symbols(ks, &image, &nimage, &lo, &hi);
	if (err)
		return err;
	struct mod_syms ms = { 0 };
	struct vml_elf_section_in *secs = NULL;
	err = module_sections(c, &ms);
	if (!err) {
		secs = calloc(ms.nsecs + 1, sizeof(*secs));
		if (!secs)
			err = &vml_enomem;
	}
	if (!err) {
		size_t nsecs = 0;
		if (nimage)
			secs[nsecs++] = (struct vml_elf_section_in){
				.name = ".kernel", .addr = lo,
				.size = hi - lo, .exec = true, .syms = image,
				.nsyms = nimage };
		for (size_t i = 0; i < ms.nsecs; i++)
			secs[nsecs++] = ms.secs[i];
		err = vml_elf_write_symbols(ks->arch, secs, nsecs, path);
	}
	free(secs);
	free(ms.secs);
	free(ms.syms);
	free(ms.names);
	free(image);
	return err;
}

struct vml_error *vml_ksyms_write_elf(const struct vml_ksyms *ks,
				      const struct vml_kernel *kernel,
				      const char *path)
{
	/* A kernel without symbols or types has no modules to give. */
	struct vml_kobj c;
	bool modules = kernel && vml_kobj_init(&c, kernel);
	return vml_ksyms_write_elf_in(ks, modules ? &c : NULL, path);
}
