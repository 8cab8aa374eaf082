/*
 * render_crash.c — a crash explanation (struct vml_crash) as one short
 * paragraph of text and as JSON. A pure formatter: every decision was made
 * by crash.c; the layout is read only for the regions the indexes name.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Paragraph width: lines are wrapped at spaces before this column. */
#define WRAP 78
/* A space the paragraph is never broken at ("%rax = 0x0"): the wrapper
 * writes it as a space. Control characters never come from the input
 * (names and text go through vml_sb_put_display). */
#define NBSP "\x01"
#define NBSP_CHAR '\x01'

static const char *const halves[] = { "user", "kernel", "non-canonical",
				      "outside" };
static const char *const accesses[] = { NULL, "read", "write", "execute" };
static const char *const addr_froms[] = { NULL, "siginfo", "operand",
					  "target", "sp" };

static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

static const struct vml_region *region(const struct vml_layout *l, size_t i)
{
	return l && i != SIZE_MAX ? vml_layout_region(l, i) : NULL;
}

/* "crashers (rodata, r--p)", "[heap] (heap, rw-p)", "an anonymous mapping
 * (mmap-anon, rw-p)". */
static void sb_region(struct vml_strbuf *sb, const struct vml_region *r)
{
	const char *name = r->path ? vml_base_name(r->path) :
			   r->name ? r->name :
			   r->object ? vml_base_name(r->object) : NULL;
	char perms[8];
	vml_format_perms(r, perms, sizeof(perms));
	if (name)
		vml_sb_put_display(sb, name, 60);
	else
		vml_sb_puts(sb, "an anonymous mapping");
	vml_sb_printf(sb, " (%s, %s)", vml_kind_name(r->kind), perms);
}

static void sb_span(struct vml_strbuf *sb, const struct vml_region *r)
{
	char end[24];
	vml_format_region_end(r, 0, end, sizeof(end));
	vml_sb_printf(sb, "0x%" PRIx64 "-%s", r->start, end);
}

/* "name+20" or "name": as whereis and GDB write a symbol's offset. */
static void sb_symbol(struct vml_strbuf *sb, const char *sym, uint64_t off)
{
	vml_sb_put_display(sb, sym, 80);
	if (off)
		vml_sb_printf(sb, "+%" PRIu64, off);
}

/* Where addr lies: "ro_message+4 in .rodata of crashers (rodata, r--p)",
 * "in a gap of 4 KiB between A and B". */
static void sb_addr_place(struct vml_strbuf *sb, const struct vml_layout *l,
			  const struct vml_crash *c)
{
	const struct vml_region *r = region(l, c->region_index);
	if (r) {
		if (c->symbol) {
			sb_symbol(sb, c->symbol, c->symbol_offset);
			vml_sb_putc(sb, ' ');
		}
		vml_sb_puts(sb, "in ");
		if (c->section) {
			vml_sb_put_display(sb, c->section, 40);
			vml_sb_puts(sb, " of ");
		}
		sb_region(sb, r);
		return;
	}
	if (c->half == VML_HALF_KERNEL) {
		vml_sb_puts(sb, "in the kernel half, which a process cannot touch");
		return;
	}
	if (c->half == VML_HALF_NONCANONICAL) {
		vml_sb_puts(sb, "in the non-canonical hole between the user and"
			    " kernel halves");
		return;
	}
	if (!l)
		return;
	const struct vml_region *below = region(l, c->gap.below_index);
	const struct vml_region *above = region(l, c->gap.above_index);
	char size[32];
	vml_format_span(c->gap.start, c->gap.last, size, sizeof(size));
	vml_sb_printf(sb, "in a gap of %s between ", size);
	if (below) {
		sb_region(sb, below);
		vml_sb_puts(sb, " at ");
		sb_span(sb, below);
	} else {
		vml_sb_puts(sb, "address 0");
	}
	vml_sb_puts(sb, " and ");
	if (above) {
		sb_region(sb, above);
		vml_sb_puts(sb, " at ");
		sb_span(sb, above);
	} else {
		vml_sb_puts(sb, "the end of user space");
	}
}

static const char *access_noun(const struct vml_crash *c)
{
	return c->access == VML_ACCESS_WRITE ? "a write to" :
	       c->access == VML_ACCESS_READ ? "a read of" : "an access to";
}

