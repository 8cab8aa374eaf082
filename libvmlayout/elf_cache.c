/*
 * elf_cache.c — parsed ELF objects shared across layouts.
 *
 * Classifying a layout reads every mapped file's program headers, section
 * headers and symbols. A debugger rebuilds the layout at every stop, and
 * the files almost never change between stops, so a struct vml_elf_cache
 * (the caller's, handed to layouts with vml_layout_set_elf_cache) keeps the
 * parsed objects keyed by the identity of the file on disk: device, inode,
 * size and modification time of sysroot + path. A file rewritten in place
 * (new size or mtime) or replaced (new inode) is parsed again.
 *
 * Objects are reference counted: the cache holds one reference, every
 * layout object using it another, so evicting an entry (least recently
 * used first, when the cache holds more bytes than its bound) or freeing
 * the cache never pulls an object from under a layout. No global state:
 * everything lives in the cache the caller owns. Not thread-safe.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

#define VML_ELF_CACHE_DEFAULT (128u << 20)

struct elf_cache_entry {
	uint64_t dev, ino, size;
	int64_t mtime_sec, mtime_nsec;
	struct vml_elf_info *info;   /* the cache's reference */
	uint64_t bytes;              /* memory the object holds */
	uint64_t last_used;          /* LRU clock */
};

struct vml_elf_cache {
	struct elf_cache_entry *entries;
	size_t count, capacity;
	/* (dev, ino) mixed -> index into entries; rebuilt after evictions. */
	struct vml_hashmap index;
	uint64_t max_bytes, bytes, clock;
	struct vml_elf_cache_stats stats;
};

struct file_id {
	uint64_t dev, ino, size;
	int64_t mtime_sec, mtime_nsec;
};

void vml_elf_info_put(struct vml_elf_info *info)
{
	if (!info)
		return;
	if (info->extra_refs) {
		info->extra_refs--;
		return;
	}
	vml_elf_info_free(info);
}

static struct vml_elf_info *info_get(struct vml_elf_info *info)
{
	info->extra_refs++;
	return info;
}

struct vml_error *vml_elf_cache_new(uint64_t max_bytes,
				    struct vml_elf_cache **ret)
{
	if (!ret)
		return vml_error_create(VML_ERROR_INVALID,
					"elf cache: NULL result");
	struct vml_elf_cache *cache = calloc(1, sizeof(*cache));
	if (!cache)
		return &vml_enomem;
	cache->max_bytes = max_bytes ? max_bytes : VML_ELF_CACHE_DEFAULT;
	*ret = cache;
	return NULL;
}

void vml_elf_cache_free(struct vml_elf_cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; i < cache->count; i++)
		vml_elf_info_put(cache->entries[i].info);
	free(cache->entries);
	vml_hashmap_release(&cache->index);
	free(cache);
}

struct vml_error *vml_elf_cache_get_stats(const struct vml_elf_cache *cache,
					  struct vml_elf_cache_stats *ret,
					  size_t ret_size)
{
	if (!ret)
		return vml_error_create(VML_ERROR_INVALID,
					"elf cache stats: NULL result");
	struct vml_error *err = vml_check_size("elf cache stats", ret_size,
					       VML_ELF_CACHE_STATS_SIZE_V2);
	if (err)
		return err;
	struct vml_elf_cache_stats st = { 0 };
	if (cache) {
		st = cache->stats;
		st.entries = cache->count;
		st.bytes = cache->bytes;
	}
	vml_copy_out(ret, ret_size, &st, sizeof(st));
	return NULL;
}

void vml_layout_set_elf_cache(struct vml_layout *layout,
			      struct vml_elf_cache *cache)
{
	/* The cache only changes how fast objects are found, never what
	 * they say: the layout stays classified. */
	if (layout)
		layout->elf_cache = cache;
}

/* ------------------------------------------------------------ lookup */

static uint64_t id_key(const struct file_id *id)
{
	/* splitmix-style mix of the identity; collisions are verified. */
	uint64_t k = id->dev * 0x9e3779b97f4a7c15ull ^ id->ino;
	k ^= k >> 31;
	k *= 0xbf58476d1ce4e5b9ull;
	return k ^ (k >> 29);
}

static bool same_id(const struct elf_cache_entry *e, const struct file_id *id)
{
	return e->dev == id->dev && e->ino == id->ino && e->size == id->size &&
	       e->mtime_sec == id->mtime_sec && e->mtime_nsec == id->mtime_nsec;
}

static bool file_identity(const char *full, struct file_id *id)
{
	struct stat st;
	if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	id->dev = (uint64_t)st.st_dev;
	id->ino = (uint64_t)st.st_ino;
	id->size = (uint64_t)st.st_size;
	id->mtime_sec = (int64_t)st.st_mtim.tv_sec;
	id->mtime_nsec = (int64_t)st.st_mtim.tv_nsec;
	return true;
}

