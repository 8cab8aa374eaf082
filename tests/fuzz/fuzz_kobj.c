/*
 * fuzz_kobj.c — libFuzzer target for the walkers of kernel objects
 * (kobjects.h: tasks and threads, modules and their symbol tables, the
 * vmap_area tree, per-CPU units, a process's maple tree of VMAs and their
 * files' dentries, struct pages, slabs and their hardened freelists) over
 * memory the fuzzer damages.
 *
 * The kernel is the hand-built one of tests/kobj_fixture.h (its BTF and
 * symbols stay valid: they come from the kernel image, which the tests
 * parse elsewhere); the input is a list of patches to its memory, 11
 * bytes each: offset (u16, little-endian, modulo the memory size), a
 * length 1..8 (u8, modulo 8, plus 1) and the bytes of a little-endian
 * value (u64). So the fuzzer starts from well-linked lists and trees and
 * bends their links into cycles, wild pointers, huge counts.
 * Besides memory safety, it checks that every answer is a terminated
 * string and that each question reads memory a bounded number of times.
 */
// run-fuzz: max_len=4096
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../kobj_fixture.h"

static void check(bool ok)
{
	/* Invariant broken: crash so libFuzzer saves the input. */
	if (!ok)
		__builtin_trap();
}

/* Reads of one question, at most: every task twice over, plus the rest. */
#define MAX_READS (64u * VML_KOBJ_MAX_TASKS)

static const struct {
	uint64_t addr;
	uint32_t kind;
} questions[] = {
	{ KF_V + 0x3f00, VML_KIND_VMALLOC },
	{ KF_V + 0x10008, VML_KIND_VMALLOC },
	{ KF_V + 0x21fff, VML_KIND_VMALLOC },
	{ KF_V + 0x53008, VML_KIND_VMALLOC },
	{ KF_INITSTACK + 0x3f00, VML_KIND_KERNEL_TEXT },
	{ KF_M + 0x14, VML_KIND_MODULES },
	{ KF_M + 0x2000, VML_KIND_MODULES },
	{ KF_MEM + KF_PCPU0 + 0x304, VML_KIND_DIRECT_MAP },
	{ KF_MEM + KF_PCPU1 + 0x108, VML_KIND_DIRECT_MAP },
	{ KF_OBJ(KF_SLAB4, 5) + 0x18, VML_KIND_DIRECT_MAP },
	{ KF_OBJ(KF_SLAB4, 12), VML_KIND_DIRECT_MAP },
	{ KF_OBJ(KF_SLAB5, 17), VML_KIND_DIRECT_MAP },
	{ KF_MEM + 0x3800, VML_KIND_DIRECT_MAP },
	{ KF_MEM + 0x7123, VML_KIND_DIRECT_MAP },
};

/* Each module vml_kmod_each gives: symbols sorted, inside their part,
 * with printable names. */
static bool check_module(const struct vml_kmod *m, void *arg)
{
	(void)arg;
	check(m->nparts <= VML_KMOD_MAX_PARTS && memchr(m->name, '\0',
							sizeof(m->name)));
	for (size_t i = 0; i < m->nsyms; i++) {
		const struct vml_kmod_sym *s = &m->syms[i];
		check(s->part < m->nparts);
		const struct vml_kmod_part *p = &m->parts[s->part];
		check(s->addr >= p->base && s->addr - p->base < p->size);
		check(i == 0 || m->syms[i - 1].addr <= s->addr);
		check(s->name[0] && s->type);
		for (const char *n = s->name; *n; n++)
			check(*n >= 0x20 && *n <= 0x7e);
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vml_ksyms *ks;
	static struct kf_mem mem;
	if (!ks)
		ks = kf_ksyms();
	check(ks != NULL);
	kf_memory(&mem);
	for (size_t at = 0; size - at >= 11; at += 11) {
		uint32_t off = (uint32_t)(data[at] | data[at + 1] << 8) % KF_SIZE;
		unsigned len = data[at + 2] % 8 + 1;
		for (unsigned i = 0; i < len && off + i < KF_SIZE; i++)
			mem.bytes[off + i] = data[at + 3 + i];
	}
	for (size_t q = 0; q < sizeof(questions) / sizeof(questions[0]); q++) {
		struct vml_kobj c;
		char desc[512], sym[128];
		bool has_sym;
		kf_context(&c, ks, &mem);
		memset(desc, 'x', sizeof(desc));
		memset(sym, 'x', sizeof(sym));
		vml_kobj_describe_in(&c, questions[q].addr, questions[q].kind,
				     true, desc, sizeof(desc), sym, sizeof(sym),
				     &has_sym);
		check(memchr(desc, '\0', sizeof(desc)) != NULL);
		check(memchr(sym, '\0', sizeof(sym)) != NULL);
		check(!has_sym || sym[0]);
		check(c.reads <= MAX_READS);
	}
	/* init's maps: text made only of maps lines, or an error. */
	struct vml_kobj c;
	kf_context(&c, ks, &mem);
	char *maps = NULL, comm[17];
	uint64_t pgd;
	struct vml_error *err = vml_kmm_maps(&c, 1, &maps, &pgd, comm,
					     sizeof(comm));
	if (!err) {
		check(maps != NULL && maps[0] && memchr(comm, '\0',
							 sizeof(comm)));
		for (const char *p = maps; *p; p++)
			check(*p != '\r');
		vml_free(maps);
	} else {
		vml_error_free(err);
	}
	/* nodes + VMAs x (their fields, their file's path) */
	check(c.reads <= (UINT64_C(1) << 18) + UINT64_C(65536) * 300);
	/* The modules' symbols (the symbol file's input). */
	kf_context(&c, ks, &mem);
	err = vml_kmod_each(&c, check_module, NULL, NULL);
	check(err == NULL);
	check(c.reads <= UINT64_C(4096) * (VML_KOBJ_MAX_MODSYMS / 1024));
	return 0;
}
