/* elf_file.c — stub until written: every function reports 'not implemented yet'. */
#include "config.h"
#include "internal.h"

struct vml_error *vml_elf_info_load(const char *sysroot, const char *path, struct vml_elf_info **ret)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "elf: not implemented yet"); }
void vml_elf_info_free(struct vml_elf_info *info) {}
const struct vml_elf_section *vml_elf_find_section(const struct vml_elf_info *info, uint64_t vaddr) { return NULL; }
const struct vml_elf_symbol *vml_elf_find_symbol(const struct vml_elf_info *info, uint64_t vaddr) { return NULL; }
