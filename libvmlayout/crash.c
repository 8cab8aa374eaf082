/*
 * crash.c — "why did it die?": a fatal signal explained from its siginfo,
 * the registers of the thread that received it, the instruction at its
 * $pc and the layout.
 *
 * The facts come in through two calls (vml_layout_add_thread_registers,
 * vml_layout_set_siginfo) that a debugger bridge makes for a live process
 * and the core reader makes from NT_PRSTATUS and NT_SIGINFO, so a core and
 * the live process it came from get the same answer from this file. Every
 * decision is made here; render_crash.c only formats the struct.
 *
 * Nothing in the input is trusted: registers and siginfo of a core are
 * bytes from a file, the instruction text is parsed with bounds (arch
 * files), memory reads go through the layout's source (failures are
 * answers with fewer facts, never errors), and the stack scan of an abort
 * reads a bounded window.
 */
#include "config.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arch.h"

/* How far below $sp one frame's first access may land (a large local
 * array written before $sp is lowered past it is rare): the bound for
 * calling an access just below the main stack an overflow. */
#define CRASH_FRAME_REACH (64u * 1024u)

/* Registers of one thread: no architecture has more; bounds what a caller
 * can make the layout keep. */
#define MAX_REGS 4096
/* How far above $sp an abort's stack scan looks for glibc's frames. */
#define ABORT_SCAN_BYTES (32 * 1024)
/* The message glibc leaves in __abort_msg: bytes read at most. */
#define ABORT_MSG_MAX 4096

struct crash_reg {
	const char *name;          /* in facts->strings */
	uint64_t value;
};

struct crash_thread {
	int64_t tid;
	struct crash_reg *regs;    /* in facts->strings */
	size_t nregs;
};

struct vml_crash_facts {
	struct crash_thread *threads;
	size_t nthreads, capacity;
	struct vml_hashmap by_tid;  /* tid -> index in threads */
	struct vml_arena strings;
	/* The signal (vml_layout_set_siginfo / vml_layout_set_signal). */
	bool has_signal;
	int64_t tid;
	int32_t signo, code;
	bool has_code, has_addr;
	uint64_t addr;
};

void vml_crash_facts_free(struct vml_crash_facts *f)
{
	if (!f)
		return;
	free(f->threads);
	vml_hashmap_release(&f->by_tid);
	vml_arena_release(&f->strings);
	free(f);
}

static struct vml_error *facts_of(struct vml_layout *layout,
				  struct vml_crash_facts **ret)
{
	if (!layout->crash) {
		struct vml_crash_facts *f = calloc(1, sizeof(*f));
		if (!f)
			return &vml_enomem;
		vml_arena_init(&f->strings);
		layout->crash = f;
	}
	*ret = layout->crash;
	return NULL;
}

struct vml_error *vml_layout_add_thread_registers(struct vml_layout *layout,
						  int64_t tid,
						  const struct vml_named_value *regs,
						  size_t nregs)
{
	if (!layout || (!regs && nregs))
		return vml_error_create(VML_ERROR_INVALID,
					"registers: NULL layout or registers");
	if (nregs > MAX_REGS)
		return vml_error_create(VML_ERROR_LIMIT,
					"registers: %zu registers for thread %" PRId64
					" (at most %d)", nregs, tid, MAX_REGS);
	for (size_t i = 0; i < nregs; i++)
		if (!regs[i].name)
			return vml_error_create(VML_ERROR_INVALID,
						"registers: register %zu of thread %"
						PRId64 " has no name", i, tid);
	struct vml_crash_facts *f;
	struct vml_error *err = facts_of(layout, &f);
	if (err)
		return err;
	struct crash_reg *copy = NULL;
	if (nregs) {
		copy = vml_arena_alloc(&f->strings, nregs * sizeof(*copy));
		if (!copy)
			return &vml_enomem;
		for (size_t i = 0; i < nregs; i++) {
			/* Register names are short; a longer one is cut. */
			copy[i].name = vml_arena_strndup(&f->strings, regs[i].name,
							 strnlen(regs[i].name, 32));
			if (!copy[i].name)
				return &vml_enomem;
			copy[i].value = regs[i].value;
		}
	}
	uint64_t index;
	if (vml_hashmap_get(&f->by_tid, (uint64_t)tid, &index)) {
		f->threads[index].regs = copy;
		f->threads[index].nregs = nregs;
		return NULL;
	}
	if (!vml_grow((void **)&f->threads, &f->capacity, f->nthreads + 1,
		      sizeof(*f->threads)) ||
	    !vml_hashmap_put(&f->by_tid, (uint64_t)tid, f->nthreads))
		return &vml_enomem;
	f->threads[f->nthreads++] = (struct crash_thread){ tid, copy, nregs };
	return NULL;
}

static struct vml_error *set_signal(struct vml_layout *layout, int64_t tid,
				    int32_t signo, bool has_code,
				    int32_t code, bool has_addr, uint64_t addr)
{
	if (!layout)
		return vml_error_create(VML_ERROR_INVALID, "siginfo: NULL layout");
	struct vml_crash_facts *f;
	struct vml_error *err = facts_of(layout, &f);
	if (err)
		return err;
	/* A sent signal's siginfo holds the sender's pid and uid where a
	 * fault's holds si_addr. */
	if (has_code && code <= 0)
		has_addr = false;
	f->has_signal = true;
	f->tid = tid;
	f->signo = signo;
	f->has_code = has_code;
	f->code = has_code ? code : 0;
	f->has_addr = has_addr;
	f->addr = has_addr ? addr : 0;
	return NULL;
}

