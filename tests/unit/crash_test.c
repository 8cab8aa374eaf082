/* crash_test.c — crash explanations (vml_layout_crash, vml_render_crash)
 * and the x86 operand evaluation they use, on hand-written maps, registers,
 * signals and instruction bytes. Every expected answer is worked out by
 * hand: the instruction bytes were assembled with `as` and checked with
 * `objdump -d`; effective addresses are the sums of the registers given.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "helpers.h"
#include "suites.h"

/* s with every run of white space made one space (the paragraph is
 * wrapped, and an instruction's column spaces collapse in it). */
static char *squeeze(const char *s)
{
	char *out = malloc(strlen(s) + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	size_t n = 0;
	for (; *s; s++) {
		bool space = *s == ' ' || *s == '\n' || *s == '\t';
		if (space && n && out[n - 1] == ' ')
			continue;
		out[n++] = space ? ' ' : *s;
	}
	out[n] = '\0';
	return out;
}

static void assert_contains(const char *text, const char *want)
{
	char *t = squeeze(text ? text : ""), *w = squeeze(want);
	if (!strstr(t, w))
		fprintf(stderr, "\nmissing \"%s\" in:\n%s\n", want,
			text ? text : "(null)");
	CU_ASSERT_PTR_NOT_NULL(strstr(t, w));
	free(t);
	free(w);
}

/* ------------------------------------------------ operand evaluation */

struct regs {
	const char *name[8];
	uint64_t value[8];
};

static bool lookup(void *arg, const char *name, uint64_t *value)
{
	const struct regs *r = arg;
	for (size_t i = 0; i < 8 && r->name[i]; i++)
		if (strcmp(r->name[i], name) == 0) {
			*value = r->value[i];
			return true;
		}
	return false;
}

/* Memory: the word 0x401234 everywhere it is read. */
static bool memory(void *arg, uint64_t addr, void *buf, size_t len)
{
	(void)arg;
	(void)addr;
	uint64_t word = 0x401234;
	memcpy(buf, &word, len < 8 ? len : 8);
	return true;
}

static struct vml_insn_facts facts_of(const char *insn, uint64_t pc,
				      uint32_t len, const struct regs *r)
{
	struct vml_insn_facts f;
	vml_x86_insn_facts(&vml_arch_x86_64, insn, pc, len, lookup, memory,
			   (void *)r, &f);
	return f;
}

static void test_operands(void)
{
	struct regs r = {
		{ "rax", "rbx", "rdi", "rsp", "fs_base", "rcx", NULL },
		{ 0x1000, 0x20, 0, 0x7ffc0000, 0x7f0000000740, 0x0123456789abcdef },
	};
	/* mov 0x10(%rax),%eax: a 4-byte read at rax + 0x10. */
	struct vml_insn_facts f = facts_of("mov    0x10(%rax),%eax", 0x401000, 3, &r);
	CU_ASSERT_STRING_EQUAL(f.mnemonic, "mov");
	CU_ASSERT_EQUAL_FATAL(f.nmem, 1);
	CU_ASSERT(f.mem[0].has_addr);
	CU_ASSERT_EQUAL(f.mem[0].addr, 0x1010);
	CU_ASSERT_EQUAL(f.mem[0].size, 4);
	CU_ASSERT(f.mem[0].read && !f.mem[0].write);
	CU_ASSERT_STRING_EQUAL(f.mem[0].base, "rax");
	CU_ASSERT_EQUAL(f.mem[0].base_value, 0x1000);
	CU_ASSERT_STRING_EQUAL(f.mem[0].text, "0x10(%rax)");

	/* A store: movq $0x2a,0x18(%rdi) writes 8 bytes at rdi + 0x18. */
	f = facts_of("movq   $0x2a,0x18(%rdi)", 0x401000, 8, &r);
	CU_ASSERT_EQUAL_FATAL(f.nmem, 1);
	CU_ASSERT_EQUAL(f.mem[0].addr, 0x18);
	CU_ASSERT(f.mem[0].write && !f.mem[0].read);
	CU_ASSERT_EQUAL(f.mem[0].size, 8);

	/* Base, index and scale; negative displacement; sub-register. */
	f = facts_of("movzbl -0x8(%rax,%rbx,4),%ecx", 0x401000, 5, &r);
	CU_ASSERT_EQUAL(f.mem[0].addr, 0x1000 + 0x20 * 4 - 8);
	CU_ASSERT_EQUAL(f.mem[0].size, 1);
	CU_ASSERT_EQUAL(f.mem[0].scale, 4);
	f = facts_of("mov    0x0(,%rbx,8),%rax", 0x401000, 8, &r);
	CU_ASSERT_EQUAL(f.mem[0].addr, 0x100);
	CU_ASSERT_STRING_EQUAL(f.mem[0].base, "");

	/* 32-bit registers address 32 bits (addr32): ecx is rcx's low half. */
	f = facts_of("mov    0x4(%ecx),%eax", 0x401000, 4, &r);
	CU_ASSERT_EQUAL(f.mem[0].addr, 0x89abcdefull + 4);

	/* rip-relative: from the next instruction; the comment is ignored. */
	f = facts_of("mov    0x2ee5(%rip),%eax        # 0x403ef1 <counter>",
		     0x401006, 6, &r);
	CU_ASSERT_EQUAL(f.mem[0].addr, 0x40100c + 0x2ee5);

	/* %fs: the thread's fs_base. */
	f = facts_of("mov    %fs:0x28,%rax", 0x401000, 9, &r);
	CU_ASSERT_EQUAL_FATAL(f.nmem, 1);
	CU_ASSERT_STRING_EQUAL(f.mem[0].segment, "fs");
	CU_ASSERT_EQUAL(f.mem[0].addr, 0x7f0000000768);
	/* %gs without gs_base: no address. */
	f = facts_of("mov    %gs:0x10,%rax", 0x401000, 9, &r);
	CU_ASSERT_EQUAL_FATAL(f.nmem, 1);
	CU_ASSERT(!f.mem[0].has_addr);

	/* lea and nop compute an address and touch nothing. */
	f = facts_of("lea    0x8(%rax),%rdx", 0x401000, 4, &r);
	CU_ASSERT(f.no_access);
	f = facts_of("nopw   0x0(%rax,%rax,1)", 0x401000, 6, &r);
	CU_ASSERT(f.no_access);

	/* Comparisons read their destination; inc writes it. */
	f = facts_of("cmpl   $0x0,(%rax)", 0x401000, 3, &r);
	CU_ASSERT(f.mem[0].read && !f.mem[0].write);
	f = facts_of("incl   (%rax)", 0x401000, 2, &r);
	CU_ASSERT(f.mem[0].write);

	/* String instructions with prefixes and segments. */
	f = facts_of("rep stos %rax,%es:(%rdi)", 0x401000, 3, &r);
	CU_ASSERT_STRING_EQUAL(f.mnemonic, "stos");
	CU_ASSERT_EQUAL_FATAL(f.nmem, 1);
	CU_ASSERT(f.mem[0].write);
	CU_ASSERT_EQUAL(f.mem[0].addr, 0);
	f = facts_of("movsb  %ds:(%rsi),%es:(%rdi)", 0x401000, 1, &r);
	CU_ASSERT_EQUAL(f.nmem, 2);
	CU_ASSERT(!f.mem[0].has_addr);       /* rsi not given */
	CU_ASSERT(f.mem[1].write);

	/* Branches: direct targets are no memory; indirect ones are read. */
	f = facts_of("call   0x401030 <puts@plt>", 0x401000, 5, &r);
	CU_ASSERT(f.branch && f.push && f.nmem == 0);
	CU_ASSERT(f.has_target && f.target == 0x401030);
	f = facts_of("jmp    *%rcx", 0x401000, 2, &r);
	CU_ASSERT(f.has_target && f.target == 0x0123456789abcdef);
	f = facts_of("notrack jmp *0x8(%rax)", 0x401000, 4, &r);
	CU_ASSERT_EQUAL(f.nmem, 1);
	CU_ASSERT(f.has_target && f.target == 0x401234);
	f = facts_of("ret", 0x401000, 1, &r);
	CU_ASSERT(f.pop && f.has_target && f.target == 0x401234);

	/* Alignment: aligned moves and legacy SSE on 16 bytes. */
	CU_ASSERT_EQUAL(facts_of("movaps (%rax),%xmm0", 0, 3, &r).alignment, 16);
	CU_ASSERT_EQUAL(facts_of("addps  (%rax),%xmm1", 0, 3, &r).alignment, 16);
	CU_ASSERT_EQUAL(facts_of("vmovaps (%rax),%ymm0", 0, 4, &r).alignment, 32);
	CU_ASSERT_EQUAL(facts_of("movups (%rax),%xmm0", 0, 3, &r).alignment, 0);
	CU_ASSERT_EQUAL(facts_of("addss  (%rax),%xmm0", 0, 4, &r).alignment, 0);
	CU_ASSERT_EQUAL(facts_of("vaddps (%rax),%ymm1,%ymm1", 0, 4, &r).alignment,
			0);
	CU_ASSERT_EQUAL(facts_of("mov    (%rax),%rax", 0, 3, &r).alignment, 0);

	/* Privileged and trap instructions. */
	CU_ASSERT(facts_of("hlt", 0, 1, &r).privileged);
	CU_ASSERT(facts_of("int    $0x10", 0, 2, &r).privileged);
	CU_ASSERT(!facts_of("int    $0x80", 0, 2, &r).privileged);
	CU_ASSERT(facts_of("mov    %cr3,%rax", 0, 3, &r).privileged);
	CU_ASSERT(facts_of("ud2", 0, 2, &r).trap);

	/* i386: 32-bit addresses, i386 register names. */
	struct regs r32 = { { "eax", "esp", NULL }, { 0xfffffff0, 0xffd00000 } };
	vml_x86_insn_facts(&vml_arch_i386, "mov    0x20(%eax),%ecx", 0x8049000, 3,
			   lookup, memory, &r32, &f);
	CU_ASSERT_EQUAL(f.mem[0].addr, 0x10);  /* wraps at 4 GiB */
	vml_x86_insn_facts(&vml_arch_i386, "mov    0x4(%ax),%ecx", 0x8049000, 3,
			   lookup, memory, &r32, &f);
	CU_ASSERT_EQUAL(f.mem[0].addr, 0xfff4);
}

/* Garbage text: never a crash, never an operand from nonsense. */
static void test_operand_garbage(void)
{
	static const char *const bad[] = {
		"", " ", "mov", "mov    (%rax", "mov    0x(%rax),%eax",
		"mov    0x10(%rax,%rbx,3),%eax", "mov    (%,%),%eax",
		"mov    0x1111111111111111111111(%rax),%eax",
		"mov    %zz:0x10,%eax", "mov    ((((%rax)))),%eax",
		"lock lock lock lock lock lock lock lock lock mov (%rax),%eax",
		"mov    0x10(%rax)junk,%eax", "{vex} {evex} {x",
		"mov ,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,", "jmp *", "call",
		"mov    -(%rax),%eax", "mov    (%rax,),%eax",
	};
	struct regs r = { { "rax", "rbx", NULL }, { 0x1000, 0x20 } };
	for (size_t i = 0; i < VML_ARRAY_SIZE(bad); i++) {
		struct vml_insn_facts f = facts_of(bad[i], 0x401000, 3, &r);
		for (size_t k = 0; k < f.nmem; k++)
			CU_ASSERT(f.mem[k].text[sizeof(f.mem[k].text) - 1] == '\0');
		if (i >= 3 && i <= 6)
			CU_ASSERT_EQUAL(f.nmem, 0);
	}
	/* Longer than any buffer. */
	char big[1000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "mov    ", 7);
	struct vml_insn_facts f = facts_of(big, 0, 3, &r);
	CU_ASSERT_EQUAL(f.nmem, 0);
	vml_x86_insn_facts(&vml_arch_x86_64, NULL, 0, 0, lookup, NULL, &r, &f);
	CU_ASSERT_EQUAL(f.nmem, 0);
}

/* ------------------------------------------------ crashes on hand-made maps */

static const char maps[] =
	"00400000-00401000 r--p 00000000 08:01 100 /nonexistent/vml/prog\n"
	"00401000-00402000 r-xp 00001000 08:01 100 /nonexistent/vml/prog\n"
	"00402000-00403000 r--p 00002000 08:01 100 /nonexistent/vml/prog\n"
	"00403000-00404000 rw-p 00003000 08:01 100 /nonexistent/vml/prog\n"
	"01000000-01021000 rw-p 00000000 00:00 0 [heap]\n"
	"7f0000000000-7f0000001000 ---p 00000000 00:00 0 \n"
	"7f0000001000-7f0000041000 rw-p 00000000 00:00 0 \n"
	"7f0000050000-7f0000051000 r--p 00000000 00:00 0 \n"
	"7f0000052000-7f0000053000 rw-p 00000000 00:00 0 \n"
	"7f0000060000-7f0000062000 r--s 00000000 08:01 200 /nonexistent/vml/data\n"
	"7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n";
#define PC 0x401100ull
#define MAIN_SP 0x7ffc00020000ull
#define THREAD_SP 0x7f0000030000ull
#define MAIN 100
#define WORKER 201

struct seg {
	uint64_t addr;
	uint8_t bytes[64];
	size_t len;
};

struct mem {
	struct seg seg[4];
	size_t n;
};

static int read_mem(void *arg, enum vml_space space, uint64_t addr, void *buf,
		    size_t len)
{
	const struct mem *m = arg;
	if (space != VML_SPACE_VIRTUAL)
		return -1;
	for (size_t i = 0; i < m->n; i++) {
		const struct seg *s = &m->seg[i];
		if (addr >= s->addr && addr - s->addr <= s->len &&
		    len <= s->len - (addr - s->addr)) {
			memcpy(buf, s->bytes + (addr - s->addr), len);
			return 0;
		}
	}
	return -1;
}

struct crash_case {
	const char *code;          /* instruction bytes at pc, "" for none */
	size_t code_len;
	uint64_t pc;
	uint64_t sp;
	int64_t tid;
	const char *reg_names[6];
	uint64_t reg_values[6];
	int32_t signo, si_code;
	bool has_addr;
	uint64_t addr;
	uint64_t stack_word;       /* the word at sp (0: none) */
	uint64_t worker_sp;        /* the layout's $sp of WORKER (0: default) */
	uint64_t main_sp;          /* the layout's $sp of MAIN (0: default) */
	const char *maps;          /* NULL: maps[] */
};

struct result {
	struct vml_layout *layout;
	struct vml_source *src;
	struct mem mem;
	struct vml_crash c;
	char *text, *json;
};

static struct vml_error *run(const struct crash_case *k, struct result *res)
{
	memset(res, 0, sizeof(*res));
	const char *text = k->maps ? k->maps : maps;
	VML_ASSERT_OK(vml_layout_from_maps(text, strlen(text), &res->layout));
	struct vml_layout *l = res->layout;
	VML_ASSERT_OK(vml_layout_add_thread(l, MAIN, k->main_sp ? k->main_sp :
					    MAIN_SP, true));
	VML_ASSERT_OK(vml_layout_add_thread(l, WORKER, k->worker_sp ?
					    k->worker_sp : THREAD_SP, false));
	if (k->code_len) {
		/* The code, then zeros: a decoder reads a whole window. An
		 * int3 ends right below pc. */
		struct seg *s = &res->mem.seg[res->mem.n++];
		s->addr = k->code_len == 1 && k->code[0] == '\xcc' ? k->pc - 1 :
								      k->pc;
		memcpy(s->bytes, k->code, k->code_len);
		s->len = sizeof(s->bytes);
	}
	if (k->stack_word) {
		struct seg *s = &res->mem.seg[res->mem.n++];
		s->addr = k->sp;
		memcpy(s->bytes, &k->stack_word, 8);
		s->len = 8;
	}
	VML_ASSERT_OK(vml_source_from_callback(read_mem, &res->mem, &res->src));
	vml_layout_set_source(l, res->src);
	VML_ASSERT_OK(vml_layout_classify(l));
	struct vml_named_value regs[8];
	size_t n = 0;
	regs[n++] = (struct vml_named_value){ "rip", k->pc };
	regs[n++] = (struct vml_named_value){ "rsp", k->sp };
	for (size_t i = 0; i < 6 && k->reg_names[i]; i++)
		regs[n++] = (struct vml_named_value){ k->reg_names[i],
						      k->reg_values[i] };
	VML_ASSERT_OK(vml_layout_add_thread_registers(l, k->tid, regs, n));
	if (k->signo)
		VML_ASSERT_OK(vml_layout_set_siginfo(l, k->tid, k->signo,
						     k->si_code, k->has_addr,
						     k->addr));
	struct vml_error *err = vml_layout_crash(l, &res->c, sizeof(res->c));
	if (err)
		return err;
	VML_ASSERT_OK(vml_render_crash(l, &res->c, sizeof(res->c),
				       VML_FORMAT_TEXT, 0, &res->text));
	VML_ASSERT_OK(vml_render_crash(l, &res->c, sizeof(res->c),
				       VML_FORMAT_JSON, 0, &res->json));
	return NULL;
}

static void done(struct result *res)
{
	vml_layout_free(res->layout);
	vml_source_free(res->src);
	vml_free(res->text);
	vml_free(res->json);
}

static const char *kind(const struct result *res)
{
	return vml_crash_kind_name(res->c.kind);
}

static void test_null_dereference(void)
{
	/* mov 0x10(%rax),%eax with rax = 0. */
	struct crash_case k = {
		.code = "\x8b\x40\x10",
		.code_len = 3,
		.pc = PC,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { "rax" },
		.reg_values = { 0 },
		.signo = SIGSEGV,
		.si_code = SEGV_MAPERR,
		.has_addr = true,
		.addr = 0x10,
	};
	struct result res;
	VML_ASSERT_OK(run(&k, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "null-dereference");
	CU_ASSERT_EQUAL(res.c.access, VML_ACCESS_READ);
	CU_ASSERT(res.c.has_addr && res.c.addr == 0x10);
	CU_ASSERT_EQUAL(res.c.addr_from, VML_ADDR_SIGINFO);
	CU_ASSERT(res.c.has_operand && res.c.has_operand_addr &&
		  res.c.operand_addr == 0x10);
	CU_ASSERT_STRING_EQUAL(res.c.operand_base, "rax");
	CU_ASSERT_STRING_EQUAL(res.c.code_name, "SEGV_MAPERR");
	CU_ASSERT(res.c.tid == MAIN && res.c.tid_is_main);
	CU_ASSERT(res.c.has_insn);
	CU_ASSERT_STRING_EQUAL(res.c.insn, "mov    0x10(%rax),%eax");
	assert_contains(res.text, "NULL pointer dereference: a read of 0x10, "
			"NULL + 0x10.");
	assert_contains(res.text, "SEGV_MAPERR");
	assert_contains(res.json, "\"kind\": \"null-dereference\"");
	assert_contains(res.json, "\"access\": \"read\"");
	done(&res);

	/* A call through NULL: pc 0, the return address at $sp. */
	struct crash_case call = {
		.code = "",
		.code_len = 0,
		.pc = 0,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { NULL },
		.reg_values = { 0 },
		.signo = SIGSEGV,
		.si_code = SEGV_MAPERR,
		.has_addr = true,
		.addr = 0,
		.stack_word = PC + 5,
	};
	VML_ASSERT_OK(run(&call, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "null-dereference");
	CU_ASSERT_EQUAL(res.c.access, VML_ACCESS_EXECUTE);
	CU_ASSERT(res.c.has_return_addr && res.c.return_addr == PC + 5);
	assert_contains(res.text, "Call through a NULL function pointer");
	done(&res);
}

static void test_write_read_only_and_protection(void)
{
	/* movb $0x58,(%rax) into the r--p page after .text. */
	struct crash_case k = {
		.code = "\xc6\x00\x58",
		.code_len = 3,
		.pc = PC,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { "rax" },
		.reg_values = { 0x402010 },
		.signo = SIGSEGV,
		.si_code = SEGV_ACCERR,
		.has_addr = true,
		.addr = 0x402010,
	};
	struct result res;
	VML_ASSERT_OK(run(&k, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "write-read-only");
	CU_ASSERT_EQUAL(res.c.access, VML_ACCESS_WRITE);
	CU_ASSERT_EQUAL(res.c.region_index,
			vml_layout_find_index(res.layout, 0x402010));
	assert_contains(res.text, "Write to read-only memory: 0x402010 is in");
	done(&res);

	/* No instruction bytes: a readable page that faulted was written. */
	k.code_len = 0;
	VML_ASSERT_OK(run(&k, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "write-read-only");
	CU_ASSERT_EQUAL(res.c.access, VML_ACCESS_WRITE);
	done(&res);

	/* A read of a PROT_NONE guard that is no stack overflow of this
	 * thread: the main thread reads the worker's guard. */
	struct crash_case g = {
		.code = "\x8b\x00",
		.code_len = 2,
		.pc = PC,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { "rax" },
		.reg_values = { 0x7f0000000100 },
		.signo = SIGSEGV,
		.si_code = SEGV_ACCERR,
		.has_addr = true,
		.addr = 0x7f0000000100,
	};
	VML_ASSERT_OK(run(&g, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "protection");
	CU_ASSERT_EQUAL(res.c.access, VML_ACCESS_READ);
	done(&res);
}

static void test_exec_and_unmapped(void)
{
	/* Jump into the heap: si_addr == pc, rw-p. */
	struct crash_case k = {
		.code = "",
		.code_len = 0,
		.pc = 0x1000100,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { NULL },
		.reg_values = { 0 },
		.signo = SIGSEGV,
		.si_code = SEGV_ACCERR,
		.has_addr = true,
		.addr = 0x1000100,
		.stack_word = PC + 5,
	};
	struct result res;
	VML_ASSERT_OK(run(&k, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "exec-non-executable");
	CU_ASSERT_EQUAL(res.c.access, VML_ACCESS_EXECUTE);
	CU_ASSERT(res.c.has_return_addr);
	assert_contains(res.text, "Execution of non-executable memory: $pc "
			"0x1000100 is in [heap] (heap, rw-p)");
	done(&res);

	/* A read in the one-page gap between two anonymous mappings. */
	struct crash_case u = {
		.code = "\x0f\xb6\x00",
		.code_len = 3,
		.pc = PC,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { "rax" },
		.reg_values = { 0x7f0000051040 },
		.signo = SIGSEGV,
		.si_code = SEGV_MAPERR,
		.has_addr = true,
		.addr = 0x7f0000051040,
	};
	VML_ASSERT_OK(run(&u, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "unmapped");
	CU_ASSERT_EQUAL(res.c.region_index, SIZE_MAX);
	CU_ASSERT_EQUAL(res.c.gap.start, 0x7f0000051000);
	CU_ASSERT_EQUAL(res.c.gap.last, 0x7f0000051fff);
	CU_ASSERT_EQUAL(res.c.gap.below_index,
			vml_layout_find_index(res.layout, 0x7f0000050000));
	CU_ASSERT_EQUAL(res.c.gap.above_index,
			vml_layout_find_index(res.layout, 0x7f0000052000));
	assert_contains(res.text, "in a gap of 4 KiB between");
	assert_contains(res.json, "\"gap\": {\"start\": 139637977059328");
	done(&res);

	/* The kernel half. */
	struct crash_case kk = {
		.code = "\x48\x8b\x00",
		.code_len = 3,
		.pc = PC,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { "rax" },
		.reg_values = { 0xffffffff81000000 },
		.signo = SIGSEGV,
		.si_code = SEGV_MAPERR,
		.has_addr = true,
		.addr = 0xffffffff81000000,
	};
	VML_ASSERT_OK(run(&kk, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "kernel-address");
	done(&res);
}

static void test_general_protection(void)
{
	/* mov (%rax),%rax with a non-canonical rax: #GP, si_addr 0. */
	struct crash_case k = {
		.code = "\x48\x8b\x00",
		.code_len = 3,
		.pc = PC,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { "rax" },
		.reg_values = { 0xdead000000000010 },
		.signo = SIGSEGV,
		.si_code = 0x80,
		.has_addr = true,
		.addr = 0,
	};
	struct result res;
	VML_ASSERT_OK(run(&k, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "non-canonical");
	CU_ASSERT(res.c.has_addr && res.c.addr == 0xdead000000000010);
	CU_ASSERT_EQUAL(res.c.addr_from, VML_ADDR_OPERAND);
	CU_ASSERT_EQUAL(res.c.half, VML_HALF_NONCANONICAL);
	CU_ASSERT(res.c.has_fault_addr && res.c.fault_addr == 0);
	assert_contains(res.text, "Non-canonical address: the instruction used "
			"0xdead000000000010 (a read)");
	/* SI_KERNEL's 0 is no address: no "fault address 0x0". */
	CU_ASSERT_PTR_NULL(strstr(res.text, "fault address 0x0"));
	done(&res);

	/* movaps (%rax),%xmm0 on an address 8 past a 16-byte boundary. */
	struct crash_case m = {
		.code = "\x0f\x28\x00",
		.code_len = 3,
		.pc = PC,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { "rax" },
		.reg_values = { 0x403008 },
		.signo = SIGSEGV,
		.si_code = 0x80,
		.has_addr = true,
		.addr = 0,
	};
	VML_ASSERT_OK(run(&m, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "misaligned");
	CU_ASSERT_EQUAL(res.c.alignment, 16);
	CU_ASSERT_EQUAL(res.c.addr, 0x403008);
	assert_contains(res.text, "needs a 16-byte aligned address and used "
			"0x403008 (8 bytes past a multiple of 16)");
	done(&res);

	/* Aligned: a #GP vmlayout cannot explain. */
	m.reg_values[0] = 0x403010;
	VML_ASSERT_OK(run(&m, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "general-protection");
	done(&res);

	/* hlt in user mode. */
	struct crash_case h = {
		.code = "\xf4",
		.code_len = 1,
		.pc = PC,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { NULL },
		.reg_values = { 0 },
		.signo = SIGSEGV,
		.si_code = 0x80,
		.has_addr = true,
		.addr = 0,
	};
	VML_ASSERT_OK(run(&h, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "privileged-instruction");
	done(&res);

	/* jmp *%rax to a non-canonical target faults at the jmp. */
	struct crash_case j = {
		.code = "\xff\xe0",
		.code_len = 2,
		.pc = PC,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { "rax" },
		.reg_values = { 0x8000000000000000 },
		.signo = SIGSEGV,
		.si_code = 0x80,
		.has_addr = true,
		.addr = 0,
	};
	VML_ASSERT_OK(run(&j, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "non-canonical");
	CU_ASSERT_EQUAL(res.c.addr_from, VML_ADDR_TARGET);
	CU_ASSERT_EQUAL(res.c.access, VML_ACCESS_EXECUTE);
	done(&res);
}

static void test_stack_overflow(void)
{
	/* The worker's $sp 0x20 into the guard below its stack; the store
	 * at $sp (mov %dil,(%rsp)) faults: ACCERR, the guard is PROT_NONE. */
	struct crash_case k = {
		.code = "\x40\x88\x3c\x24",
		.code_len = 4,
		.pc = PC,
		.sp = 0x7f0000000fe0,
		.tid = WORKER,
		.reg_names = { NULL },
		.reg_values = { 0 },
		.signo = SIGSEGV,
		.si_code = SEGV_ACCERR,
		.has_addr = true,
		.addr = 0x7f0000000fe0,
		.stack_word = 0,
		.worker_sp = 0x7f0000000fe0,
	};
	struct result res;
	VML_ASSERT_OK(run(&k, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "stack-overflow");
	CU_ASSERT_EQUAL(res.c.overflow_tid, WORKER);
	CU_ASSERT_EQUAL(res.c.overflow_sp, 0x7f0000000fe0);
	CU_ASSERT_EQUAL(res.c.guard_region_index,
			vml_layout_find_index(res.layout, 0x7f0000000000));
	CU_ASSERT_EQUAL(res.c.stack_region_index,
			vml_layout_find_index(res.layout, 0x7f0000001000));
	CU_ASSERT_EQUAL(res.c.overflow_depth, 0x20);
	assert_contains(res.text, "Stack overflow: thread 201's $sp "
			"0x7f0000000fe0 is 0x20 into the guard page below its "
			"stack (0x7f0000001000-0x7f0000041000, 256 KiB)");
	assert_contains(res.json, "\"stack_overflow\": {\"tid\": 201, "
			"\"main\": false, \"sp\": 139637976731616, \"depth\": 32");
	done(&res);

	/* $sp still in the stack, a store below it into the guard
	 * (mov %eax,-0x20(%rsp)): the frame went past $sp. */
	struct crash_case b = {
		.code = "\x89\x44\x24\xe0",
		.code_len = 4,
		.pc = PC,
		.sp = 0x7f0000001010,
		.tid = WORKER,
		.reg_names = { NULL },
		.reg_values = { 0 },
		.signo = SIGSEGV,
		.si_code = SEGV_ACCERR,
		.has_addr = true,
		.addr = 0x7f0000000ff0,
		.stack_word = 0,
		.worker_sp = 0x7f0000001010,
	};
	VML_ASSERT_OK(run(&b, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "stack-overflow");
	CU_ASSERT_EQUAL(res.c.overflow_depth, 0x10);
	CU_ASSERT_EQUAL(res.c.access, VML_ACCESS_WRITE);
	assert_contains(res.text, "Stack overflow: thread 201 touched "
			"0x7f0000000ff0, 0x10 below its stack, in the stack's "
			"guard page");
	done(&res);

	/* The main thread's $sp below [stack], in the gap. */
	struct crash_case m = {
		.code = "\x40\x88\x3c\x24",
		.code_len = 4,
		.pc = PC,
		.sp = 0x7ffbffffff00,
		.tid = MAIN,
		.reg_names = { NULL },
		.reg_values = { 0 },
		.signo = SIGSEGV,
		.si_code = SEGV_MAPERR,
		.has_addr = true,
		.addr = 0x7ffbffffff00,
	};
	const char *mm = "00401000-00402000 r-xp 00001000 08:01 100 /nonexistent/vml/prog\n"
			 "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]\n";
	m.maps = mm;
	m.main_sp = 0x7ffbffffff00;
	VML_ASSERT_OK(run(&m, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "stack-overflow");
	CU_ASSERT(res.c.overflow_is_main && res.c.overflow_tid == MAIN);
	CU_ASSERT_EQUAL(res.c.guard_region_index, SIZE_MAX);
	CU_ASSERT_EQUAL(res.c.overflow_depth, 0x100);
	assert_contains(res.text, "Stack overflow: main thread 100's $sp "
			"0x7ffbffffff00 is 0x100 below its stack ([stack] "
			"0x7ffc00000000-0x7ffc00021000, 132 KiB), which the "
			"kernel did not grow down to it");
	done(&res);

	/* The main thread's $sp exactly at the bottom of [stack] and a call
	 * pushing its return address just below it (the push faulted, so
	 * $sp did not move): still the main stack's overflow. Whether $sp
	 * or only the access lands in the gap depends on where the
	 * randomized stack top puts the frames (a kernel-written core of a
	 * recursion shows either). */
	struct crash_case p = m;
	p.code = "\xe8\x00\x00\x00\x00";      /* call .+5 */
	p.code_len = 5;
	p.sp = 0x7ffc00000000;
	p.addr = 0x7ffbfffffff8;
	p.main_sp = 0x7ffc00000000;
	VML_ASSERT_OK(run(&p, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "stack-overflow");
	CU_ASSERT(res.c.overflow_is_main && res.c.overflow_tid == MAIN);
	CU_ASSERT_EQUAL(res.c.overflow_depth, 8);
	CU_ASSERT_EQUAL(res.c.guard_region_index, SIZE_MAX);
	assert_contains(res.text, "Stack overflow: main thread 100 touched "
			"0x7ffbfffffff8, 0x8 below its stack, with its $sp "
			"0x7ffc00000000 at the stack's bottom ([stack] "
			"0x7ffc00000000-0x7ffc00021000, 132 KiB), which the "
			"kernel did not grow down to it");
	done(&res);

	/* Far below $sp (more than a frame could reach): not called an
	 * overflow, only an unmapped access. */
	struct crash_case f = p;
	f.code = "\x89\x44\x24\xe0";
	f.code_len = 4;
	f.addr = 0x7ffbfff00000;
	VML_ASSERT_OK(run(&f, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "unmapped");
	done(&res);
}

static void test_other_signals(void)
{
	struct result res;
	/* SIGBUS BUS_ADRERR past the end of a mapped file (a real file). */
	char path[] = "/tmp/vml-crash-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, "0123456789", 10), 10);
	close(fd);
	char m2[256];
	snprintf(m2, sizeof(m2),
		 "00401000-00402000 r-xp 00001000 08:01 100 /nonexistent/vml/prog\n"
		 "7f0000060000-7f0000062000 r--s 00000000 08:01 200 %s\n"
		 "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]\n",
		 path);
	struct crash_case b = {
		.code = "\x0f\xb6\x00",
		.code_len = 3,
		.pc = PC,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { "rax" },
		.reg_values = { 0x7f0000061020 },
		.signo = SIGBUS,
		.si_code = BUS_ADRERR,
		.has_addr = true,
		.addr = 0x7f0000061020,
	};
	b.maps = m2;
	VML_ASSERT_OK(run(&b, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "bus-error");
	CU_ASSERT(res.c.has_file_offset && res.c.file_offset == 0x1020);
	CU_ASSERT(res.c.has_file_size && res.c.file_size == 10);
	CU_ASSERT_STRING_EQUAL(res.c.summary,
			       "access past the end of a mapped file");
	assert_contains(res.text, "is at offset 0x1020 of");
	assert_contains(res.text, "which is 10 bytes long");
	done(&res);
	unlink(path);
	/* The file gone: no size, a plain bus error. */
	VML_ASSERT_OK(run(&b, &res));
	CU_ASSERT(!res.c.has_file_size);
	CU_ASSERT_STRING_EQUAL(res.c.summary, "bus error");
	done(&res);
	b.maps = NULL;

	b.si_code = BUS_ADRALN;
	VML_ASSERT_OK(run(&b, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "misaligned");
	done(&res);

	/* SIGFPE, SIGILL (ud2), SIGABRT without frames, SIGQUIT. */
	struct crash_case f = {
		.code = "\xf7\xf9",
		.code_len = 2,
		.pc = PC,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { NULL },
		.reg_values = { 0 },
		.signo = SIGFPE,
		.si_code = FPE_INTDIV,
		.has_addr = true,
		.addr = PC,
	};
	VML_ASSERT_OK(run(&f, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "arithmetic");
	CU_ASSERT_STRING_EQUAL(res.c.summary, "integer divide by zero");
	assert_contains(res.text, "idiv   %ecx");
	done(&res);
	struct crash_case u = {
		.code = "\x0f\x0b",
		.code_len = 2,
		.pc = PC,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { NULL },
		.reg_values = { 0 },
		.signo = SIGILL,
		.si_code = ILL_ILLOPN,
		.has_addr = true,
		.addr = PC,
	};
	VML_ASSERT_OK(run(&u, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "illegal-instruction");
	assert_contains(res.text, "ud2, the instruction compilers emit");
	done(&res);
	struct crash_case a = {
		.code = "",
		.code_len = 0,
		.pc = PC,
		.sp = MAIN_SP,
		.tid = WORKER,
		.reg_names = { NULL },
		.reg_values = { 0 },
		.signo = SIGABRT,
		.si_code = SI_TKILL,
		.has_addr = false,
		.addr = 0,
	};
	VML_ASSERT_OK(run(&a, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "abort");
	CU_ASSERT(res.c.tid == WORKER && !res.c.tid_is_main);
	CU_ASSERT(res.c.sent);
	assert_contains(res.text, "Abort: thread 201 got SIGABRT");
	done(&res);
	struct crash_case q = {
		.code = "",
		.code_len = 0,
		.pc = PC,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { NULL },
		.reg_values = { 0 },
		.signo = SIGQUIT,
		.si_code = SI_USER,
		.has_addr = false,
		.addr = 0,
	};
	VML_ASSERT_OK(run(&q, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "signal");
	done(&res);
	/* SIGSEGV sent by kill(): no fault, its si_addr ignored. */
	struct crash_case s = {
		.code = "",
		.code_len = 0,
		.pc = PC,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { NULL },
		.reg_values = { 0 },
		.signo = SIGSEGV,
		.si_code = SI_USER,
		.has_addr = true,
		.addr = 0x1234,
	};
	VML_ASSERT_OK(run(&s, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "sent");
	CU_ASSERT(!res.c.has_fault_addr && !res.c.has_addr);
	done(&res);
}

static void test_not_a_crash(void)
{
	struct result res;
	/* No signal at all. */
	struct crash_case n = {
		.code = "",
		.code_len = 0,
		.pc = PC,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { NULL },
		.reg_values = { 0 },
		.signo = 0,
		.si_code = 0,
		.has_addr = false,
		.addr = 0,
	};
	VML_ASSERT_ERR(run(&n, &res), VML_ERROR_NOT_FOUND);
	done(&res);
	/* A live program at a debugger's breakpoint: SIGTRAP, no int3 of
	 * the program's before $pc. */
	struct crash_case bp = {
		.code = "\x8b\x40\x10",
		.code_len = 3,
		.pc = PC,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { NULL },
		.reg_values = { 0 },
		.signo = SIGTRAP,
		.si_code = 0x80,
		.has_addr = false,
		.addr = 0,
	};
	struct vml_error *err = run(&bp, &res);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_NOT_FOUND);
	assert_contains(vml_error_message(err), "no fatal signal: the program "
			"is not stopped by a crash (it stopped with SIGTRAP");
	vml_error_free(err);
	done(&res);
	/* The program's own int3, right below $pc: a crash. */
	struct crash_case own = {
		.code = "\xcc",
		.code_len = 1,
		.pc = PC + 1,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { NULL },
		.reg_values = { 0 },
		.signo = SIGTRAP,
		.si_code = 0x80,
		.has_addr = false,
		.addr = 0,
	};
	VML_ASSERT_OK(run(&own, &res));
	CU_ASSERT_STRING_EQUAL(kind(&res), "trap");
	done(&res);
	/* SIGSTOP, SIGINT: stops, not crashes. */
	struct crash_case stop = {
		.code = "",
		.code_len = 0,
		.pc = PC,
		.sp = MAIN_SP,
		.tid = MAIN,
		.reg_names = { NULL },
		.reg_values = { 0 },
		.signo = SIGSTOP,
		.si_code = SI_USER,
		.has_addr = false,
		.addr = 0,
	};
	VML_ASSERT_ERR(run(&stop, &res), VML_ERROR_NOT_FOUND);
	done(&res);
}

static void test_api_rules(void)
{
	struct vml_layout *l;
	VML_ASSERT_OK(vml_layout_from_maps(maps, strlen(maps), &l));
	struct vml_named_value bad[1] = { { NULL, 1 } };
	VML_ASSERT_ERR(vml_layout_add_thread_registers(l, 1, bad, 1),
		       VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_layout_add_thread_registers(l, 1, NULL, 1),
		       VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_layout_add_thread_registers(l, 1, bad, 5000),
		       VML_ERROR_LIMIT);
	VML_ASSERT_OK(vml_layout_add_thread_registers(l, 1, NULL, 0));
	/* Replacing a thread's registers; many threads. */
	for (int64_t t = 1; t < 2000; t++) {
		struct vml_named_value r[2] = { { "rip", (uint64_t)t },
						{ "rsp", MAIN_SP } };
		VML_ASSERT_OK(vml_layout_add_thread_registers(l, t, r, 2));
	}
	struct vml_named_value r[2] = { { "rip", PC }, { "rsp", MAIN_SP } };
	VML_ASSERT_OK(vml_layout_add_thread_registers(l, 1500, r, 2));
	VML_ASSERT_OK(vml_layout_set_siginfo(l, 1500, SIGSEGV, SEGV_MAPERR, true,
					     0x20));
	struct vml_crash c;
	VML_ASSERT_ERR(vml_layout_crash(l, &c, VML_CRASH_SIZE_V2 - 1),
		       VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_layout_crash(NULL, &c, sizeof(c)), VML_ERROR_INVALID);
	VML_ASSERT_OK(vml_layout_crash(l, &c, sizeof(c)));
	CU_ASSERT(c.has_pc && c.pc == PC);
	CU_ASSERT_EQUAL(c.tid, 1500);
	CU_ASSERT_STRING_EQUAL(vml_crash_kind_name(c.kind), "null-dereference");
	char *out = NULL;
	VML_ASSERT_ERR(vml_render_crash(l, &c, VML_CRASH_SIZE_V2 - 1,
					VML_FORMAT_TEXT, 0, &out),
		       VML_ERROR_INVALID);
	VML_ASSERT_ERR(vml_render_crash(l, &c, sizeof(c), VML_FORMAT_TABLE, 0,
					&out),
		       VML_ERROR_INVALID);
	/* Without the layout: the facts of the struct alone. */
	VML_ASSERT_OK(vml_render_crash(NULL, &c, sizeof(c), VML_FORMAT_JSON, 0,
				       &out));
	assert_contains(out, "\"region\": null");
	vml_free(out);
	CU_ASSERT_PTR_NULL(vml_crash_kind_name(VML_CRASH_KIND_COUNT));
	for (int k = 0; k < VML_CRASH_KIND_COUNT; k++)
		CU_ASSERT_PTR_NOT_NULL(vml_crash_kind_name(k));
	vml_layout_free(l);
}

static CU_TestInfo tests[] = {
	{ "x86 operands evaluated", test_operands },
	{ "x86 operand text that is garbage", test_operand_garbage },
	{ "NULL dereference and call", test_null_dereference },
	{ "write to read-only memory, protection", test_write_read_only_and_protection },
	{ "execution of the heap, unmapped gap, kernel", test_exec_and_unmapped },
	{ "#GP: non-canonical, misaligned, privileged", test_general_protection },
	{ "stack overflow", test_stack_overflow },
	{ "SIGBUS, SIGFPE, SIGILL, SIGABRT, sent signals", test_other_signals },
	{ "no fatal signal", test_not_a_crash },
	{ "API rules", test_api_rules },
	CU_TEST_INFO_NULL,
};

int vml_suite_crash(void)
{
	return vml_add_suite("crash", tests);
}