static void sb_thread(struct vml_strbuf *sb, const struct vml_crash *c)
{
	if (c->tid)
		vml_sb_printf(sb, "thread %" PRId64 "%s", c->tid,
			      c->tid_is_main ? " (the main thread)" : "");
	else
		vml_sb_puts(sb, "the thread");
}

static void sb_return(struct vml_strbuf *sb, const struct vml_crash *c)
{
	if (!c->has_return_addr)
		return;
	vml_sb_puts(sb, ", called from ");
	if (c->return_symbol) {
		sb_symbol(sb, c->return_symbol, c->return_symbol_offset);
		vml_sb_printf(sb, " (0x%" PRIx64 ", the return address at $sp)",
			      c->return_addr);
	} else {
		vml_sb_printf(sb, "0x%" PRIx64 " (the return address at $sp)",
			      c->return_addr);
	}
}

static void sb_stack_overflow(struct vml_strbuf *sb,
			      const struct vml_layout *l,
			      const struct vml_crash *c)
{
	const struct vml_region *s = region(l, c->stack_region_index);
	const struct vml_region *g = region(l, c->guard_region_index);
	const char *who = c->overflow_is_main ? "main thread " : "thread ";
	char size[32] = "";
	if (s)
		vml_format_size(vml_region_size(s), size, sizeof(size));
	if (g && g->end > c->overflow_sp && g->start <= c->overflow_sp) {
		vml_sb_printf(sb, "%s%" PRId64 "'s $sp 0x%" PRIx64 " is 0x%" PRIx64
			      " into the guard page below its stack", who,
			      c->overflow_tid, c->overflow_sp, c->overflow_depth);
	} else if (g) {
		vml_sb_printf(sb, "%s%" PRId64 " touched 0x%" PRIx64 ", 0x%" PRIx64
			      " below its stack, in the stack's guard page", who,
			      c->overflow_tid, c->addr, c->overflow_depth);
	} else if (s && c->overflow_sp >= s->start) {
		/* $sp still in the stack; the access below it was not. */
		vml_sb_printf(sb, "%s%" PRId64 " touched 0x%" PRIx64 ", 0x%" PRIx64
			      " below its stack, with its $sp 0x%" PRIx64
			      " at the stack's bottom", who, c->overflow_tid,
			      c->addr, c->overflow_depth, c->overflow_sp);
	} else {
		vml_sb_printf(sb, "%s%" PRId64 "'s $sp 0x%" PRIx64 " is 0x%" PRIx64
			      " below its stack", who, c->overflow_tid,
			      c->overflow_sp, c->overflow_depth);
	}
	if (s) {
		vml_sb_puts(sb, " (");
		if (s->name && s->kind == VML_KIND_STACK) {
			vml_sb_put_display(sb, s->name, 20);
			vml_sb_putc(sb, ' ');
		}
		sb_span(sb, s);
		vml_sb_printf(sb, ", %s)", size);
	}
	if (!g)
		vml_sb_puts(sb, ", which the kernel did not grow down to it"
			    " (RLIMIT_STACK, or the stack guard gap above the"
			    " mapping below)");
}

