/* vmcore_test.c — kernel dumps (vmcore.c and x86-64's dump hooks) on
 * dumps built here byte by byte: an ELF64 core with one PT_LOAD of
 * physical memory at 1 MiB holding 4-level tables that map one page at a
 * kernel address, a QEMU CPU-state note (version 1, CR3 at byte 392 + 3*8
 * per target/i386/arch_dump.c's QEMUCPUState) and a VMCOREINFO note. The
 * expected answers are the values written. */
#include <elf.h>
#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <zlib.h>
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
		       VML_ERROR_FORMAT);
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

/* ------------------------------------------------------------ kdump
 * The same machine in the kdump-compressed layout (QEMU's
 * DiskDumpHeader64 / KdumpSubHeader64 / PageDescriptor, block = 4 KiB):
 * block 0 header, 1 sub-header, 2-3 the two bitmaps, 4 descriptors, then
 * notes, VMCOREINFO and the pages, each compressed with method (0: raw). */

#define KD_BLOCK 4096u
#define KD_PFN0 (BASE / 4096u)
#define KD_PAGES (MEM / 4096u)

static void set32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static size_t compress_page(uint32_t method, const uint8_t *page,
			    uint8_t *out, size_t room)
{
	switch (method) {
	case 1: {
		uLongf n = (uLongf)room;
		CU_ASSERT_EQUAL_FATAL(compress2(out, &n, page, 4096, 6), Z_OK);
		return n;
	}
	case 2: {
		static uint8_t wrk[LZO1X_1_MEM_COMPRESS];
		lzo_uint n = room;
		CU_ASSERT_EQUAL_FATAL(lzo_init(), LZO_E_OK);
		CU_ASSERT_EQUAL_FATAL(lzo1x_1_compress(page, 4096, out, &n, wrk),
				      LZO_E_OK);
		return n;
	}
	case 4: {
		size_t n = room;
		CU_ASSERT_EQUAL_FATAL(snappy_compress((const char *)page, 4096,
						      (char *)out, &n),
				      SNAPPY_OK);
		return n;
	}
	default:
		memcpy(out, page, 4096);
		return 4096;
	}
}

static struct dump build_kdump(uint32_t method)
{
	struct dump elf = build(true, VMCOREINFO);
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(elf.buf + sizeof(Elf64_Ehdr));
	const uint8_t *notes = elf.buf + ph[0].p_offset;
	size_t notes_len = ph[0].p_filesz;
	const uint8_t *mem = elf.buf + ph[1].p_offset;
	size_t head = 5 * KD_BLOCK;
	size_t notes_off = head, vmci_off = notes_off + notes_len;
	size_t data_off = vmci_off + sizeof(VMCOREINFO);
	size_t cap = data_off + KD_PAGES * (4096 + 512);
	struct dump d = { calloc(1, cap), 0, cap };
	CU_ASSERT_PTR_NOT_NULL_FATAL(d.buf);
	uint8_t *h = d.buf;
	memcpy(h, "KDUMP   ", 8);
	set32(h + 8, 6);                          /* header_version */
	memcpy(h + 12 + 4 * 65, "x86_64", 6);     /* utsname.machine */
	set32(h + 424, method);                   /* status */
	set32(h + 428, KD_BLOCK);
	set32(h + 432, 1);                        /* sub_hdr_size */
	set32(h + 436, 2);                        /* bitmap_blocks */
	set32(h + 440, KD_PFN0 + KD_PAGES);       /* max_mapnr */
	set32(h + 460, 1);                        /* nr_cpus */
	uint8_t *sub = d.buf + KD_BLOCK;
	set64(sub + 0, (uint64_t)-33554432);      /* phys_base */
	set64(sub + 32, vmci_off);
	set64(sub + 40, sizeof(VMCOREINFO));
	set64(sub + 48, notes_off);
	set64(sub + 56, notes_len);
	set64(sub + 96, KD_PFN0 + KD_PAGES);      /* max_mapnr_64 */
	for (unsigned i = 0; i < KD_PAGES; i++) {
		unsigned pfn = KD_PFN0 + i;
		d.buf[2 * KD_BLOCK + pfn / 8] |= (uint8_t)(1u << pfn % 8);
		d.buf[3 * KD_BLOCK + pfn / 8] |= (uint8_t)(1u << pfn % 8);
	}
	memcpy(d.buf + notes_off, notes, notes_len);
	memcpy(d.buf + vmci_off, VMCOREINFO, sizeof(VMCOREINFO));
	size_t at = data_off;
	for (unsigned i = 0; i < KD_PAGES; i++) {
		size_t n = compress_page(method, mem + 4096 * i, d.buf + at,
					 cap - at);
		uint8_t *desc = d.buf + 4 * KD_BLOCK + 24 * i;
		set64(desc, at);
		set32(desc + 8, (uint32_t)n);
		set32(desc + 12, method);
		at += n;
	}
	d.len = at;
	free(elf.buf);
	return d;
}

