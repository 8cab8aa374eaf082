/*
 * elf_file.c — what one ELF file on disk (ELF64 or ELF32, of an
 * architecture arch.c describes) says about itself: PT_LOAD segments,
 * allocated sections and symbols; and the widening of ELF32 structures into
 * the Elf64 ones, so ELF32 objects go through the same code as ELF64 ones.
 *
 * The file is untrusted: every table is read with pread after its offset
 * and size were checked against the file size and a sane cap, every string
 * is bounded by its table. A file that is not a usable ELF object is an
 * answer (valid == false), not an error; a damaged section or symbol table
 * only drops what it would have described.
 */
#include "config.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch.h"

/* Caps far above anything a real object has, low enough to bound memory. */
#define VML_ELF_MAX_PHDRS 65535u
#define VML_ELF_MAX_SECTIONS 65535u
#define VML_ELF_MAX_SYMBOLS (4u * 1024 * 1024)
#define VML_ELF_MAX_STRTAB (64u * 1024 * 1024)
/* The notes of one PT_NOTE (build-id, ABI tag, properties): a few hundred
 * bytes in real objects. */
#define VML_ELF_MAX_NOTES (64u * 1024)
/* Symbol tables are read in chunks so a huge table never needs one big buffer. */
#define VML_ELF_SYM_CHUNK 4096u

struct elf_reader {
	/* Where the bytes come from: a file (pread on fd), or any reader
	 * (target memory through a source) when read is set. Offsets are the
	 * object's file offsets, below size either way. */
	int fd;
	vml_elf_read_fn *read;
	void *read_arg;
	uint64_t size;             /* file size, or how far the image reaches */
	uint8_t elf_class;         /* ELFCLASS32 or ELFCLASS64 */
	struct vml_elf_class_sizes sizes; /* of its entries in the file */
	Elf64_Ehdr ehdr;           /* widened */
	Elf64_Shdr *shdrs;         /* widened; NULL when the table is unusable */
	size_t nshdrs;
};

/* ------------------------------------------------------------ widening */

bool vml_elf_class_sizes(uint8_t elf_class, struct vml_elf_class_sizes *ret)
{
	if (elf_class == ELFCLASS64) {
		*ret = (struct vml_elf_class_sizes){
			sizeof(Elf64_Ehdr), sizeof(Elf64_Phdr),
			sizeof(Elf64_Shdr), sizeof(Elf64_Sym),
		};
		return true;
	}
	if (elf_class == ELFCLASS32) {
		*ret = (struct vml_elf_class_sizes){
			sizeof(Elf32_Ehdr), sizeof(Elf32_Phdr),
			sizeof(Elf32_Shdr), sizeof(Elf32_Sym),
		};
		return true;
	}
	return false;
}

/* memcpy: the bytes come from files, cores and target memory at any
 * alignment. Field by field: the two classes order some fields apart. */
void vml_elf_ehdr_widen(uint8_t elf_class, const void *raw, Elf64_Ehdr *ret)
{
	if (elf_class != ELFCLASS32) {
		memcpy(ret, raw, sizeof(*ret));
		return;
	}
	Elf32_Ehdr e;
	memcpy(&e, raw, sizeof(e));
	memcpy(ret->e_ident, e.e_ident, EI_NIDENT);
	ret->e_type = e.e_type;
	ret->e_machine = e.e_machine;
	ret->e_version = e.e_version;
	ret->e_entry = e.e_entry;
	ret->e_phoff = e.e_phoff;
	ret->e_shoff = e.e_shoff;
	ret->e_flags = e.e_flags;
	ret->e_ehsize = e.e_ehsize;
	ret->e_phentsize = e.e_phentsize;
	ret->e_phnum = e.e_phnum;
	ret->e_shentsize = e.e_shentsize;
	ret->e_shnum = e.e_shnum;
	ret->e_shstrndx = e.e_shstrndx;
}

