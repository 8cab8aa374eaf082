/* vmcore_test.c — kernel dumps (vmcore.c and x86-64's dump hooks) on
 * dumps built here byte by byte: an ELF64 core with one PT_LOAD of
 * physical memory at 1 MiB holding 4-level tables that map one page at a
 * kernel address, a QEMU CPU-state note (version 1, CR3 at byte 392 + 3*8
 * per target/i386/arch_dump.c's QEMUCPUState) and a VMCOREINFO note. The
 * expected answers are the values written. */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "helpers.h"
#include "suites.h"

#define BASE 0x100000u
#define ROOT (BASE + 0x1000u)
#define DATA (BASE + 0x5000u)
#define MEM (6 * 4096u)
#define VA UINT64_C(0xffffffffa0000000)
#define PC (VA + 0x10)
#define QCS_SIZE 448u

struct dump {
	uint8_t *buf;
	size_t len, cap;
};

static void put(struct dump *d, const void *p, size_t n)
{
	if (d->len + n > d->cap) {
		d->cap = (d->len + n) * 2;
		d->buf = realloc(d->buf, d->cap);
		CU_ASSERT_PTR_NOT_NULL_FATAL(d->buf);
	}
	memcpy(d->buf + d->len, p, n);
	d->len += n;
}

static void put_note(struct dump *d, const char *name, uint32_t type,
		     const void *desc, uint32_t descsz)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1;
	uint32_t hdr[3] = { namesz, descsz, type };
	static const uint8_t zero[8];
	put(d, hdr, sizeof(hdr));
	put(d, name, namesz);
	put(d, zero, (4 - namesz % 4) % 4);
	put(d, desc, descsz);
	put(d, zero, (4 - descsz % 4) % 4);
}

static void set64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* The whole dump; with_cpu: the QEMU note; vmcoreinfo: its text or NULL. */
static struct dump build(bool with_cpu, const char *vmcoreinfo)
{
	struct dump notes = { 0 }, d = { 0 };
	uint8_t prstatus[336] = { 0 };
	set64(prstatus + 112 + 16 * 8, PC);
	put_note(&notes, "CORE", NT_PRSTATUS, prstatus, sizeof(prstatus));
	if (with_cpu) {
		uint8_t qcs[QCS_SIZE] = { 0 };
		uint32_t vs[2] = { 1, QCS_SIZE };
		memcpy(qcs, vs, 8);
		set64(qcs + 136, PC);                 /* rip */
		set64(qcs + 392 + 3 * 8, ROOT);       /* cr3 */
		set64(qcs + 392 + 4 * 8, 0x20);       /* cr4: PAE */
		put_note(&notes, "QEMU", 0, qcs, sizeof(qcs));
	}
	if (vmcoreinfo)
		put_note(&notes, "VMCOREINFO", 0, vmcoreinfo,
			 (uint32_t)strlen(vmcoreinfo) + 1);
	Elf64_Ehdr eh = { 0 };
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 2;
	Elf64_Phdr ph[2] = { 0 };
	ph[0].p_type = PT_NOTE;
	ph[0].p_offset = sizeof(eh) + sizeof(ph);
	ph[0].p_filesz = ph[0].p_memsz = notes.len;
	ph[1].p_type = PT_LOAD;
	ph[1].p_offset = ph[0].p_offset + notes.len;
	ph[1].p_paddr = BASE;
	ph[1].p_filesz = ph[1].p_memsz = MEM;
	put(&d, &eh, sizeof(eh));
	put(&d, ph, sizeof(ph));
	put(&d, notes.buf, notes.len);
	free(notes.buf);
	uint8_t *mem = calloc(1, MEM);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mem);
	/* PML4[511] -> PDPT[510] -> PD[256] -> PT[0] -> DATA, RW + NX. */
	set64(mem + 0x1000 + 511 * 8, (BASE + 0x2000) | 3);
	set64(mem + 0x2000 + 510 * 8, (BASE + 0x3000) | 3);
	set64(mem + 0x3000 + 256 * 8, (BASE + 0x4000) | 3);
	set64(mem + 0x4000, DATA | 3 | UINT64_C(1) << 63);
	memcpy(mem + 0x5000, "vmcore!", 8);
	put(&d, mem, MEM);
	free(mem);
	return d;
}

