/* region.c — stub until written: every function reports 'not implemented yet'. */
#include "config.h"
#include "internal.h"

struct vml_error *vml_layout_create(struct vml_layout **ret)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "layout: not implemented yet"); }
struct vml_error *vml_layout_append(struct vml_layout *layout, const struct vml_region *r)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "layout: not implemented yet"); }
struct vml_error *vml_layout_finish(struct vml_layout *layout)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "layout: not implemented yet"); }
size_t vml_layout_index(const struct vml_layout *layout, uint64_t addr) { return SIZE_MAX; }
void vml_region_set_perms(struct vml_region *r, const char perms[4]) {}
void vml_layout_free(struct vml_layout *layout) {}
struct vml_error *vml_layout_add_thread(struct vml_layout *layout, int64_t tid, uint64_t sp, bool is_main)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "layout: not implemented yet"); }
struct vml_error *vml_layout_set_auxv(struct vml_layout *layout, const void *auxv, size_t len)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "layout: not implemented yet"); }
struct vml_error *vml_layout_set_exe(struct vml_layout *layout, const char *path)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "layout: not implemented yet"); }
void vml_layout_set_source(struct vml_layout *layout, struct vml_source *src) {}
struct vml_error *vml_layout_set_sysroot(struct vml_layout *layout, const char *sysroot)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "layout: not implemented yet"); }
uint32_t vml_layout_flags(const struct vml_layout *layout) { return 0; }
size_t vml_layout_count(const struct vml_layout *layout) { return 0; }
const struct vml_region *vml_layout_region(const struct vml_layout *layout, size_t i) { return NULL; }
const struct vml_region *vml_layout_find(const struct vml_layout *layout, uint64_t addr) { return NULL; }
bool vml_layout_gap(const struct vml_layout *layout, uint64_t addr, struct vml_gap *ret) { return false; }
