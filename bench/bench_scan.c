/*
 * bench_scan.c — pointer scan throughput against the read-only floor: a
 * child process holds 64 MiB of anonymous memory; the parent reads it
 * through /proc/PID/mem in 1 MiB blocks (what any scan must at least do)
 * and scans it with vml_layout_scan for pointers into anything mapped,
 * side by side, for two contents: a constant byte pattern (the gcore
 * fixture's) and heap-like words (one in eight a pointer into the block,
 * the rest small numbers, zeros and text). Prints medians of CPU time
 * and the ratio beside the target (issue 8: scan <= 3x read). Usage:
 * bench_scan [MIB]; bench_scan --hold [MIB] only holds heap-like memory
 * (prints "ready PID START END") for the GDB figure (bench_scan_gdb.py).
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmlayout.h"

#define RUNS 7
#define BLOCK (1u << 20)

/* CPU time of this thread (user + system: the kernel's copying of the
 * other process's memory counts): two more processes busy on a 2-core
 * machine then inflate neither figure, where wall time would. */
static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *t)
{
	qsort(t, RUNS, sizeof(*t), cmp_double);
	return t[RUNS / 2];
}

static int fail(struct vml_error *err)
{
	fprintf(stderr, "bench_scan: %s\n", vml_error_message(err));
	vml_error_free(err);
	return 1;
}

static void fill(uint64_t *w, size_t n, int heap_like)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < n; i++) {
		if (!heap_like) {
			w[i] = 0x5a5a5a5a5a5a5a5aull;
			continue;
		}
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		switch (x & 7) {
		case 0:   /* a pointer into the block */
			w[i] = (uint64_t)(uintptr_t)&w[(x >> 8) % n];
			break;
		case 1:
		case 2:
			w[i] = 0;
			break;
		case 3:   /* text */
			w[i] = 0x6f77206f6c6c6568ull;
			break;
		default: /* small numbers, sizes, flags */
			w[i] = (x >> 20) & 0xffff;
			break;
		}
	}
}

/* A child holding the memory; returns its pid, the block's address. */
static pid_t start_child(size_t bytes, int heap_like, uint64_t *addr)
{
	uint64_t *w = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w == MAP_FAILED)
		return -1;
	fill(w, bytes / 8, heap_like);
	*addr = (uint64_t)(uintptr_t)w;
	pid_t pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	munmap(w, bytes);   /* the child keeps its copy */
	return pid;
}

static int measure(const char *what, size_t bytes, int heap_like)
{
	uint64_t addr;
	pid_t pid = start_child(bytes, heap_like, &addr);
	if (pid < 0) {
		perror("bench_scan");
		return 1;
	}
	struct vml_layout *layout = NULL;
	struct vml_source *src = NULL;
	struct vml_error *err = vml_layout_from_pid(pid, &layout);
	if (!err)
		err = vml_source_from_pid(pid, &src);
	char *buf = malloc(BLOCK);
	double t_read[RUNS], t_scan[RUNS];
	uint64_t hits = 0, scanned = 0;
	char range[64];
	snprintf(range, sizeof(range), "0x%" PRIx64 "-0x%" PRIx64, addr,
		 addr + bytes);
	for (int run = 0; run < RUNS && !err && buf; run++) {
		double t0 = now_ms();
		for (size_t off = 0; off < bytes && !err; off += BLOCK)
			err = vml_source_read(src, VML_SPACE_VIRTUAL, addr + off,
					      buf, BLOCK);
		t_read[run] = now_ms() - t0;
		if (err)
			break;
		struct vml_scan_request req = { .from = range, .source = src };
		struct vml_scan *scan = NULL;
		t0 = now_ms();
		err = vml_layout_scan(layout, &req, sizeof(req), &scan);
		t_scan[run] = now_ms() - t0;
		if (err)
			break;
		struct vml_scan_stats st;
		err = vml_scan_get_stats(scan, &st, sizeof(st));
		hits = st.hits;
		scanned = st.scanned;
		vml_scan_free(scan);
	}
	free(buf);
	vml_source_free(src);
	vml_layout_free(layout);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (err)
		return fail(err);
	double r = median(t_read), s = median(t_scan);
	double mib = bytes / 1048576.0;
	printf("scan %.0f MiB, %-26s read %6.2f ms  scan %6.2f ms  %.2fx  "
	       "target <= 3x  %s  (%.0f MiB/s; %" PRIu64 " pointers in %" PRIu64
	       " bytes)\n", mib, what, r, s, s / r, s <= 3 * r ? "OK" : "MISSED",
	       mib / s * 1e3, hits, scanned);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--hold") == 0) {
		/* For the GDB figure: hold heap-like memory, say where. */
		size_t mib = argc > 2 ? strtoul(argv[2], NULL, 10) : 64;
		size_t bytes = mib << 20;
		uint64_t *w = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (w == MAP_FAILED)
			return 1;
		fill(w, bytes / 8, 1);
		printf("ready %d 0x%" PRIx64 " 0x%" PRIx64 "\n", (int)getpid(),
		       (uint64_t)(uintptr_t)w, (uint64_t)(uintptr_t)w + bytes);
		fflush(stdout);
		for (;;)
			pause();
	}
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
	if (mib < 1 || mib > 4096) {
		fprintf(stderr, "usage: bench_scan [MIB]\n");
		return 2;
	}
	int rc = measure("constant bytes (gcore's):", mib << 20, 0);
	rc |= measure("heap-like (1/8 pointers):", mib << 20, 1);
	return rc;
}
