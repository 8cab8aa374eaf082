/* arena.c — bump allocation for strings that live as long as their owner,
 * plus the one growth helper every dynamic array uses. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

/* Big enough that 60,000 maps paths need a handful of chunks. */
#define VML_ARENA_CHUNK 65536

struct vml_arena_chunk {
	struct vml_arena_chunk *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

void vml_arena_init(struct vml_arena *arena)
{
	arena->head = NULL;
}

void vml_arena_release(struct vml_arena *arena)
{
	struct vml_arena_chunk *c = arena->head;
	while (c) {
		struct vml_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	arena->head = NULL;
}

size_t vml_arena_bytes(const struct vml_arena *arena)
{
	size_t total = 0;
	for (const struct vml_arena_chunk *c = arena->head; c; c = c->next)
		total += sizeof(*c) + c->size;
	return total;
}

void *vml_arena_alloc(struct vml_arena *arena, size_t size)
{
	/* Keep every allocation 16-byte aligned. */
	if (size > SIZE_MAX - 15)
		return NULL;
	size = (size + 15) & ~(size_t)15;
	struct vml_arena_chunk *c = arena->head;
	if (!c || c->size - c->used < size) {
		size_t chunk = size > VML_ARENA_CHUNK ? size : VML_ARENA_CHUNK;
		if (chunk > SIZE_MAX - sizeof(*c))
			return NULL;
		c = malloc(sizeof(*c) + chunk);
		if (!c)
			return NULL;
		c->used = 0;
		c->size = chunk;
		c->next = arena->head;
		arena->head = c;
	}
	void *p = c->data + c->used;
	c->used += size;
	return p;
}

char *vml_arena_strndup(struct vml_arena *arena, const char *s, size_t len)
{
	if (len == SIZE_MAX)
		return NULL;
	char *p = vml_arena_alloc(arena, len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *vml_arena_strdup(struct vml_arena *arena, const char *s)
{
	return vml_arena_strndup(arena, s, strlen(s));
}

/*
 * Arrays of this size and more (60,000 regions are 6 MiB) are 2 MiB
 * aligned and advised for transparent huge pages: on a virtual machine
 * every 4 KiB first-touch fault costs ~15 us, so touching 6 MiB page by
 * page costs more than parsing the maps that fill it.
 */
#define VML_HUGE_ARRAY (UINT64_C(2) << 20)

static void *huge_alloc(size_t bytes)
{
	size_t align = VML_HUGE_ARRAY;
	if (bytes > SIZE_MAX - (align - 1))
		return NULL;
	size_t rounded = (bytes + align - 1) & ~(align - 1);
	void *p = aligned_alloc(align, rounded);
	if (p)
		(void)madvise(p, rounded, MADV_HUGEPAGE);  /* a hint: may fail */
	return p;
}

bool vml_grow(void **array, size_t *capacity, size_t need, size_t elem)
{
	if (need <= *capacity)
		return true;
	size_t cap = *capacity ? *capacity : 16;
	while (cap < need) {
		if (cap > SIZE_MAX / 2)
			return false;
		cap *= 2;
	}
	size_t bytes;
	if (vml_mul_overflows(cap, elem, &bytes))
		return false;
	void *p;
	if (bytes >= VML_HUGE_ARRAY) {
		p = huge_alloc(bytes);
		if (!p)
			return false;
		if (*array)
			memcpy(p, *array, *capacity * elem);
		free(*array);
	} else {
		p = realloc(*array, bytes);
		if (!p)
			return false;
	}
	*array = p;
	*capacity = cap;
	return true;
}
