/*
 * format.c — formatting shared by every renderer: sizes and spans, region
 * ends, names, colours, signal names, and the one JSON serializer of a
 * region, so that a region reads the same in every output.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------ sizes */

void vml_format_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = {
		"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB",
	};
	if (!buf || size == 0)
		return;
	unsigned u = 0;
	while (u + 1 < VML_ARRAY_SIZE(units) &&
	       bytes >= (UINT64_C(1) << (10 * (u + 1))))
		u++;
	uint64_t unit = UINT64_C(1) << (10 * u);
	if (bytes % unit == 0) {
		snprintf(buf, size, "%" PRIu64 " %s", bytes / unit, units[u]);
		return;
	}
	/* Tenths, rounded half up; rem < unit <= 2^60 so rem * 10 fits. */
	uint64_t rem = bytes % unit;
	uint64_t tenths = bytes / unit * 10 + (rem * 10 + unit / 2) / unit;
	if (tenths >= 10240 && u + 1 < VML_ARRAY_SIZE(units)) {
		u++;
		tenths = 10;
	}
	snprintf(buf, size, "%" PRIu64 ".%" PRIu64 " %s", tenths / 10,
		 tenths % 10, units[u]);
}

void vml_format_span(uint64_t start, uint64_t last, char *buf, size_t size)
{
	/* The whole 2^64 space does not fit a uint64_t and is the only size
	 * that can overflow. */
	if (start == 0 && last == UINT64_MAX)
		snprintf(buf, size, "16 EiB");
	else
		vml_format_size(last - start + 1, buf, size);
}

void vml_format_hole(uint64_t user_end, uint64_t kernel_start, char *buf,
		     size_t size)
{
	/* 2^64 minus both halves; the halves add up to at most 2^64, and
	 * 0 - kernel_start is the kernel half's size modulo 2^64. */
	char halves[32];
	vml_format_size(user_end + (0 - kernel_start), halves, sizeof(halves));
	snprintf(buf, size, "16 EiB - %s", halves);
}

void vml_format_region_end(const struct vml_region *r, unsigned pad_digits,
			   char *buf, size_t size)
{
	if (vml_region_last(r) == UINT64_MAX)
		snprintf(buf, size, "0x10000000000000000");
	else
		snprintf(buf, size, "0x%0*" PRIx64, (int)pad_digits, r->end);
}

/* ------------------------------------------------------------ names */

