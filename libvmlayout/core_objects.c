/*
 * core_objects.c — names the file mappings of a core that has no NT_FILE
 * note (QEMU's user mode writes none when a guest program crashes): the
 * executable from the auxv (AT_EXECFN, AT_ENTRY and its ELF headers on
 * disk), then every object the dynamic linker loaded, from its r_debug
 * list in the core's own memory (the executable's DT_DEBUG entry points at
 * it; each link_map gives a load bias and a path), each object's PT_LOAD
 * segments on disk placed at its bias. What is named this way is marked
 * VML_REGION_NAME_GUESSED: the core never said it. Paths are tried under
 * the layout's sysroot first (qemu-aarch64 -L DIR), then as they are.
 *
 * Everything read from the core is untrusted: the list walk, the dynamic
 * array and every string are bounded.
 */
#include "config.h"

#include <elf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"

#define MAX_OBJECTS 512      /* link_map entries followed */
#define MAX_DYNAMIC 512      /* dynamic entries read */
#define MAX_NAME 4096

const char *vml_layout_file_root(const struct vml_layout *layout,
				 const char *path)
{
	if (layout->core && !layout->core->nfiles && layout->exe_path &&
	    path && !strcmp(path, layout->exe_path))
		return NULL;
	return layout->sysroot;
}

/* Memory of the process: the core's, or whatever the layout reads through
 * (a debugger's callback). */
static bool read_mem(const struct vml_layout *layout, uint64_t addr,
		     void *buf, size_t len)
{
	if (layout->core)
		return vml_core_read(layout->core, VML_SPACE_VIRTUAL, addr, buf,
				     len) == 0;
	if (!layout->source)
		return false;
	struct vml_error *err = vml_source_read(layout->source,
						VML_SPACE_VIRTUAL, addr, buf,
						len);
	if (!err)
		return true;
	vml_error_free(err);
	return false;
}

static bool read_word(const struct vml_layout *layout, unsigned size,
		      uint64_t addr, uint64_t *ret)
{
	uint8_t b[8];
	if (!read_mem(layout, addr, b, size))
		return false;
	uint64_t v = 0;
	for (unsigned i = size; i-- > 0;)
		v = (v << 8) | b[i];
	*ret = v;
	return true;
}

/* A NUL-terminated string of the core at addr into buf; false when it is
 * empty, unreadable or does not end within the buffer. */
static bool read_string(const struct vml_layout *layout, uint64_t addr,
			char *buf, size_t size)
{
	for (size_t n = 0; n < size; n++) {
		if (!read_mem(layout, addr + n, &buf[n], 1))
			return false;
		if (!buf[n])
			return n > 0;
	}
	return false;
}

/* The ELF file path names, under the sysroot or as it is (never for a
 * relative path: that one is the executable's, relative to the cwd). */
static struct vml_error *load(const struct vml_layout *layout,
			      const char *path, struct vml_elf_info **ret)
{
	*ret = NULL;
	struct vml_error *err;
	if (layout->sysroot && path[0] == '/') {
		err = vml_elf_info_load(layout->sysroot, path, ret);
		if (err)
			return err;
		if ((*ret)->valid)
			return NULL;
		vml_elf_info_free(*ret);
		*ret = NULL;
	}
	return vml_elf_info_load(NULL, path, ret);
}

/* What to do with an object's segments: name the regions a core already
 * has, or add them to a layout that has none (a process whose mappings
 * cannot be listed). */
enum place { NAME, ADD };

static struct vml_error *add_region(struct vml_layout *layout, uint64_t start,
				    uint64_t end, uint32_t pflags,
				    const char *path, uint64_t offset)
{
	if (start >= end)
		return NULL;
	/* Never over what is already known. */
	for (size_t i = 0; i < layout->count; i++)
		if (layout->regions[i].start < end && start < layout->regions[i].end)
			return NULL;
	struct vml_region r = { 0 };
	r.start = start;
	r.end = end;
	r.offset = offset;
	char perms[5] = "---p";
	if (pflags & PF_R)
		perms[0] = 'r';
	if (pflags & PF_W)
		perms[1] = 'w';
	if (pflags & PF_X)
		perms[2] = 'x';
	memcpy(r.perms, perms, 5);
	vml_region_set_perms(&r, perms);
	if (path) {
		r.name = vml_arena_strdup(&layout->strings, path);
		if (!r.name)
			return &vml_enomem;
		r.path = r.name[0] == '/' ? r.name : NULL;
		r.flags |= VML_REGION_NAME_GUESSED;
	}
	r.flags |= VML_REGION_PERMS_GUESSED;
	return vml_layout_append(layout, &r);
}

