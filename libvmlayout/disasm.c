/* disasm.c — stub until written: every function reports 'not implemented yet'. */
#include "config.h"
#include "internal.h"

struct vml_error *vml_disasm_one(const uint8_t *code, size_t len, uint64_t addr, char *out, size_t out_size, size_t *insn_len_ret)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "disasm: not implemented yet"); }
struct vml_error *vml_disasm_at(struct vml_layout *layout, uint64_t addr, char *out, size_t out_size, size_t *insn_len_ret)
{ return vml_error_create(VML_ERROR_UNSUPPORTED, "disasm: not implemented yet"); }
