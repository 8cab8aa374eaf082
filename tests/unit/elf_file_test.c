/* elf_file_test.c — the ELF reader against a hand-built ELF (known answers),
 * hand-damaged copies of it (never a crash), and the test binary itself
 * compared with readelf and nm. */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"
#include "suites.h"

/* ------------------------------------------------------- hand-built ELF */

/* File layout of the fixture (offsets). */
#define FX_TEXT_OFF 0x100
#define FX_DATA_OFF 0x200
#define FX_SYMTAB_OFF 0x300
#define FX_STRTAB_OFF 0x600
#define FX_SHSTRTAB_OFF 0x700
#define FX_SHDR_OFF 0x800
#define FX_NSECT 10
#define FX_SIZE (FX_SHDR_OFF + FX_NSECT * sizeof(Elf64_Shdr))

#define FX_TEXT_ADDR 0x400100
#define FX_DATA_ADDR 0x401200
#define FX_BSS_ADDR 0x401240

/* Section indexes in the fixture. */
enum { SX_NULL, SX_TEXT, SX_DATA, SX_BSS, SX_SYMTAB, SX_STRTAB, SX_SHSTRTAB,
       SX_COMMENT, SX_TBSS, SX_EMPTY };

static const char fx_shstr[] =
	"\0.text\0.data\0.symtab\0.strtab\0.shstrtab\0.comment\0.tbss\0.empty\0.bss";
static const char fx_str[] =
	"\0func_a\0alias_a\0label_b\0obj_c\0undef\0abs\0zero\0weak_c\0loc_c\0bss_d\0sec\0tls";

/* Offset of name inside a NUL-separated table (first match). */
static uint32_t fx_name(const char *tab, size_t len, const char *name)
{
	for (size_t i = 0; i < len; i += strlen(tab + i) + 1)
		if (strcmp(tab + i, name) == 0)
			return (uint32_t)i;
	CU_FAIL("fixture name missing");
	return 0;
}
#define SHNAME(n) fx_name(fx_shstr, sizeof(fx_shstr), n)
#define STNAME(n) fx_name(fx_str, sizeof(fx_str), n)

static Elf64_Sym fx_sym(const char *name, uint64_t value, uint64_t size,
			int bind, int type, uint16_t shndx)
{
	Elf64_Sym s = {
		.st_name = name ? STNAME(name) : 0,
		.st_info = ELF64_ST_INFO(bind, type),
		.st_shndx = shndx,
		.st_value = value,
		.st_size = size,
	};
	return s;
}

static void fx_shdr(unsigned char *buf, int i, const char *name, uint32_t type,
		    uint64_t flags, uint64_t addr, uint64_t off, uint64_t size,
		    uint32_t link, uint64_t entsize)
{
	Elf64_Shdr sh = {
		.sh_name = name ? SHNAME(name) : 0,
		.sh_type = type,
		.sh_flags = flags,
		.sh_addr = addr,
		.sh_offset = off,
		.sh_size = size,
		.sh_link = link,
		.sh_addralign = 1,
		.sh_entsize = entsize,
	};
	memcpy(buf + FX_SHDR_OFF + i * sizeof(sh), &sh, sizeof(sh));
}

static Elf64_Ehdr *fx_ehdr(unsigned char *buf)
{
	return (Elf64_Ehdr *)buf;
}

static Elf64_Shdr *fx_sh(unsigned char *buf, int i)
{
	return (Elf64_Shdr *)(buf + FX_SHDR_OFF + i * sizeof(Elf64_Shdr));
}

static Elf64_Phdr *fx_ph(unsigned char *buf)
{
	return (Elf64_Phdr *)(buf + sizeof(Elf64_Ehdr));
}

/* A small but complete ET_EXEC: one PT_LOAD, .text/.data/.bss, a symtab
 * with every kind of symbol the reader must keep or drop. */