void vml_elf_phdr_widen(uint8_t elf_class, const void *raw, Elf64_Phdr *ret)
{
	if (elf_class != ELFCLASS32) {
		memcpy(ret, raw, sizeof(*ret));
		return;
	}
	Elf32_Phdr p;
	memcpy(&p, raw, sizeof(p));
	ret->p_type = p.p_type;
	ret->p_flags = p.p_flags;
	ret->p_offset = p.p_offset;
	ret->p_vaddr = p.p_vaddr;
	ret->p_paddr = p.p_paddr;
	ret->p_filesz = p.p_filesz;
	ret->p_memsz = p.p_memsz;
	ret->p_align = p.p_align;
}

void vml_elf_shdr_widen(uint8_t elf_class, const void *raw, Elf64_Shdr *ret)
{
	if (elf_class != ELFCLASS32) {
		memcpy(ret, raw, sizeof(*ret));
		return;
	}
	Elf32_Shdr h;
	memcpy(&h, raw, sizeof(h));
	ret->sh_name = h.sh_name;
	ret->sh_type = h.sh_type;
	ret->sh_flags = h.sh_flags;
	ret->sh_addr = h.sh_addr;
	ret->sh_offset = h.sh_offset;
	ret->sh_size = h.sh_size;
	ret->sh_link = h.sh_link;
	ret->sh_info = h.sh_info;
	ret->sh_addralign = h.sh_addralign;
	ret->sh_entsize = h.sh_entsize;
}

void vml_elf_sym_widen(uint8_t elf_class, const void *raw, Elf64_Sym *ret)
{
	if (elf_class != ELFCLASS32) {
		memcpy(ret, raw, sizeof(*ret));
		return;
	}
	Elf32_Sym y;
	memcpy(&y, raw, sizeof(y));
	ret->st_name = y.st_name;
	ret->st_info = y.st_info;   /* the same bits in both classes */
	ret->st_other = y.st_other;
	ret->st_shndx = y.st_shndx;
	ret->st_value = y.st_value;
	ret->st_size = y.st_size;
}

/* ------------------------------------------------------------ the file */

/* A symbol while loading: binding and type decide which alias survives. */
struct elf_sym_tmp {
	uint64_t addr, size;
	const char *name;
	unsigned char bind, type;
	uint32_t order;            /* load order: keeps the sort deterministic */
};