/* init_top_pgt - __START_KERNEL_map + phys_base = ROOT with phys_base
 * -32 MiB: init_top_pgt = 0xffffffff80000000 + ROOT + 32 MiB. */
static const char VMCOREINFO[] =
	"OSRELEASE=6.1.0-unit\n"
	"SYMBOL(_stext)=ffffffffa0000000\n"
	"SYMBOL(init_top_pgt)=ffffffff82101000\n"
	"NUMBER(phys_base)=-33554432\n"
	"KERNELOFFSET=1f000000\n";

static void test_qemu_cpu_state(void)
{
	struct dump d = build(true, VMCOREINFO);
	struct vml_vmcore *vc;
	VML_ASSERT_OK(vml_vmcore_open_buffer(d.buf, d.len, &vc));
	struct vml_vmcore_info info;
	VML_ASSERT_OK(vml_vmcore_get_info(vc, &info, sizeof(info)));
	CU_ASSERT_EQUAL(info.format, VML_DUMP_ELF);
	CU_ASSERT_EQUAL(info.ncpus, 1);
	CU_ASSERT_EQUAL(info.memory_bytes, MEM);
	CU_ASSERT(info.has_cpu_state && info.has_vmcoreinfo && info.has_pc);
	CU_ASSERT_EQUAL(info.pc, PC);
	CU_ASSERT(info.has_kernel_offset && info.kernel_offset == 0x1f000000);
	CU_ASSERT(info.has_phys_base && info.phys_base == -33554432);
	CU_ASSERT_STRING_EQUAL(info.osrelease, "6.1.0-unit");
	CU_ASSERT_FALSE(info.incomplete);
	CU_ASSERT_EQUAL(vml_paging_root(vml_vmcore_paging(vc), 0), ROOT);
	CU_ASSERT(vml_paging_nx(vml_vmcore_paging(vc)));
	/* Physical reads: the page's bytes, nothing outside the segment. */
	char buf[8];
	VML_ASSERT_OK(vml_source_read(vml_vmcore_source(vc), VML_SPACE_PHYSICAL,
				      DATA, buf, 8));
	CU_ASSERT_STRING_EQUAL(buf, "vmcore!");
	VML_ASSERT_ERR(vml_source_read(vml_vmcore_source(vc),
				       VML_SPACE_PHYSICAL, BASE + MEM - 4, buf,
				       8), VML_ERROR_FAULT);
	struct vml_kernel *k;
	VML_ASSERT_OK(vml_vmcore_kernel(vc, &k));
	CU_ASSERT_EQUAL(vml_kernel_range_count(k), 1);
	const struct vml_pt_range *r = vml_kernel_range(k, 0);
	CU_ASSERT(r->start == VA && r->last == VA + 4095 && r->phys == DATA);
	uint32_t how;
	CU_ASSERT_EQUAL(vml_kernel_base(k, VML_KBASE_TEXT, &how), VA);
	CU_ASSERT_EQUAL(how, VML_KBASE_GIVEN);
	vml_kernel_free(k);
	/* Sized: the V2 prefix is enough, less is refused. */
	VML_ASSERT_ERR(vml_vmcore_get_info(vc, &info,
					   VML_VMCORE_INFO_SIZE_V2 - 1),
		       VML_ERROR_INVALID);
	char v[32];
	CU_ASSERT(vml_vmcore_vmcoreinfo(vc, "KERNELOFFSET", v, sizeof(v)));
	CU_ASSERT_STRING_EQUAL(v, "1f000000");
	CU_ASSERT_FALSE(vml_vmcore_vmcoreinfo(vc, "KERNELOFFSET", v, 4));
	CU_ASSERT_FALSE(vml_vmcore_vmcoreinfo(vc, "KERNEL", v, sizeof(v)));
	vml_vmcore_free(vc);
	free(d.buf);
}