struct vml_error *vml_layout_set_siginfo(struct vml_layout *layout,
					 int64_t tid, int32_t signo,
					 int32_t si_code, bool has_addr,
					 uint64_t addr)
{
	return set_signal(layout, tid, signo, true, si_code, has_addr, addr);
}

struct vml_error *vml_layout_set_signal(struct vml_layout *layout,
					int64_t tid, int32_t signo)
{
	return set_signal(layout, tid, signo, false, 0, false, 0);
}

/* ------------------------------------------------------------ names */

static const char *const kind_names[VML_CRASH_KIND_COUNT] = {
	[VML_CRASH_SIGNAL] = "signal",
	[VML_CRASH_NULL_DEREF] = "null-dereference",
	[VML_CRASH_STACK_OVERFLOW] = "stack-overflow",
	[VML_CRASH_WRITE_READONLY] = "write-read-only",
	[VML_CRASH_EXEC_NONEXEC] = "exec-non-executable",
	[VML_CRASH_UNMAPPED] = "unmapped",
	[VML_CRASH_NONCANONICAL] = "non-canonical",
	[VML_CRASH_MISALIGNED] = "misaligned",
	[VML_CRASH_BUS_ERROR] = "bus-error",
	[VML_CRASH_ABORT] = "abort",
	[VML_CRASH_ARITHMETIC] = "arithmetic",
	[VML_CRASH_ILLEGAL] = "illegal-instruction",
	[VML_CRASH_TRAP] = "trap",
	[VML_CRASH_KERNEL_ADDRESS] = "kernel-address",
	[VML_CRASH_PROTECTION] = "protection",
	[VML_CRASH_PRIVILEGED] = "privileged-instruction",
	[VML_CRASH_GENERAL_PROTECTION] = "general-protection",
	[VML_CRASH_SENT] = "sent",
};

const char *vml_crash_kind_name(enum vml_crash_kind kind)
{
	if ((unsigned)kind >= VML_CRASH_KIND_COUNT)
		return NULL;
	return kind_names[kind];
}

/* si_code meanings (Linux <asm-generic/siginfo.h>): per signal for
 * positive codes, then the ones any signal may have. */
struct code_meaning {
	int32_t signo;             /* 0: any signal */
	int32_t code;
	const char *name, *text;
};

static const struct code_meaning codes[] = {
	{ SIGSEGV, 1, "SEGV_MAPERR", "address not mapped to object" },
	{ SIGSEGV, 2, "SEGV_ACCERR", "invalid permissions for mapped object" },
	{ SIGSEGV, 3, "SEGV_BNDERR", "failed address bound checks" },
	{ SIGSEGV, 4, "SEGV_PKUERR", "access denied by a memory protection key" },
	{ SIGSEGV, 10, "SEGV_CPERR", "control protection fault (shadow stack)" },
	{ SIGBUS, 1, "BUS_ADRALN", "invalid address alignment" },
	{ SIGBUS, 2, "BUS_ADRERR", "nonexistent physical address" },
	{ SIGBUS, 3, "BUS_OBJERR", "object-specific hardware error" },
	{ SIGBUS, 4, "BUS_MCEERR_AR", "hardware memory error: action required" },
	{ SIGBUS, 5, "BUS_MCEERR_AO", "hardware memory error: action optional" },
	{ SIGILL, 1, "ILL_ILLOPC", "illegal opcode" },
	{ SIGILL, 2, "ILL_ILLOPN", "illegal operand" },
	{ SIGILL, 3, "ILL_ILLADR", "illegal addressing mode" },
	{ SIGILL, 4, "ILL_ILLTRP", "illegal trap" },
	{ SIGILL, 5, "ILL_PRVOPC", "privileged opcode" },
	{ SIGILL, 6, "ILL_PRVREG", "privileged register" },
	{ SIGILL, 7, "ILL_COPROC", "coprocessor error" },
	{ SIGILL, 8, "ILL_BADSTK", "internal stack error" },
	{ SIGFPE, 1, "FPE_INTDIV", "integer divide by zero" },
	{ SIGFPE, 2, "FPE_INTOVF", "integer overflow" },
	{ SIGFPE, 3, "FPE_FLTDIV", "floating-point divide by zero" },
	{ SIGFPE, 4, "FPE_FLTOVF", "floating-point overflow" },
	{ SIGFPE, 5, "FPE_FLTUND", "floating-point underflow" },
	{ SIGFPE, 6, "FPE_FLTRES", "floating-point inexact result" },
	{ SIGFPE, 7, "FPE_FLTINV", "floating-point invalid operation" },
	{ SIGFPE, 8, "FPE_FLTSUB", "subscript out of range" },
	{ SIGTRAP, 1, "TRAP_BRKPT", "process breakpoint" },
	{ SIGTRAP, 2, "TRAP_TRACE", "process trace trap" },
	{ SIGTRAP, 3, "TRAP_BRANCH", "process taken branch trap" },
	{ SIGTRAP, 4, "TRAP_HWBKPT", "hardware breakpoint or watchpoint" },
	{ SIGSYS, 1, "SYS_SECCOMP", "a seccomp filter refused a system call" },
	/* What SI_KERNEL means for the x86 faults that report no address. */
	{ SIGSEGV, 0x80, "SI_KERNEL", "general protection fault: the kernel"
				      " reports no address" },
	{ SIGBUS, 0x80, "SI_KERNEL", "stack segment fault: the kernel"
				     " reports no address" },
	{ SIGTRAP, 0x80, "SI_KERNEL", "breakpoint instruction (int3)" },
	{ 0, 0x80, "SI_KERNEL", "sent by the kernel" },
	{ 0, 0, "SI_USER", "sent by kill()" },
	{ 0, -1, "SI_QUEUE", "sent by sigqueue()" },
	{ 0, -2, "SI_TIMER", "a POSIX timer expired" },
	{ 0, -3, "SI_MESGQ", "a POSIX message queue changed state" },
	{ 0, -4, "SI_ASYNCIO", "asynchronous I/O completed" },
	{ 0, -5, "SI_SIGIO", "queued SIGIO" },
	{ 0, -6, "SI_TKILL", "sent by tkill() or tgkill() (raise(), abort())" },
	{ 0, -7, "SI_DETHREAD", "sent when a thread group exec()ed" },
	{ 0, -60, "SI_ASYNCNL", "asynchronous name lookup completed" },
};

