/*
 * layout_pid.c — the layout of a live process, from what /proc tells:
 * maps (required), auxv, exe link and every thread's stack pointer
 * (optional: missing ones only mark the layout incomplete), plus a
 * /proc/PID/mem source when it can be opened.
 */
#include "config.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"

/* The kernel caps a process at vm.max_map_count mappings (65530 by
 * default, ~80 bytes each plus the path); 1 GiB leaves room for raised
 * limits while still bounding memory on a hostile or broken /proc. */
#define MAPS_LIMIT ((size_t)1 << 30)
#define AUXV_LIMIT ((size_t)1 << 16)
#define SYSCALL_LIMIT ((size_t)1 << 12)
/* readlink results longer than this are not paths we can use. */
#define EXE_LIMIT ((size_t)1 << 20)
/* Far above the kernel's threads-max on any real machine. */
#define THREADS_LIMIT ((size_t)1 << 22)

/*
 * Read a whole file into a malloc'ed buffer with a read() loop (/proc
 * files have no useful size). Returns 0 or an errno value: EFBIG when the
 * file exceeds limit, ENOMEM when memory runs out.
 */
static int read_all(const char *path, size_t limit, char **buf_ret,
		    size_t *len_ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	size_t cap = 0, len = 0;
	char *buf = NULL;
	int ret = 0;
	for (;;) {
		if (len == cap) {
			if (cap >= limit) {
				ret = EFBIG;
				break;
			}
			size_t want = cap ? cap * 2 : 16384;
			if (want > limit)
				want = limit;
			if (!vml_grow((void **)&buf, &cap, want, 1)) {
				ret = ENOMEM;
				break;
			}
			if (cap > limit)
				cap = limit;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (ret) {
		free(buf);
		return ret;
	}
	*buf_ret = buf;
	*len_ret = len;
	return 0;
}

static struct vml_error *read_maps(int pid, struct vml_layout **ret)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	char *text = NULL;
	size_t len = 0;
	int e = read_all(path, MAPS_LIMIT, &text, &len);
	if (e == ENOENT || e == ESRCH)
		return vml_error_from_errno(e, "no process %d", pid);
	if (e == EFBIG)
		return vml_error_create(VML_ERROR_LIMIT,
					"%s is larger than %zu bytes", path,
					MAPS_LIMIT);
	if (e)
		return vml_error_from_errno(e, "cannot read %s", path);
	struct vml_error *err = vml_layout_from_maps(text, len, ret);
	free(text);
	return err;
}

/* auxv is optional: an unreadable or damaged one marks the layout incomplete. */
static void read_auxv(struct vml_layout *layout, int pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/auxv", pid);
	char *buf = NULL;
	size_t len = 0;
	if (read_all(path, AUXV_LIMIT, &buf, &len)) {
		layout->flags |= VML_LAYOUT_INCOMPLETE;
		return;
	}
	struct vml_error *err = vml_layout_set_auxv(layout, buf, len);
	if (err) {
		layout->flags |= VML_LAYOUT_INCOMPLETE;
		vml_error_free(err);
	}
	free(buf);
}

/* The exe link, minus the " (deleted)" the kernel appends for a removed
 * file, so it compares equal to the paths the maps parser stored. */
static struct vml_error *read_exe(struct vml_layout *layout, int pid)
{
	static const char deleted[] = " (deleted)";
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	char *buf = NULL;
	size_t size = 256;
	ssize_t n;
	for (;;) {
		char *p = realloc(buf, size);
		if (!p) {
			free(buf);
			return &vml_enomem;
		}
		buf = p;
		n = readlink(path, buf, size);
		/* A result that fills the buffer may have been truncated. */
		if (n < 0 || (size_t)n < size || size >= EXE_LIMIT)
			break;
		size *= 2;
	}
	if (n < 0 || (size_t)n >= size) {
		/* Kernel threads and exited processes have no exe. */
		layout->flags |= VML_LAYOUT_INCOMPLETE;
		free(buf);
		return NULL;
	}
	size_t len = (size_t)n;
	size_t dlen = sizeof(deleted) - 1;
	if (len >= dlen && memcmp(buf + len - dlen, deleted, dlen) == 0)
		len -= dlen;
	buf[len] = '\0';
	struct vml_error *err = vml_layout_set_exe(layout, buf);
	free(buf);
	return err;
}

static bool parse_hex_u64(const char *s, size_t len, uint64_t *ret)
{
	uint64_t v = 0;
	if (len == 0 || len > 16)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		v = v * 16 + d;
	}
	*ret = v;
	return true;
}