/* Add elf's PT_LOADs at bias: the file-backed pages, then the zero-fill
 * tail (anonymous). */
static struct vml_error *add_segments(struct vml_layout *layout,
				      const struct vml_elf_info *elf,
				      uint64_t bias, const char *path)
{
	uint64_t page = 4096;
	struct vml_error *err = NULL;
	for (size_t i = 0; i < elf->nsegments && !err; i++) {
		const struct vml_elf_segment *s = &elf->segments[i];
		uint64_t start = (bias + s->vaddr) & ~(page - 1);
		uint64_t file_end = (bias + s->vaddr + s->filesz + page - 1) &
				    ~(page - 1);
		uint64_t end = (bias + s->vaddr + s->memsz + page - 1) &
			       ~(page - 1);
		err = add_region(layout, start, file_end, s->flags, path,
				 s->offset & ~(page - 1));
		if (!err && end > file_end)
			err = add_region(layout, file_end, end, s->flags, NULL, 0);
	}
	return err;
}

/* Name the anonymous regions that start inside the file-backed pages of
 * elf's PT_LOADs placed at bias (mprotect may have split a segment: the
 * RELRO part of a data segment); the zero-fill tail past p_filesz is no
 * file mapping and stays anonymous. */
static struct vml_error *name_segments(struct vml_layout *layout,
				       const struct vml_elf_info *elf,
				       uint64_t bias, const char *path,
				       bool holes, enum place how)
{
	if (how == ADD)
		return add_segments(layout, elf, bias, path);
	const char *copy = NULL;
	uint64_t page = 4096;
	if (holes && elf->nsegments > 1) {
		/* The dynamic linker maps an object's whole span from its
		 * file and makes the gaps between segments PROT_NONE: those
		 * are the file's too (the kernel, loading the executable and
		 * the interpreter, leaves them anonymous). */
		const struct vml_elf_segment *first = &elf->segments[0];
		const struct vml_elf_segment *last =
			&elf->segments[elf->nsegments - 1];
		uint64_t base = (bias + first->vaddr) & ~(page - 1);
		uint64_t end = bias + last->vaddr;
		for (size_t k = vml_layout_index(layout, base);
		     k < layout->count && layout->regions[k].start < end; k++) {
			struct vml_region *r = &layout->regions[k];
			if (r->name || r->prot || r->start < base)
				continue;
			if (!copy) {
				copy = vml_arena_strdup(&layout->strings, path);
				if (!copy)
					return &vml_enomem;
			}
			r->name = copy;
			r->path = copy[0] == '/' ? copy : NULL;
			r->offset = (first->offset & ~(page - 1)) +
				    (r->start - base);
			r->flags |= VML_REGION_NAME_GUESSED;
		}
	}
	for (size_t i = 0; i < elf->nsegments; i++) {
		const struct vml_elf_segment *s = &elf->segments[i];
		uint64_t start = (bias + s->vaddr) & ~(page - 1);
		uint64_t end = (bias + s->vaddr + s->filesz + page - 1) &
			       ~(page - 1);
		for (size_t k = vml_layout_index(layout, start);
		     k < layout->count && layout->regions[k].start < end; k++) {
			struct vml_region *r = &layout->regions[k];
			if (r->start < start || r->name)
				continue;
			if (!copy) {
				copy = vml_arena_strdup(&layout->strings, path);
				if (!copy)
					return &vml_enomem;
			}
			r->name = copy;
			r->path = copy[0] == '/' ? copy : NULL;
			r->offset = (s->offset & ~(page - 1)) + (r->start - start);
			r->flags |= VML_REGION_NAME_GUESSED;
		}
	}
	return NULL;
}

/* The executable's DT_DEBUG value (the dynamic linker's r_debug), 0 when
 * there is none. */