static const struct code_meaning *code_meaning(int32_t signo, int32_t code)
{
	for (size_t i = 0; i < VML_ARRAY_SIZE(codes); i++)
		if (codes[i].code == code &&
		    (codes[i].signo == signo || codes[i].signo == 0) &&
		    (code <= 0 || code == 0x80 || codes[i].signo == signo))
			return &codes[i];
	return NULL;
}

/* Signals whose default action dumps core: the ones a crash ends with. */
static bool crash_signal(int32_t signo)
{
	return signo == SIGQUIT || signo == SIGILL || signo == SIGTRAP ||
	       signo == SIGABRT || signo == SIGBUS || signo == SIGFPE ||
	       signo == SIGSEGV || signo == SIGXCPU || signo == SIGXFSZ ||
	       signo == SIGSYS;
}

/* Signals the CPU raises for a fault (si_addr meaningful when > 0). */
static bool fault_signal(int32_t signo)
{
	return signo == SIGSEGV || signo == SIGBUS || signo == SIGFPE ||
	       signo == SIGILL;
}

/* ------------------------------------------------------------ context */

struct crash_ctx {
	struct vml_layout *layout;
	const struct vml_arch *arch;
	const struct vml_arch_crash *ac;
	const struct vml_crash_facts *f;
	const struct crash_thread *regs;  /* the thread's, or NULL */
	struct vml_crash c;
	struct vml_insn_facts insn;
	bool has_insn_facts;
};

static bool reg_lookup(void *arg, const char *name, uint64_t *value)
{
	const struct crash_ctx *x = arg;
	if (!x->regs)
		return false;
	for (size_t i = 0; i < x->regs->nregs; i++)
		if (strcmp(x->regs->regs[i].name, name) == 0) {
			*value = x->regs->regs[i].value;
			return true;
		}
	return false;
}

static bool mem_read(void *arg, uint64_t addr, void *buf, size_t len)
{
	const struct crash_ctx *x = arg;
	if (!x->layout->source || len == 0 || len > 4096)
		return false;
	struct vml_error *err = vml_source_read(x->layout->source,
						VML_SPACE_VIRTUAL, addr, buf,
						len);
	if (err) {
		vml_error_free(err);
		return false;
	}
	return true;
}

/* A word of the architecture at addr. */
static bool read_word(const struct crash_ctx *x, uint64_t addr, uint64_t *ret)
{
	unsigned size = x->arch->pointer_size;
	uint8_t b[8];
	if (size > sizeof(b) || !mem_read((void *)x, addr, b, size))
		return false;
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)b[i] << (8 * i);
	*ret = v;
	return true;
}

static const struct vml_thread *layout_thread(const struct vml_layout *l,
					      int64_t tid)
{
	for (size_t i = 0; tid && i < l->nthreads; i++)
		if (l->threads[i].tid == tid)
			return &l->threads[i];
	return NULL;
}

static const struct crash_thread *facts_thread(const struct vml_crash_facts *f,
					       int64_t tid)
{
	uint64_t index;
	if (!vml_hashmap_get(&f->by_tid, (uint64_t)tid, &index) ||
	    index >= f->nthreads)
		return NULL;
	return &f->threads[index];
}

static struct vml_error *where(struct crash_ctx *x, uint64_t addr,
			       struct vml_where *w)
{
	return vml_layout_where(x->layout, addr, w, sizeof(*w));
}

/* The bytes of the program's own trap instruction end right at $pc. */
static bool trap_before_pc(struct crash_ctx *x)
{
	const struct vml_arch_crash *ac = x->ac;
	if (!x->c.has_pc || !ac->trap_insn_len || ac->trap_insn_len > 8 ||
	    x->c.pc < ac->trap_insn_len)
		return false;
	uint8_t buf[8];
	uint64_t at = x->c.pc - ac->trap_insn_len;
	size_t got = vml_disasm_read(x->layout, at, buf, ac->trap_insn_len);
	return got == ac->trap_insn_len &&
	       memcmp(buf, ac->trap_insn, ac->trap_insn_len) == 0;
}

/* NULL when the signal is a crash; else the one line saying why not. */
static struct vml_error *not_a_crash(struct crash_ctx *x)
{
	const struct vml_crash_facts *f = x->f;
	const struct vml_core *core = x->layout->core;
	if (!f || !f->has_signal || f->signo <= 0) {
		if (core)
			return vml_error_create(VML_ERROR_NOT_FOUND,
						"no fatal signal: the core records"
						" no signal (a core written while"
						" the program ran?)");
		return vml_error_create(VML_ERROR_NOT_FOUND,
					"no fatal signal: the program is not"
					" stopped by a crash");
	}
	/* The kernel writes a core only for a signal that killed. */
	if (core && !core->from_gdb)
		return NULL;
	char name[16];
	vml_signal_name(f->signo, name, sizeof(name));
	bool own_trap = f->signo == SIGTRAP &&
			(!f->has_code || f->code == 0x80) && trap_before_pc(x);
	if (crash_signal(f->signo) && (f->signo != SIGTRAP || own_trap))
		return NULL;
	const char *why = f->signo == SIGTRAP ?
				  ": a breakpoint or a step of the debugger's" :
			  f->signo == SIGINT ? ": interrupted" : "";
	if (core)
		return vml_error_create(VML_ERROR_NOT_FOUND,
					"no fatal signal: the core was written"
					" while the program was stopped by %s%s,"
					" not killed by a crash", name, why);
	return vml_error_create(VML_ERROR_NOT_FOUND,
				"no fatal signal: the program is not stopped"
				" by a crash (it stopped with %s%s)", name, why);
}

