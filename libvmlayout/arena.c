/* arena.c — bump allocation for strings that live as long as their owner,
 * plus the one growth helper every dynamic array uses. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

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
	void *p = realloc(*array, bytes);
	if (!p)
		return false;
	*array = p;
	*capacity = cap;
	return true;
}