/* Memory an object holds, for the bound. */
static uint64_t info_bytes(const struct vml_elf_info *info)
{
	return sizeof(*info) +
	       (uint64_t)info->nsegments * sizeof(*info->segments) +
	       (uint64_t)info->nsections * sizeof(*info->sections) +
	       (uint64_t)info->nsymbols * sizeof(*info->symbols) +
	       vml_arena_bytes(&info->arena);
}

static bool rebuild_index(struct vml_elf_cache *cache)
{
	vml_hashmap_release(&cache->index);
	if (!vml_hashmap_reserve(&cache->index, cache->count))
		return false;
	for (size_t i = 0; i < cache->count; i++) {
		struct file_id id = {
			.dev = cache->entries[i].dev, .ino = cache->entries[i].ino,
		};
		(void)vml_hashmap_put(&cache->index, id_key(&id), i);
	}
	return true;
}

/* Drops entry i (its reference: layouts using it keep theirs). */
static void drop_entry(struct vml_elf_cache *cache, size_t i)
{
	struct elf_cache_entry *e = &cache->entries[i];
	cache->bytes -= e->bytes;
	vml_elf_info_put(e->info);
	cache->entries[i] = cache->entries[--cache->count];
}

/* Evicts least recently used entries until the bound holds (keep: an
 * index not to evict, or SIZE_MAX). The index is rebuilt afterwards. */
static void enforce_bound(struct vml_elf_cache *cache)
{
	bool dropped = false;
	while (cache->bytes > cache->max_bytes && cache->count > 0) {
		size_t lru = 0;
		for (size_t i = 1; i < cache->count; i++)
			if (cache->entries[i].last_used <
			    cache->entries[lru].last_used)
				lru = i;
		drop_entry(cache, lru);
		cache->stats.evictions++;
		dropped = true;
	}
	if (dropped && !rebuild_index(cache)) {
		/* Out of memory for the index: forget everything rather
		 * than keep entries nobody can find. */
		while (cache->count)
			drop_entry(cache, cache->count - 1);
		vml_hashmap_release(&cache->index);
	}
}

struct vml_error *vml_elf_cache_load(struct vml_elf_cache *cache,
				     const char *sysroot, const char *path,
				     struct vml_elf_info **ret)
{
	if (!cache)
		return vml_elf_info_load(sysroot, path, ret);
	if (!path || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"elf: NULL path or result");
	char *full = vml_path_with_sysroot(sysroot, path);
	if (!full)
		return &vml_enomem;
	struct file_id id;
	bool known = file_identity(full, &id);
	if (known) {
		uint64_t idx;
		if (vml_hashmap_get(&cache->index, id_key(&id), &idx) &&
		    idx < cache->count) {
			struct elf_cache_entry *e = &cache->entries[idx];
			if (same_id(e, &id)) {
				free(full);
				e->last_used = ++cache->clock;
				cache->stats.hits++;
				*ret = info_get(e->info);
				return NULL;
			}
			/* The file changed (or another file collides): the
			 * old object goes, the new one takes its place. */
			drop_entry(cache, (size_t)idx);
			if (!rebuild_index(cache)) {
				free(full);
				return &vml_enomem;
			}
		}
	}
	cache->stats.misses++;
	struct vml_elf_info *info = NULL;
	struct vml_error *err = vml_elf_info_load(sysroot, path, &info);
	if (err) {
		free(full);
		return err;
	}
	/* Only keep what was read from the file we identified: one replaced
	 * while it was read must not be remembered under the old identity. */
	struct file_id after;
	bool keep = known && file_identity(full, &after) &&
		    memcmp(&after, &id, sizeof(id)) == 0;
	free(full);
	if (keep && vml_hashmap_reserve(&cache->index, 1) &&
	    vml_grow((void **)&cache->entries, &cache->capacity,
		     cache->count + 1, sizeof(*cache->entries))) {
		struct elf_cache_entry *e = &cache->entries[cache->count];
		*e = (struct elf_cache_entry){
			.dev = id.dev, .ino = id.ino, .size = id.size,
			.mtime_sec = id.mtime_sec, .mtime_nsec = id.mtime_nsec,
			.info = info_get(info), .bytes = info_bytes(info),
			.last_used = ++cache->clock,
		};
		(void)vml_hashmap_put(&cache->index, id_key(&id), cache->count);
		cache->count++;
		cache->bytes += e->bytes;
		enforce_bound(cache);
	}
	*ret = info;
	return NULL;
}