/* ------------------------------------------------------------ facts */

static void set_pc_facts(struct crash_ctx *x)
{
	struct vml_crash *c = &x->c;
	struct vml_where w;
	if (!c->has_pc || where(x, c->pc, &w))
		return;
	c->pc_region_index = w.region_index;
	c->pc_section = w.section;
	c->pc_section_offset = w.section_offset;
	c->pc_symbol = w.symbol;
	c->pc_symbol_offset = w.symbol_offset;
	if (!w.region || !(w.region->prot & VML_PROT_EXEC))
		return;
	/* The text as the user's debugger shows it (x/i) ... */
	size_t len = 0;
	struct vml_error *err = vml_disasm_at(x->layout, c->pc, c->insn,
					      sizeof(c->insn), &len);
	if (err || len == 0 || len > UINT32_MAX) {
		vml_error_free(err);
		c->insn[0] = '\0';
		return;
	}
	c->has_insn = true;
	c->insn_len = (uint32_t)len;
	/* ... and what it does, from the AT&T text the operand parser
	 * reads, whatever syntax the layout shows. */
	uint8_t bytes[32];
	char att[160];
	size_t got = vml_disasm_read(x->layout, c->pc, bytes,
				     x->arch->insn_max < sizeof(bytes) ?
					     x->arch->insn_max + 1 : sizeof(bytes));
	size_t att_len = 0;
	if (!got || !x->ac->insn_facts)
		return;
	err = vml_disasm_one_arch(x->arch->id, bytes, got, c->pc, att,
				  sizeof(att), &att_len);
	if (err || att_len == 0) {
		vml_error_free(err);
		return;
	}
	x->ac->insn_facts(x->arch, att, c->pc, (uint32_t)att_len, reg_lookup,
			  mem_read, x, &x->insn);
	x->has_insn_facts = true;
}

static void set_operand(struct crash_ctx *x, const struct vml_insn_mem *m)
{
	struct vml_crash *c = &x->c;
	c->has_operand = true;
	snprintf(c->operand, sizeof(c->operand), "%s", m->text);
	c->has_operand_addr = m->has_addr;
	c->operand_addr = m->has_addr ? m->addr : 0;
	c->operand_size = m->size;
	snprintf(c->operand_base, sizeof(c->operand_base), "%s", m->base);
	c->operand_base_value = m->base_value;
	snprintf(c->operand_index, sizeof(c->operand_index), "%s", m->index);
	c->operand_index_value = m->index_value;
	c->operand_scale = m->index[0] ? m->scale : 0;
	snprintf(c->operand_segment, sizeof(c->operand_segment), "%s",
		 m->segment);
	c->operand_segment_base = m->segment_base;
}

/* The address the crash is about, and where it lies. */
static void set_addr(struct crash_ctx *x, uint64_t addr, uint32_t from)
{
	struct vml_crash *c = &x->c;
	struct vml_where w;
	c->has_addr = true;
	c->addr = addr;
	c->addr_from = from;
	if (where(x, addr, &w))
		return;
	c->half = w.half;
	c->canonical = w.canonical;
	c->region_index = w.region_index;
	c->gap = w.gap;
	c->section = w.section;
	c->section_offset = w.section_offset;
	c->symbol = w.symbol;
	c->symbol_offset = w.symbol_offset;
	c->has_file_offset = w.has_file_offset;
	c->file_offset = w.file_offset;
}

/* A memory operand holding addr (the page fault's), or NULL. */
static const struct vml_insn_mem *operand_at(const struct crash_ctx *x,
					     uint64_t addr)
{
	if (!x->has_insn_facts || x->insn.no_access)
		return NULL;
	const struct vml_insn_mem *page_match = NULL;
	for (size_t i = 0; i < x->insn.nmem; i++) {
		const struct vml_insn_mem *m = &x->insn.mem[i];
		if (!m->has_addr)
			continue;
		uint64_t size = m->size ? m->size : 1;
		if (addr >= m->addr && addr - m->addr < size)
			return m;
		/* A fault on the second page of an access that straddles
		 * two reports that page's first byte. */
		if (!page_match && (addr >> 12 == m->addr >> 12 ||
				    addr >> 12 == (m->addr + size - 1) >> 12))
			page_match = m;
	}
	return page_match;
}

