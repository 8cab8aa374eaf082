/* maps_parse.c — stub until written: every function reports 'not implemented yet'. */
#include "config.h"
#include "internal.h"

struct vml_error *vml_layout_from_maps(const char *text, size_t len, struct vml_layout **ret)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "maps: not implemented yet"); }