static void fx_build(unsigned char *buf)
{
	memset(buf, 0, FX_SIZE);
	Elf64_Ehdr *e = fx_ehdr(buf);
	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_type = ET_EXEC;
	e->e_machine = EM_X86_64;
	e->e_version = EV_CURRENT;
	e->e_entry = FX_TEXT_ADDR;
	e->e_phoff = sizeof(Elf64_Ehdr);
	e->e_shoff = FX_SHDR_OFF;
	e->e_ehsize = sizeof(Elf64_Ehdr);
	e->e_phentsize = sizeof(Elf64_Phdr);
	e->e_phnum = 1;
	e->e_shentsize = sizeof(Elf64_Shdr);
	e->e_shnum = FX_NSECT;
	e->e_shstrndx = SX_SHSTRTAB;

	Elf64_Phdr *ph = fx_ph(buf);
	ph->p_type = PT_LOAD;
	ph->p_flags = PF_R | PF_X;
	ph->p_offset = 0;
	ph->p_vaddr = 0x400000;
	ph->p_filesz = 0x240;
	ph->p_memsz = 0x1340;
	ph->p_align = 0x1000;

	Elf64_Sym syms[] = {
		fx_sym(NULL, 0, 0, 0, 0, 0),
		fx_sym("func_a", FX_TEXT_ADDR, 0x20, STB_GLOBAL, STT_FUNC, SX_TEXT),
		fx_sym("alias_a", FX_TEXT_ADDR, 0, STB_LOCAL, STT_NOTYPE, SX_TEXT),
		fx_sym("label_b", FX_TEXT_ADDR + 0x80, 0, STB_LOCAL, STT_NOTYPE, SX_TEXT),
		fx_sym("weak_c", FX_DATA_ADDR, 0x10, STB_WEAK, STT_OBJECT, SX_DATA),
		fx_sym("loc_c", FX_DATA_ADDR, 0x10, STB_LOCAL, STT_OBJECT, SX_DATA),
		fx_sym("obj_c", FX_DATA_ADDR, 0x10, STB_GLOBAL, STT_OBJECT, SX_DATA),
		fx_sym("undef", FX_TEXT_ADDR + 0x50, 0, STB_GLOBAL, STT_FUNC, SHN_UNDEF),
		fx_sym("abs", 0x1234, 0, STB_GLOBAL, STT_NOTYPE, SHN_ABS),
		fx_sym("zero", 0, 0, STB_GLOBAL, STT_FUNC, SX_TEXT),
		fx_sym("bss_d", FX_BSS_ADDR, 0x80, STB_LOCAL, STT_OBJECT, SX_BSS),
		fx_sym("sec", FX_TEXT_ADDR + 0x10, 0, STB_LOCAL, STT_SECTION, SX_TEXT),
		fx_sym("tls", FX_TEXT_ADDR + 0x18, 4, STB_GLOBAL, STT_TLS, SX_TBSS),
		fx_sym(NULL, FX_TEXT_ADDR + 0x20, 4, STB_GLOBAL, STT_FUNC, SX_TEXT),
	};
	/* A name offset past the string table must drop the symbol. */
	syms[VML_ARRAY_SIZE(syms) - 1].st_name = 0x7fffffff;
	memcpy(buf + FX_SYMTAB_OFF, syms, sizeof(syms));
	memcpy(buf + FX_STRTAB_OFF, fx_str, sizeof(fx_str));
	memcpy(buf + FX_SHSTRTAB_OFF, fx_shstr, sizeof(fx_shstr));

	fx_shdr(buf, SX_NULL, NULL, SHT_NULL, 0, 0, 0, 0, 0, 0);
	fx_shdr(buf, SX_TEXT, ".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR,
		FX_TEXT_ADDR, FX_TEXT_OFF, 0x100, 0, 0);
	fx_shdr(buf, SX_DATA, ".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE,
		FX_DATA_ADDR, FX_DATA_OFF, 0x40, 0, 0);
	fx_shdr(buf, SX_BSS, ".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE,
		FX_BSS_ADDR, FX_DATA_OFF + 0x40, 0x100, 0, 0);
	fx_shdr(buf, SX_SYMTAB, ".symtab", SHT_SYMTAB, 0, 0, FX_SYMTAB_OFF,
		sizeof(syms), SX_STRTAB, sizeof(Elf64_Sym));
	fx_shdr(buf, SX_STRTAB, ".strtab", SHT_STRTAB, 0, 0, FX_STRTAB_OFF,
		sizeof(fx_str), 0, 0);
	fx_shdr(buf, SX_SHSTRTAB, ".shstrtab", SHT_STRTAB, 0, 0, FX_SHSTRTAB_OFF,
		sizeof(fx_shstr), 0, 0);
	fx_shdr(buf, SX_COMMENT, ".comment", SHT_PROGBITS, 0, 0, FX_TEXT_OFF, 8, 0, 0);
	fx_shdr(buf, SX_TBSS, ".tbss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE | SHF_TLS,
		FX_DATA_ADDR, FX_DATA_OFF, 0x10, 0, 0);
	fx_shdr(buf, SX_EMPTY, ".empty", SHT_PROGBITS, SHF_ALLOC, FX_TEXT_ADDR + 0x40,
		FX_TEXT_OFF + 0x40, 0, 0, 0);
}