/* Read, write or execute, for a fault at addr. */
static uint32_t fault_access(struct crash_ctx *x, uint64_t addr,
			     const struct vml_insn_mem **op_ret)
{
	struct vml_crash *c = &x->c;
	*op_ret = NULL;
	/* An instruction fetch: si_addr is $pc (or the next page, for an
	 * instruction running across into an unmapped one). */
	if (c->has_pc && addr == c->pc)
		return VML_ACCESS_EXECUTE;
	const struct vml_insn_mem *m = operand_at(x, addr);
	if (m) {
		*op_ret = m;
		return m->write ? VML_ACCESS_WRITE : VML_ACCESS_READ;
	}
	if (c->has_pc && addr > c->pc && addr - c->pc < x->arch->insn_max &&
	    (addr & 0xfff) == 0)
		return VML_ACCESS_EXECUTE;
	/* push and call write below $sp; pop and ret read at it. */
	if (x->has_insn_facts && c->has_sp) {
		uint64_t n = x->insn.stack_size ? x->insn.stack_size : 8;
		if (x->insn.push && addr < c->sp && c->sp - addr <= n)
			return VML_ACCESS_WRITE;
		if (x->insn.pop && addr >= c->sp && addr - c->sp < n)
			return VML_ACCESS_READ;
	}
	/* One operand whose address is not known (a %fs base missing). */
	if (x->has_insn_facts && x->insn.nmem == 1 && !x->insn.no_access &&
	    !x->insn.mem[0].has_addr) {
		*op_ret = &x->insn.mem[0];
		return x->insn.mem[0].write ? VML_ACCESS_WRITE : VML_ACCESS_READ;
	}
	return VML_ACCESS_UNKNOWN;
}

/* The word at $sp, when it is a return address (into executable memory):
 * a call to a bad address came from there. */
static void set_return_addr(struct crash_ctx *x)
{
	struct vml_crash *c = &x->c;
	uint64_t ra;
	struct vml_where w;
	if (!c->has_sp || !read_word(x, c->sp, &ra) || where(x, ra, &w) ||
	    !w.region || !(w.region->prot & VML_PROT_EXEC))
		return;
	c->has_return_addr = true;
	c->return_addr = ra;
	c->return_symbol = w.symbol;
	c->return_symbol_offset = w.symbol_offset;
}

/* The thread's stack overflowed: its $sp in a guard or below [stack], or
 * the access in the guard of its own stack. */
static bool stack_overflow(struct crash_ctx *x, const struct vml_where *wa)
{
	struct vml_crash *c = &x->c;
	struct vml_where ws;
	const struct vml_where *w = NULL;
	if (c->has_sp && !where(x, c->sp, &ws) &&
	    (ws.stack_role == VML_STACK_ROLE_OVERFLOW ||
	     ws.stack_role == VML_STACK_ROLE_GAP_OVERFLOW))
		w = &ws;
	else if (wa && (wa->stack_role == VML_STACK_ROLE_OVERFLOW ||
			wa->stack_role == VML_STACK_ROLE_GAP_OVERFLOW))
		w = wa;
	if (w) {
		c->overflow_tid = w->stack_tid;
		c->overflow_is_main = w->stack_is_main;
		c->overflow_sp = w->stack_sp;
		c->overflow_depth = w->overflow_depth;
		c->stack_region_index = w->stack_region_index;
		c->guard_region_index = w->stack_role == VML_STACK_ROLE_OVERFLOW ?
						w->region_index : SIZE_MAX;
		return true;
	}
	/* The access in the guard below the crashing thread's own stack,
	 * its $sp still above: a frame that went past its $sp. */
	if (wa && wa->stack_role == VML_STACK_ROLE_GUARD && wa->stack_tid &&
	    wa->stack_tid == c->tid && wa->stack_region_index != SIZE_MAX) {
		const struct vml_region *s =
			vml_layout_region(x->layout, wa->stack_region_index);
		c->overflow_tid = wa->stack_tid;
		c->overflow_is_main = wa->stack_is_main;
		c->overflow_sp = c->has_sp ? c->sp : 0;
		c->overflow_depth = s && s->start > wa->addr ?
					    s->start - wa->addr : 0;
		c->stack_region_index = wa->stack_region_index;
		c->guard_region_index = wa->region_index;
		return true;
	}
	/* The same for the main thread, whose stack has no guard mapping:
	 * the access unmapped right below [stack] while $sp is still at or
	 * above its start (a push, or a frame's first store, faulted before
	 * $sp moved down), and no further below $sp than one frame could
	 * reach. */
	if (wa && !wa->region && wa->gap.above_index != SIZE_MAX && c->has_sp) {
		const struct vml_region *s =
			vml_layout_region(x->layout, wa->gap.above_index);
		if (s && s->kind == VML_KIND_STACK && s->tid && s->tid == c->tid &&
		    c->sp >= s->start && wa->addr < c->sp &&
		    c->sp - wa->addr <= CRASH_FRAME_REACH) {
			c->overflow_tid = s->tid;
			c->overflow_is_main = true;
			c->overflow_sp = c->sp;
			c->overflow_depth = s->start - wa->addr;
			c->stack_region_index = wa->gap.above_index;
			c->guard_region_index = SIZE_MAX;
			return true;
		}
	}
	return false;
}

/* SIGSEGV from a page fault: si_addr is the address touched. */
static void explain_page_fault(struct crash_ctx *x)
{
	struct vml_crash *c = &x->c;
	const struct vml_insn_mem *op;
	uint64_t addr = c->fault_addr;
	c->access = fault_access(x, addr, &op);
	if (op)
		set_operand(x, op);
	set_addr(x, addr, VML_ADDR_SIGINFO);
	struct vml_where wa;
	bool have_w = !where(x, addr, &wa);
	const struct vml_region *r = vml_layout_region(x->layout,
						       c->region_index);
	if (stack_overflow(x, have_w ? &wa : NULL)) {
		c->kind = VML_CRASH_STACK_OVERFLOW;
		return;
	}
	if (c->access == VML_ACCESS_EXECUTE)
		set_return_addr(x);
	if (have_w && wa.null_page) {
		c->kind = VML_CRASH_NULL_DEREF;
		return;
	}
	if (c->half == VML_HALF_KERNEL) {
		c->kind = VML_CRASH_KERNEL_ADDRESS;
		return;
	}
	if (!r) {
		c->kind = VML_CRASH_UNMAPPED;
		return;
	}
	if (c->access == VML_ACCESS_EXECUTE) {
		c->kind = VML_CRASH_EXEC_NONEXEC;
		return;
	}
	if (c->has_si_code && c->si_code == 4) {      /* SEGV_PKUERR */
		c->kind = VML_CRASH_PROTECTION;
		return;
	}
	/* A readable mapping that faults without being written to cannot
	 * fault: when the instruction does not say, it was a write. */
	if (!(r->prot & VML_PROT_WRITE) &&
	    (c->access == VML_ACCESS_WRITE ||
	     (c->access == VML_ACCESS_UNKNOWN && (r->prot & VML_PROT_READ)))) {
		c->access = VML_ACCESS_WRITE;
		c->kind = VML_CRASH_WRITE_READONLY;
		return;
	}
	c->kind = VML_CRASH_PROTECTION;
}

