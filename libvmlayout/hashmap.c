/*
 * hashmap.c — the one hash map: uint64_t keys to uint64_t values, open
 * addressing with linear probing, never more than half full, so a probe
 * ends at an empty slot quickly and the table size bounds it regardless.
 *
 * Users: the source's page cache (page address | space -> cache slot) and
 * the page-table walker (tables already descended, memoized hit counts).
 * Key 0 is a valid key (virtual page 0); it is kept beside the table
 * because 0 marks an empty slot.
 */
#include "config.h"

#include <stdlib.h>

#include "internal.h"

#define VML_HASHMAP_MIN_SLOTS 64u

struct vml_hashmap_slot {
	uint64_t key;          /* 0 = empty */
	uint64_t value;
};

static size_t slot_hash(uint64_t key, size_t nslots)
{
	/* Fibonacci hashing spreads page-aligned keys over the table. */
	return (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 32) &
	       (nslots - 1);
}

/* The slot holding key, or the empty slot where it would go. */
static struct vml_hashmap_slot *probe(const struct vml_hashmap *map,
				      uint64_t key)
{
	size_t mask = map->nslots - 1;
	size_t i = slot_hash(key, map->nslots);
	/* At most half full: an empty slot always ends the probe. */
	for (size_t n = 0; n < map->nslots; n++, i = (i + 1) & mask) {
		struct vml_hashmap_slot *slot = &map->slots[i];
		if (slot->key == key || slot->key == 0)
			return slot;
	}
	return NULL; /* not reached: the table is never full */
}

bool vml_hashmap_get(const struct vml_hashmap *map, uint64_t key,
		     uint64_t *value_ret)
{
	if (key == 0) {
		if (map->has_zero && value_ret)
			*value_ret = map->zero_value;
		return map->has_zero;
	}
	if (!map->nslots)
		return false;
	const struct vml_hashmap_slot *slot = probe(map, key);
	if (!slot || slot->key != key)
		return false;
	if (value_ret)
		*value_ret = slot->value;
	return true;
}

bool vml_hashmap_reserve(struct vml_hashmap *map, size_t more)
{
	size_t need;
	if (__builtin_add_overflow(map->count, more, &need) ||
	    need > SIZE_MAX / 4)
		return false;
	if (map->nslots && need <= map->nslots / 2)
		return true;
	size_t nslots = map->nslots ? map->nslots : VML_HASHMAP_MIN_SLOTS;
	while (need > nslots / 2)
		nslots *= 2;
	struct vml_hashmap_slot *slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return false;
	struct vml_hashmap bigger = { .slots = slots, .nslots = nslots };
	for (size_t j = 0; j < map->nslots; j++) {
		const struct vml_hashmap_slot *old = &map->slots[j];
		if (old->key)
			*probe(&bigger, old->key) = *old;
	}
	free(map->slots);
	map->slots = slots;
	map->nslots = nslots;
	return true;
}

bool vml_hashmap_put(struct vml_hashmap *map, uint64_t key, uint64_t value)
{
	if (key == 0) {
		map->has_zero = true;
		map->zero_value = value;
		return true;
	}
	if (!vml_hashmap_reserve(map, 1))
		return false;
	struct vml_hashmap_slot *slot = probe(map, key);
	if (slot->key == 0) {
		slot->key = key;
		map->count++;
	}
	slot->value = value;
	return true;
}

size_t vml_hashmap_count(const struct vml_hashmap *map)
{
	return map->count + map->has_zero;
}

bool vml_hashmap_next(const struct vml_hashmap *map, size_t *pos,
		      uint64_t *key_ret, uint64_t *value_ret)
{
	/* Position 0 is key 0; position i + 1 is slot i. */
	if (*pos == 0) {
		*pos = 1;
		if (map->has_zero) {
			*key_ret = 0;
			*value_ret = map->zero_value;
			return true;
		}
	}
	for (; *pos - 1 < map->nslots; (*pos)++) {
		const struct vml_hashmap_slot *slot = &map->slots[*pos - 1];
		if (slot->key) {
			*key_ret = slot->key;
			*value_ret = slot->value;
			(*pos)++;
			return true;
		}
	}
	return false;
}

void vml_hashmap_release(struct vml_hashmap *map)
{
	free(map->slots);
	*map = (struct vml_hashmap){ 0 };
}