static char fx_dir[64];

static void fx_dir_make(void)
{
	if (fx_dir[0])
		return;
	strcpy(fx_dir, "/tmp/vml-elf-test-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(fx_dir));
}

/* Writes len bytes as fx_dir/name and returns the full path (static). */
static const char *fx_write(const char *name, const void *buf, size_t len)
{
	static char path[128];
	fx_dir_make();
	snprintf(path, sizeof(path), "%s/%s", fx_dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, buf, len) == (ssize_t)len);
	close(fd);
	return path;
}

static struct vml_elf_info *fx_load(const char *name, const void *buf, size_t len)
{
	struct vml_elf_info *info = NULL;
	VML_ASSERT_OK(vml_elf_info_load(NULL, fx_write(name, buf, len), &info));
	CU_ASSERT_PTR_NOT_NULL_FATAL(info);
	return info;
}

static const char *sym_name_at(const struct vml_elf_info *info, uint64_t addr)
{
	const struct vml_elf_symbol *s = vml_elf_find_symbol(info, addr);
	return s ? s->name : NULL;
}

static const char *sec_name_at(const struct vml_elf_info *info, uint64_t addr)
{
	const struct vml_elf_section *s = vml_elf_find_section(info, addr);
	return s ? s->name : NULL;
}

#define ASSERT_NAME(got, want)                                                  \
	do {                                                                    \
		const char *got_ = (got), *want_ = (want);                      \
		if (!want_) {                                                   \
			CU_ASSERT_PTR_NULL(got_);                               \
		} else if (!got_) {                                             \
			CU_FAIL("expected " #want);                             \
		} else {                                                        \
			CU_ASSERT_STRING_EQUAL(got_, want_);                    \
		}                                                               \
	} while (0)

static void test_fixture_known_answers(void)
{
	static unsigned char buf[FX_SIZE];
	fx_build(buf);
	struct vml_elf_info *info = fx_load("good", buf, FX_SIZE);
	CU_ASSERT_TRUE(info->valid);
	CU_ASSERT_EQUAL(info->type, ET_EXEC);
	CU_ASSERT_EQUAL(info->entry, FX_TEXT_ADDR);
	CU_ASSERT_STRING_EQUAL(info->path, fx_write("good", buf, FX_SIZE));

	CU_ASSERT_EQUAL_FATAL(info->nsegments, 1);
	CU_ASSERT_EQUAL(info->segments[0].vaddr, 0x400000);
	CU_ASSERT_EQUAL(info->segments[0].memsz, 0x1340);
	CU_ASSERT_EQUAL(info->segments[0].filesz, 0x240);
	CU_ASSERT_EQUAL(info->segments[0].flags, PF_R | PF_X);

	/* .symtab/.comment are not allocated, .tbss and .empty are skipped. */
	CU_ASSERT_EQUAL_FATAL(info->nsections, 3);
	CU_ASSERT_STRING_EQUAL(info->sections[0].name, ".text");
	CU_ASSERT_STRING_EQUAL(info->sections[1].name, ".data");
	CU_ASSERT_STRING_EQUAL(info->sections[2].name, ".bss");
	CU_ASSERT_EQUAL(info->sections[2].type, SHT_NOBITS);
	CU_ASSERT_EQUAL(info->sections[1].offset, FX_DATA_OFF);
	CU_ASSERT_EQUAL(info->sections[1].flags, SHF_ALLOC | SHF_WRITE);
	ASSERT_NAME(sec_name_at(info, FX_TEXT_ADDR - 1), NULL);
	ASSERT_NAME(sec_name_at(info, FX_TEXT_ADDR), ".text");
	ASSERT_NAME(sec_name_at(info, FX_TEXT_ADDR + 0xff), ".text");
	ASSERT_NAME(sec_name_at(info, FX_TEXT_ADDR + 0x100), NULL);
	ASSERT_NAME(sec_name_at(info, FX_DATA_ADDR + 0x3f), ".data");
	ASSERT_NAME(sec_name_at(info, FX_BSS_ADDR), ".bss");
	ASSERT_NAME(sec_name_at(info, FX_BSS_ADDR + 0x100), NULL);

	/* Kept: func_a (beats its unsized local alias), label_b, weak_c (of
	 * the sized global and weak aliases, the name that sorts last, as
	 * GDB's minimal symbols choose; the local loses), bss_d. Everything
	 * else is dropped. */
	CU_ASSERT_EQUAL_FATAL(info->nsymbols, 4);
	CU_ASSERT_STRING_EQUAL(info->symbols[0].name, "func_a");
	CU_ASSERT_STRING_EQUAL(info->symbols[1].name, "label_b");
	CU_ASSERT_STRING_EQUAL(info->symbols[2].name, "weak_c");
	CU_ASSERT_STRING_EQUAL(info->symbols[3].name, "bss_d");
	ASSERT_NAME(sym_name_at(info, FX_TEXT_ADDR - 1), NULL);
	ASSERT_NAME(sym_name_at(info, FX_TEXT_ADDR), "func_a");
	ASSERT_NAME(sym_name_at(info, FX_TEXT_ADDR + 0x1f), "func_a");
	/* Past func_a's size and before label_b: no symbol. */
	ASSERT_NAME(sym_name_at(info, FX_TEXT_ADDR + 0x20), NULL);
	/* Unsized label_b reaches to the end of .text, not into .data. */
	ASSERT_NAME(sym_name_at(info, FX_TEXT_ADDR + 0x80), "label_b");
	ASSERT_NAME(sym_name_at(info, FX_TEXT_ADDR + 0xff), "label_b");
	ASSERT_NAME(sym_name_at(info, FX_TEXT_ADDR + 0x100), NULL);
	ASSERT_NAME(sym_name_at(info, FX_DATA_ADDR + 0xf), "weak_c");
	ASSERT_NAME(sym_name_at(info, FX_DATA_ADDR + 0x10), NULL);
	ASSERT_NAME(sym_name_at(info, FX_BSS_ADDR + 0x7f), "bss_d");
	ASSERT_NAME(sym_name_at(info, FX_BSS_ADDR + 0x80), NULL);
	vml_elf_info_free(info);
}

static void test_sysroot_prefix(void)
{
	static unsigned char buf[FX_SIZE];
	fx_build(buf);
	fx_write("rooted", buf, FX_SIZE);
	char root[80];
	snprintf(root, sizeof(root), "%s/", fx_dir);
	struct vml_elf_info *info = NULL;
	VML_ASSERT_OK(vml_elf_info_load(root, "/rooted", &info));
	CU_ASSERT_TRUE(info->valid);
	CU_ASSERT_STRING_EQUAL(info->path, "/rooted");
	vml_elf_info_free(info);
	/* Without the sysroot the same path does not exist. */
	VML_ASSERT_OK(vml_elf_info_load("", "/rooted", &info));
	CU_ASSERT_FALSE(info->valid);
	CU_ASSERT_EQUAL(info->nsections, 0);
	CU_ASSERT_PTR_NULL(vml_elf_find_section(info, FX_TEXT_ADDR));
	CU_ASSERT_PTR_NULL(vml_elf_find_symbol(info, FX_TEXT_ADDR));
	vml_elf_info_free(info);
}

static void test_not_elf_is_invalid(void)
{
	static unsigned char buf[FX_SIZE];
	struct vml_elf_info *info;

	fx_build(buf);
	info = fx_load("truncated", buf, 30);
	CU_ASSERT_FALSE(info->valid);
	vml_elf_info_free(info);

	info = fx_load("text", "#!/bin/sh\necho hi\n", 18);
	CU_ASSERT_FALSE(info->valid);
	vml_elf_info_free(info);

	info = fx_load("empty", "", 0);
	CU_ASSERT_FALSE(info->valid);
	vml_elf_info_free(info);

	fx_build(buf);
	buf[EI_CLASS] = ELFCLASS32;
	info = fx_load("class32", buf, FX_SIZE);
	CU_ASSERT_FALSE(info->valid);
	vml_elf_info_free(info);

	fx_build(buf);
	fx_ehdr(buf)->e_machine = EM_RISCV;
	info = fx_load("riscv", buf, FX_SIZE);
	CU_ASSERT_FALSE(info->valid);
	vml_elf_info_free(info);

	fx_build(buf);
	fx_ehdr(buf)->e_phoff = FX_SIZE + 4096;
	info = fx_load("phoff", buf, FX_SIZE);
	CU_ASSERT_FALSE(info->valid);
	vml_elf_info_free(info);

	fx_build(buf);
	fx_ehdr(buf)->e_phentsize = 32;
	info = fx_load("phentsize", buf, FX_SIZE);
	CU_ASSERT_FALSE(info->valid);
	vml_elf_info_free(info);

	/* A directory and a missing file are "not ELF", not errors. */
	VML_ASSERT_OK(vml_elf_info_load(NULL, "/tmp", &info));
	CU_ASSERT_FALSE(info->valid);
	vml_elf_info_free(info);
	VML_ASSERT_OK(vml_elf_info_load(NULL, "/nonexistent/vml/lib.so", &info));
	CU_ASSERT_FALSE(info->valid);
	vml_elf_info_free(info);
}

/* Each damage drops sections and/or symbols but keeps the file valid. */
static void test_damaged_tables_dropped(void)
{
	static unsigned char buf[FX_SIZE];
	struct vml_elf_info *info;

	fx_build(buf);
	fx_ehdr(buf)->e_shoff = FX_SIZE + 100;
	info = fx_load("shoff", buf, FX_SIZE);
	CU_ASSERT_TRUE(info->valid);
	CU_ASSERT_EQUAL(info->nsections, 0);
	CU_ASSERT_EQUAL(info->nsymbols, 0);
	vml_elf_info_free(info);

	fx_build(buf);
	fx_ehdr(buf)->e_shnum = 0xffff;
	info = fx_load("shnum", buf, FX_SIZE);
	CU_ASSERT_TRUE(info->valid);
	CU_ASSERT_EQUAL(info->nsections, 0);
	vml_elf_info_free(info);

	/* The table is cut short: its end lies past EOF. */
	fx_build(buf);
	info = fx_load("shtrunc", buf, FX_SIZE - 1);
	CU_ASSERT_TRUE(info->valid);
	CU_ASSERT_EQUAL(info->nsections, 0);
	vml_elf_info_free(info);

	fx_build(buf);
	fx_ehdr(buf)->e_shentsize = 40;
	info = fx_load("shentsize", buf, FX_SIZE);
	CU_ASSERT_TRUE(info->valid);
	CU_ASSERT_EQUAL(info->nsections, 0);
	vml_elf_info_free(info);

	/* No section names: no sections, symbols still come from .symtab. */
	fx_build(buf);
	fx_ehdr(buf)->e_shstrndx = 50;
	info = fx_load("shstrndx", buf, FX_SIZE);
	CU_ASSERT_TRUE(info->valid);
	CU_ASSERT_EQUAL(info->nsections, 0);
	CU_ASSERT_EQUAL(info->nsymbols, 4);
	vml_elf_info_free(info);

	fx_build(buf);
	fx_sh(buf, SX_SHSTRTAB)->sh_offset = FX_SIZE - 8; /* runs past EOF */
	info = fx_load("shstroff", buf, FX_SIZE);
	CU_ASSERT_TRUE(info->valid);
	CU_ASSERT_EQUAL(info->nsections, 0);
	vml_elf_info_free(info);

	fx_build(buf);
	fx_sh(buf, SX_DATA)->sh_name = 0xffffff;
	info = fx_load("shname", buf, FX_SIZE);
	CU_ASSERT_EQUAL(info->nsections, 2);
	ASSERT_NAME(sec_name_at(info, FX_DATA_ADDR), NULL);
	ASSERT_NAME(sec_name_at(info, FX_BSS_ADDR), ".bss");
	vml_elf_info_free(info);

	/* ".bss" is last in .shstrtab: cut its NUL off, and its name runs
	 * off the end of the table. */
	fx_build(buf);
	fx_sh(buf, SX_SHSTRTAB)->sh_size = sizeof(fx_shstr) - 1;
	info = fx_load("shstrnul", buf, FX_SIZE);
	CU_ASSERT_EQUAL(info->nsections, 2);
	ASSERT_NAME(sec_name_at(info, FX_BSS_ADDR), NULL);
	ASSERT_NAME(sec_name_at(info, FX_TEXT_ADDR), ".text");
	vml_elf_info_free(info);

	fx_build(buf);
	fx_sh(buf, SX_SYMTAB)->sh_link = 99;
	info = fx_load("symlink", buf, FX_SIZE);
	CU_ASSERT_EQUAL(info->nsections, 3);
	CU_ASSERT_EQUAL(info->nsymbols, 0);
	vml_elf_info_free(info);

	fx_build(buf);
	fx_sh(buf, SX_SYMTAB)->sh_size = 0xffffffffffffff00ull;
	info = fx_load("symsize", buf, FX_SIZE);
	CU_ASSERT_EQUAL(info->nsymbols, 0);
	vml_elf_info_free(info);

	fx_build(buf);
	fx_sh(buf, SX_SYMTAB)->sh_offset = 0xfffffffffffffff0ull;
	info = fx_load("symoff", buf, FX_SIZE);
	CU_ASSERT_EQUAL(info->nsymbols, 0);
	vml_elf_info_free(info);

	fx_build(buf);
	fx_sh(buf, SX_SYMTAB)->sh_entsize = 16;
	info = fx_load("symentsize", buf, FX_SIZE);
	CU_ASSERT_EQUAL(info->nsymbols, 0);
	vml_elf_info_free(info);

	/* A section whose end would wrap around 2^64 is dropped. */
	fx_build(buf);
	fx_sh(buf, SX_DATA)->sh_addr = 0xfffffffffffffff0ull;
	info = fx_load("wrap", buf, FX_SIZE);
	CU_ASSERT_EQUAL(info->nsections, 2);
	vml_elf_info_free(info);
}

/* e_shnum == 0 with the real count in section 0's sh_size (ELF extended
 * numbering) still finds every section. */
static void test_extended_shnum(void)
{
	static unsigned char buf[FX_SIZE];
	fx_build(buf);
	fx_ehdr(buf)->e_shnum = 0;
	fx_sh(buf, SX_NULL)->sh_size = FX_NSECT;
	struct vml_elf_info *info = fx_load("xnum", buf, FX_SIZE);
	CU_ASSERT_TRUE(info->valid);
	CU_ASSERT_EQUAL(info->nsections, 3);
	CU_ASSERT_EQUAL(info->nsymbols, 4);
	vml_elf_info_free(info);
}

/* ------------------------------------------------------- the test binary */

static char self_path[4096];

static const char *self_exe(void)
{
	ssize_t n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	CU_ASSERT_FATAL(n > 0);
	self_path[n] = '\0';
	return self_path;
}

/* Every allocated, non-empty, non-.tbss section readelf lists is found
 * with the same address and size, and nothing else is. */
static void test_self_sections_match_readelf(void)
{
	struct vml_elf_info *info = NULL;
	VML_ASSERT_OK(vml_elf_info_load(NULL, self_exe(), &info));
	CU_ASSERT_TRUE_FATAL(info->valid);

	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "readelf -SW '%s'", self_path);
	FILE *p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	char line[512];
	size_t want = 0;
	while (fgets(line, sizeof(line), p)) {
		const char *br = strchr(line, ']');
		if (!strchr(line, '[') || !br)
			continue;
		char name[128], type[32], flags[32];
		unsigned long long addr, off, size, es;
		if (sscanf(br + 1, "%127s %31s %llx %llx %llx %llx %31s", name,
			   type, &addr, &off, &size, &es, flags) != 7)
			continue;
		if (!strchr(flags, 'A') || size == 0 ||
		    (strchr(flags, 'T') && strcmp(type, "NOBITS") == 0))
			continue;
		want++;
		const struct vml_elf_section *s = vml_elf_find_section(info, addr);
		CU_ASSERT_PTR_NOT_NULL(s);
		if (!s)
			continue;
		CU_ASSERT_STRING_EQUAL(s->name, name);
		CU_ASSERT_EQUAL(s->addr, addr);
		CU_ASSERT_EQUAL(s->size, size);
		CU_ASSERT_EQUAL(s->offset, off);
		CU_ASSERT_PTR_EQUAL(vml_elf_find_section(info, addr + size - 1), s);
	}
	pclose(p);
	CU_ASSERT(want > 10);
	CU_ASSERT_EQUAL(info->nsections, want);
	vml_elf_info_free(info);
}