/* The first sentence: what happened. */
static void sb_headline(struct vml_strbuf *sb, const struct vml_layout *l,
			const struct vml_crash *c)
{
	const char *s = c->summary ? c->summary : "fatal signal";
	/* Capitalised, without touching the library's static string. */
	vml_sb_putc(sb, (s[0] >= 'a' && s[0] <= 'z') ? (char)(s[0] - 32) : s[0]);
	vml_sb_puts(sb, s + 1);
	char sig[16];
	vml_signal_name(c->signo, sig, sizeof(sig));
	switch (c->kind) {
	case VML_CRASH_NULL_DEREF:
		if (c->access == VML_ACCESS_EXECUTE) {
			vml_sb_printf(sb, ": the program jumped to 0x%" PRIx64,
				      c->addr);
			sb_return(sb, c);
		} else {
			vml_sb_printf(sb, ": %s 0x%" PRIx64 ", NULL" NBSP "+" NBSP
				      "0x%" PRIx64,
				      access_noun(c), c->addr, c->addr);
		}
		break;
	case VML_CRASH_STACK_OVERFLOW:
		vml_sb_puts(sb, ": ");
		sb_stack_overflow(sb, l, c);
		break;
	case VML_CRASH_WRITE_READONLY: {
		const struct vml_region *r = region(l, c->region_index);
		vml_sb_printf(sb, ": 0x%" PRIx64 " is ", c->addr);
		sb_addr_place(sb, l, c);
		if (r && r->kind == VML_KIND_RELRO)
			vml_sb_puts(sb, ", made read-only after relocation"
				    " (RELRO)");
		else if (r && r->kind == VML_KIND_TEXT)
			vml_sb_puts(sb, ", the program's code");
		break;
	}
	case VML_CRASH_EXEC_NONEXEC:
	case VML_CRASH_UNMAPPED:
		if (c->access == VML_ACCESS_EXECUTE) {
			vml_sb_printf(sb, ": $pc 0x%" PRIx64 " is ", c->addr);
			sb_addr_place(sb, l, c);
			sb_return(sb, c);
		} else {
			vml_sb_printf(sb, ": %s 0x%" PRIx64 " ", access_noun(c),
				      c->addr);
			sb_addr_place(sb, l, c);
		}
		if (c->kind == VML_CRASH_UNMAPPED)
			vml_sb_puts(sb, " (nothing is mapped there: never"
				    " mapped, or unmapped by munmap)");
		break;
	case VML_CRASH_NONCANONICAL:
		if (c->addr_from == VML_ADDR_TARGET)
			vml_sb_printf(sb, ": the branch goes to 0x%" PRIx64,
				      c->addr);
		else if (c->addr_from == VML_ADDR_SP)
			vml_sb_printf(sb, ": $sp 0x%" PRIx64 " is", c->addr);
		else
			vml_sb_printf(sb, ": the instruction used 0x%" PRIx64
				      " (%s)", c->addr, c->access ==
				      VML_ACCESS_WRITE ? "a write" : "a read");
		vml_sb_puts(sb, ", in the non-canonical hole between the user"
			    " and kernel halves: the CPU raises #GP, so the"
			    " kernel reports no fault address");
		break;
	case VML_CRASH_MISALIGNED:
		if (c->alignment && c->has_operand && c->has_addr) {
			vml_sb_printf(sb, ": the instruction needs a %" PRIu32
				      "-byte aligned address and used 0x%" PRIx64
				      " (%" PRIu64 " bytes past a multiple of %"
				      PRIu32 ")", c->alignment, c->addr,
				      c->addr % c->alignment, c->alignment);
			if (c->signo != 7)
				vml_sb_puts(sb, ": #GP, so the kernel reports no"
					    " fault address");
		} else if (c->has_addr) {
			vml_sb_printf(sb, " at 0x%" PRIx64 " (alignment checking"
				      " is on)", c->addr);
		}
		break;
	case VML_CRASH_BUS_ERROR: {
		const struct vml_region *r = region(l, c->region_index);
		if (c->has_file_size && c->has_file_offset && r && r->path &&
		    c->file_offset >= c->file_size) {
			vml_sb_printf(sb, ": 0x%" PRIx64 " is at offset 0x%" PRIx64
				      " of ", c->addr, c->file_offset);
			vml_sb_put_display(sb, r->path, 200);
			vml_sb_printf(sb, ", which is %" PRIu64 " byte%s long: a"
				      " page of a mapping past the end of its"
				      " file has nothing to read", c->file_size,
				      plural(c->file_size));
		} else if (c->has_addr) {
			vml_sb_printf(sb, " at 0x%" PRIx64, c->addr);
			if (c->code_text)
				vml_sb_printf(sb, " (%s)", c->code_text);
		}
		break;
	}
	case VML_CRASH_ABORT:
		vml_sb_puts(sb, ": ");
		sb_thread(sb, c);
		if (c->abort_function && strcmp(c->abort_function, "abort"))
			vml_sb_printf(sb, " called abort() from %s",
				      c->abort_function);
		else if (c->abort_function)
			vml_sb_puts(sb, " called abort()");
		else
			vml_sb_printf(sb, " got %s (abort() or raise(); no glibc"
				      " abort frame found on its stack)", sig);
		if (c->has_abort_message) {
			vml_sb_puts(sb, "; glibc's message: \"");
			vml_sb_put_display(sb, c->abort_message, 300);
			vml_sb_putc(sb, '"');
		}
		break;
	case VML_CRASH_ARITHMETIC:
	case VML_CRASH_ILLEGAL:
		if (c->has_insn && strncmp(c->insn, "ud2", 3) == 0)
			vml_sb_puts(sb, ": ud2, the instruction compilers emit"
				    " for __builtin_trap() and code that must"
				    " not be reached");
		break;
	case VML_CRASH_TRAP:
		vml_sb_puts(sb, ": the program ran a trap instruction itself"
			    " (int3), with no debugger to catch its SIGTRAP");
		break;
	case VML_CRASH_KERNEL_ADDRESS:
		vml_sb_printf(sb, ": %s 0x%" PRIx64 ", in the kernel half, which"
			      " a process cannot touch", access_noun(c), c->addr);
		break;
	case VML_CRASH_PROTECTION:
		vml_sb_printf(sb, ": %s 0x%" PRIx64 " ", access_noun(c), c->addr);
		sb_addr_place(sb, l, c);
		break;
	case VML_CRASH_PRIVILEGED:
		vml_sb_puts(sb, ": user mode may not run it (#GP)");
		break;
	case VML_CRASH_GENERAL_PROTECTION:
		vml_sb_puts(sb, " (#GP): the kernel reports no fault address");
		if (c->has_addr)
			vml_sb_printf(sb, "; the instruction used 0x%" PRIx64
				      ", a canonical address", c->addr);
		break;
	case VML_CRASH_SENT:
		vml_sb_printf(sb, ": %s was sent%s%s%s, not raised by a fault",
			      sig, c->code_name ? " (" : "",
			      c->code_name ? c->code_name : "",
			      c->code_name ? ")" : "");
		break;
	default:
		vml_sb_printf(sb, ": %s", sig);
		break;
	}
	vml_sb_puts(sb, ".");
}

