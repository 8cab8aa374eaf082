/* where.c — stub until written: every function reports 'not implemented yet'. */
#include "config.h"
#include "internal.h"

struct vml_error *vml_layout_where(struct vml_layout *layout, uint64_t addr, struct vml_where *ret)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "where: not implemented yet"); }