static void test_self_segments_match_readelf(void)
{
	struct vml_elf_info *info = NULL;
	VML_ASSERT_OK(vml_elf_info_load(NULL, self_exe(), &info));
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "readelf -lW '%s'", self_path);
	FILE *p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	char line[512];
	size_t n = 0;
	while (fgets(line, sizeof(line), p)) {
		unsigned long long off, vaddr, paddr, filesz, memsz;
		if (sscanf(line, " LOAD %llx %llx %llx %llx %llx", &off, &vaddr,
			   &paddr, &filesz, &memsz) != 5)
			continue;
		CU_ASSERT_FATAL(n < info->nsegments);
		CU_ASSERT_EQUAL(info->segments[n].offset, off);
		CU_ASSERT_EQUAL(info->segments[n].vaddr, vaddr);
		CU_ASSERT_EQUAL(info->segments[n].filesz, filesz);
		CU_ASSERT_EQUAL(info->segments[n].memsz, memsz);
		n++;
	}
	pclose(p);
	CU_ASSERT(n >= 2);
	CU_ASSERT_EQUAL(info->nsegments, n);
	vml_elf_info_free(info);
}

/* A function only this file defines; nm gives its link-time address. */
__attribute__((noinline)) int vml_elf_test_marker(int x);
__attribute__((noinline)) int vml_elf_test_marker(int x)
{
	return x * 3 + 1;
}