/* The signal and who got it. */
static void sb_signal(struct vml_strbuf *sb, const struct vml_crash *c)
{
	char sig[16];
	vml_signal_name(c->signo, sig, sizeof(sig));
	vml_sb_putc(sb, ' ');
	if (c->tid) {
		vml_sb_printf(sb, "Thread %" PRId64 "%s", c->tid,
			      c->tid_is_main ? " (the main thread)" : "");
	} else {
		vml_sb_puts(sb, "The thread");
	}
	vml_sb_printf(sb, " received %s", sig);
	if (c->code_name)
		vml_sb_printf(sb, " (%s: %s)", c->code_name, c->code_text);
	else if (!c->has_si_code)
		vml_sb_puts(sb, " (the core has no siginfo: no code, no address)");
	else
		vml_sb_printf(sb, " (si_code %" PRId32 ")", c->si_code);
	if (c->has_fault_addr && !(c->has_si_code && c->si_code == 0x80))
		vml_sb_printf(sb, " with fault address 0x%" PRIx64, c->fault_addr);
	vml_sb_putc(sb, '.');
}

/* $pc, its place and instruction; the memory operand. */
static void sb_pc(struct vml_strbuf *sb, const struct vml_layout *l,
		  const struct vml_crash *c)
{
	if (!c->has_pc)
		return;
	/* A jump to a bad address: the headline said where $pc is. */
	if (c->access == VML_ACCESS_EXECUTE && c->has_addr && c->addr == c->pc &&
	    !c->has_insn)
		return;
	const struct vml_region *r = region(l, c->pc_region_index);
	vml_sb_printf(sb, " $pc 0x%" PRIx64, c->pc);
	if (!r) {
		if (l)
			vml_sb_puts(sb, " is not mapped.");
		else
			vml_sb_putc(sb, '.');
		return;
	}
	vml_sb_puts(sb, " is ");
	if (c->pc_symbol) {
		sb_symbol(sb, c->pc_symbol, c->pc_symbol_offset);
		vml_sb_putc(sb, ' ');
	}
	vml_sb_puts(sb, "in ");
	if (c->pc_section) {
		vml_sb_put_display(sb, c->pc_section, 40);
		vml_sb_puts(sb, " of ");
	}
	sb_region(sb, r);
	if (c->has_insn) {
		vml_sb_puts(sb, ": ");
		vml_sb_put_display(sb, c->insn, 160);
	}
	vml_sb_putc(sb, '.');
	if (!c->has_operand)
		return;
	vml_sb_puts(sb, " Its memory operand ");
	vml_sb_put_display(sb, c->operand, 64);
	bool whole = c->operand_base[0] || c->operand_index[0] ||
		     c->operand_segment[0];
	if (!whole) {
		vml_sb_putc(sb, '.');
		return;
	}
	if (c->has_operand_addr)
		vml_sb_printf(sb, " is 0x%" PRIx64, c->operand_addr);
	const char *sep = " (";
	if (c->operand_segment[0]) {
		vml_sb_printf(sb, "%s%%%s" NBSP "base" NBSP "0x%" PRIx64, sep,
			      c->operand_segment, c->operand_segment_base);
		sep = ", ";
	}
	if (c->operand_base[0]) {
		vml_sb_printf(sb, "%s%%%s" NBSP "=" NBSP "0x%" PRIx64, sep,
			      c->operand_base,
			      c->operand_base_value);
		sep = ", ";
	}
	if (c->operand_index[0])
		vml_sb_printf(sb, "%s%%%s" NBSP "=" NBSP "0x%" PRIx64, sep,
			      c->operand_index,
			      c->operand_index_value);
	vml_sb_puts(sb, ")");
	if (c->operand_size)
		vml_sb_printf(sb, ", %" PRIu32 " byte%s", c->operand_size,
			      plural(c->operand_size));
	vml_sb_putc(sb, '.');
}