static bool noncanonical(struct crash_ctx *x, uint64_t addr)
{
	struct vml_where w;
	return !where(x, addr, &w) && w.half == VML_HALF_NONCANONICAL;
}

/* #GP (SIGSEGV SI_KERNEL) or #SS (SIGBUS SI_KERNEL): the kernel reports
 * no address; the instruction says what it used. */
static void explain_general_protection(struct crash_ctx *x)
{
	struct vml_crash *c = &x->c;
	const struct vml_insn_facts *f = &x->insn;
	c->kind = VML_CRASH_GENERAL_PROTECTION;
	if (!x->has_insn_facts)
		return;
	if (f->branch && f->has_target && noncanonical(x, f->target)) {
		c->kind = VML_CRASH_NONCANONICAL;
		c->access = VML_ACCESS_EXECUTE;
		set_addr(x, f->target, VML_ADDR_TARGET);
		for (size_t i = 0; i < f->nmem; i++)
			set_operand(x, &f->mem[i]);
		return;
	}
	for (size_t i = 0; i < f->nmem && !f->no_access; i++) {
		const struct vml_insn_mem *m = &f->mem[i];
		if (m->has_addr && noncanonical(x, m->addr)) {
			c->kind = VML_CRASH_NONCANONICAL;
			c->access = m->write ? VML_ACCESS_WRITE : VML_ACCESS_READ;
			set_operand(x, m);
			set_addr(x, m->addr, VML_ADDR_OPERAND);
			return;
		}
	}
	if ((f->push || f->pop) && c->has_sp && noncanonical(x, c->sp)) {
		c->kind = VML_CRASH_NONCANONICAL;
		c->access = f->push ? VML_ACCESS_WRITE : VML_ACCESS_READ;
		set_addr(x, c->sp, VML_ADDR_SP);
		return;
	}
	const struct vml_insn_mem *m = f->nmem && !f->no_access ? &f->mem[0] :
								  NULL;
	if (m) {
		set_operand(x, m);
		c->access = m->write ? VML_ACCESS_WRITE : VML_ACCESS_READ;
		if (m->has_addr)
			set_addr(x, m->addr, VML_ADDR_OPERAND);
	}
	if (m && m->has_addr && f->alignment && m->addr % f->alignment) {
		c->kind = VML_CRASH_MISALIGNED;
		c->alignment = f->alignment;
		return;
	}
	if (f->privileged)
		c->kind = VML_CRASH_PRIVILEGED;
}

/* The file behind region r: its size on disk (with the sysroot). */
static bool file_size(const struct vml_layout *l, const struct vml_region *r,
		      uint64_t *size)
{
	if (!r || !r->path || (r->flags & VML_REGION_DELETED))
		return false;
	const char *root = l->sysroot ? l->sysroot : "";
	size_t need = strlen(root) + strlen(r->path) + 1;
	char *full = malloc(need);
	if (!full)
		return false;
	snprintf(full, need, "%s%s", root, r->path);
	struct stat st;
	bool ok = stat(full, &st) == 0 && S_ISREG(st.st_mode) &&
		  st.st_size >= 0;
	free(full);
	if (ok)
		*size = (uint64_t)st.st_size;
	return ok;
}

static void explain_bus(struct crash_ctx *x)
{
	struct vml_crash *c = &x->c;
	if (c->has_si_code && c->si_code == 0x80) {       /* #SS */
		explain_general_protection(x);
		return;
	}
	c->kind = VML_CRASH_BUS_ERROR;
	if (!c->has_fault_addr)
		return;
	const struct vml_insn_mem *op;
	c->access = fault_access(x, c->fault_addr, &op);
	if (op)
		set_operand(x, op);
	set_addr(x, c->fault_addr, VML_ADDR_SIGINFO);
	if (c->has_si_code && c->si_code == 1) {         /* BUS_ADRALN */
		c->kind = VML_CRASH_MISALIGNED;
		c->alignment = x->has_insn_facts ? x->insn.alignment : 0;
		return;
	}
	const struct vml_region *r = vml_layout_region(x->layout,
						       c->region_index);
	uint64_t size;
	if (c->has_file_offset && file_size(x->layout, r, &size)) {
		c->has_file_size = true;
		c->file_size = size;
	}
}

/* glibc's frames that say why a thread aborted, most telling first. */
static const struct {
	const char *function;
	const char *summary;
} abort_frames[] = {
	{ "__assert_fail", "assertion failure" },
	{ "__assert_perror_fail", "assertion failure" },
	{ "__stack_chk_fail", "stack smashing detected" },
	{ "__fortify_fail", "buffer overflow detected" },
	{ "__chk_fail", "buffer overflow detected" },
	{ "__libc_fatal", "fatal error in glibc" },
	{ "__libc_message", "fatal error in glibc" },
	{ "abort", "abort" },
};

