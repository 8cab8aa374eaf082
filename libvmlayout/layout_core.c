/* layout_core.c — stub until written: every function reports 'not implemented yet'. */
#include "config.h"
#include "internal.h"

struct vml_error *vml_layout_from_core(const char *path, struct vml_layout **ret)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "cores: not implemented yet"); }
struct vml_error *vml_layout_from_core_buffer(const void *buf, size_t len, struct vml_layout **ret)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "cores: not implemented yet"); }
bool vml_layout_core_info(const struct vml_layout *layout, struct vml_core_info *ret) { return false; }
void vml_core_free(struct vml_core *core) {}
