/* layout_pid_test.c — layouts of live processes. Truths: a forked child
 * that maps a known region and reports addresses through a pipe, the
 * child's /proc/PID/maps parsed here with sscanf, getauxval(), readlink(). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "suites.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* What the child reports: 16-byte records are written atomically. */
enum { MSG_REGION = 1, MSG_THREAD_LOCAL = 2 };
struct msg {
	uint64_t tag;
	uint64_t value;
};

struct child {
	pid_t pid;
	int up;            /* child -> parent */
	int down;          /* parent -> child, never written: keeps it blocked */
	uint64_t region;   /* start of the 3-page PROT_READ mapping */
	uint64_t thread_local_addr;
};

/* In the child: the pipe end its threads block on. */
static int child_block_fd = -1;

static void *child_thread(void *arg)
{
	int up = *(int *)arg;
	volatile char local = 1;
	struct msg m = { MSG_THREAD_LOCAL, (uint64_t)(uintptr_t)&local };
	if (write(up, &m, sizeof(m)) != sizeof(m))
		_exit(3);
	char c;
	/* Blocks for good: the parent never writes. */
	while (read(child_block_fd, &c, 1) != 0)
		;
	return NULL;
}

static void child_main(int up, int down)
{
	child_block_fd = down;
	/* A fixed, far-away hint keeps the mapping from merging with a
	 * neighbour; fall back to any address if it is taken. */
	void *p = mmap((void *)0x200000000000, 3 * 4096, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED || p != (void *)0x200000000000)
		p = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(2);
	pthread_t t;
	if (pthread_create(&t, NULL, child_thread, &up) != 0)
		_exit(4);
	struct msg m = { MSG_REGION, (uint64_t)(uintptr_t)p };
	if (write(up, &m, sizeof(m)) != sizeof(m))
		_exit(3);
	char c;
	while (read(down, &c, 1) != 0)
		;
	_exit(0);
}

/* Read the start of /proc/PID/task/TID/syscall for every thread until none
 * is "running" (bounded: 5 s), so the stack pointers are on record. */
static bool wait_blocked(pid_t pid, int nthreads)
{
	for (int tries = 0; tries < 5000; tries++) {
		char path[64];
		int blocked = 0;
		snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
		DIR *d = opendir(path);
		if (!d)
			return false;
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			char sp[384], buf[16] = { 0 };
			snprintf(sp, sizeof(sp), "%s/%s/syscall", path, de->d_name);
			int fd = open(sp, O_RDONLY);
			if (fd < 0)
				continue;
			ssize_t n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n > 0 && strncmp(buf, "running", 7) != 0)
				blocked++;
		}
		closedir(d);
		if (blocked == nthreads)
			return true;
		usleep(1000);
	}
	return false;
}

static bool start_child(struct child *c)
{
	int up[2], down[2];
	if (pipe(up) || pipe(down))
		return false;
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		child_main(up[1], down[0]);
	}
	close(up[1]);
	close(down[0]);
	/* The parent keeps down[1] open so the child's reads block; it is
	 * closed (and the child killed) by stop_child. */
	c->pid = pid;
	c->up = up[0];
	c->down = down[1];
	c->region = c->thread_local_addr = 0;
	for (int i = 0; i < 2; i++) {
		struct msg m;
		if (read(up[0], &m, sizeof(m)) != sizeof(m))
			return false;
		if (m.tag == MSG_REGION)
			c->region = m.value;
		else if (m.tag == MSG_THREAD_LOCAL)
			c->thread_local_addr = m.value;
	}
	return c->region && c->thread_local_addr && wait_blocked(pid, 2);
}

static void stop_child(struct child *c)
{
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	close(c->up);
	close(c->down);
}

/* One line of maps as this test reads it itself. */
struct truth {
	unsigned long start, end, offset, inode;
	unsigned major, minor;
	char perms[5];
	char name[PATH_MAX + 32];
};

