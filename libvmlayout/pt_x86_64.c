/* pt_x86_64.c — stub until written: every function reports 'not implemented yet'. */
#include "config.h"
#include "internal.h"

struct vml_error *vml_pt_walk(struct vml_source *src, const struct vml_pt_config *config, struct vml_pt_walk **ret)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "page tables: not implemented yet"); }
size_t vml_pt_walk_count(const struct vml_pt_walk *walk) { return 0; }
const struct vml_pt_range *vml_pt_walk_range(const struct vml_pt_walk *walk, size_t i) { return NULL; }
void vml_pt_walk_get_stats(const struct vml_pt_walk *walk, struct vml_pt_walk_stats *ret) { *ret = (struct vml_pt_walk_stats){0}; }
void vml_pt_walk_free(struct vml_pt_walk *walk) {}
struct vml_error *vml_pt_translate(struct vml_source *src, const struct vml_pt_config *config, uint64_t va, struct vml_pt_translation *ret)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "page tables: not implemented yet"); }