static void test_self_symbols_match_nm(void)
{
	struct vml_elf_info *info = NULL;
	VML_ASSERT_OK(vml_elf_info_load(NULL, self_exe(), &info));
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "nm '%s'", self_path);
	FILE *p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	char line[512];
	int found = 0;
	while (fgets(line, sizeof(line), p)) {
		unsigned long long addr;
		char type, name[256];
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3)
			continue;
		if (strcmp(name, "vml_elf_test_marker") != 0 &&
		    strcmp(name, "main") != 0 &&
		    strcmp(name, "vml_elf_info_load") != 0)
			continue;
		found++;
		ASSERT_NAME(sym_name_at(info, addr), name);
		ASSERT_NAME(sym_name_at(info, addr + 1), name);
		const struct vml_elf_symbol *s = vml_elf_find_symbol(info, addr);
		if (s) {
			CU_ASSERT_EQUAL(s->addr, addr);
			CU_ASSERT(s->size > 1);
		}
		ASSERT_NAME(sec_name_at(info, addr), ".text");
	}
	pclose(p);
	CU_ASSERT_EQUAL(found, 3);
	CU_ASSERT_EQUAL(vml_elf_test_marker(2), 7);
	vml_elf_info_free(info);
}

static void test_cleanup_dir(void)
{
	if (!fx_dir[0])
		return;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx_dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
	fx_dir[0] = '\0';
}

