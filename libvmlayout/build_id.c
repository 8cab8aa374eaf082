/*
 * build_id.c — is the file on disk the one that was mapped? A core (or a
 * process) outlives the build that made it: the program is rebuilt, a
 * library upgraded, a container's file seen from the host. Sections,
 * symbols and instructions decoded from another file are wrong answers, so
 * the classifier asks here before it reads an object's file, and the
 * layout gets one warning naming every file that differs.
 *
 * Evidence, strongest first:
 *  1. the GNU build-id of the mapped file, read from its header page in
 *     the target's memory (ELF header -> program headers -> PT_NOTE ->
 *     NT_GNU_BUILD_ID, through the layout's source: a core holds that page,
 *     the kernel and GDB's gcore both dump it) against the file's own;
 *  2. no build-id on either side: for a core, the file's mtime later than
 *     the core's (it changed after the dump);
 *  3. a live local process (vml_layout_set_pid): the device and inode the
 *     maps give against the file at that path.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "internal.h"

/* Files named in the one warning line; more are counted. */
#define MISMATCH_NAMED 8

/* The build-id of the ELF object whose file offset 0 is mapped at r: true
 * when its headers could be read (then *len 0 means it has none). */
static bool memory_build_id(const struct vml_layout *layout,
			    const struct vml_region *r, uint8_t *id,
			    size_t *len)
{
	*len = 0;
	if (!layout->source || r->offset != 0 || r->end <= r->start)
		return false;
	struct vml_elf_info *elf = NULL;
	struct vml_error *err = vml_elf_info_load_mem(layout->source, r->start,
						      r->end - r->start, r->path,
						      true, &elf);
	if (err) {
		vml_error_free(err);
		return false;
	}
	bool ok = elf->valid;
	if (ok) {
		memcpy(id, elf->build_id, elf->build_id_len);
		*len = elf->build_id_len;
	}
	vml_elf_info_free(elf);
	return ok;
}

static bool stat_file(const struct vml_layout *layout, const char *path,
		      struct stat *st)
{
	char *full = vml_path_with_sysroot(layout->sysroot, path);
	if (!full)
		return false;
	int rc = stat(full, st);
	free(full);
	return rc == 0;
}

enum vml_mismatch vml_file_mismatch(const struct vml_layout *layout,
				    const char *path,
				    const struct vml_region *first,
				    const struct vml_elf_info *disk)
{
	uint8_t id[VML_ELF_BUILD_ID_MAX];
	size_t len = 0;
	if (first && memory_build_id(layout, first, id, &len) &&
	    (len || disk->build_id_len)) {
		if (!len || !disk->build_id_len)
			return VML_MISMATCH_BUILD_ID_ONE_SIDE;
		return len == disk->build_id_len &&
		       memcmp(id, disk->build_id, len) == 0 ?
			VML_MISMATCH_NONE : VML_MISMATCH_BUILD_ID;
	}
	struct stat st;
	const struct vml_core *core = layout->core;
	if (core && core->has_mtime) {
		if (!stat_file(layout, path, &st))
			return VML_MISMATCH_NONE;
		int64_t sec = (int64_t)st.st_mtim.tv_sec;
		int64_t nsec = (int64_t)st.st_mtim.tv_nsec;
		if (sec > core->mtime_sec ||
		    (sec == core->mtime_sec && nsec > core->mtime_nsec))
			return VML_MISMATCH_MTIME;
		return VML_MISMATCH_NONE;
	}
	/* The maps' device and inode say which file the process mapped; with
	 * a sysroot the files are copies, whose inodes say nothing. */
	if (layout->pid > 0 && !layout->sysroot && first && first->inode &&
	    stat_file(layout, path, &st) &&
	    ((uint64_t)st.st_ino != first->inode ||
	     major(st.st_dev) != first->dev_major ||
	     minor(st.st_dev) != first->dev_minor))
		return VML_MISMATCH_INODE;
	return VML_MISMATCH_NONE;
}

struct vml_error *vml_layout_add_mismatch(struct vml_layout *layout,
					  const char *path,
					  enum vml_mismatch why)
{
	if (!vml_grow((void **)&layout->mismatches,
		      &layout->mismatches_capacity, layout->nmismatches + 1,
		      sizeof(*layout->mismatches)))
		return &vml_enomem;
	layout->mismatches[layout->nmismatches++] =
		(struct vml_mismatch_entry){ .path = path, .why = why };
	return NULL;
}

static const char *mismatch_text(enum vml_mismatch why, bool core)
{
	switch (why) {
	case VML_MISMATCH_BUILD_ID:
		return "build-id differs";
	case VML_MISMATCH_BUILD_ID_ONE_SIDE:
		return "build-id differs: only one of the two has one";
	case VML_MISMATCH_MTIME:
		return core ? "modified after the core was written" :
			      "modified since";
	case VML_MISMATCH_INODE:
		return "another file at that path: device or inode differs";
	default:
		return "differs";
	}
}

