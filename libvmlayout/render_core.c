/*
 * render_core.c — what is said about a layout as a whole, before its
 * picture or table: the one-line summary of a core (the facts of its notes)
 * and the warnings, made here so that the command line and GDB print the
 * same text.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "internal.h"

struct vml_error *vml_render_core_summary(const struct vml_layout *layout,
					  const char *path, char **ret)
{
	if (!ret)
		return vml_error_create(VML_ERROR_INVALID, "render: no result pointer");
	*ret = NULL;
	const struct vml_core_info *core = vml_layout_core(layout);
	if (!core)
		return vml_error_create(VML_ERROR_INVALID,
					"render: core summary of a layout that is "
					"not from a core");
	struct vml_core_info info = *core;
	struct vml_strbuf sb = { 0 };
	vml_sb_puts(&sb, "core");
	if (path) {
		vml_sb_putc(&sb, ' ');
		vml_sb_put_display(&sb, path, SIZE_MAX);
	}
	vml_sb_putc(&sb, ':');
	if (info.pid)
		vml_sb_printf(&sb, " pid %" PRId32, info.pid);
	if (info.command[0]) {
		vml_sb_puts(&sb, " (");
		vml_sb_put_display(&sb, info.command, SIZE_MAX);
		vml_sb_putc(&sb, ')');
	}
	if (info.signo) {
		char sig[32];
		vml_signal_name(info.signo, sig, sizeof(sig));
		vml_sb_printf(&sb, ", signal %s", sig);
		if (info.has_fault_addr)
			vml_sb_printf(&sb, " (fault address 0x%" PRIx64 ")",
				      info.fault_addr);
	}
	if (info.nthreads)
		vml_sb_printf(&sb, ", %" PRIu32 " thread%s", info.nthreads,
			      info.nthreads == 1 ? "" : "s");
	vml_sb_putc(&sb, '\n');
	return vml_sb_finish(&sb, ret);
}

struct vml_error *vml_render_layout_warnings(const struct vml_layout *layout,
					     char **ret)
{
	if (!ret)
		return vml_error_create(VML_ERROR_INVALID, "render: no result pointer");
	*ret = NULL;
	if (!layout)
		return vml_error_create(VML_ERROR_INVALID, "render: no layout");
	struct vml_strbuf sb = { 0 };
	if (vml_layout_flags(layout) & VML_LAYOUT_INCOMPLETE) {
		if (vml_layout_is_core(layout))
			vml_sb_puts(&sb, "warning: the layout is incomplete: the core "
				    "is truncated or damaged, or leaves out some "
				    "mappings (\"???\" marks what is unknown)\n");
		else
			vml_sb_puts(&sb, "warning: the layout is incomplete: some "
				    "input was missing or damaged\n");
	}
	if (vml_layout_flags(layout) & VML_LAYOUT_PARTIAL)
		vml_sb_puts(&sb, "warning: the layout is partial: the target "
			    "cannot list its mappings (qemu-user's gdbstub has "
			    "no /proc/PID/maps); shown is only what the auxv, "
			    "the files and the dynamic linker's list tell: the "
			    "executable, the dynamic linker, the loaded "
			    "libraries and the main stack from $sp up; heap, "
			    "mmap regions, thread stacks and the vdso are "
			    "missing, and the gaps are not known to be "
			    "unmapped\n");
	return vml_sb_finish(&sb, ret);
}