/*
 * /proc/PID/task/TID/syscall is "running", or "NR arg1..arg6 SP PC", or
 * "-1 SP PC" for a thread blocked outside a system call. SP is the
 * second-to-last field. False when the thread is running or the text is
 * not in that shape.
 */
static bool syscall_sp(const char *text, size_t len, uint64_t *sp)
{
	if (len >= 7 && memcmp(text, "running", 7) == 0)
		return false;
	/* Remember the last two fields while walking the line once. */
	const char *field[2] = { NULL, NULL };
	size_t flen[2] = { 0, 0 };
	size_t nfields = 0;
	size_t i = 0;
	while (i < len && text[i] != '\n') {
		if (text[i] == ' ') {
			i++;
			continue;
		}
		size_t start = i;
		while (i < len && text[i] != ' ' && text[i] != '\n')
			i++;
		field[0] = field[1];
		flen[0] = flen[1];
		field[1] = text + start;
		flen[1] = i - start;
		nfields++;
	}
	if (nfields < 3 || flen[0] < 3 || memcmp(field[0], "0x", 2) != 0)
		return false;
	return parse_hex_u64(field[0] + 2, flen[0] - 2, sp);
}

static bool parse_tid(const char *s, int64_t *ret)
{
	int64_t v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	*ret = v;
	return true;
}

/* Threads whose stack pointer we cannot learn (running, or unreadable)
 * are left out: the classifier then just knows fewer stacks. */
static struct vml_error *read_threads(struct vml_layout *layout, int pid)
{
	char path[96];
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	DIR *dir = opendir(path);
	if (!dir) {
		layout->flags |= VML_LAYOUT_INCOMPLETE;
		return NULL;
	}
	struct vml_error *err = NULL;
	struct dirent *de;
	size_t seen = 0;
	while (!err && seen < THREADS_LIMIT && (de = readdir(dir))) {
		seen++;
		int64_t tid;
		if (!parse_tid(de->d_name, &tid))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%" PRId64 "/syscall",
			 pid, tid);
		char *text = NULL;
		size_t len = 0;
		uint64_t sp;
		if (read_all(path, SYSCALL_LIMIT, &text, &len))
			continue;
		if (syscall_sp(text, len, &sp))
			err = vml_layout_add_thread(layout, tid, sp, tid == pid);
		free(text);
	}
	closedir(dir);
	return err;
}

/* The process's architecture from its executable's ELF header, read
 * through /proc/PID/exe (the file the process runs, even if deleted or
 * replaced since). An unreadable one (permission, kernel thread) leaves the
 * default and marks nothing: the maps still say most. x32 and other
 * unsupported ABIs are an error: the answer would be wrong. */
static struct vml_error *read_arch(struct vml_layout *layout, int pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	unsigned char h[EI_NIDENT + 4];
	ssize_t n;
	do
		n = pread(fd, h, sizeof(h), 0);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n != (ssize_t)sizeof(h) || memcmp(h, ELFMAG, SELFMAG) != 0 ||
	    h[EI_DATA] != ELFDATA2LSB)
		return NULL;
	/* e_machine follows e_type right after e_ident in both classes. */
	uint16_t machine = (uint16_t)(h[EI_NIDENT + 2] | h[EI_NIDENT + 3] << 8);
	const struct vml_arch *arch;
	struct vml_error *err = vml_arch_for_elf(h[EI_CLASS], machine, &arch);
	if (err) {
		struct vml_error *named = vml_error_create(
			vml_error_code(err), "process %d: %s", pid,
			vml_error_message(err));
		vml_error_free(err);
		return named;
	}
	return vml_layout_set_arch(layout, arch->id);
}