static size_t read_truth(pid_t pid, struct truth **ret)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	size_t n = 0, cap = 0;
	struct truth *t = NULL;
	char *line = NULL;
	size_t linecap = 0;
	ssize_t len;
	while ((len = getline(&line, &linecap, f)) > 0) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			t = realloc(t, cap * sizeof(*t));
			CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		}
		struct truth *x = &t[n++];
		int name_at = 0;
		int got = sscanf(line, "%lx-%lx %4s %lx %x:%x %lu %n", &x->start,
				 &x->end, x->perms, &x->offset, &x->major,
				 &x->minor, &x->inode, &name_at);
		CU_ASSERT_EQUAL_FATAL(got, 7);
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		snprintf(x->name, sizeof(x->name), "%s", line + name_at);
	}
	free(line);
	fclose(f);
	*ret = t;
	return n;
}

static void test_child_layout(void)
{
	struct child c = { .pid = -1, .up = -1, .down = -1 };
	bool started = start_child(&c);
	if (!started && c.pid > 0)
		stop_child(&c);
	/* (A child left behind by a failed assertion below exits by itself
	 * when this process ends: its blocking read then sees EOF.) */
	CU_ASSERT_TRUE_FATAL(started);
	struct vml_layout *l = NULL;
	struct vml_error *err = vml_layout_from_pid(c.pid, &l);
	struct truth *t = NULL;
	size_t n = read_truth(c.pid, &t);
	if (err)
		fprintf(stderr, "\nunexpected error: %s\n", vml_error_message(err));
	CU_ASSERT_PTR_NULL(err);
	if (err) {
		vml_error_free(err);
		stop_child(&c);
		free(t);
		return;
	}

	/* the known region: 3 pages, exactly, read-only private */
	const struct vml_region *r = vml_layout_find(l, c.region);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->start, c.region);
	CU_ASSERT_EQUAL(r->end, c.region + 3 * 4096);
	CU_ASSERT_STRING_EQUAL(r->perms, "r--p");
	CU_ASSERT_EQUAL(r->prot, VML_PROT_READ);

	/* every region equals the child's maps line */
	CU_ASSERT_EQUAL(vml_layout_count(l), n);
	unsigned bad = 0;
	for (size_t i = 0; i < n && i < vml_layout_count(l); i++) {
		r = vml_layout_region(l, i);
		const char *name = r->name ? r->name : "";
		bool same = r->start == t[i].start && r->end == t[i].end &&
			    strcmp(r->perms, t[i].perms) == 0 &&
			    r->offset == t[i].offset && r->inode == t[i].inode &&
			    r->dev_major == t[i].major && r->dev_minor == t[i].minor &&
			    strcmp(name, t[i].name) == 0;
		if (!same) {
			fprintf(stderr, "\nregion %zu differs: %" PRIx64 "-%" PRIx64 " %s '%s' vs %lx-%lx %s '%s'\n",
				i, r->start, r->end, r->perms, name, t[i].start,
				t[i].end, t[i].perms, t[i].name);
			bad++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);

	/* threads: both blocked, main sp in [stack], the other's sp just
	 * below its own local variable, in the same mapping */
	CU_ASSERT_EQUAL(l->nthreads, 2);
	bool saw_main = false, saw_other = false;
	for (size_t i = 0; i < l->nthreads; i++) {
		const struct vml_thread *th = &l->threads[i];
		r = vml_layout_find(l, th->sp);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		if (th->tid == c.pid) {
			saw_main = true;
			CU_ASSERT_TRUE(th->is_main);
			CU_ASSERT_STRING_EQUAL(r->name ? r->name : "", "[stack]");
		} else {
			saw_other = true;
			CU_ASSERT_FALSE(th->is_main);
			CU_ASSERT_PTR_EQUAL(r, vml_layout_find(l, c.thread_local_addr));
			CU_ASSERT(th->sp < c.thread_local_addr);
			CU_ASSERT(c.thread_local_addr - th->sp < 65536);
		}
	}
	CU_ASSERT_TRUE(saw_main);
	CU_ASSERT_TRUE(saw_other);

	/* auxv and exe: the child is a fork of this process, so its auxv is
	 * ours and its exe is our exe */
	CU_ASSERT_TRUE(l->auxv.present);
	CU_ASSERT_EQUAL(l->auxv.entry, getauxval(AT_ENTRY));
	CU_ASSERT_EQUAL(l->auxv.phdr, getauxval(AT_PHDR));
	CU_ASSERT_EQUAL(l->auxv.sysinfo_ehdr, getauxval(AT_SYSINFO_EHDR));
	CU_ASSERT_EQUAL(l->auxv.pagesz, (uint64_t)sysconf(_SC_PAGESIZE));
	char exe[PATH_MAX];
	ssize_t elen = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	CU_ASSERT_FATAL(elen > 0);
	exe[elen] = '\0';
	CU_ASSERT_PTR_NOT_NULL_FATAL(l->exe_path);
	CU_ASSERT_STRING_EQUAL(l->exe_path, exe);
	CU_ASSERT_EQUAL(vml_layout_flags(l) & VML_LAYOUT_INCOMPLETE, 0);
	/* a source, when one could be opened, is owned and in use */
	if (l->owned_source)
		CU_ASSERT_PTR_EQUAL(l->source, l->owned_source);

	vml_layout_free(l);
	free(t);
	stop_child(&c);
}

