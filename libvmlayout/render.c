/* render.c — stub until written: every function reports 'not implemented yet'. */
#include "config.h"
#include "internal.h"

struct vml_error *vml_render_layout(const struct vml_layout *layout, enum vml_format format, uint32_t flags, char **ret)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "render: not implemented yet"); }
struct vml_error *vml_render_where(const struct vml_layout *layout, const struct vml_where *where, enum vml_format format, uint32_t flags, char **ret)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "render: not implemented yet"); }
void vml_format_size(uint64_t bytes, char *buf, size_t size) { if (size) buf[0] = 0; }