/* makedumpfile's flattened stream of the same bytes: 4 KiB header, then
 * big-endian {offset, size} blocks of 1000 bytes, last first. */
static struct dump flatten(const struct dump *in)
{
	struct dump d = { 0 };
	uint8_t hdr[4096] = "makedumpfile";
	hdr[23] = 1;
	hdr[31] = 1;
	put(&d, hdr, sizeof(hdr));
	size_t nblocks = (in->len + 999) / 1000;
	for (size_t k = nblocks; k-- > 0;) {
		uint64_t off = k * 1000, size = in->len - off < 1000 ?
						 in->len - off : 1000;
		uint8_t bh[16];
		for (int i = 0; i < 8; i++) {
			bh[i] = (uint8_t)(off >> (56 - 8 * i));
			bh[8 + i] = (uint8_t)(size >> (56 - 8 * i));
		}
		put(&d, bh, 16);
		put(&d, in->buf + off, size);
	}
	uint8_t end[16];
	memset(end, 0xff, 16);
	put(&d, end, 16);
	return d;
}

static void check_kdump(const struct dump *d, uint64_t pages_dumped)
{
	struct vml_vmcore *vc;
	VML_ASSERT_OK(vml_vmcore_open_buffer(d->buf, d->len, &vc));
	struct vml_vmcore_info info;
	VML_ASSERT_OK(vml_vmcore_get_info(vc, &info, sizeof(info)));
	CU_ASSERT_EQUAL(info.format, VML_DUMP_KDUMP);
	CU_ASSERT_EQUAL(info.memory_bytes, pages_dumped * 4096);
	CU_ASSERT_EQUAL(info.nsegments, 1);
	CU_ASSERT_EQUAL(info.pc, PC);
	CU_ASSERT(info.has_vmcoreinfo && info.kernel_offset == 0x1f000000);
	CU_ASSERT_FALSE(info.incomplete);
	CU_ASSERT_EQUAL(vml_paging_root(vml_vmcore_paging(vc), 0), ROOT);
	char buf[8];
	VML_ASSERT_OK(vml_source_read(vml_vmcore_source(vc), VML_SPACE_PHYSICAL,
				      DATA, buf, 8));
	CU_ASSERT_STRING_EQUAL(buf, "vmcore!");
	VML_ASSERT_ERR(vml_source_read(vml_vmcore_source(vc),
				       VML_SPACE_PHYSICAL, 0x1000, buf, 8),
		       VML_ERROR_FAULT);
	struct vml_kernel *k;
	VML_ASSERT_OK(vml_vmcore_kernel(vc, &k));
	CU_ASSERT_EQUAL(vml_kernel_range_count(k), 1);
	const struct vml_pt_range *r = vml_kernel_range(k, 0);
	CU_ASSERT(r->start == VA && r->phys == DATA);
	vml_kernel_free(k);
	vml_vmcore_free(vc);
}

static void test_kdump_each_compression(void)
{
	static const uint32_t methods[] = { 0, 1, 2, 4 };
	for (size_t m = 0; m < VML_ARRAY_SIZE(methods); m++) {
		struct dump d = build_kdump(methods[m]);
		check_kdump(&d, KD_PAGES);
		struct dump f = flatten(&d);
		check_kdump(&f, KD_PAGES);
		free(f.buf);
		free(d.buf);
	}
}

