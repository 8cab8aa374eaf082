/*
 * core_fixture.c — benchmark fixture for cores: maps N MiB of anonymous
 * memory and writes every page, so the memory is really there (resident)
 * and a core of it holds N MiB of real data, not a sparse hole. Prints
 * "ready PID MIB" and waits to be dumped. Usage: core_fixture MIB
 * Built by bench/run-bench-core with plain cc: never sanitized, so gcore
 * does not dump an ASan shadow of terabytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long mib = argc > 1 ? strtol(argv[1], NULL, 10) : 64;
	if (mib < 1 || mib > 16384) {
		fprintf(stderr, "core_fixture: MiB must be 1..16384\n");
		return 2;
	}
	size_t size = (size_t)mib << 20;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	/* A non-zero byte pattern, every page written: resident, dumped. */
	memset(p, 0x5a, size);
	printf("ready %ld %ld\n", (long)getpid(), mib);
	fflush(stdout);
	for (;;)
		pause();
}
