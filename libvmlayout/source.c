/* source.c — stub until written: every function reports 'not implemented yet'. */
#include "config.h"
#include "internal.h"

struct vml_error *vml_source_from_callback(vml_read_fn *fn, void *arg, struct vml_source **ret)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "sources: not implemented yet"); }
struct vml_error *vml_source_from_pid(int pid, struct vml_source **ret)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "sources: not implemented yet"); }
struct vml_error *vml_source_from_buffer(enum vml_space space, uint64_t base, const void *buf, size_t len, struct vml_source **ret)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "sources: not implemented yet"); }
struct vml_error *vml_source_read(struct vml_source *src, enum vml_space space, uint64_t addr, void *buf, size_t len)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "sources: not implemented yet"); }
struct vml_error *vml_source_read_page(struct vml_source *src, enum vml_space space, uint64_t pa, const uint8_t **page_ret)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "sources: not implemented yet"); }
void vml_source_invalidate(struct vml_source *src) {}
void vml_source_get_stats(const struct vml_source *src, struct vml_source_stats *ret) { *ret = (struct vml_source_stats){0}; }
void vml_source_free(struct vml_source *src) {}