static uint64_t dt_debug(const struct vml_layout *layout, unsigned word,
			 uint64_t dynamic)
{
	for (size_t i = 0; i < MAX_DYNAMIC; i++) {
		uint64_t tag, val;
		if (!read_word(layout, word, dynamic + i * 2 * word, &tag) ||
		    !read_word(layout, word, dynamic + (i * 2 + 1) * word,
			       &val) ||
		    tag == DT_NULL)
			return 0;
		if (tag == DT_DEBUG)
			return val;
	}
	return 0;
}

/* PT_DYNAMIC's address of an ELF file on disk and its PT_INTERP string
 * (its program headers are not kept by vml_elf_info: read them again), as
 * load() finds it. */
static uint64_t dynamic_vaddr(const struct vml_layout *layout,
			      const char *path, char *interp, size_t size)
{
	interp[0] = '\0';
	FILE *f = NULL;
	if (layout->sysroot && path[0] == '/') {
		size_t n = strlen(layout->sysroot) + strlen(path) + 1;
		char *full = malloc(n);
		if (full) {
			snprintf(full, n, "%s%s", layout->sysroot, path);
			f = fopen(full, "rb");
			free(full);
		}
	}
	if (!f)
		f = fopen(path, "rb");
	if (!f)
		return 0;
	uint64_t ret = 0;
	Elf64_Ehdr eh;
	unsigned char raw[sizeof(Elf64_Ehdr)];
	if (fread(raw, 1, sizeof(raw), f) >= 52) {
		uint8_t cls = raw[EI_CLASS];
		struct vml_elf_class_sizes sz;
		if (vml_elf_class_sizes(cls, &sz)) {
			vml_elf_ehdr_widen(cls, raw, &eh);
			for (unsigned i = 0; i < eh.e_phnum && i < 256; i++) {
				unsigned char p[sizeof(Elf64_Phdr)];
				Elf64_Phdr ph;
				if (fseek(f, (long)(eh.e_phoff + i * sz.phdr),
					  SEEK_SET) ||
				    fread(p, 1, sz.phdr, f) != sz.phdr)
					break;
				vml_elf_phdr_widen(cls, p, &ph);
				if (ph.p_type == PT_DYNAMIC)
					ret = ph.p_vaddr;
				if (ph.p_type == PT_INTERP && ph.p_filesz < size &&
				    !fseek(f, (long)ph.p_offset, SEEK_SET) &&
				    fread(interp, 1, ph.p_filesz, f) ==
				    ph.p_filesz)
					interp[ph.p_filesz] = '\0';
			}
		}
	}
	fclose(f);
	return ret;
}

/* The executable, the dynamic linker and the libraries the dynamic
 * linker's list names, placed as how says. */
static struct vml_error *objects(struct vml_layout *layout, enum place how)
{
	struct vml_core *core = layout->core;
	const struct vml_auxv *a = &layout->auxv;
	/* The executable: relative to the cwd (AT_EXECFN), made absolute so
	 * the region has a path. */
	char exe[PATH_MAX], rel[PATH_MAX];
	const char *exe_path = layout->exe_path;
	struct vml_error *err;
	/* Relative to the cwd at exec time: here, else beside the core (the
	 * kernel and QEMU write it in the process's cwd). */
	bool found = exe_path[0] != '/' && realpath(exe_path, exe);
	if (exe_path[0] != '/' && !found && core && core->dir &&
	    (size_t)snprintf(rel, sizeof(rel), "%s/%s", core->dir, exe_path) <
	    sizeof(rel))
		found = realpath(rel, exe) != NULL;
	if (found) {
		/* Kept absolute: the regions' path, and what
		 * vml_layout_file_root() knows the executable by. */
		err = vml_layout_set_exe(layout, exe);
		if (err)
			return err;
		exe_path = layout->exe_path;
	}
	struct vml_elf_info *elf;
	err = load(layout, exe_path, &elf);
	if (err)
		return err;
	if (!elf->valid) {
		vml_elf_info_free(elf);
		return NULL;
	}
	uint64_t bias = a->entry - elf->entry;
	err = name_segments(layout, elf, bias, exe_path, false, how);
	char interp[MAX_NAME];
	uint64_t dyn = dynamic_vaddr(layout, exe_path, interp, sizeof(interp));
	vml_elf_info_free(elf);
	/* The dynamic linker at AT_BASE: its link_map name points into the
	 * executable's .interp, which a core may not hold. */
	if (!err && a->base && interp[0] == '/') {
		err = load(layout, interp, &elf);
		if (!err && elf->valid)
			err = name_segments(layout, elf, a->base, interp,
					    false, how);
		vml_elf_info_free(elf);
	}
	if (err || !dyn)
		return err;
	unsigned word = vml_layout_arch(layout)->pointer_size;
	uint64_t r_debug = dt_debug(layout, word, bias + dyn), map;
	/* struct r_debug { int r_version; struct link_map *r_map; ... } and
	 * struct link_map { l_addr, l_name, l_ld, l_next, l_prev }: pointer
	 * sized fields, r_map aligned to a pointer. */
	if (!r_debug || !read_word(layout, word, r_debug + word, &map))
		return NULL;
	char name[MAX_NAME];
	for (size_t n = 0; map && n < MAX_OBJECTS && !err; n++) {
		uint64_t l_addr, l_name, next;
		if (!read_word(layout, word, map, &l_addr) ||
		    !read_word(layout, word, map + word, &l_name) ||
		    !read_word(layout, word, map + 3 * word, &next))
			break;
		/* The executable's own entry has an empty name. */
		if (l_name && read_string(layout, l_name, name, sizeof(name)) &&
		    name[0] == '/') {
			err = load(layout, name, &elf);
			if (!err && elf->valid)
				err = name_segments(layout, elf, l_addr, name,
						    true, how);
			vml_elf_info_free(elf);
		}
		map = next;
	}
	return err;
}