static void test_kdump_damage(void)
{
	struct dump d = build_kdump(1);
	/* Every cut: an error of one line, or a dump whose pages past the cut
	 * fail alone. */
	for (size_t cut = 0; cut < d.len; cut += cut < 5 * KD_BLOCK ? 61 : 7) {
		struct vml_vmcore *vc = NULL;
		struct vml_error *err = vml_vmcore_open_buffer(d.buf, cut, &vc);
		if (err) {
			CU_ASSERT_PTR_NULL(strchr(vml_error_message(err), '\n'));
			vml_error_free(err);
			continue;
		}
		char *out = NULL;
		struct vml_kernel_request req = {
			.query = VML_KQUERY_PAGETABLES,
			.format = VML_FORMAT_TEXT };
		err = vml_vmcore_answer(vc, &req, sizeof(req), &out);
		CU_ASSERT((err == NULL) != (out == NULL));
		vml_error_free(err);
		vml_free(out);
		vml_vmcore_free(vc);
	}
	/* A descriptor pointing past the file, one with garbage data, one
	 * with unknown flags: those pages fail, named. */
	struct vml_vmcore *vc;
	uint8_t *desc0 = d.buf + 4 * KD_BLOCK;        /* pfn 0x100: unused */
	uint8_t *desc5 = d.buf + 4 * KD_BLOCK + 5 * 24;  /* the data page */
	set64(desc0, UINT64_C(1) << 40);
	memcpy(d.buf + desc5[0] + (size_t)desc5[1] * 256, "garbage!", 8);
	VML_ASSERT_OK(vml_vmcore_open_buffer(d.buf, d.len, &vc));
	char buf[8];
	VML_ASSERT_ERR(vml_source_read(vml_vmcore_source(vc),
				       VML_SPACE_PHYSICAL, BASE, buf, 8),
		       VML_ERROR_FAULT);
	vml_vmcore_free(vc);
	set32(desc5 + 12, 0x80);
	VML_ASSERT_OK(vml_vmcore_open_buffer(d.buf, d.len, &vc));
	VML_ASSERT_ERR(vml_source_read(vml_vmcore_source(vc),
				       VML_SPACE_PHYSICAL, DATA, buf, 8),
		       VML_ERROR_FAULT);
	vml_vmcore_free(vc);
	/* Header fields. */
	struct dump bad = build_kdump(1);
	set32(bad.buf + 428, 1000);                   /* block_size */
	VML_ASSERT_ERR(vml_vmcore_open_buffer(bad.buf, bad.len, &vc),
		       VML_ERROR_FORMAT);
	set32(bad.buf + 428, KD_BLOCK);
	set32(bad.buf + 436, 3);                      /* bitmap_blocks odd */
	VML_ASSERT_ERR(vml_vmcore_open_buffer(bad.buf, bad.len, &vc),
		       VML_ERROR_FORMAT);
	set32(bad.buf + 436, 2);
	set64(bad.buf + KD_BLOCK + 96, UINT64_C(1) << 50);  /* max_mapnr */
	VML_ASSERT_ERR(vml_vmcore_open_buffer(bad.buf, bad.len, &vc),
		       VML_ERROR_FORMAT);
	set64(bad.buf + KD_BLOCK + 96, KD_PFN0 + KD_PAGES);
	set64(bad.buf + KD_BLOCK + 56, UINT64_C(1) << 40);  /* size_note */
	VML_ASSERT_ERR(vml_vmcore_open_buffer(bad.buf, bad.len, &vc),
		       VML_ERROR_FORMAT);
	free(bad.buf);
	free(d.buf);
}

/* makedumpfile out of space: the header's status says INCOMPLETE (0x8) and
 * the descriptors of pages it did not write are zero. The dump opens,
 * marked incomplete; those pages fail, saying why; the others read. */
static void test_kdump_incomplete(void)
{
	struct dump d = build_kdump(1);
	uint8_t *desc5 = d.buf + 4 * KD_BLOCK + 5 * 24;  /* the data page */
	memset(desc5, 0, 24);
	struct vml_vmcore *vc;
	char buf[8];
	/* Without the flag a zero descriptor is damage, not "not written". */
	VML_ASSERT_OK(vml_vmcore_open_buffer(d.buf, d.len, &vc));
	struct vml_error *err = vml_source_read(vml_vmcore_source(vc),
						VML_SPACE_PHYSICAL, DATA, buf,
						8);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_PTR_NOT_NULL(strstr(vml_error_message(err), "bad"));
	vml_error_free(err);
	vml_vmcore_free(vc);
	set32(d.buf + 424, 1 | 0x8);                  /* zlib | INCOMPLETE */
	VML_ASSERT_OK(vml_vmcore_open_buffer(d.buf, d.len, &vc));
	struct vml_vmcore_info info;
	VML_ASSERT_OK(vml_vmcore_get_info(vc, &info, sizeof(info)));
	CU_ASSERT_TRUE(info.incomplete);
	CU_ASSERT_PTR_NOT_NULL(strstr(info.problem, "incomplete"));
	err = vml_source_read(vml_vmcore_source(vc), VML_SPACE_PHYSICAL, DATA,
			      buf, 8);
	CU_ASSERT_PTR_NOT_NULL_FATAL(err);
	CU_ASSERT_EQUAL(vml_error_code(err), VML_ERROR_FAULT);
	CU_ASSERT_PTR_NOT_NULL(strstr(vml_error_message(err),
				      "was not written (the dump is"
				      " incomplete)"));
	vml_error_free(err);
	/* The page tables were written: the walk still maps VA. */
	struct vml_kernel *k;
	VML_ASSERT_OK(vml_vmcore_kernel(vc, &k));
	CU_ASSERT_EQUAL(vml_kernel_range_count(k), 1);
	vml_kernel_free(k);
	vml_vmcore_free(vc);
	free(d.buf);
}

static CU_TestInfo tests[] = {
	{ "kdump: raw, zlib, lzo, snappy, flattened", test_kdump_each_compression },
	{ "kdump: cuts and damaged descriptors", test_kdump_damage },
	{ "kdump: marked incomplete by makedumpfile", test_kdump_incomplete },
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
