/*
 * demo.c — the bundled example for `make demo`: a small program with the
 * regions people ask about (a .data counter, a .bss buffer, heap memory, an
 * anonymous mmap, a second thread). It stops in demo_ready() so GDB can
 * look at it; run alone it just prints and exits.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int counter = 42;                 /* .data */
static char buffer[16384];        /* .bss */
static pthread_barrier_t ready;

/* GDB stops here: every region exists and the worker thread is alive. */
__attribute__((noinline)) void demo_ready(void)
{
	__asm__ volatile("" ::: "memory");
}

static void *worker(void *arg)
{
	char scratch[256];
	memset(scratch, 1, sizeof scratch);
	pthread_barrier_wait(&ready);   /* demo_ready() runs now */
	pthread_barrier_wait(&ready);   /* then the main thread lets us go */
	return arg;
}

int main(void)
{
	char *heap = malloc(4096);
	char *anon = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!heap || anon == MAP_FAILED)
		return 1;
	memset(heap, 0, 4096);
	anon[0] = buffer[0] = (char)counter;

	pthread_t t;
	pthread_barrier_init(&ready, NULL, 2);
	if (pthread_create(&t, NULL, worker, NULL) != 0)
		return 1;
	pthread_barrier_wait(&ready);
	demo_ready();
	pthread_barrier_wait(&ready);
	pthread_join(t, NULL);
	printf("heap %p, mmap %p, buffer %p\n", (void *)heap, (void *)anon, (void *)buffer);
	return 0;
}
