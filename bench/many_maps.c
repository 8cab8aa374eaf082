/*
 * many_maps.c — benchmark fixture: one large anonymous mapping whose every
 * other page is mprotect()ed, so the kernel keeps N separate VMAs (default
 * 60,000 in all). Prints "ready PID COUNT" and waits to be measured.
 *
 * Modes (second argument):
 *   --stop  raise SIGSTOP so a debugger can attach at leisure;
 *   --tick  call many_maps_tick() every 5 ms, so a debugger can stop the
 *           process again and again at a breakpoint there (the bench of
 *           the first whereis after a stop).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

volatile unsigned long many_maps_ticks;
void many_maps_tick(void);

__attribute__((noinline)) void many_maps_tick(void)
{
	many_maps_ticks++;
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	long want = argc > 1 ? strtol(argv[1], NULL, 10) : 60000;
	long page = sysconf(_SC_PAGESIZE);
	if (want < 2 || want > 65000) {
		fprintf(stderr, "many_maps: count must be 2..65000 (vm.max_map_count)\n");
		return 2;
	}
	/* Alternating protections: each page is its own VMA. */
	char *base = mmap(NULL, (size_t)want * page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (long i = 1; i < want; i += 2) {
		if (mprotect(base + i * page, page, PROT_READ) != 0) {
			perror("mprotect");
			return 1;
		}
	}
	printf("ready %ld %ld\n", (long)getpid(), want);
	fflush(stdout);
	if (argc > 2 && strcmp(argv[2], "--tick") == 0) {
		for (;;) {
			usleep(5000);
			many_maps_tick();
		}
	}
	if (argc > 2)   /* "--stop": stop so a debugger can attach at leisure */
		raise(SIGSTOP);
	for (;;)
		pause();
}