struct vml_error *vml_layout_mismatch_warning(struct vml_layout *layout)
{
	size_t n = layout->nmismatches;
	if (n == 0)
		return NULL;
	bool core = layout->core != NULL;
	struct vml_strbuf sb = { 0 };
	vml_sb_printf(&sb, "warning: %zu file%s on disk %s not the one%s the %s "
		      "mapped, so no section, symbol or instruction is taken "
		      "from %s: ", n, n == 1 ? "" : "s", n == 1 ? "is" : "are",
		      n == 1 ? "" : "s", core ? "core" : "process",
		      n == 1 ? "it" : "them");
	for (size_t i = 0; i < n && i < MISMATCH_NAMED; i++) {
		const struct vml_mismatch_entry *m = &layout->mismatches[i];
		if (i)
			vml_sb_puts(&sb, ", ");
		vml_sb_put_display(&sb, m->path, 200);
		vml_sb_printf(&sb, " (%s)", mismatch_text(m->why, core));
	}
	if (n > MISMATCH_NAMED)
		vml_sb_printf(&sb, " and %zu more", n - MISMATCH_NAMED);
	char *line;
	struct vml_error *err = vml_sb_finish(&sb, &line);
	if (err)
		return err;
	err = vml_layout_add_warning(layout, line);
	free(line);
	return err;
}

/* ------------------------------------------------------------ warnings */

void vml_layout_clear_warnings(struct vml_layout *layout)
{
	for (size_t i = 0; i < layout->nwarnings; i++)
		free(layout->warnings[i]);
	free(layout->warnings);
	layout->warnings = NULL;
	layout->nwarnings = layout->warnings_capacity = 0;
	free(layout->mismatches);
	layout->mismatches = NULL;
	layout->nmismatches = layout->mismatches_capacity = 0;
}

struct vml_error *vml_layout_add_warning(struct vml_layout *layout,
					 const char *line)
{
	char *copy = strdup(line);
	if (!copy || !vml_grow((void **)&layout->warnings,
			       &layout->warnings_capacity,
			       layout->nwarnings + 1,
			       sizeof(*layout->warnings))) {
		free(copy);
		return &vml_enomem;
	}
	layout->warnings[layout->nwarnings++] = copy;
	return NULL;
}

/* The incomplete layout's line comes first; it depends on a flag that
 * builders set at any time, so it is not stored. */
static const char *incomplete_line(const struct vml_layout *layout)
{
	if (!(layout->flags & VML_LAYOUT_INCOMPLETE))
		return NULL;
	if (layout->core)
		return "warning: the layout is incomplete: the core is "
		       "truncated or damaged, or leaves out some mappings "
		       "(\"???\" marks what is unknown)";
	return "warning: the layout is incomplete: some input was missing or "
	       "damaged";
}

/* A layout some target could not list in full (qemu-user's gdbstub has no
 * /proc/PID/maps): what it shows, what it leaves out. Not stored either. */
static const char *partial_line(const struct vml_layout *layout)
{
	if (!(layout->flags & VML_LAYOUT_PARTIAL))
		return NULL;
	return "warning: the layout is partial: the target cannot list its "
	       "mappings (qemu-user's gdbstub has no /proc/PID/maps); shown is "
	       "only what the auxv, the files and the dynamic linker's list "
	       "tell: the executable, the dynamic linker, the loaded libraries "
	       "and the main stack from $sp up; heap, mmap regions, thread "
	       "stacks and the vdso are missing, and the gaps are not known to "
	       "be unmapped";
}

size_t vml_layout_warning_count(const struct vml_layout *layout)
{
	if (!layout)
		return 0;
	return (incomplete_line(layout) ? 1 : 0) +
	       (partial_line(layout) ? 1 : 0) + layout->nwarnings;
}

const char *vml_layout_warning(const struct vml_layout *layout, size_t i)
{
	if (!layout)
		return NULL;
	const char *fixed[] = { incomplete_line(layout), partial_line(layout) };
	for (size_t k = 0; k < VML_ARRAY_SIZE(fixed); k++) {
		if (!fixed[k])
			continue;
		if (i == 0)
			return fixed[k];
		i--;
	}
	return i < layout->nwarnings ? layout->warnings[i] : NULL;
}

/* ------------------------------------------------------------ deleted */

struct vml_error *vml_mapped_file_elf(const struct vml_layout *layout,
				      const struct vml_region *r, bool is_exe,
				      struct vml_elf_info **ret)
{
	*ret = NULL;
	if (layout->pid <= 0)
		return NULL;
	char path[96];
	/* The kernel names each entry by the mapping's span, "%lx-%lx";
	 * opening it needs CAP_SYS_ADMIN, the exe link only ptrace access. */
	snprintf(path, sizeof(path), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64,
		 layout->pid, r->start, r->end);
	struct vml_error *err = vml_elf_info_load(NULL, path, ret);
	if (err || (*ret)->valid || !is_exe)
		return err;
	vml_elf_info_free(*ret);
	*ret = NULL;
	snprintf(path, sizeof(path), "/proc/%d/exe", layout->pid);
	return vml_elf_info_load(NULL, path, ret);
}
