/*
 * layout_core.c — a layout from an ELF core: regions from PT_LOAD split and
 * named by NT_FILE, pseudo names ([vdso], [stack], [heap] ...) from what the
 * core tells (auxv, threads, the executable's program headers in memory),
 * then the common classifier. The core stays mapped for the layout's life:
 * it is the layout's memory source.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"

/* The kernel randomizes the brk start above the end of .bss: by up to
 * 32 MiB on older kernels, up to 1 GiB for 64-bit tasks on newer ones
 * (arch_randomize_brk); the larger bound covers both. */
#define BRK_RANDOM_RANGE 0x40000000ull
#define PAGE 4096ull
#define MAX_PHNUM 4096
#define MAX_PATH_READ 4096

/* ----------------------------------------------------------- regions */

/* Perms of a mapping gcore left out (it dumps no PT_LOAD for unmodified
 * file pages): the flags of the on-disk ELF segment holding that file
 * offset. Leaves perms "???p" when the file is no ELF or not readable. */
struct elf_cache {
	const char *path;
	struct vml_elf_info *elf;
};

static struct vml_error *perms_from_file(struct vml_layout *layout,
					 struct elf_cache *cache,
					 const struct vml_core_file *f,
					 uint64_t offset, char perms[4])
{
	memcpy(perms, "???p", 4);
	if (cache->path != f->path) {
		vml_elf_info_free(cache->elf);
		cache->elf = NULL;
		cache->path = f->path;
		struct vml_error *err = vml_elf_info_load(layout->sysroot, f->path,
							  &cache->elf);
		if (err == &vml_enomem)
			return err;
		vml_error_free(err);
	}
	const struct vml_elf_info *elf = cache->elf;
	if (!elf || !elf->valid)
		return NULL;
	for (size_t i = 0; i < elf->nsegments; i++) {
		const struct vml_elf_segment *s = &elf->segments[i];
		uint64_t lo = s->offset & ~(PAGE - 1);
		uint64_t span = (s->offset - lo) + s->filesz;
		if (offset >= lo && offset - lo < span) {
			perms[0] = s->flags & PF_R ? 'r' : '-';
			perms[1] = s->flags & PF_W ? 'w' : '-';
			perms[2] = s->flags & PF_X ? 'x' : '-';
			return NULL;
		}
	}
	return NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* One piece [start, end) covered by load l and/or NT_FILE entry f. */
static struct vml_error *emit_piece(struct vml_layout *layout,
				    struct elf_cache *cache, uint64_t start,
				    uint64_t end, const struct vml_core_load *l,
				    const struct vml_core_file *f)
{
	struct vml_region r = { .start = start, .end = end };
	char perms[4] = { '-', '-', '-', 'p' };
	if (f) {
		r.offset = f->offset + (start - f->start);
		size_t n = strlen(f->path);
		/* The kernel's d_path() marks unlinked files the way maps does. */
		if (ends_with(f->path, " (deleted)")) {
			n -= strlen(" (deleted)");
			r.flags |= VML_REGION_DELETED;
		}
		char *name = vml_arena_strndup(&layout->strings, f->path, n);
		if (!name)
			return &vml_enomem;
		r.name = name;
		r.path = name[0] == '/' ? name : NULL;
	}
	if (l) {
		perms[0] = l->flags & PF_R ? 'r' : '-';
		perms[1] = l->flags & PF_W ? 'w' : '-';
		perms[2] = l->flags & PF_X ? 'x' : '-';
		/* gcore sets PF_R on every load, PROT_NONE guards included, so
		 * its R says nothing unless W implies it (x86 cannot map
		 * write-only). A file-backed piece takes R from the ELF
		 * segment; anything else shows '?'. */
		if (layout->core->from_gdb && !(l->flags & PF_W)) {
			char file_perms[4] = { '?', '?', '?', 'p' };
			if (f) {
				struct vml_error *err = perms_from_file(layout, cache, f,
									r.offset,
									file_perms);
				if (err)
					return err;
			}
			perms[0] = file_perms[0];
			r.flags |= VML_REGION_PERMS_GUESSED;
		}
	} else {
		struct vml_error *err = perms_from_file(layout, cache, f, r.offset,
							perms);
		if (err)
			return err;
		r.flags |= VML_REGION_PERMS_GUESSED;
		if (perms[0] == '?')
			layout->flags |= VML_LAYOUT_INCOMPLETE;
	}
	vml_region_set_perms(&r, perms);
	return vml_layout_append(layout, &r);
}

/*
 * Sweeps the sorted loads and NT_FILE entries together and emits one region
 * per stretch covered by the same (load, file) pair: a kernel core gives one
 * load per mapping and NT_FILE entries that match exactly; gcore leaves out
 * unmodified file mappings, which then come from NT_FILE alone.
 */
static struct vml_error *build_regions(struct vml_layout *layout,
				       const struct vml_core *core)
{
	const struct vml_core_load *L = core->loads;
	const struct vml_core_file *F = core->files;
	size_t nl = core->nloads, nf = core->nfiles, i = 0, j = 0;
	struct elf_cache cache = { 0 };
	struct vml_error *err = NULL;
	uint64_t cur = 0;
	/* Every turn moves i or j on, or cur to a boundary: 2 per entry. */
	size_t bound = 4 * (nl + nf) + 4;
	for (size_t turn = 0; (i < nl || j < nf) && turn < bound; turn++) {
		uint64_t lend = i < nl ? L[i].vaddr + (L[i].memsz - 1) : 0; /* last */
		uint64_t fend = j < nf ? F[j].end - 1 : 0;
		if (i < nl && lend < cur) {
			i++;
			continue;
		}
		if (j < nf && fend < cur) {
			j++;
			continue;
		}
		bool lin = i < nl && L[i].vaddr <= cur;
		bool fin = j < nf && F[j].start <= cur;
		if (!lin && !fin) {
			uint64_t next = UINT64_MAX;
			if (i < nl)
				next = L[i].vaddr;
			if (j < nf && F[j].start < next)
				next = F[j].start;
			cur = next;
			continue;
		}
		/* The piece ends (inclusive) at the first boundary after cur. */
		uint64_t last = UINT64_MAX;
		if (i < nl)
			last = lin ? lend : L[i].vaddr - 1;
		if (j < nf) {
			uint64_t fl = fin ? fend : F[j].start - 1;
			if (fl < last)
				last = fl;
		}
		if (last == UINT64_MAX) {
			/* [cur, 2^64) cannot be a region: regions end exclusively. */
			break;
		}
		err = emit_piece(layout, &cache, cur, last + 1, lin ? &L[i] : NULL,
				 fin ? &F[j] : NULL);
		if (err)
			break;
		cur = last + 1;
	}
	vml_elf_info_free(cache.elf);
	return err;
}

/* ------------------------------------------------------- pseudo names */

static struct vml_region *region_at(struct vml_layout *layout, uint64_t addr)
{
	size_t i = vml_layout_index(layout, addr);
	return i == SIZE_MAX ? NULL : &layout->regions[i];
}

static void set_pseudo(struct vml_region *r, const char *name, bool guessed)
{
	r->name = name;
	r->path = NULL;
	r->flags |= VML_REGION_PSEUDO;
	if (guessed)
		r->flags |= VML_REGION_NAME_GUESSED;
}

static bool is_anon(const struct vml_region *r)
{
	return r && !r->name;
}

/* End of the executable's .bss: highest PT_LOAD end in its program headers,
 * read from the core's own memory at AT_PHDR, biased by PT_PHDR. Returns 0
 * when the headers are not in the core. */
static uint64_t exe_end_of_bss(const struct vml_core *core,
			       const struct vml_auxv *a)
{
	struct vml_elf_class_sizes sizes;
	if (!a->phdr || a->phnum == 0 || a->phnum > MAX_PHNUM ||
	    !vml_elf_class_sizes(core->elf_class, &sizes))
		return 0;
	uint64_t bias = 0, end = 0;
	for (uint64_t i = 0; i < a->phnum; i++) {
		/* Program headers of the core's class (the process's). */
		uint8_t raw[sizeof(Elf64_Phdr)];
		Elf64_Phdr ph;
		if (vml_core_read((void *)core, VML_SPACE_VIRTUAL,
				  a->phdr + i * sizes.phdr, raw, sizes.phdr) != 0)
			return 0;
		vml_elf_phdr_widen(core->elf_class, raw, &ph);
		if (ph.p_type == PT_PHDR) {
			bias = a->phdr - ph.p_vaddr;
		} else if (ph.p_type == PT_LOAD) {
			uint64_t e;
			if (!vml_add_overflows(ph.p_vaddr, ph.p_memsz, &e) && e > end)
				end = e;
		}
	}
	/* Without PT_PHDR (static non-PIE) the object is not relocated. */
	return end ? end + bias : 0;
}

/* The brk heap: the anonymous rw mapping that holds the page after .bss,
 * or failing that the first one starting within the randomization range
 * above it. A process that never called brk has none. */
static void name_heap(struct vml_layout *layout, uint64_t end_bss)
{
	if (!end_bss || end_bss > UINT64_MAX - PAGE)
		return;
	uint64_t brk_start = (end_bss + PAGE - 1) & ~(PAGE - 1);
	struct vml_region *r = region_at(layout, brk_start);
	if (!(r && is_anon(r) && r->prot == (VML_PROT_READ | VML_PROT_WRITE))) {
		r = NULL;
		size_t k = vml_layout_index(layout, brk_start);
		for (size_t i = 0; i < layout->count && k == SIZE_MAX; i++) {
			struct vml_region *c = &layout->regions[i];
			if (c->start < brk_start)
				continue;
			if (c->start - brk_start > BRK_RANDOM_RANGE)
				break;
			if (is_anon(c) && c->prot == (VML_PROT_READ | VML_PROT_WRITE)) {
				r = c;
				break;
			}
		}
	}
	if (r)
		set_pseudo(r, "[heap]", true);
}

/* The kernel maps vvar pages right below the vdso: up to two anonymous
 * read-only mappings ([vvar], then [vvar_vclock] on recent kernels). */
static void name_vvar(struct vml_layout *layout, size_t vdso)
{
	size_t first = vdso;
	for (size_t k = 0; k < 2 && first > 0; k++) {
		const struct vml_region *below = &layout->regions[first - 1];
		if (below->end != layout->regions[first].start || !is_anon(below) ||
		    below->prot != VML_PROT_READ)
			break;
		first--;
	}
	for (size_t i = first; i < vdso; i++)
		set_pseudo(&layout->regions[i], i == first ? "[vvar]" : "[vvar_vclock]",
			   true);
}

static void name_pseudo(struct vml_layout *layout, const struct vml_core *core,
			const struct vml_auxv *a, uint64_t main_sp,
			bool has_main)
{
	struct vml_region *r;
	if (a->sysinfo_ehdr && (r = region_at(layout, a->sysinfo_ehdr)) &&
	    r->start == a->sysinfo_ehdr && is_anon(r)) {
		set_pseudo(r, "[vdso]", false);
		/* The vdso is an ELF image the dynamic linker reads: always
		 * readable, whatever gcore's flags could not say. */
		if (r->perms[0] == '?') {
			r->perms[0] = 'r';
			r->prot |= VML_PROT_READ;
		}
		name_vvar(layout, (size_t)(r - layout->regions));
	}
	/* The architecture's fixed legacy page, when it has one. */
	uint64_t vsyscall = vml_layout_arch(layout)->process.vsyscall_start;
	if (vml_layout_arch(layout)->process.vsyscall_end &&
	    (r = region_at(layout, vsyscall)) && r->start == vsyscall && is_anon(r))
		set_pseudo(r, "[vsyscall]", false);
	/* exec copies the file name to the top of the main stack, so AT_EXECFN
	 * pins the stack exactly; the main thread's sp is the fallback. */
	if (a->execfn && (r = region_at(layout, a->execfn)) && is_anon(r))
		set_pseudo(r, "[stack]", false);
	else if (has_main && (r = region_at(layout, main_sp)) && is_anon(r))
		set_pseudo(r, "[stack]", true);
	name_heap(layout, exe_end_of_bss(core, a));
}

/* ----------------------------------------------------------- context */

/* The process id: NT_PRPSINFO's, else the thread whose sp is in the stack
 * holding AT_EXECFN (the main thread), else unknown. */
static struct vml_error *add_threads(struct vml_layout *layout,
				     const struct vml_core *core,
				     const struct vml_auxv *a,
				     uint64_t *main_sp, bool *has_main)
{
	size_t stack = a->execfn ? vml_layout_index(layout, a->execfn) : SIZE_MAX;
	*has_main = false;
	for (size_t i = 0; i < core->nthreads; i++) {
		const struct vml_core_thread *t = &core->threads[i];
		bool is_main;
		if (core->info.pid > 0)
			is_main = t->tid == core->info.pid;
		else
			is_main = stack != SIZE_MAX &&
				  vml_layout_index(layout, t->sp) == stack;
		if (is_main && *has_main)
			is_main = false; /* one main thread only */
		if (is_main) {
			*has_main = true;
			*main_sp = t->sp;
		}
		struct vml_error *err = vml_layout_add_thread(layout, t->tid, t->sp,
							      is_main);
		if (err)
			return err;
	}
	return NULL;
}

/* Every thread's registers (all of pr_reg, named by the architecture)
 * and the signal: the NT_SIGINFO of the first thread (the one that
 * received it: the kernel dumps from it, gcore writes it first), else its
 * pr_cursig alone. */
static struct vml_error *add_crash_facts(struct vml_layout *layout,
					 const struct vml_core *core)
{
	const struct vml_arch_crash *cr = core->arch->crash;
	const struct vml_arch_core_notes *n = core->arch->core;
	struct vml_named_value regs[64];
	struct vml_error *err = NULL;
	for (size_t i = 0; cr && i < core->nthreads && !err; i++) {
		const struct vml_core_thread *t = &core->threads[i];
		size_t count = t->nregs < VML_ARRAY_SIZE(regs) ? t->nregs :
								 VML_ARRAY_SIZE(regs);
		for (size_t r = 0; r < count; r++) {
			const uint8_t *p = t->regs + r * n->reg_size;
			uint64_t v = 0;
			for (unsigned b = 0; b < n->reg_size && b < 8; b++)
				v |= (uint64_t)p[b] << (8 * b);
			regs[r] = (struct vml_named_value){ cr->core_regs[r], v };
		}
		err = vml_layout_add_thread_registers(layout, t->tid, regs, count);
	}
	if (err || core->nthreads == 0)
		return err;
	const struct vml_core_thread *first = &core->threads[0];
	if (first->has_siginfo)
		return vml_layout_set_siginfo(layout, first->tid, first->sig_signo,
					      first->sig_code, first->sig_has_addr,
					      first->sig_addr);
	if (core->info.signo)
		return vml_layout_set_signal(layout, first->tid, core->info.signo);
	return NULL;
}

/* The executable: the NT_FILE mapping holding AT_ENTRY, else the AT_EXECFN
 * string from the core's stack (relative to the cwd at exec time). */
static struct vml_error *set_exe(struct vml_layout *layout,
				 const struct vml_core *core,
				 const struct vml_auxv *a)
{
	for (size_t i = 0; a->entry && i < core->nfiles; i++) {
		const struct vml_core_file *f = &core->files[i];
		if (a->entry >= f->start && a->entry < f->end) {
			const struct vml_region *r = vml_layout_find(layout, a->entry);
			return vml_layout_set_exe(layout, r && r->path ? r->path : f->path);
		}
	}
	if (!a->execfn)
		return NULL;
	char buf[MAX_PATH_READ];
	size_t n = 0;
	/* Byte by byte: the string may end near the end of the stack. */
	while (n < sizeof(buf) - 1 &&
	       vml_core_read((void *)core, VML_SPACE_VIRTUAL, a->execfn + n,
			     &buf[n], 1) == 0 && buf[n] != '\0')
		n++;
	buf[n] = '\0';
	return n ? vml_layout_set_exe(layout, buf) : NULL;
}

/* ----------------------------------------------------------- build */

static struct vml_error *build(struct vml_layout *layout, struct vml_core *core)
{
	/* The layout's own auxv parser: naming reads what it kept. */
	const struct vml_auxv *a = &layout->auxv;
	struct vml_error *err = NULL;
	uint64_t main_sp = 0;
	bool has_main = false;

	/* The core's architecture first: the auxv's word size follows it. */
	err = vml_layout_set_arch(layout, core->arch->id);
	size_t pair = 2 * (size_t)core->arch->pointer_size;
	if (!err && core->auxv_len)
		err = vml_layout_set_auxv(layout, core->auxv,
					  core->auxv_len - core->auxv_len % pair);
	if (!err)
		err = build_regions(layout, core);
	if (!err)
		err = vml_layout_finish(layout);
	if (!err)
		err = add_threads(layout, core, a, &main_sp, &has_main);
	if (!err)
		err = add_crash_facts(layout, core);
	if (!err)
		err = set_exe(layout, core, a);
	if (err)
		return err;
	name_pseudo(layout, core, a, main_sp, has_main);

	struct vml_source *src;
	err = vml_source_from_callback(vml_core_read, core, &src);
	if (err)
		return err;
	layout->owned_source = src;
	vml_layout_set_source(layout, src);

	/* The guesses made here (VML_REGION_PERMS_GUESSED / NAME_GUESSED)
	 * survive classification, which flags those regions GUESSED. */
	err = vml_layout_classify(layout);
	if (core->info.incomplete)
		layout->flags |= VML_LAYOUT_INCOMPLETE;
	return err;
}

/* Takes ownership of core whatever happens. */
static struct vml_error *layout_from_parsed(struct vml_core *core,
					    struct vml_layout **ret)
{
	struct vml_layout *layout;
	struct vml_error *err = vml_layout_create(&layout);
	if (err) {
		vml_core_free(core);
		return err;
	}
	layout->core = core;
	if (core->auxv_len % (2 * (size_t)core->arch->pointer_size))
		core->info.incomplete = true;
	err = build(layout, core);
	if (err) {
		vml_layout_free(layout);
		return err;
	}
	*ret = layout;
	return NULL;
}

struct vml_error *vml_layout_from_core_buffer(const void *buf, size_t len,
					      struct vml_layout **ret)
{
	if (!ret || (!buf && len))
		return vml_error_create(VML_ERROR_INVALID,
					"core: NULL buffer or result pointer");
	struct vml_core *core;
	struct vml_error *err = vml_core_parse(buf, len, &core);
	if (err)
		return err;
	return layout_from_parsed(core, ret);
}

struct vml_error *vml_layout_from_core(const char *path, struct vml_layout **ret)
{
	if (!path || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"core: NULL path or result pointer");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return vml_error_from_errno(errno, "core %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return vml_error_from_errno(e, "core %s: fstat", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"unsupported: core %s is not a regular file", path);
	}
	if (st.st_size == 0) {
		close(fd);
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"unsupported: core %s is an empty file, not an ELF core",
					path);
	}
	if ((uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		return vml_error_create(VML_ERROR_LIMIT, "core %s is too large to map",
					path);
	}
	size_t size = (size_t)st.st_size;
	/* Mapped, not read: only the pages of headers and notes get touched. */
	void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	int e = errno;
	close(fd);
	if (map == MAP_FAILED)
		return vml_error_from_errno(e, "core %s: mmap", path);
	struct vml_core *core;
	struct vml_error *err = vml_core_parse(map, size, &core);
	if (err) {
		munmap(map, size);
		if (err == &vml_enomem)
			return err;
		/* Say which file, keeping the code callers test for. */
		struct vml_error *named = vml_error_create(vml_error_code(err), "%s: %s",
							   path, vml_error_message(err));
		vml_error_free(err);
		return named;
	}
	core->mapping = map;
	core->mapping_size = size;
	/* Files changed after this are not the ones dumped (build_id.c). */
	core->has_mtime = true;
	core->mtime_sec = (int64_t)st.st_mtim.tv_sec;
	core->mtime_nsec = (int64_t)st.st_mtim.tv_nsec;
	const char *slash = strrchr(path, '/');
	if (slash) {
		char *dir = vml_arena_strdup(&core->strings, path);
		if (dir) {
			dir[slash - path + (slash == path)] = '\0';
			core->dir = dir;
		}
	}
	return layout_from_parsed(core, ret);
}

const struct vml_core_info *vml_layout_core(const struct vml_layout *layout)
{
	return layout && layout->core ? &layout->core->info : NULL;
}

bool vml_layout_is_core(const struct vml_layout *layout)
{
	return vml_layout_core(layout) != NULL;
}

struct vml_error *vml_layout_core_info(const struct vml_layout *layout,
				       struct vml_core_info *ret,
				       size_t ret_size)
{
	if (!ret)
		return vml_error_create(VML_ERROR_INVALID,
					"core info: NULL result");
	struct vml_error *err = vml_check_size("core info", ret_size,
					       VML_CORE_INFO_SIZE_V2);
	if (err)
		return err;
	const struct vml_core_info *info = vml_layout_core(layout);
	if (!info)
		return vml_error_create(VML_ERROR_INVALID,
					"core info: the layout is not from a"
					" core");
	vml_copy_out(ret, ret_size, info, sizeof(*info));
	return NULL;
}