/* Reads exactly len bytes at off; false on short read, I/O error or range. */
static bool elf_read(struct elf_reader *r, uint64_t off, void *buf, size_t len)
{
	if (off > r->size || len > r->size - off)
		return false;
	if (r->read)
		return len == 0 || r->read(r->read_arg, off, buf, len);
	size_t done = 0;
	/* Bounded: every iteration either advances or returns. */
	while (done < len) {
		ssize_t n = pread(r->fd, (char *)buf + done, len - done,
				  (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

/* Reads a table of count entries of entsize bytes into a fresh buffer. */
static void *elf_read_table(struct elf_reader *r, uint64_t off, size_t count,
			    size_t entsize, bool *nomem)
{
	size_t bytes;
	if (vml_mul_overflows(count, entsize, &bytes) || bytes == 0)
		return NULL;
	if (off > r->size || bytes > r->size - off)
		return NULL;
	void *buf = malloc(bytes);
	if (!buf) {
		*nomem = true;
		return NULL;
	}
	if (!elf_read(r, off, buf, bytes)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* A table of count entries of the file's class, widened into the Elf64
 * type: program headers (phdrs true) or section headers. */
static void *elf_read_widened(struct elf_reader *r, uint64_t off, size_t count,
			      bool phdrs, bool *nomem)
{
	size_t raw_size = phdrs ? r->sizes.phdr : r->sizes.shdr;
	size_t out_size = phdrs ? sizeof(Elf64_Phdr) : sizeof(Elf64_Shdr);
	uint8_t *raw = elf_read_table(r, off, count, raw_size, nomem);
	if (!raw)
		return NULL;
	/* count * raw_size fit in the file, and out_size <= 2 * raw_size. */
	uint8_t *out = calloc(count, out_size);
	if (!out) {
		free(raw);
		*nomem = true;
		return NULL;
	}
	for (size_t i = 0; i < count; i++) {
		if (phdrs)
			vml_elf_phdr_widen(r->elf_class, raw + i * raw_size,
					   (Elf64_Phdr *)(void *)(out + i * out_size));
		else
			vml_elf_shdr_widen(r->elf_class, raw + i * raw_size,
					   (Elf64_Shdr *)(void *)(out + i * out_size));
	}
	free(raw);
	return out;
}

/* Reads and widens the ELF header; false for anything that is not an
 * executable or shared object of an architecture arch.c describes. */
static bool elf_read_header(struct elf_reader *r, const struct vml_arch **arch)
{
	unsigned char raw[sizeof(Elf64_Ehdr)];
	if (!elf_read(r, 0, raw, EI_NIDENT) ||
	    memcmp(raw, ELFMAG, SELFMAG) != 0 ||
	    !vml_elf_class_sizes(raw[EI_CLASS], &r->sizes) ||
	    !elf_read(r, 0, raw, r->sizes.ehdr))
		return false;
	r->elf_class = raw[EI_CLASS];
	vml_elf_ehdr_widen(r->elf_class, raw, &r->ehdr);
	const Elf64_Ehdr *e = &r->ehdr;
	if (e->e_ident[EI_DATA] != ELFDATA2LSB ||
	    e->e_ident[EI_VERSION] != EV_CURRENT ||
	    (e->e_type != ET_EXEC && e->e_type != ET_DYN) ||
	    e->e_ehsize < r->sizes.ehdr)
		return false;
	struct vml_error *err = vml_arch_for_elf(r->elf_class, e->e_machine,
						 arch);
	if (err) {
		vml_error_free(err);
		return false;
	}
	return true;
}

/* ------------------------------------------------------------ build-id */

bool vml_elf_notes_build_id(const uint8_t *p, size_t len, size_t align,
			    uint8_t *id, size_t *id_len)
{
	/* Notes are padded to 4 bytes, or to 8 in a segment aligned so
	 * (.note.gnu.property); anything else is read as 4. */
	uint64_t a = align == 8 ? 8 : 4;
	uint64_t pos = 0;
	/* Bounded: every turn moves pos on by at least the 12-byte header. */
	while (len - pos >= 12) {
		uint32_t namesz, descsz, type;
		memcpy(&namesz, p + pos, 4);
		memcpy(&descsz, p + pos + 4, 4);
		memcpy(&type, p + pos + 8, 4);
		pos += 12;
		uint64_t name_pad = ((uint64_t)namesz + a - 1) & ~(a - 1);
		if (name_pad > len - pos)
			return false;
		const uint8_t *name = p + pos;
		pos += name_pad;
		if (descsz > len - pos)
			return false;
		if (type == NT_GNU_BUILD_ID && namesz == 4 &&
		    memcmp(name, "GNU", 4) == 0) {
			if (descsz == 0 || descsz > VML_ELF_BUILD_ID_MAX)
				return false;
			memcpy(id, p + pos, descsz);
			*id_len = descsz;
			return true;
		}
		uint64_t desc_pad = ((uint64_t)descsz + a - 1) & ~(a - 1);
		if (desc_pad > len - pos)
			return false;
		pos += desc_pad;
	}
	return false;
}

/* The GNU build-id in one PT_NOTE segment, when it has one. Notes are small:
 * a segment larger than the cap is not read. */
static void elf_load_build_id(struct elf_reader *r, const Elf64_Phdr *ph,
			      struct vml_elf_info *info)
{
	if (ph->p_filesz < 12 || ph->p_filesz > VML_ELF_MAX_NOTES)
		return;
	uint8_t *buf = malloc((size_t)ph->p_filesz);
	if (!buf)
		return; /* no build-id is an answer too */
	if (elf_read(r, ph->p_offset, buf, (size_t)ph->p_filesz))
		vml_elf_notes_build_id(buf, (size_t)ph->p_filesz,
				       (size_t)ph->p_align, info->build_id,
				       &info->build_id_len);
	free(buf);
}

/* PT_LOAD entries. False (file unusable) when the table is damaged. */
static bool elf_load_segments(struct elf_reader *r, struct vml_elf_info *info,
			      bool *nomem)
{
	const Elf64_Ehdr *e = &r->ehdr;
	size_t phnum = e->e_phnum;
	/* PN_XNUM means the real count lives in section 0's sh_info. */
	if (phnum == PN_XNUM && r->shdrs && r->nshdrs > 0)
		phnum = r->shdrs[0].sh_info;
	if (phnum == 0 || phnum > VML_ELF_MAX_PHDRS ||
	    e->e_phentsize != r->sizes.phdr)
		return false;
	Elf64_Phdr *ph = elf_read_widened(r, e->e_phoff, phnum, true, nomem);
	if (!ph)
		return false;
	size_t nload = 0;
	for (size_t i = 0; i < phnum; i++)
		nload += ph[i].p_type == PT_LOAD;
	if (nload == 0) {
		free(ph);
		return false;
	}
	info->segments = calloc(nload, sizeof(*info->segments));
	if (!info->segments) {
		free(ph);
		*nomem = true;
		return false;
	}
	for (size_t i = 0; i < phnum; i++) {
		if (ph[i].p_type == PT_NOTE && !info->build_id_len)
			elf_load_build_id(r, &ph[i], info);
		if (ph[i].p_type != PT_LOAD)
			continue;
		struct vml_elf_segment *s = &info->segments[info->nsegments++];
		s->vaddr = ph[i].p_vaddr;
		s->memsz = ph[i].p_memsz;
		s->offset = ph[i].p_offset;
		s->filesz = ph[i].p_filesz;
		s->align = ph[i].p_align;
		s->flags = ph[i].p_flags;
	}
	free(ph);
	return true;
}

/* The section header table; on damage r->shdrs stays NULL (no sections). */
static void elf_load_shdrs(struct elf_reader *r, bool *nomem)
{
	const Elf64_Ehdr *e = &r->ehdr;
	if (e->e_shoff == 0 || e->e_shentsize != r->sizes.shdr)
		return;
	unsigned char raw[sizeof(Elf64_Shdr)];
	Elf64_Shdr first;
	if (!elf_read(r, e->e_shoff, raw, r->sizes.shdr))
		return;
	vml_elf_shdr_widen(r->elf_class, raw, &first);
	/* e_shnum == 0 with a table means the count is in section 0's sh_size. */
	uint64_t shnum = e->e_shnum ? e->e_shnum : first.sh_size;
	if (shnum == 0 || shnum > VML_ELF_MAX_SECTIONS)
		return;
	r->shdrs = elf_read_widened(r, e->e_shoff, (size_t)shnum, false, nomem);
	if (r->shdrs)
		r->nshdrs = (size_t)shnum;
}

/* A whole string table section, NUL-terminated by us for safety. */
static char *elf_read_strtab(struct elf_reader *r, size_t index, size_t *len_ret,
			     bool *nomem)
{
	if (index == 0 || index >= r->nshdrs)
		return NULL;
	const Elf64_Shdr *sh = &r->shdrs[index];
	if (sh->sh_type != SHT_STRTAB || sh->sh_size == 0 ||
	    sh->sh_size > VML_ELF_MAX_STRTAB)
		return NULL;
	size_t len = (size_t)sh->sh_size;
	if (sh->sh_offset > r->size || len > r->size - sh->sh_offset)
		return NULL;
	char *buf = malloc(len + 1);
	if (!buf) {
		*nomem = true;
		return NULL;
	}
	if (!elf_read(r, sh->sh_offset, buf, len)) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	*len_ret = len;
	return buf;
}

/* Name at off in a table of len bytes, or NULL when it runs off the end. */
static const char *elf_string(const char *tab, size_t len, uint64_t off)
{
	if (!tab || off >= len)
		return NULL;
	/* The string must end inside the table proper, not at our guard NUL. */
	if (!memchr(tab + off, '\0', len - (size_t)off))
		return NULL;
	return tab + off;
}

static int elf_section_cmp(const void *a, const void *b)
{
	const struct vml_elf_section *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return 0;
}

static bool elf_load_sections(struct elf_reader *r, struct vml_elf_info *info,
			      bool *nomem)
{
	const Elf64_Ehdr *e = &r->ehdr;
	if (!r->shdrs)
		return true;
	size_t strndx = e->e_shstrndx;
	if (strndx == SHN_XINDEX)
		strndx = r->shdrs[0].sh_link;
	size_t strlen_ = 0;
	char *names = elf_read_strtab(r, strndx, &strlen_, nomem);
	if (!names)
		return !*nomem;
	info->sections = calloc(r->nshdrs, sizeof(*info->sections));
	if (!info->sections) {
		free(names);
		*nomem = true;
		return false;
	}
	for (size_t i = 1; i < r->nshdrs; i++) {
		const Elf64_Shdr *sh = &r->shdrs[i];
		uint64_t end;
		if (!(sh->sh_flags & SHF_ALLOC) || sh->sh_size == 0 ||
		    vml_add_overflows(sh->sh_addr, sh->sh_size, &end))
			continue;
		/* .tbss takes no room at its address; it would overlap the
		 * sections that really live there. */
		if ((sh->sh_flags & SHF_TLS) && sh->sh_type == SHT_NOBITS)
			continue;
		const char *name = elf_string(names, strlen_, sh->sh_name);
		if (!name)
			continue;
		char *copy = vml_arena_strdup(&info->arena, name);
		if (!copy) {
			free(names);
			*nomem = true;
			return false;
		}
		struct vml_elf_section *s = &info->sections[info->nsections++];
		s->name = copy;
		s->addr = sh->sh_addr;
		s->size = sh->sh_size;
		s->offset = sh->sh_offset;
		s->type = sh->sh_type;
		s->flags = sh->sh_flags;
	}
	free(names);
	qsort(info->sections, info->nsections, sizeof(*info->sections),
	      elf_section_cmp);
	return true;
}

static bool elf_symbol_wanted(const Elf64_Sym *s)
{
	unsigned type = ELF64_ST_TYPE(s->st_info);
	if (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE)
		return false;
	/* UNDEF: defined elsewhere; ABS/COMMON: the value is no address. */
	return s->st_name != 0 && s->st_value != 0 &&
	       s->st_shndx != SHN_UNDEF && s->st_shndx != SHN_ABS &&
	       s->st_shndx != SHN_COMMON;
}

/* Appends the wanted symbols of one SHT_SYMTAB / SHT_DYNSYM section. */
static bool elf_load_symtab(struct elf_reader *r, struct vml_elf_info *info,
			    const Elf64_Shdr *sh, struct elf_sym_tmp **syms,
			    size_t *nsyms, size_t *cap, bool *nomem)
{
	size_t symsz = r->sizes.sym;
	if (sh->sh_entsize != symsz || sh->sh_size == 0)
		return true;
	if (sh->sh_offset > r->size || sh->sh_size > r->size - sh->sh_offset)
		return true;
	uint64_t count = sh->sh_size / symsz;
	if (count > VML_ELF_MAX_SYMBOLS)
		return true;
	size_t strsz = 0;
	char *strs = elf_read_strtab(r, sh->sh_link, &strsz, nomem);
	if (!strs)
		return !*nomem;
	uint8_t *chunk = malloc(VML_ELF_SYM_CHUNK * symsz);
	if (!chunk) {
		free(strs);
		*nomem = true;
		return false;
	}
	bool ok = true;
	for (uint64_t base = 0; ok && base < count; base += VML_ELF_SYM_CHUNK) {
		size_t n = count - base < VML_ELF_SYM_CHUNK ?
				   (size_t)(count - base) : VML_ELF_SYM_CHUNK;
		if (!elf_read(r, sh->sh_offset + base * symsz, chunk, n * symsz))
			break;
		for (size_t i = 0; i < n; i++) {
			Elf64_Sym wide;
			vml_elf_sym_widen(r->elf_class, chunk + i * symsz, &wide);
			const Elf64_Sym *s = &wide;
			if (!elf_symbol_wanted(s))
				continue;
			const char *name = elf_string(strs, strsz, s->st_name);
			if (!name || *nsyms >= VML_ELF_MAX_SYMBOLS)
				continue;
			if (!vml_grow((void **)syms, cap, *nsyms + 1,
				      sizeof(**syms))) {
				ok = false;
				break;
			}
			char *copy = vml_arena_strdup(&info->arena, name);
			if (!copy) {
				ok = false;
				break;
			}
			struct elf_sym_tmp *t = &(*syms)[*nsyms];
			t->addr = s->st_value;
			t->size = s->st_size;
			t->name = copy;
			t->bind = ELF64_ST_BIND(s->st_info);
			t->type = ELF64_ST_TYPE(s->st_info);
			t->order = (uint32_t)*nsyms;
			(*nsyms)++;
		}
	}
	free(chunk);
	free(strs);
	if (!ok)
		*nomem = true;
	return ok;
}

/* Higher is better among symbols at one address: sized over unsized, then
 * global or weak over local. Ties go the way GDB's minimal symbols do (it
 * sorts one address's symbols by name and takes the last), so whereis
 * names what `info symbol` names: "clock_gettime", not its alias
 * "__vdso_clock_gettime". */
static int elf_sym_rank(const struct elf_sym_tmp *s)
{
	int rank = 0;
	if (s->size)
		rank += 8;
	if (s->bind != STB_LOCAL)
		rank += 2;
	return rank;
}

/* By address, best alias first, then load order. */
static int elf_sym_cmp(const void *a, const void *b)
{
	const struct elf_sym_tmp *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	int rx = elf_sym_rank(x), ry = elf_sym_rank(y);
	if (rx != ry)
		return rx > ry ? -1 : 1;
	int c = strcmp(x->name, y->name);
	if (c)
		return c > 0 ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static bool elf_load_symbols(struct elf_reader *r, struct vml_elf_info *info,
			     bool *nomem)
{
	if (!r->shdrs)
		return true;
	struct elf_sym_tmp *syms = NULL;
	size_t nsyms = 0, cap = 0;
	for (size_t i = 1; i < r->nshdrs; i++) {
		const Elf64_Shdr *sh = &r->shdrs[i];
		if (sh->sh_type != SHT_SYMTAB && sh->sh_type != SHT_DYNSYM)
			continue;
		if (!elf_load_symtab(r, info, sh, &syms, &nsyms, &cap, nomem)) {
			free(syms);
			return false;
		}
	}
	if (nsyms == 0) {
		free(syms);
		return true;
	}
	qsort(syms, nsyms, sizeof(*syms), elf_sym_cmp);
	info->symbols = calloc(nsyms, sizeof(*info->symbols));
	if (!info->symbols) {
		free(syms);
		*nomem = true;
		return false;
	}
	/* One symbol per address: the first after sorting is the best. */
	for (size_t i = 0; i < nsyms; i++) {
		if (i > 0 && syms[i].addr == syms[i - 1].addr)
			continue;
		struct vml_elf_symbol *s = &info->symbols[info->nsymbols++];
		s->addr = syms[i].addr;
		s->size = syms[i].size;
		s->name = syms[i].name;
	}
	free(syms);
	return true;
}

/* sysroot + path, or a copy of path when there is no sysroot. */
static char *elf_full_path(const char *sysroot, const char *path)
{
	size_t a = sysroot ? strlen(sysroot) : 0, b = strlen(path);
	/* "/sysroot/" + "/lib/x" must not become "//lib/x". */
	while (a > 0 && sysroot[a - 1] == '/')
		a--;
	if (b > SIZE_MAX - a - 1)
		return NULL;
	char *full = malloc(a + b + 1);
	if (!full)
		return NULL;
	if (a)
		memcpy(full, sysroot, a);
	memcpy(full + a, path, b + 1);
	return full;
}

char *vml_path_with_sysroot(const char *sysroot, const char *path)
{
	return path ? elf_full_path(sysroot, path) : NULL;
}

/* Fills info from a reader whose size is known; false only on out of
 * memory. headers_only: the ELF header and program headers (segments,
 * build-id), no sections or symbols. */
static bool elf_load(struct elf_reader *r, struct vml_elf_info *info,
		     bool headers_only)
{
	const struct vml_arch *arch;
	if (!elf_read_header(r, &arch))
		return true;
	bool nomem = false;
	if (!headers_only)
		elf_load_shdrs(r, &nomem);
	if (!nomem && elf_load_segments(r, info, &nomem)) {
		info->valid = true;
		info->arch = arch;
		info->type = r->ehdr.e_type;
		info->entry = r->ehdr.e_entry;
		if (!headers_only && elf_load_sections(r, info, &nomem))
			elf_load_symbols(r, info, &nomem);
	}
	free(r->shdrs);
	r->shdrs = NULL;
	return !nomem;
}

/* Fills info from an open file; false only on out of memory. */
static bool elf_load_fd(int fd, struct vml_elf_info *info)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return true;
	struct elf_reader r = { .fd = fd, .size = (uint64_t)st.st_size };
	return elf_load(&r, info, false);
}

static struct vml_elf_info *elf_info_new(const char *path)
{
	struct vml_elf_info *info = calloc(1, sizeof(*info));
	if (!info)
		return NULL;
	vml_arena_init(&info->arena);
	info->path = vml_arena_strdup(&info->arena, path ? path : "");
	if (!info->path) {
		vml_elf_info_free(info);
		return NULL;
	}
	return info;
}

struct vml_error *vml_elf_info_load_reader(vml_elf_read_fn *read, void *arg,
					   uint64_t size, const char *name,
					   bool headers_only,
					   struct vml_elf_info **ret)
{
	if (!read || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"elf: NULL reader or result");
	struct vml_elf_info *info = elf_info_new(name);
	if (!info)
		return &vml_enomem;
	struct elf_reader r = {
		.fd = -1, .read = read, .read_arg = arg, .size = size,
	};
	if (!elf_load(&r, info, headers_only)) {
		vml_elf_info_free(info);
		return &vml_enomem;
	}
	*ret = info;
	return NULL;
}

struct vml_error *vml_elf_info_load(const char *sysroot, const char *path,
				    struct vml_elf_info **ret)
{
	if (!path || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"elf: NULL path or result");
	struct vml_elf_info *info = elf_info_new(path);
	char *full = info ? elf_full_path(sysroot, path) : NULL;
	if (!info || !full) {
		free(full);
		vml_elf_info_free(info);
		return &vml_enomem;
	}
	int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	free(full);
	if (fd >= 0) {
		bool ok = elf_load_fd(fd, info);
		close(fd);
		if (!ok) {
			vml_elf_info_free(info);
			return &vml_enomem;
		}
	}
	*ret = info;
	return NULL;
}

void vml_elf_info_free(struct vml_elf_info *info)
{
	if (!info)
		return;
	free(info->segments);
	free(info->sections);
	free(info->symbols);
	vml_arena_release(&info->arena);
	free(info);
}

/* Index of the last section with addr <= vaddr, or SIZE_MAX. */
static size_t elf_section_index(const struct vml_elf_info *info, uint64_t vaddr)
{
	size_t ub = VML_UPPER_BOUND(info->sections, info->nsections, addr, vaddr);
	return ub == 0 ? SIZE_MAX : ub - 1;
}

const struct vml_elf_section *vml_elf_find_section(const struct vml_elf_info *info,
						   uint64_t vaddr)
{
	if (!info || !info->valid)
		return NULL;
	size_t i = elf_section_index(info, vaddr);
	if (i == SIZE_MAX)
		return NULL;
	const struct vml_elf_section *s = &info->sections[i];
	return vaddr - s->addr < s->size ? s : NULL;
}

const struct vml_elf_symbol *vml_elf_find_symbol(const struct vml_elf_info *info,
						 uint64_t vaddr)
{
	if (!info || !info->valid || info->nsymbols == 0)
		return NULL;
	size_t ub = VML_UPPER_BOUND(info->symbols, info->nsymbols, addr, vaddr);
	if (ub == 0)
		return NULL;
	const struct vml_elf_symbol *sym = &info->symbols[ub - 1];
	if (sym->size)
		return vaddr - sym->addr < sym->size ? sym : NULL;
	/* An unsized label only reaches to the end of its own section. */
	const struct vml_elf_section *here = vml_elf_find_section(info, vaddr);
	if (!here || here != vml_elf_find_section(info, sym->addr))
		return NULL;
	return sym;
}