/* Wraps text (one long line) at spaces before WRAP columns. */
static void sb_wrap(struct vml_strbuf *out, const char *text)
{
	size_t col = 0;
	const char *p = text;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		size_t n = (size_t)(p - w);
		if (n == 0)
			break;
		if (col && col + 1 + n > WRAP) {
			vml_sb_putc(out, '\n');
			col = 0;
		} else if (col) {
			vml_sb_putc(out, ' ');
			col++;
		}
		for (size_t k = 0; k < n; k++)
			vml_sb_putc(out, w[k] == NBSP_CHAR ? ' ' : w[k]);
		col += n;
	}
	vml_sb_putc(out, '\n');
}

static struct vml_error *crash_text(const struct vml_layout *l,
				    const struct vml_crash *c, char **ret)
{
	struct vml_strbuf line = { 0 }, out = { 0 };
	sb_headline(&line, l, c);
	sb_signal(&line, c);
	sb_pc(&line, l, c);
	if (line.failed || !line.data) {
		vml_sb_release(&line);
		return &vml_enomem;
	}
	sb_wrap(&out, line.data);
	vml_sb_release(&line);
	return vml_sb_finish(&out, ret);
}

/* ------------------------------------------------------------ JSON */

static void json_u64(struct vml_strbuf *sb, const char *key, bool has,
		     uint64_t v)
{
	if (has)
		vml_sb_printf(sb, "\"%s\": %" PRIu64, key, v);
	else
		vml_sb_printf(sb, "\"%s\": null", key);
}

static void json_str(struct vml_strbuf *sb, const char *key, const char *s)
{
	vml_sb_printf(sb, "\"%s\": ", key);
	vml_sb_json_string(sb, s);
}

static void json_region_at(struct vml_strbuf *sb, const char *key,
			   const struct vml_layout *l, size_t i)
{
	vml_sb_printf(sb, "\"%s\": ", key);
	vml_json_region(sb, region(l, i));
}