/* PF_KTHREAD of include/linux/sched.h: /proc/PID/stat's flags field. */
#define VML_PF_KTHREAD 0x00200000u

/* Why the maps of pid are empty: a kernel thread or a zombie has no user
 * address space at all (its stat says which), anything else none left. */
static struct vml_error *no_address_space(int pid)
{
	char path[64], *text = NULL;
	size_t len = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	char comm[64] = "";
	char state = '?';
	unsigned long flags = 0;
	if (read_all(path, SYSCALL_LIMIT, &text, &len) == 0) {
		/* "pid (comm) S ppid ..." — comm may hold spaces and ')'. */
		char *open_ = memchr(text, '(', len);
		char *close_ = NULL;
		for (size_t i = len; i > 0 && !close_; i--)
			if (text[i - 1] == ')')
				close_ = text + i - 1;
		if (open_ && close_ && close_ > open_) {
			size_t n = (size_t)(close_ - open_ - 1);
			if (n >= sizeof(comm))
				n = sizeof(comm) - 1;
			memcpy(comm, open_ + 1, n);
			comm[n] = '\0';
			/* state, then fields 4..8, then flags (field 9) */
			size_t rest = len - (size_t)(close_ + 1 - text);
			char *tail = malloc(rest + 1);
			if (tail) {
				memcpy(tail, close_ + 1, rest);
				tail[rest] = '\0';
				int ppid, pgrp, session, tty, tpgid;
				if (sscanf(tail, " %c %d %d %d %d %d %lu", &state, &ppid,
					   &pgrp, &session, &tty, &tpgid, &flags) != 7)
					flags = 0;
				free(tail);
			}
		}
		free(text);
	}
	char who[128];
	if (comm[0]) {
		struct vml_strbuf sb = { 0 };
		vml_sb_put_display(&sb, comm, 40);
		snprintf(who, sizeof(who), "process %d (%s)", pid,
			 sb.data ? sb.data : "?");
		vml_sb_release(&sb);
	} else {
		snprintf(who, sizeof(who), "process %d", pid);
	}
	if (flags & VML_PF_KTHREAD)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"%s is a kernel thread: it has no user "
					"address space (/proc/%d/maps is empty)",
					who, pid);
	if (state == 'Z')
		return vml_error_create(VML_ERROR_NOT_FOUND,
					"%s is a zombie: it has exited and has no "
					"address space left", who);
	return vml_error_create(VML_ERROR_NOT_FOUND,
				"%s has no user address space: /proc/%d/maps "
				"is empty", who, pid);
}

struct vml_error *vml_layout_from_pid(int pid, struct vml_layout **ret)
{
	if (!ret || pid <= 0)
		return vml_error_create(VML_ERROR_INVALID,
					"pid: bad process id %d", pid);
	struct vml_layout *layout;
	struct vml_error *err = read_maps(pid, &layout);
	if (err)
		return err;
	if (layout->count == 0) {
		vml_layout_free(layout);
		return no_address_space(pid);
	}
	/* A process of this machine: its /proc files may be read. */
	layout->pid = pid;
	/* The architecture before the auxv: its word size follows it. */
	err = read_arch(layout, pid);
	if (err) {
		vml_layout_free(layout);
		return err;
	}
	read_auxv(layout, pid);
	err = read_exe(layout, pid);
	if (!err)
		err = read_threads(layout, pid);
	if (err) {
		vml_layout_free(layout);
		return err;
	}
	/* Without /proc/PID/mem we still have a layout, only fewer details. */
	struct vml_source *src;
	err = vml_source_from_pid(pid, &src);
	if (err) {
		vml_error_free(err);
	} else {
		layout->owned_source = src;
		vml_layout_set_source(layout, src);
	}
	err = vml_layout_classify(layout);
	if (err) {
		vml_layout_free(layout);
		return err;
	}
	*ret = layout;
	return NULL;
}