/* The function holding a return address: the symbol of ra - 1 (a call
 * that never returns may be the last instruction of its function). */
static const char *return_function(const struct vml_layout *l, uint64_t ra)
{
	if (ra == 0)
		return NULL;
	size_t i = vml_layout_index(l, ra - 1);
	const struct vml_region *r = vml_layout_region(l, i);
	if (!r || !(r->prot & VML_PROT_EXEC))
		return NULL;
	const struct vml_object *obj = vml_layout_object_at(l, ra - 1);
	if (!obj || !obj->elf || !obj->elf->valid)
		return NULL;
	const struct vml_elf_symbol *sym =
		vml_elf_find_symbol(obj->elf, ra - 1 - obj->bias);
	return sym ? sym->name : NULL;
}

/* __abort_msg (glibc: a pointer to {unsigned size; char msg[]}, set by
 * assert(), the fortify and stack protector checks, malloc's checks). */
static void abort_message(struct crash_ctx *x)
{
	struct vml_crash *c = &x->c;
	const struct vml_layout *l = x->layout;
	for (size_t o = 0; o < l->nobjects; o++) {
		const struct vml_object *obj = &l->objects[o];
		const struct vml_elf_info *elf = obj->elf;
		if (!elf || !elf->valid)
			continue;
		for (size_t s = 0; s < elf->nsymbols; s++) {
			const struct vml_elf_symbol *sym = &elf->symbols[s];
			if (!sym->name || strcmp(sym->name, "__abort_msg") != 0)
				continue;
			uint64_t msg;
			uint8_t head[4];
			if (!read_word(x, sym->addr + obj->bias, &msg) || !msg ||
			    !mem_read(x, msg, head, sizeof(head)))
				return;
			uint32_t size = (uint32_t)head[0] | (uint32_t)head[1] << 8 |
					(uint32_t)head[2] << 16 |
					(uint32_t)head[3] << 24;
			if (size <= 4 || size > ABORT_MSG_MAX)
				return;
			size_t n = size - 4;
			if (n > sizeof(c->abort_message) - 1)
				n = sizeof(c->abort_message) - 1;
			char buf[sizeof(c->abort_message)];
			/* Page by page: the message may end near a page edge. */
			size_t got = 0;
			while (got < n) {
				uint64_t at = msg + 4 + got;
				size_t chunk = 4096 - (size_t)(at & 4095);
				if (chunk > n - got)
					chunk = n - got;
				if (!mem_read(x, at, buf + got, chunk))
					break;
				got += chunk;
			}
			buf[got] = '\0';
			size_t len = strnlen(buf, got);
			while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
				len--;
			buf[len] = '\0';
			for (size_t k = 0; k < len; k++)
				if ((unsigned char)buf[k] < 0x20 || buf[k] == 0x7f)
					buf[k] = ' ';
			if (len) {
				memcpy(c->abort_message, buf, len + 1);
				c->has_abort_message = true;
			}
			return;
		}
	}
}

/* SIGABRT: glibc's frames on the thread's stack (return addresses in
 * abort, __assert_fail ...) and the message it left. */
static void explain_abort(struct crash_ctx *x)
{
	struct vml_crash *c = &x->c;
	c->kind = VML_CRASH_ABORT;
	abort_message(x);
	if (!c->has_sp)
		return;
	unsigned word = x->arch->pointer_size;
	const struct vml_region *r = vml_layout_find(x->layout, c->sp);
	uint64_t start = c->sp & ~(uint64_t)(word - 1);
	uint64_t end = r ? r->end : start;
	if (end - start > ABORT_SCAN_BYTES)
		end = start + ABORT_SCAN_BYTES;
	size_t best = VML_ARRAY_SIZE(abort_frames);
	uint8_t buf[4096];
	for (uint64_t at = start; at < end;) {
		size_t chunk = 4096 - (size_t)(at & 4095);
		if (chunk > end - at)
			chunk = (size_t)(end - at);
		if (!mem_read(x, at, buf, chunk))
			break;
		for (size_t k = 0; k + word <= chunk; k += word) {
			uint64_t v = 0;
			for (unsigned b = 0; b < word; b++)
				v |= (uint64_t)buf[k + b] << (8 * b);
			const char *fn = return_function(x->layout, v);
			for (size_t i = 0; fn && i < best; i++)
				if (strcmp(fn, abort_frames[i].function) == 0)
					best = i;
		}
		at += chunk;
	}
	if (best < VML_ARRAY_SIZE(abort_frames))
		c->abort_function = abort_frames[best].function;
}

/* ------------------------------------------------------------ summary */