static struct vml_error *crash_json(const struct vml_layout *l,
				    const struct vml_crash *c, char **ret)
{
	struct vml_strbuf sb = { 0 };
	char sig[16];
	vml_signal_name(c->signo, sig, sizeof(sig));
	vml_sb_puts(&sb, "{");
	json_str(&sb, "kind", vml_crash_kind_name(c->kind));
	vml_sb_puts(&sb, ", ");
	json_str(&sb, "summary", c->summary);

	vml_sb_printf(&sb, ", \"signal\": {\"signo\": %" PRId32 ", ", c->signo);
	json_str(&sb, "name", sig);
	vml_sb_puts(&sb, ", ");
	if (c->has_si_code)
		vml_sb_printf(&sb, "\"code\": %" PRId32 ", ", c->si_code);
	else
		vml_sb_puts(&sb, "\"code\": null, ");
	json_str(&sb, "code_name", c->code_name);
	vml_sb_puts(&sb, ", ");
	json_str(&sb, "code_text", c->code_text);
	vml_sb_printf(&sb, ", \"sent\": %s, ", c->sent ? "true" : "false");
	json_u64(&sb, "fault_addr", c->has_fault_addr, c->fault_addr);
	vml_sb_puts(&sb, "}");

	vml_sb_puts(&sb, ", \"thread\": {");
	if (c->tid)
		vml_sb_printf(&sb, "\"tid\": %" PRId64, c->tid);
	else
		vml_sb_puts(&sb, "\"tid\": null");
	vml_sb_printf(&sb, ", \"main\": %s, ", c->tid_is_main ? "true" : "false");
	json_u64(&sb, "pc", c->has_pc, c->pc);
	vml_sb_puts(&sb, ", ");
	json_u64(&sb, "sp", c->has_sp, c->sp);
	vml_sb_printf(&sb, ", \"nthreads\": %" PRIu32 "}", c->nthreads);

	vml_sb_puts(&sb, ", \"instruction\": ");
	if (c->has_pc) {
		vml_sb_puts(&sb, "{");
		json_u64(&sb, "pc", true, c->pc);
		vml_sb_puts(&sb, ", ");
		json_str(&sb, "insn", c->has_insn ? c->insn : NULL);
		vml_sb_puts(&sb, ", ");
		json_u64(&sb, "length", c->has_insn, c->insn_len);
		vml_sb_puts(&sb, ", ");
		json_str(&sb, "section", c->pc_section);
		vml_sb_puts(&sb, ", ");
		json_u64(&sb, "section_offset", c->pc_section != NULL,
			 c->pc_section_offset);
		vml_sb_puts(&sb, ", ");
		json_str(&sb, "symbol", c->pc_symbol);
		vml_sb_puts(&sb, ", ");
		json_u64(&sb, "symbol_offset", c->pc_symbol != NULL,
			 c->pc_symbol_offset);
		vml_sb_puts(&sb, ", ");
		json_region_at(&sb, "region", l, c->pc_region_index);
		vml_sb_puts(&sb, "}");
	} else {
		vml_sb_puts(&sb, "null");
	}

	vml_sb_puts(&sb, ", \"operand\": ");
	if (c->has_operand) {
		vml_sb_puts(&sb, "{");
		json_str(&sb, "text", c->operand);
		vml_sb_puts(&sb, ", ");
		json_u64(&sb, "addr", c->has_operand_addr, c->operand_addr);
		vml_sb_puts(&sb, ", ");
		json_u64(&sb, "size", c->operand_size != 0, c->operand_size);
		vml_sb_puts(&sb, ", ");
		json_str(&sb, "base", c->operand_base[0] ? c->operand_base : NULL);
		vml_sb_puts(&sb, ", ");
		json_u64(&sb, "base_value", c->operand_base[0] != '\0',
			 c->operand_base_value);
		vml_sb_puts(&sb, ", ");
		json_str(&sb, "index",
			 c->operand_index[0] ? c->operand_index : NULL);
		vml_sb_puts(&sb, ", ");
		json_u64(&sb, "index_value", c->operand_index[0] != '\0',
			 c->operand_index_value);
		vml_sb_puts(&sb, ", ");
		json_u64(&sb, "scale", c->operand_index[0] != '\0',
			 c->operand_scale);
		vml_sb_puts(&sb, ", ");
		json_str(&sb, "segment",
			 c->operand_segment[0] ? c->operand_segment : NULL);
		vml_sb_puts(&sb, ", ");
		json_u64(&sb, "segment_base", c->operand_segment[0] != '\0',
			 c->operand_segment_base);
		vml_sb_puts(&sb, "}");
	} else {
		vml_sb_puts(&sb, "null");
	}

	vml_sb_puts(&sb, ", ");
	json_str(&sb, "access", c->access < VML_ARRAY_SIZE(accesses) ?
					accesses[c->access] : NULL);

	vml_sb_puts(&sb, ", \"address\": ");
	if (c->has_addr) {
		vml_sb_printf(&sb, "{\"addr\": %" PRIu64 ", ", c->addr);
		json_str(&sb, "from", c->addr_from < VML_ARRAY_SIZE(addr_froms) ?
					      addr_froms[c->addr_from] : NULL);
		vml_sb_puts(&sb, ", ");
		json_str(&sb, "half", c->half < VML_ARRAY_SIZE(halves) ?
					      halves[c->half] : NULL);
		vml_sb_printf(&sb, ", \"canonical\": %s, \"mapped\": %s, ",
			      c->canonical ? "true" : "false",
			      c->region_index != SIZE_MAX ? "true" : "false");
		json_region_at(&sb, "region", l, c->region_index);
		vml_sb_puts(&sb, ", ");
		json_str(&sb, "section", c->section);
		vml_sb_puts(&sb, ", ");
		json_u64(&sb, "section_offset", c->section != NULL,
			 c->section_offset);
		vml_sb_puts(&sb, ", ");
		json_str(&sb, "symbol", c->symbol);
		vml_sb_puts(&sb, ", ");
		json_u64(&sb, "symbol_offset", c->symbol != NULL,
			 c->symbol_offset);
		vml_sb_puts(&sb, ", ");
		json_u64(&sb, "file_offset", c->has_file_offset, c->file_offset);
		vml_sb_puts(&sb, ", \"gap\": ");
		if (c->region_index == SIZE_MAX && c->half == VML_HALF_USER) {
			vml_sb_printf(&sb, "{\"start\": %" PRIu64 ", \"end\": ",
				      c->gap.start);
			vml_json_end(&sb, c->gap.last);
			vml_sb_puts(&sb, ", \"size\": ");
			vml_json_end(&sb, c->gap.last - c->gap.start);
			vml_sb_puts(&sb, ", ");
			json_region_at(&sb, "below", l, c->gap.below_index);
			vml_sb_puts(&sb, ", ");
			json_region_at(&sb, "above", l, c->gap.above_index);
			vml_sb_puts(&sb, "}");
		} else {
			vml_sb_puts(&sb, "null");
		}
		vml_sb_puts(&sb, "}");
	} else {
		vml_sb_puts(&sb, "null");
	}

	vml_sb_puts(&sb, ", \"stack_overflow\": ");
	if (c->kind == VML_CRASH_STACK_OVERFLOW) {
		vml_sb_printf(&sb, "{\"tid\": %" PRId64 ", \"main\": %s, ",
			      c->overflow_tid,
			      c->overflow_is_main ? "true" : "false");
		json_u64(&sb, "sp", c->overflow_sp != 0, c->overflow_sp);
		vml_sb_printf(&sb, ", \"depth\": %" PRIu64 ", ",
			      c->overflow_depth);
		json_region_at(&sb, "stack", l, c->stack_region_index);
		vml_sb_puts(&sb, ", ");
		json_region_at(&sb, "guard", l, c->guard_region_index);
		vml_sb_puts(&sb, "}");
	} else {
		vml_sb_puts(&sb, "null");
	}
	vml_sb_puts(&sb, ", ");
	json_u64(&sb, "alignment", c->alignment != 0, c->alignment);
	vml_sb_puts(&sb, ", ");
	json_u64(&sb, "file_size", c->has_file_size, c->file_size);
	vml_sb_puts(&sb, ", \"abort\": ");
	if (c->kind == VML_CRASH_ABORT) {
		vml_sb_puts(&sb, "{");
		json_str(&sb, "function", c->abort_function);
		vml_sb_puts(&sb, ", ");
		json_str(&sb, "message",
			 c->has_abort_message ? c->abort_message : NULL);
		vml_sb_puts(&sb, "}");
	} else {
		vml_sb_puts(&sb, "null");
	}
	vml_sb_puts(&sb, ", \"return_address\": ");
	if (c->has_return_addr) {
		vml_sb_printf(&sb, "{\"addr\": %" PRIu64 ", ", c->return_addr);
		json_str(&sb, "symbol", c->return_symbol);
		vml_sb_puts(&sb, ", ");
		json_u64(&sb, "symbol_offset", c->return_symbol != NULL,
			 c->return_symbol_offset);
		vml_sb_puts(&sb, "}");
	} else {
		vml_sb_puts(&sb, "null");
	}
	vml_sb_puts(&sb, "}\n");
	return vml_sb_finish(&sb, ret);
}

struct vml_error *vml_render_crash(const struct vml_layout *layout,
				   const struct vml_crash *crash,
				   size_t crash_size, enum vml_format format,
				   uint32_t flags, char **ret)
{
	(void)flags;
	if (!crash || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"render crash: NULL crash or result");
	struct vml_error *err = vml_check_size("crash", crash_size,
					       VML_CRASH_SIZE_V2);
	if (err)
		return err;
	struct vml_crash c;
	vml_copy_in(&c, sizeof(c), crash, crash_size);
	/* A region index past the layout's regions names none. */
	if (format == VML_FORMAT_TEXT)
		return crash_text(layout, &c, ret);
	if (format == VML_FORMAT_JSON)
		return crash_json(layout, &c, ret);
	return vml_error_create(VML_ERROR_INVALID,
				"render crash: format %d is neither text nor"
				" JSON", (int)format);
}