void vml_format_perms(const struct vml_region *r, char *buf, size_t size)
{
	snprintf(buf, size, "%.4s", r->perms);
	for (char *p = buf; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
}

const char *vml_base_name(const char *path)
{
	if (!path)
		return NULL;
	const char *slash = strrchr(path, '/');
	return slash && slash[1] ? slash + 1 : path;
}

const char *vml_region_label(const struct vml_region *r)
{
	return r->path ? r->path : r->name;
}

const char *vml_group_color(uint32_t group)
{
	switch (group) {
	case VML_GROUP_EXE: return "\033[32m";
	case VML_GROUP_HEAP: return "\033[33m";
	case VML_GROUP_MMAP: return "\033[34m";
	case VML_GROUP_STACK: return "\033[35m";
	case VML_GROUP_SPECIAL: return "\033[36m";
	case VML_GROUP_KERNEL: return "\033[31m";
	default: return "\033[2m";
	}
}

/* ------------------------------------------------------------ signals */

/* Linux signal numbers (the same on every Linux architecture vmlayout
 * reads cores of; SIGSTKFLT aside, which only x86 and a few others raise). */
static const char *const signal_names[] = {
	[1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT", [4] = "SIGILL",
	[5] = "SIGTRAP", [6] = "SIGABRT", [7] = "SIGBUS", [8] = "SIGFPE",
	[9] = "SIGKILL", [10] = "SIGUSR1", [11] = "SIGSEGV", [12] = "SIGUSR2",
	[13] = "SIGPIPE", [14] = "SIGALRM", [15] = "SIGTERM", [16] = "SIGSTKFLT",
	[17] = "SIGCHLD", [18] = "SIGCONT", [19] = "SIGSTOP", [20] = "SIGTSTP",
	[21] = "SIGTTIN", [22] = "SIGTTOU", [23] = "SIGURG", [24] = "SIGXCPU",
	[25] = "SIGXFSZ", [26] = "SIGVTALRM", [27] = "SIGPROF", [28] = "SIGWINCH",
	[29] = "SIGIO", [30] = "SIGPWR", [31] = "SIGSYS",
	/* The kernel's first real-time signals; glibc keeps them for itself
	 * and starts SIGRTMIN at 34. Named as GDB names them. */
	[32] = "SIG32", [33] = "SIG33",
};

/* glibc's real-time range as `kill -l` names it. */
#define VML_SIGRTMIN 34
#define VML_SIGRTMAX 64

void vml_signal_name(int32_t signo, char *buf, size_t size)
{
	if (signo > 0 && (size_t)signo < VML_ARRAY_SIZE(signal_names) &&
	    signal_names[signo])
		snprintf(buf, size, "%s", signal_names[signo]);
	else if (signo == VML_SIGRTMIN)
		snprintf(buf, size, "SIGRTMIN");
	else if (signo == VML_SIGRTMAX)
		snprintf(buf, size, "SIGRTMAX");
	else if (signo > VML_SIGRTMIN && signo <= (VML_SIGRTMIN + VML_SIGRTMAX) / 2)
		snprintf(buf, size, "SIGRTMIN+%d", (int)(signo - VML_SIGRTMIN));
	else if (signo > VML_SIGRTMIN && signo < VML_SIGRTMAX)
		snprintf(buf, size, "SIGRTMAX-%d", (int)(VML_SIGRTMAX - signo));
	else
		snprintf(buf, size, "signal %d", (int)signo);
}

/* ------------------------------------------------------------ JSON */

/* The keys of a region object, in the order they are written. */
static const char *const region_keys[] = {
	"start", "end", "perms", "kind", "group", "path", "name", "offset",
	"object", "tid", "tids", "deleted", "guessed",
};

void vml_json_end(struct vml_strbuf *sb, uint64_t last)
{
	/* 2^64 does not fit a uint64_t but is a valid JSON number. */
	if (last == UINT64_MAX)
		vml_sb_puts(sb, "18446744073709551616");
	else
		vml_sb_printf(sb, "%" PRIu64, last + 1);
}

void vml_json_region_members(struct vml_strbuf *sb, const struct vml_region *r)
{
	char perms[8];
	memcpy(perms, r->perms, sizeof(perms));
	perms[sizeof(perms) - 1] = '\0';
	vml_sb_printf(sb, "\"start\": %" PRIu64 ", \"end\": ", r->start);
	vml_json_end(sb, vml_region_last(r));
	vml_sb_puts(sb, ", \"perms\": ");
	vml_sb_json_string(sb, perms);
	vml_sb_puts(sb, ", \"kind\": ");
	vml_sb_json_string(sb, vml_kind_name(r->kind));
	vml_sb_puts(sb, ", \"group\": ");
	vml_sb_json_string(sb, vml_group_name(r->group));
	vml_sb_puts(sb, ", \"path\": ");
	vml_sb_json_string(sb, r->path);
	vml_sb_puts(sb, ", \"name\": ");
	vml_sb_json_string(sb, r->name);
	vml_sb_printf(sb, ", \"offset\": %" PRIu64 ", \"object\": ", r->offset);
	vml_sb_json_string(sb, r->object);
	if (r->tid)
		vml_sb_printf(sb, ", \"tid\": %" PRId64, r->tid);
	else
		vml_sb_puts(sb, ", \"tid\": null");
	vml_sb_puts(sb, ", \"tids\": [");
	for (uint32_t k = 0; r->tids && k < r->nthreads; k++)
		vml_sb_printf(sb, "%s%" PRId64, k ? ", " : "", r->tids[k]);
	vml_sb_putc(sb, ']');
	vml_sb_printf(sb, ", \"deleted\": %s, \"guessed\": %s",
		      (r->flags & VML_REGION_DELETED) ? "true" : "false",
		      (r->flags & VML_REGION_GUESSED) ? "true" : "false");
}

void vml_json_region_null_members(struct vml_strbuf *sb)
{
	for (size_t i = 0; i < VML_ARRAY_SIZE(region_keys); i++)
		vml_sb_printf(sb, "%s\"%s\": null", i ? ", " : "", region_keys[i]);
}

void vml_json_region(struct vml_strbuf *sb, const struct vml_region *r)
{
	if (!r) {
		vml_sb_puts(sb, "null");
		return;
	}
	vml_sb_putc(sb, '{');
	vml_json_region_members(sb, r);
	vml_sb_putc(sb, '}');
}

void vml_sb_thread_list(struct vml_strbuf *sb, const struct vml_region *r)
{
	vml_sb_printf(sb, "thread%s ", r->nthreads == 1 ? "" : "s");
	for (uint32_t k = 0; r->tids && k < r->nthreads; k++)
		vml_sb_printf(sb, "%s%" PRId64, k ? ", " : "", r->tids[k]);
}
