/*
 * elf_mem.c — ELF objects read from the target's memory instead of a file:
 * the vDSO (an ELF image the kernel maps into every process, with no file
 * on disk), and the header page of a mapped file (its build-id, see
 * build_id.c). The bytes come through the layout's source (a core's dumped
 * memory, /proc/PID/mem, GDB), and elf_file.c's one parser reads them with
 * a memory reader instead of an fd, bounded by the image's size.
 */
#include "config.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The reader: file offset off of an image mapped at base. */
struct mem_image {
	struct vml_source *src;
	uint64_t base;
};

static bool mem_read(void *arg, uint64_t off, void *buf, size_t len)
{
	const struct mem_image *m = arg;
	uint64_t addr;
	if (vml_add_overflows(m->base, off, &addr) ||
	    (len && len - 1 > UINT64_MAX - addr))
		return false;
	struct vml_error *err = vml_source_read(m->src, VML_SPACE_VIRTUAL,
						addr, buf, len);
	if (!err)
		return true;
	vml_error_free(err);
	return false;
}

struct vml_error *vml_elf_info_load_mem(struct vml_source *src, uint64_t base,
					uint64_t size, const char *name,
					bool headers_only,
					struct vml_elf_info **ret)
{
	if (!src)
		return vml_error_create(VML_ERROR_INVALID, "elf: no source");
	struct mem_image m = { .src = src, .base = base };
	return vml_elf_info_load_reader(mem_read, &m, size, name, headers_only,
					ret);
}

/* The vDSO's extent: the [vdso] region (one mapping; its image is linked
 * so that file offsets equal addresses from its start). */
static const struct vml_region *vdso_region(const struct vml_layout *layout)
{
	for (size_t i = 0; i < layout->count; i++)
		if (layout->regions[i].kind == VML_KIND_VDSO)
			return &layout->regions[i];
	return NULL;
}

/* Loads the vDSO's symbols once per classification (where.c asks only
 * when an answer lies in it). Nothing read, or no ELF image there, leaves
 * no object: an answer without a symbol, not an error. */
static void load_vdso(struct vml_layout *layout)
{
	layout->vdso_tried = true;
	const struct vml_region *r = vdso_region(layout);
	if (!r || !layout->source || r->end <= r->start)
		return;
	struct vml_elf_info *elf = NULL;
	struct vml_error *err = vml_elf_info_load_mem(layout->source, r->start,
						      r->end - r->start, "[vdso]",
						      false, &elf);
	if (err) {
		vml_error_free(err);
		return;
	}
	if (!elf->valid || elf->nsegments == 0) {
		vml_elf_info_free(elf);
		return;
	}
	/* Its first PT_LOAD (link address 0 in every kernel's vDSO) is at
	 * the start of the mapping. */
	uint64_t link = UINT64_MAX;
	for (size_t i = 0; i < elf->nsegments; i++)
		if (elf->segments[i].vaddr < link)
			link = elf->segments[i].vaddr;
	link &= ~(uint64_t)4095;
	layout->vdso = (struct vml_object){
		.path = "[vdso]", .elf = elf, .bias = r->start - link,
		.start = r->start, .end = r->end,
	};
}

const struct vml_object *vml_layout_vdso(struct vml_layout *layout)
{
	if (!layout)
		return NULL;
	if (!layout->vdso_tried)
		load_vdso(layout);
	return layout->vdso.elf ? &layout->vdso : NULL;
}

const struct vml_object *vml_layout_object_or_vdso(const struct vml_layout *layout,
						   uint64_t addr)
{
	const struct vml_object *obj = vml_layout_object_at(layout, addr);
	if (obj || !layout || !layout->vdso.elf)
		return obj;
	if (addr >= layout->vdso.start && addr < layout->vdso.end)
		return &layout->vdso;
	return NULL;
}

void vml_layout_free_vdso(struct vml_layout *layout)
{
	vml_elf_info_free(layout->vdso.elf);
	memset(&layout->vdso, 0, sizeof(layout->vdso));
	layout->vdso_tried = false;
}