struct vml_error *vml_core_name_objects(struct vml_layout *layout)
{
	if (!layout->core || layout->core->nfiles || !layout->auxv.entry ||
	    !layout->exe_path)
		return NULL;
	return objects(layout, NAME);
}

static bool main_known(const struct vml_layout *layout)
{
	for (size_t i = 0; i < layout->nthreads; i++)
		if (layout->threads[i].is_main)
			return true;
	return false;
}

/* The stack as far as it is known: from the lowest $sp (a red zone does
 * not matter: AArch64 has none, and the page is what is shown) up to the
 * end of the strings exec put at its top (AT_EXECFN is the last). */
static struct vml_error *add_stack(struct vml_layout *layout)
{
	const struct vml_auxv *a = &layout->auxv;
	uint64_t page = 4096, lo = UINT64_MAX, hi = 0;
	if (a->execfn) {
		char buf[MAX_NAME];
		hi = a->execfn;
		if (read_string(layout, a->execfn, buf, sizeof(buf)))
			hi += strlen(buf) + 1;
	}
	/* The main thread's $sp; when no thread is known as main (a stub
	 * whose thread ids are not the process's), the $sp nearest below
	 * the strings: other threads' stacks are mappings of their own. */
	for (size_t i = 0; i < layout->nthreads; i++)
		if (layout->threads[i].is_main)
			lo = layout->threads[i].sp;
	bool has_main = main_known(layout);
	for (size_t i = 0; !has_main && i < layout->nthreads; i++) {
		uint64_t sp = layout->threads[i].sp;
		if (sp < hi && (lo == UINT64_MAX || sp > lo))
			lo = sp;
	}
	if (lo == UINT64_MAX || !hi || hi <= lo || hi - lo > (UINT64_C(1) << 32))
		return NULL;
	uint64_t start = lo & ~(page - 1), end = (hi + page - 1) & ~(page - 1);
	size_t before = layout->count;
	struct vml_error *err = add_region(layout, start, end, PF_R | PF_W,
					   NULL, 0);
	if (!err && layout->count > before) {
		struct vml_region *r = &layout->regions[layout->count - 1];
		r->name = "[stack]";
		r->flags |= VML_REGION_PSEUDO | VML_REGION_NAME_GUESSED;
	}
	return err;
}

struct vml_error *vml_layout_add_known_mappings(struct vml_layout *layout)
{
	if (!layout)
		return vml_error_create(VML_ERROR_INVALID,
					"layout: NULL layout");
	if (!layout->auxv.entry || !layout->exe_path)
		return vml_error_create(VML_ERROR_INVALID,
					"partial layout: needs the auxv"
					" (AT_ENTRY) and the executable");
	struct vml_error *err = objects(layout, ADD);
	if (!err)
		err = add_stack(layout);
	if (!err)
		err = vml_layout_finish(layout);
	if (!err)
		layout->flags |= VML_LAYOUT_PARTIAL;
	return err;
}