static void test_nonexistent_pid(void)
{
	/* A child that has exited and been reaped leaves a free pid. */
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	struct vml_layout *l = NULL;
	struct vml_error *err = vml_layout_from_pid(pid, &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_NOT_FOUND);
	char want[64];
	snprintf(want, sizeof(want), "no process %d", (int)pid);
	CU_ASSERT(strncmp(vml_error_message(err), want, strlen(want)) == 0);
	CU_ASSERT_PTR_NULL(l);
	vml_error_free(err);

	VML_ASSERT_ERR(vml_layout_from_pid(0, &l), VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_layout_from_pid(-5, &l), VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_layout_from_pid(getpid(), NULL), VML_ERROR_INVALID);
}

/* 0 when from_pid(target) gave PERMISSION "cannot read /proc/T/maps: ...". */
static int permission_check(pid_t target)
{
	char want[64];
	int wl = snprintf(want, sizeof(want), "cannot read /proc/%d/maps: ", (int)target);
	struct vml_layout *l = NULL;
	struct vml_error *err = vml_layout_from_pid(target, &l);
	int bad = !err || vml_error_code(err) != VML_ERROR_PERMISSION ||
		  strncmp(vml_error_message(err), want, (size_t)wl) != 0 ||
		  l != NULL;
	vml_error_free(err);
	return bad;
}

static void test_permission_denied(void)
{
	/* Needs root: a child drops to nobody and asks for the layout of
	 * this (root-owned) test process, which the kernel refuses. */
	if (getuid() != 0)
		return;
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		pid_t target = getppid();
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(10);
		_exit(permission_check(target));
	}
	int status = 0;
	CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT_TRUE(WIFEXITED(status));
	CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
}

static void test_self(void)
{
	/* our own process: the thread reading its syscall file is in read(),
	 * so its sp is known and lies in [stack] */
	struct vml_layout *l = NULL;
	VML_ASSERT_OK(vml_layout_from_pid(getpid(), &l));
	CU_ASSERT(vml_layout_count(l) > 5);
	static const char marker[] = "in this test's .rodata";
	const struct vml_region *r = vml_layout_find(l, (uint64_t)(uintptr_t)marker);
	CU_ASSERT_PTR_NOT_NULL(r);
	int local = 0;
	r = vml_layout_find(l, (uint64_t)(uintptr_t)&local);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	bool found = false;
	for (size_t i = 0; i < l->nthreads; i++) {
		if (l->threads[i].tid == getpid()) {
			found = true;
			CU_ASSERT_PTR_EQUAL(vml_layout_find(l, l->threads[i].sp), r);
		}
	}
	CU_ASSERT_TRUE(found);
	vml_layout_free(l);
}

static CU_TestInfo tests[] = {
	{ "child with a known region and a thread", test_child_layout },
	{ "nonexistent pid", test_nonexistent_pid },
	{ "permission denied", test_permission_denied },
	{ "own process", test_self },
	CU_TEST_INFO_NULL,
};

int vml_suite_layout_pid(void)
{
	return vml_add_suite("layout_pid", tests);
}
