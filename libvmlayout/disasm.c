/*
 * disasm.c — one instruction of the layout's architecture (x86-64, i386)
 * in AT&T syntax, the way GDB's x/i shows it, decoded by libopcodes
 * (binutils).
 *
 * libopcodes prints through printf-style callbacks into a stream we own; we
 * point the stream at a bounded buffer so an instruction (or a very long
 * symbol name) can never overrun the caller's array. Branch targets and
 * RIP-relative comments go through print_address_func, which is where GDB
 * adds " <symbol+off>": we do the same from the layout's ELF objects.
 */
#include "config.h"

#include <dis-asm.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"

/* Room for the longest instruction of any architecture plus one byte, so
 * libopcodes can see (and reject) an over-long one exactly as with a real
 * buffer; how much of it is used is the architecture's insn_max + 1. */
#define VML_INSN_BUF 32

/* Bytes to hand libopcodes for one instruction of a. */
static size_t insn_window(const struct vml_arch *a)
{
	size_t n = (size_t)a->insn_max + 1;
	return n < VML_INSN_BUF ? n : VML_INSN_BUF;
}

struct vml_disasm_ctx {
	char *out;
	size_t size;       /* bytes in out, including room for the NUL */
	size_t len;        /* characters written so far */
	const struct vml_layout *layout; /* for symbols; may be NULL */
	bool memory_error;
	uint64_t error_addr;
};

/* Append formatted text, silently truncating at the end of the buffer: a
 * clipped symbol name is better than no answer. */
static void vml_disasm_vappend(struct vml_disasm_ctx *ctx, const char *fmt,
			       va_list ap)
{
	if (ctx->len + 1 >= ctx->size)
		return;
	size_t room = ctx->size - ctx->len;
	int n = vsnprintf(ctx->out + ctx->len, room, fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= room)
		ctx->len = ctx->size - 1;
	else
		ctx->len += (size_t)n;
}

static void vml_disasm_append(struct vml_disasm_ctx *ctx, const char *fmt, ...)
	VML_PRINTF(2, 3);
static void vml_disasm_append(struct vml_disasm_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vml_disasm_vappend(ctx, fmt, ap);
	va_end(ap);
}

static int vml_disasm_fprintf(void *stream, const char *fmt, ...)
	VML_PRINTF(2, 3);
static int vml_disasm_fprintf(void *stream, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vml_disasm_vappend(stream, fmt, ap);
	va_end(ap);
	return 0;
}

/* Styles only matter for colour; the text is the same as unstyled. */
static int vml_disasm_fprintf_styled(void *stream, enum disassembler_style style,
				     const char *fmt, ...) VML_PRINTF(3, 4);
static int vml_disasm_fprintf_styled(void *stream, enum disassembler_style style,
				     const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vml_disasm_vappend(stream, fmt, ap);
	va_end(ap);
	return 0;
}

/* GDB prints an address as 0xHEX, then " <sym>" or " <sym+off>" when a
 * symbol covers it. */
static void vml_disasm_print_address(bfd_vma vma, struct disassemble_info *info)
{
	struct vml_disasm_ctx *ctx = info->stream;
	uint64_t addr = vma;
	vml_disasm_append(ctx, "0x%" PRIx64, addr);
	if (!ctx->layout)
		return;
	const struct vml_object *obj = vml_layout_object_or_vdso(ctx->layout,
								 addr);
	if (!obj || !obj->elf || !obj->elf->valid)
		return;
	const struct vml_elf_symbol *sym =
		vml_elf_find_symbol(obj->elf, addr - obj->bias);
	if (!sym || !sym->name || !sym->name[0])
		return;
	uint64_t off = addr - obj->bias - sym->addr;
	if (off)
		vml_disasm_append(ctx, " <%s+%" PRIu64 ">", sym->name, off);
	else
		vml_disasm_append(ctx, " <%s>", sym->name);
}

/* The default handler prints "Address ... is out of bounds." into the
 * instruction text; we turn it into an error instead. */
static void vml_disasm_memory_error(int status, bfd_vma vma,
				    struct disassemble_info *info)
{
	struct vml_disasm_ctx *ctx = info->stream;
	ctx->memory_error = true;
	ctx->error_addr = vma;
}

