/* layout_pid.c — stub until written: every function reports 'not implemented yet'. */
#include "config.h"
#include "internal.h"

struct vml_error *vml_layout_from_pid(int pid, struct vml_layout **ret)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "pid: not implemented yet"); }