/* The same parser over memory (the vDSO's way): the hand-built object in a
 * buffer source at an address gives what the file gives; cut at every
 * size it never reads past the image and never fails. */
static void test_same_parser_from_memory(void)
{
	static unsigned char buf[FX_SIZE];
	fx_build(buf);
	const uint64_t base = 0x7f0000010000;
	struct vml_source *src = NULL;
	VML_ASSERT_OK(vml_source_from_buffer(VML_SPACE_VIRTUAL, base, buf,
					     FX_SIZE, &src));
	struct vml_elf_info *file = fx_load("mem", buf, FX_SIZE);
	struct vml_elf_info *mem = NULL;
	VML_ASSERT_OK(vml_elf_info_load_mem(src, base, FX_SIZE, "[image]", false,
					    &mem));
	CU_ASSERT_TRUE_FATAL(mem->valid);
	CU_ASSERT_STRING_EQUAL(mem->path, "[image]");
	CU_ASSERT_EQUAL(mem->nsegments, file->nsegments);
	CU_ASSERT_EQUAL_FATAL(mem->nsections, file->nsections);
	for (size_t i = 0; i < mem->nsections; i++) {
		CU_ASSERT_STRING_EQUAL(mem->sections[i].name, file->sections[i].name);
		CU_ASSERT_EQUAL(mem->sections[i].addr, file->sections[i].addr);
	}
	CU_ASSERT_EQUAL_FATAL(mem->nsymbols, file->nsymbols);
	for (size_t i = 0; i < mem->nsymbols; i++)
		CU_ASSERT_STRING_EQUAL(mem->symbols[i].name, file->symbols[i].name);
	vml_elf_info_free(mem);
	/* Headers only: segments, no sections or symbols. */
	VML_ASSERT_OK(vml_elf_info_load_mem(src, base, FX_SIZE, "h", true, &mem));
	CU_ASSERT_TRUE(mem->valid);
	CU_ASSERT_EQUAL(mem->nsegments, file->nsegments);
	CU_ASSERT_EQUAL(mem->nsections, 0);
	CU_ASSERT_EQUAL(mem->nsymbols, 0);
	vml_elf_info_free(mem);
	/* Every shorter image: an answer (maybe invalid), no read past it
	 * (the buffer source would fail such a read, which is no crash
	 * either: the size bound is what keeps reads inside). */
	for (size_t size = 0; size < FX_SIZE; size += 7) {
		VML_ASSERT_OK(vml_elf_info_load_mem(src, base, size, "cut", false,
						    &mem));
		if (mem->valid)
			for (size_t i = 0; i < mem->nsections; i++)
				CU_ASSERT(mem->sections[i].name != NULL);
		vml_elf_info_free(mem);
	}
	/* Memory that cannot be read at all. */
	VML_ASSERT_OK(vml_elf_info_load_mem(src, 0x1000, FX_SIZE, "none", false,
					    &mem));
	CU_ASSERT_FALSE(mem->valid);
	vml_elf_info_free(mem);
	vml_elf_info_free(file);
	vml_source_free(src);
}