static void test_root_from_vmcoreinfo(void)
{
	struct dump d = build(false, VMCOREINFO);
	struct vml_vmcore *vc;
	VML_ASSERT_OK(vml_vmcore_open_buffer(d.buf, d.len, &vc));
	CU_ASSERT_EQUAL(vml_paging_root(vml_vmcore_paging(vc), 0), ROOT);
	struct vml_vmcore_info info;
	VML_ASSERT_OK(vml_vmcore_get_info(vc, &info, sizeof(info)));
	CU_ASSERT_FALSE(info.has_cpu_state);
	CU_ASSERT_PTR_NOT_NULL(strstr(info.paging_from, "init_top_pgt"));
	CU_ASSERT_EQUAL(info.pc, PC);   /* NT_PRSTATUS's rip */
	vml_vmcore_free(vc);
	free(d.buf);
	/* Neither: no root. */
	d = build(false, "OSRELEASE=x\n");
	VML_ASSERT_ERR(vml_vmcore_open_buffer(d.buf, d.len, &vc),
		       VML_ERROR_NOT_FOUND);
	free(d.buf);
	/* A root symbol without phys_base. */
	d = build(false, "SYMBOL(init_top_pgt)=ffffffff82101000\n");
	VML_ASSERT_ERR(vml_vmcore_open_buffer(d.buf, d.len, &vc),
		       VML_ERROR_NOT_FOUND);
	free(d.buf);
}

/* Every prefix of the dump: an error, or (memory cut) an incomplete one;
 * never a crash (the sanitizer build checks the reads). */
static void test_every_cut(void)
{
	struct dump d = build(true, VMCOREINFO);
	size_t memory_off = d.len - MEM;
	for (size_t cut = 0; cut < d.len; cut += cut < memory_off ? 1 : 1021) {
		uint8_t *copy = malloc(cut ? cut : 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
		memcpy(copy, d.buf, cut);
		struct vml_vmcore *vc = NULL;
		struct vml_error *err = vml_vmcore_open_buffer(copy, cut, &vc);
		if (cut < memory_off + 1) {
			CU_ASSERT_PTR_NOT_NULL(err);
			CU_ASSERT_PTR_NULL(strchr(vml_error_message(err), '\n'));
			vml_error_free(err);
		} else {
			CU_ASSERT_PTR_NULL(err);
			struct vml_vmcore_info info;
			VML_ASSERT_OK(vml_vmcore_get_info(vc, &info,
							  sizeof(info)));
			CU_ASSERT(info.incomplete);
			CU_ASSERT_EQUAL(info.memory_bytes, cut - memory_off);
			char *out = NULL;
			struct vml_kernel_request req = {
				.query = VML_KQUERY_PAGETABLES,
				.format = VML_FORMAT_JSON };
			err = vml_vmcore_answer(vc, &req, sizeof(req), &out);
			CU_ASSERT((err == NULL) != (out == NULL));
			vml_error_free(err);
			vml_free(out);
			vml_vmcore_free(vc);
		}
		free(copy);
	}
	free(d.buf);
}

static void test_probe_and_refusals(void)
{
	static const uint8_t kdump[16] = "KDUMP   \1\0\0\0";
	struct vml_vmcore *vc;
	VML_ASSERT_ERR(vml_vmcore_open_buffer(kdump, sizeof(kdump), &vc),
		       VML_ERROR_UNSUPPORTED);
	VML_ASSERT_ERR(vml_vmcore_open_buffer(NULL, 0, &vc), VML_ERROR_FORMAT);
	VML_ASSERT_ERR(vml_vmcore_open_buffer(NULL, 4, &vc),
		       VML_ERROR_INVALID);
	/* AArch64 dumps: no dump hooks yet. */
	struct dump d = build(true, VMCOREINFO);
	((Elf64_Ehdr *)d.buf)->e_machine = EM_AARCH64;
	VML_ASSERT_ERR(vml_vmcore_open_buffer(d.buf, d.len, &vc),
		       VML_ERROR_UNSUPPORTED);
	free(d.buf);
	uint32_t fmt = 99;
	VML_ASSERT_OK(vml_dump_probe("/dev/null", &fmt));
	CU_ASSERT_EQUAL(fmt, VML_DUMP_NONE);
	VML_ASSERT_ERR(vml_dump_probe("/nonexistent/vmcore", &fmt),
		       VML_ERROR_NOT_FOUND);
}

static CU_TestInfo tests[] = {
	{ "QEMU CPU state, VMCOREINFO, walk", test_qemu_cpu_state },
	{ "root from VMCOREINFO without CPU state", test_root_from_vmcoreinfo },
	{ "every cut of a dump", test_every_cut },
	{ "probe and refusals", test_probe_and_refusals },
	CU_TEST_INFO_NULL,
};

int vml_suite_vmcore(void)
{
	return vml_add_suite("vmcore", tests);
}