static struct vml_error *vml_disasm_decode(const struct vml_arch *arch,
					   const struct vml_layout *layout,
					   const uint8_t *code, size_t len,
					   uint64_t addr, char *out,
					   size_t out_size,
					   size_t *insn_len_ret)
{
	if (!out || out_size == 0)
		return vml_error_create(VML_ERROR_INVALID,
					"disasm: no output buffer");
	out[0] = '\0';
	if (!code || len == 0)
		return vml_error_fault(addr, "disasm: no bytes at 0x%" PRIx64,
				       addr);
	/* Never let libopcodes look past what it needs: it reads on demand. */
	if (len > insn_window(arch))
		len = insn_window(arch);

	struct vml_disasm_ctx ctx = {
		.out = out,
		.size = out_size,
		.layout = layout,
	};
	struct disassemble_info info;
	init_disassemble_info(&info, &ctx, vml_disasm_fprintf,
			      vml_disasm_fprintf_styled);
	info.arch = (enum bfd_architecture)arch->bfd_arch;
	info.mach = arch->bfd_mach;
	info.endian = arch->big_endian ? BFD_ENDIAN_BIG : BFD_ENDIAN_LITTLE;
	info.read_memory_func = buffer_read_memory;
	info.memory_error_func = vml_disasm_memory_error;
	info.print_address_func = vml_disasm_print_address;
	/* GDB hands libopcodes its disassembly-flavor the same way. */
	if (layout && layout->disasm_syntax == VML_DISASM_INTEL)
		info.disassembler_options = "intel";
	/* libopcodes takes a non-const pointer but only reads through it. */
	info.buffer = (bfd_byte *)(uintptr_t)code;
	info.buffer_vma = addr;
	info.buffer_length = len;
	disassemble_init_for_target(&info);

	disassembler_ftype decode =
		disassembler((enum bfd_architecture)arch->bfd_arch,
			     arch->big_endian, arch->bfd_mach, NULL);
	if (!decode) {
		disassemble_free_target(&info);
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"disasm: libopcodes has no %s decoder",
					arch->name);
	}
	int n = decode(addr, &info);
	disassemble_free_target(&info);
	if (n <= 0 || (size_t)n > len) {
		out[0] = '\0';
		return vml_error_fault(ctx.memory_error ? ctx.error_addr : addr,
				       "disasm: cannot decode an instruction at 0x%" PRIx64
				       " from %zu byte%s", addr, len,
				       vml_plural(len));
	}
	/* A64's decoder separates mnemonic and operands with a tab (GDB's
	 * x/i prints it as is): one space here, so the text stays one
	 * printable line. */
	for (size_t i = 0; i < ctx.len; i++)
		if (out[i] == '\t')
			out[i] = ' ';
	/* Older libopcodes padded operand-less mnemonics ("ret    "); 2.40
	 * and GDB 13 print none, so drop any padding to give the same text. */
	while (ctx.len > 0 && out[ctx.len - 1] == ' ')
		out[--ctx.len] = '\0';
	if (insn_len_ret)
		*insn_len_ret = (size_t)n;
	return NULL;
}

struct vml_error *vml_disasm_one(const uint8_t *code, size_t len, uint64_t addr,
				 char *out, size_t out_size,
				 size_t *insn_len_ret)
{
	return vml_disasm_decode(vml_arch_default(), NULL, code, len, addr, out,
				 out_size, insn_len_ret);
}

struct vml_error *vml_disasm_one_arch(enum vml_arch_id id,
				      const uint8_t *code, size_t len,
				      uint64_t addr, char *out,
				      size_t out_size, size_t *insn_len_ret)
{
	if (out && out_size)
		out[0] = '\0';
	const struct vml_arch *arch;
	struct vml_error *err = vml_arch_lookup(id, &arch);
	if (err) {
		/* Unknown ids are not a bad argument here: no decoder. */
		if (vml_error_code(err) != VML_ERROR_UNSUPPORTED) {
			vml_error_free(err);
			return vml_error_create(VML_ERROR_UNSUPPORTED,
						"disasm: no decoder for "
						"architecture id %d", (int)id);
		}
		return err;
	}
	return vml_disasm_decode(arch, NULL, code, len, addr, out, out_size,
				 insn_len_ret);
}

/* Read [addr, addr + len) of the file behind region r (with sysroot).
 * Returns how many bytes came back; 0 when none could be read. */