/* One note: namesz, descsz, type, then name and desc padded to align. */
static size_t put_note(uint8_t *p, size_t align, const char *name,
		       uint32_t type, const uint8_t *desc, uint32_t descsz)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1;
	size_t pos = 0;
	memcpy(p + pos, &namesz, 4);
	memcpy(p + pos + 4, &descsz, 4);
	memcpy(p + pos + 8, &type, 4);
	pos += 12;
	memcpy(p + pos, name, namesz);
	pos += (namesz + align - 1) & ~(align - 1);
	memcpy(p + pos, desc, descsz);
	pos += (descsz + align - 1) & ~(align - 1);
	return pos;
}

static void test_build_id_notes(void)
{
	static const uint8_t id[20] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6,
					7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	static const uint8_t abi[16] = { 0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0 };
	uint8_t notes[256], got[VML_ELF_BUILD_ID_MAX];
	size_t len = 0;
	for (size_t align = 4; align <= 8; align += 4) {
		memset(notes, 0xee, sizeof(notes));
		/* Another owner's note of the same type, an ABI tag, then it. */
		size_t n = put_note(notes, align, "XYZ", NT_GNU_BUILD_ID, abi, 5);
		n += put_note(notes + n, align, "GNU", NT_GNU_ABI_TAG, abi, 16);
		size_t desc_end = n + 12 + 4 + 20;
		n += put_note(notes + n, align, "GNU", NT_GNU_BUILD_ID, id, 20);
		len = 0;
		CU_ASSERT_TRUE(vml_elf_notes_build_id(notes, n, align, got, &len));
		CU_ASSERT_EQUAL(len, 20);
		CU_ASSERT_EQUAL(memcmp(got, id, 20), 0);
		/* Cut anywhere before the end of its id: not found, no
		 * overrun (only the last note's padding may be missing). */
		for (size_t cut = 0; cut < desc_end; cut++) {
			size_t l = 0;
			bool found = vml_elf_notes_build_id(notes, cut, align, got, &l);
			CU_ASSERT_FALSE(found);
		}
	}
	/* A descsz running past the notes ends the search. */
	size_t n = put_note(notes, 4, "GNU", NT_GNU_ABI_TAG, abi, 16);
	uint32_t huge = 0xfffffff0;
	memcpy(notes + 4, &huge, 4);
	CU_ASSERT_FALSE(vml_elf_notes_build_id(notes, n, 4, got, &len));
	/* The test binary's own, as readelf -n prints it. */
	struct vml_elf_info *info = NULL;
	VML_ASSERT_OK(vml_elf_info_load(NULL, self_exe(), &info));
	char cmd[4200], line[512], hex[2 * VML_ELF_BUILD_ID_MAX + 1] = "";
	snprintf(cmd, sizeof(cmd), "readelf -nW '%s'", self_path);
	FILE *p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	while (fgets(line, sizeof(line), p)) {
		const char *at = strstr(line, "Build ID: ");
		if (at && sscanf(at, "Build ID: %128[0-9a-f]", hex) == 1)
			break;
	}
	CU_ASSERT(strlen(hex) >= 32);
	pclose(p);
	char mine[2 * VML_ELF_BUILD_ID_MAX + 1] = "";
	for (size_t i = 0; i < info->build_id_len; i++)
		snprintf(mine + 2 * i, 3, "%02x", info->build_id[i]);
	CU_ASSERT_STRING_EQUAL(mine, hex);
	vml_elf_info_free(info);
}

static CU_TestInfo tests[] = {
	{ "fixture known answers", test_fixture_known_answers },
	{ "sysroot prefix", test_sysroot_prefix },
	{ "not ELF is invalid", test_not_elf_is_invalid },
	{ "damaged tables dropped", test_damaged_tables_dropped },
	{ "extended shnum", test_extended_shnum },
	{ "self sections match readelf", test_self_sections_match_readelf },
	{ "self segments match readelf", test_self_segments_match_readelf },
	{ "self symbols match nm", test_self_symbols_match_nm },
	{ "same parser from memory", test_same_parser_from_memory },
	{ "build-id notes", test_build_id_notes },
	{ "cleanup", test_cleanup_dir },
	CU_TEST_INFO_NULL,
};

int vml_suite_elf_file(void)
{
	return vml_add_suite("elf_file", tests);
}