static const char *summary(const struct vml_crash *c)
{
	bool exec = c->access == VML_ACCESS_EXECUTE;
	switch (c->kind) {
	case VML_CRASH_NULL_DEREF:
		return exec ? "call through a NULL function pointer" :
			      "NULL pointer dereference";
	case VML_CRASH_STACK_OVERFLOW:
		return "stack overflow";
	case VML_CRASH_WRITE_READONLY:
		return "write to read-only memory";
	case VML_CRASH_EXEC_NONEXEC:
		return "execution of non-executable memory";
	case VML_CRASH_UNMAPPED:
		return exec ? "jump to unmapped memory" :
			      "access to unmapped memory";
	case VML_CRASH_NONCANONICAL:
		return "non-canonical address";
	case VML_CRASH_MISALIGNED:
		return "misaligned access";
	case VML_CRASH_BUS_ERROR:
		if (c->has_file_size && c->has_file_offset &&
		    c->file_offset >= c->file_size)
			return "access past the end of a mapped file";
		return "bus error";
	case VML_CRASH_ABORT:
		for (size_t i = 0; c->abort_function &&
				   i < VML_ARRAY_SIZE(abort_frames); i++)
			if (strcmp(c->abort_function,
				   abort_frames[i].function) == 0)
				return abort_frames[i].summary;
		return "abort";
	case VML_CRASH_ARITHMETIC:
		return c->code_text && c->si_code > 0 ? c->code_text :
							"arithmetic exception";
	case VML_CRASH_ILLEGAL:
		return "illegal instruction";
	case VML_CRASH_TRAP:
		return "trap instruction";
	case VML_CRASH_KERNEL_ADDRESS:
		return "access to kernel space";
	case VML_CRASH_PROTECTION:
		return c->has_si_code && c->si_code == 4 && c->signo == SIGSEGV ?
			       "access denied by a protection key" :
			       "access forbidden by the mapping's protection";
	case VML_CRASH_PRIVILEGED:
		return "privileged instruction";
	case VML_CRASH_GENERAL_PROTECTION:
		return "general protection fault";
	case VML_CRASH_SENT:
		return "fault signal sent by a process";
	default:
		return "fatal signal";
	}
}

/* ------------------------------------------------------------ crash */

static void explain(struct crash_ctx *x)
{
	struct vml_crash *c = &x->c;
	bool sent = c->has_si_code && c->si_code <= 0;
	switch (c->signo) {
	case SIGSEGV:
		if (sent)
			c->kind = VML_CRASH_SENT;
		else if (c->has_si_code && c->si_code == 0x80)
			explain_general_protection(x);
		else if (c->has_fault_addr)
			explain_page_fault(x);
		else
			c->kind = VML_CRASH_SIGNAL;
		break;
	case SIGBUS:
		if (sent)
			c->kind = VML_CRASH_SENT;
		else
			explain_bus(x);
		break;
	case SIGFPE:
		c->kind = sent ? VML_CRASH_SENT : VML_CRASH_ARITHMETIC;
		break;
	case SIGILL:
		c->kind = sent ? VML_CRASH_SENT : VML_CRASH_ILLEGAL;
		break;
	case SIGTRAP:
		c->kind = sent ? VML_CRASH_SENT : VML_CRASH_TRAP;
		break;
	case SIGABRT:
		explain_abort(x);
		break;
	default:
		c->kind = VML_CRASH_SIGNAL;
		break;
	}
	/* An arithmetic or illegal instruction: its memory operand, if any,
	 * is still worth naming. */
	if ((c->kind == VML_CRASH_ARITHMETIC || c->kind == VML_CRASH_ILLEGAL) &&
	    x->has_insn_facts && x->insn.nmem && !x->insn.no_access)
		set_operand(x, &x->insn.mem[0]);
	/* SI_KERNEL faults (#GP, #SS) report 0: no address at all. */
	if (!c->has_addr && c->has_fault_addr && c->kind != VML_CRASH_SENT &&
	    !(c->has_si_code && c->si_code == 0x80))
		set_addr(x, c->fault_addr, VML_ADDR_SIGINFO);
	c->summary = summary(c);
}

struct vml_error *vml_layout_crash(struct vml_layout *layout,
				   struct vml_crash *ret, size_t ret_size)
{
	if (!layout || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"crash: NULL layout or result");
	struct vml_error *err = vml_check_size("crash", ret_size,
					       VML_CRASH_SIZE_V2);
	if (err)
		return err;
	/* Classifying a layout already classified costs nothing. */
	err = vml_layout_classify(layout);
	if (err)
		return err;
	struct crash_ctx *x = calloc(1, sizeof(*x));
	if (!x)
		return &vml_enomem;
	x->layout = layout;
	x->arch = vml_layout_arch(layout);
	x->f = layout->crash;
	struct vml_crash *c = &x->c;
	c->pc_region_index = c->region_index = SIZE_MAX;
	c->stack_region_index = c->guard_region_index = SIZE_MAX;
	c->gap.below_index = c->gap.above_index = SIZE_MAX;
	c->nthreads = layout->nthreads > UINT32_MAX ? UINT32_MAX :
						      (uint32_t)layout->nthreads;
	x->ac = x->arch->crash;
	if (!x->ac) {
		const char *name = x->arch->name;
		free(x);
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"unsupported: crashes of %s processes",
					name);
	}
	const struct vml_crash_facts *f = x->f;
	if (f && f->has_signal) {
		c->tid = f->tid;
		x->regs = facts_thread(f, f->tid);
		uint64_t v;
		if (reg_lookup(x, x->ac->pc_reg, &v)) {
			c->has_pc = true;
			c->pc = v;
		}
		const struct vml_thread *t = layout_thread(layout, f->tid);
		if (reg_lookup(x, x->ac->sp_reg, &v)) {
			c->has_sp = true;
			c->sp = v;
		} else if (t) {
			c->has_sp = true;
			c->sp = t->sp;
		}
		c->tid_is_main = t && t->is_main;
	}
	err = not_a_crash(x);
	if (err) {
		free(x);
		return err;
	}
	c->signo = f->signo;
	c->has_si_code = f->has_code;
	c->si_code = f->code;
	c->sent = f->has_code && f->code <= 0;
	c->has_fault_addr = f->has_addr && fault_signal(f->signo);
	c->fault_addr = c->has_fault_addr ? f->addr : 0;
	const struct code_meaning *m = f->has_code ?
					       code_meaning(f->signo, f->code) :
					       NULL;
	if (m) {
		c->code_name = m->name;
		c->code_text = m->text;
	}
	set_pc_facts(x);
	explain(x);
	vml_copy_out(ret, ret_size, c, sizeof(*c));
	free(x);
	return NULL;
}