static size_t vml_disasm_read_file(const struct vml_layout *layout,
				   const struct vml_region *r, uint64_t addr,
				   uint8_t *buf, size_t len)
{
	/* A deleted file's path names another file or none; a mismatched
	 * one's holds other bytes (the core's own memory still counts). */
	if (!r->path || (r->flags & (VML_REGION_DELETED |
				     VML_REGION_FILE_MISMATCH)))
		return 0;
	uint64_t off;
	if (vml_add_overflows(r->offset, addr - r->start, &off) ||
	    off > (uint64_t)INT64_MAX)
		return 0;
	const char *root = vml_layout_file_root(layout, r->path);
	if (!root)
		root = "";
	size_t need = strlen(root) + strlen(r->path) + 1;
	char *full = malloc(need);
	if (!full)
		return 0;
	snprintf(full, need, "%s%s", root, r->path);
	int fd = open(full, O_RDONLY | O_CLOEXEC);
	free(full);
	if (fd < 0)
		return 0;
	size_t got = 0;
	/* Bounded: at most len iterations, each makes progress or stops. */
	while (got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return got;
}

/* Read up to len bytes at addr from the layout's source. A source never
 * partially succeeds, so on failure retry up to the end of addr's page: the
 * next page may be the unreadable one. */
static size_t vml_disasm_read_source(const struct vml_layout *layout,
				     uint64_t addr, uint8_t *buf, size_t len)
{
	if (!layout->source)
		return 0;
	struct vml_error *err = vml_source_read(layout->source,
						VML_SPACE_VIRTUAL, addr, buf,
						len);
	if (!err)
		return len;
	vml_error_free(err);
	uint64_t to_page_end = 4096 - (addr & 4095);
	if (to_page_end >= len)
		return 0;
	err = vml_source_read(layout->source, VML_SPACE_VIRTUAL, addr, buf,
			      (size_t)to_page_end);
	if (!err)
		return (size_t)to_page_end;
	vml_error_free(err);
	return 0;
}

struct vml_error *vml_layout_set_disasm_syntax(struct vml_layout *layout,
					       const char *syntax)
{
	if (!layout || !syntax)
		return vml_error_create(VML_ERROR_INVALID,
					"disasm: NULL layout or syntax");
	if (strcmp(syntax, "att") == 0)
		layout->disasm_syntax = VML_DISASM_ATT;
	else if (strcmp(syntax, "intel") == 0)
		layout->disasm_syntax = VML_DISASM_INTEL;
	else
		return vml_error_create(VML_ERROR_INVALID,
					"disasm: unknown syntax '%.40s' (want att or"
					" intel)", syntax);
	return NULL;
}

struct vml_error *vml_disasm_at(struct vml_layout *layout, uint64_t addr,
				char *out, size_t out_size,
				size_t *insn_len_ret)
{
	if (!out || out_size == 0)
		return vml_error_create(VML_ERROR_INVALID,
					"disasm: no output buffer");
	out[0] = '\0';
	if (!layout)
		return vml_error_create(VML_ERROR_INVALID, "disasm: no layout");
	const struct vml_region *r = vml_layout_find(layout, addr);
	if (!r)
		return vml_error_fault(addr, "disasm: 0x%" PRIx64 " is not mapped",
				       addr);
	/* Fewer bytes near the end of the region: never read past it. */
	size_t len = insn_window(vml_layout_arch(layout));
	if (r->end - addr < len)
		len = (size_t)(r->end - addr);
	uint8_t buf[VML_INSN_BUF];
	size_t got = vml_disasm_read_source(layout, addr, buf, len);
	if (got == 0)
		got = vml_disasm_read_file(layout, r, addr, buf, len);
	if (got == 0)
		return vml_error_fault(addr,
				       "disasm: cannot read instruction bytes at 0x%" PRIx64,
				       addr);
	/* The layout's instruction set: i386 for a 32-bit process. */
	return vml_disasm_decode(vml_layout_arch(layout), layout, buf, got, addr,
				 out, out_size, insn_len_ret);
}

size_t vml_disasm_read(struct vml_layout *layout, uint64_t addr, uint8_t *buf,
		       size_t len)
{
	const struct vml_region *r = layout ? vml_layout_find(layout, addr) : NULL;
	if (!r || !buf)
		return 0;
	/* Fewer bytes near the end of the region: never read past it. */
	if (r->end - addr < len)
		len = (size_t)(r->end - addr);
	size_t got = vml_disasm_read_source(layout, addr, buf, len);
	if (got == 0)
		got = vml_disasm_read_file(layout, r, addr, buf, len);
	return got;
}
