/* classify_user.c — stub until written: every function reports 'not implemented yet'. */
#include "config.h"
#include "internal.h"

struct vml_error *vml_layout_classify(struct vml_layout *layout)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "classify: not implemented yet"); }
const struct vml_object *vml_layout_object_at(const struct vml_layout *layout, uint64_t addr) { return NULL; }
void vml_layout_free_objects(struct vml_layout *layout) {}
const char *vml_kind_name(enum vml_kind kind) { return "unknown"; }
const char *vml_group_name(enum vml_group group) { return "none"; }
