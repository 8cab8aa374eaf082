/*
 * bench_layout.c — C-side speed figures on a live process with many
 * mappings: build the layout from maps + classify, render the table into a
 * string, and whereis-style lookups per second. Prints each figure beside
 * its target (targets from the foundation issue). Usage: bench_layout PID
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmlayout.h"

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (cap - n < 65536) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return buf;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

#define RUNS 15

static void report(const char *what, double *t, double target)
{
	qsort(t, RUNS, sizeof(*t), cmp_double);
	printf("%-46s median %8.2f ms  (min %.2f)  target <= %5.0f ms  %s\n", what,
	       t[RUNS / 2], t[0], target, t[RUNS / 2] <= target ? "OK" : "MISSED");
}

static int fail(struct vml_error *err)
{
	fprintf(stderr, "bench_layout: %s\n", vml_error_message(err));
	vml_error_free(err);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_layout PID\n");
		return 2;
	}
	int pid = atoi(argv[1]);
	char path[64];
	double t_build[RUNS], t_full[RUNS], t_table[RUNS];
	size_t count = 0;
	struct vml_error *err;

	for (int run = 0; run < RUNS; run++) {
		/* maps text already in memory: parse + classify only */
		size_t len;
		snprintf(path, sizeof path, "/proc/%d/maps", pid);
		char *text = slurp(path, &len);
		if (!text) {
			perror(path);
			return 1;
		}
		double t0 = now_ms();
		struct vml_layout *layout;
		if ((err = vml_layout_from_maps(text, len, &layout)))
			return fail(err);
		if ((err = vml_layout_classify(layout)))
			return fail(err);
		t_build[run] = now_ms() - t0;
		count = vml_layout_count(layout);
		vml_layout_free(layout);
		free(text);

		/* everything from the pid: read maps, auxv, threads, classify */
		t0 = now_ms();
		if ((err = vml_layout_from_pid(pid, &layout)))
			return fail(err);
		t_full[run] = now_ms() - t0;

		t0 = now_ms();
		char *table;
		if ((err = vml_render_layout(layout, VML_FORMAT_TABLE, 0, &table)))
			return fail(err);
		t_table[run] = now_ms() - t0;
		vml_free(table);
		vml_layout_free(layout);
	}
	printf("process %d: %zu regions\n", pid, count);
	report("parse maps + classify (C)", t_build, 30);
	report("read /proc + parse + classify (C)", t_full, 30);
	report("render --table to a string (C)", t_table, 150);

	/* lookups: addresses spread over and around every region */
	struct vml_layout *layout;
	if ((err = vml_layout_from_pid(pid, &layout)))
		return fail(err);
	size_t n = vml_layout_count(layout);
	enum { NADDR = 1 << 16 };
	uint64_t *addrs = malloc(NADDR * sizeof(*addrs));
	uint64_t seed = 0x9e3779b97f4a7c15u;
	for (size_t i = 0; i < NADDR; i++) {
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		const struct vml_region *r = vml_layout_region(layout, seed % n);
		addrs[i] = r->start + (seed >> 32) % (r->end - r->start + 4096);
	}
	const long lookups = 20 * 1000 * 1000;
	uintptr_t sink = 0;
	double t0 = now_ms();
	for (long i = 0; i < lookups; i++)
		sink += (uintptr_t)vml_layout_find(layout, addrs[i & (NADDR - 1)]);
	double dt = now_ms() - t0;
	double per_sec = lookups / (dt / 1e3);
	printf("%-46s %8.2f M/s  target >= 5 M/s  %s   (checksum %lx)\n",
	       "vml_layout_find lookups", per_sec / 1e6,
	       per_sec >= 5e6 ? "OK" : "MISSED", (unsigned long)(sink & 0xfff));

	struct vml_where w;
	const long wheres = 200000;
	t0 = now_ms();
	for (long i = 0; i < wheres; i++)
		if ((err = vml_layout_where(layout, addrs[i & (NADDR - 1)], &w,
					    sizeof(w))))
			return fail(err);
	dt = now_ms() - t0;
	printf("%-46s %8.2f M/s  (full answer, anonymous regions)\n",
	       "vml_layout_where calls", wheres / (dt / 1e3) / 1e6);
	free(addrs);
	vml_layout_free(layout);
	return 0;
}
