/*
 * arch.c — the table of architectures and the public paging API: a
 * struct vml_paging is made by its architecture from raw registers and
 * read through accessors. Nothing here knows any architecture's facts.
 */
#include "config.h"

#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"

/* Every architecture described; adding one is one line here. */
static const struct vml_arch *const arches[] = {
	&vml_arch_x86_64,
	&vml_arch_i386,
	&vml_arch_aarch64,
};

/* ABIs recognised only to say they are not supported. */
static const struct vml_arch_unsupported *const unsupported[] = {
	&vml_arch_x32,
};

const struct vml_arch *vml_arch_get(enum vml_arch_id id)
{
	for (size_t i = 0; i < VML_ARRAY_SIZE(arches); i++)
		if (arches[i]->id == id && id != VML_ARCH_UNKNOWN)
			return arches[i];
	return NULL;
}

const struct vml_arch *vml_arch_default(void)
{
	return arches[0];
}

static bool name_matches(const char *name, const char *own,
			 const char *const *aliases)
{
	if (!strcmp(own, name))
		return true;
	for (const char *const *n = aliases; n && *n; n++)
		if (!strcmp(*n, name))
			return true;
	return false;
}

enum vml_arch_id vml_arch_from_name(const char *name)
{
	if (!name)
		return VML_ARCH_UNKNOWN;
	for (size_t i = 0; i < VML_ARRAY_SIZE(arches); i++)
		if (name_matches(name, arches[i]->name, arches[i]->aliases))
			return arches[i]->id;
	for (size_t i = 0; i < VML_ARRAY_SIZE(unsupported); i++)
		if (name_matches(name, unsupported[i]->name,
				 unsupported[i]->aliases))
			return unsupported[i]->id;
	return VML_ARCH_UNKNOWN;
}

const char *vml_arch_name(enum vml_arch_id id)
{
	const struct vml_arch *a = vml_arch_get(id);
	if (a)
		return a->name;
	for (size_t i = 0; i < VML_ARRAY_SIZE(unsupported); i++)
		if (unsupported[i]->id == id)
			return unsupported[i]->name;
	return NULL;
}

struct vml_error *vml_arch_lookup(enum vml_arch_id id,
				  const struct vml_arch **ret)
{
	const struct vml_arch *a = vml_arch_get(id);
	if (a) {
		*ret = a;
		return NULL;
	}
	for (size_t i = 0; i < VML_ARRAY_SIZE(unsupported); i++)
		if (unsupported[i]->id == id)
			return vml_error_create(VML_ERROR_UNSUPPORTED, "%s",
						unsupported[i]->why);
	return vml_error_create(VML_ERROR_INVALID,
				"unknown architecture id %d", (int)id);
}

struct vml_error *vml_arch_for_elf(uint8_t elf_class, uint16_t elf_machine,
				   const struct vml_arch **ret)
{
	for (size_t i = 0; i < VML_ARRAY_SIZE(arches); i++) {
		if (arches[i]->elf_class == elf_class &&
		    arches[i]->elf_machine == elf_machine) {
			*ret = arches[i];
			return NULL;
		}
	}
	for (size_t i = 0; i < VML_ARRAY_SIZE(unsupported); i++)
		if (unsupported[i]->elf_class == elf_class &&
		    unsupported[i]->elf_machine == elf_machine)
			return vml_error_create(VML_ERROR_UNSUPPORTED, "%s",
						unsupported[i]->why);
	/* Name what is supported, from the table. */
	char known[128] = "";
	size_t len = 0;
	for (size_t i = 0; i < VML_ARRAY_SIZE(arches); i++) {
		int n = snprintf(known + len, sizeof(known) - len, "%s%s",
				 i ? ", " : "", arches[i]->name);
		if (n < 0 || (size_t)n >= sizeof(known) - len)
			break;
		len += (size_t)n;
	}
	return vml_error_create(VML_ERROR_UNSUPPORTED,
				"unsupported: ELF machine %u in a %s file "
				"(vmlayout reads %s)", elf_machine,
				elf_class == ELFCLASS32 ? "32-bit" :
				elf_class == ELFCLASS64 ? "64-bit" : "bad-class",
				known);
}

const char *const *vml_arch_paging_registers(enum vml_arch_id id)
{
	const struct vml_arch *a = vml_arch_get(id);
	return a ? a->paging_registers : NULL;
}

const struct vml_kernel_symbol *vml_arch_kernel_symbols(enum vml_arch_id id,
							size_t *count_ret)
{
	const struct vml_arch *a = vml_arch_get(id);
	if (count_ret)
		*count_ret = a && a->kernel ? a->kernel->nsymbols : 0;
	return a && a->kernel ? a->kernel->symbols : NULL;
}

/* ------------------------------------------------------------ roots */

uint64_t vml_sign_extend(uint64_t va, unsigned bits)
{
	if (bits == 0 || bits >= 64)
		return va;
	unsigned shift = 64 - bits;
	return (uint64_t)((int64_t)(va << shift) >> shift);
}

uint64_t vml_pt_root_entry_va(const struct vml_paging *p,
			      const struct vml_pt_root *r, unsigned i)
{
	uint64_t va = r->va_base +
		      (uint64_t)i * vml_pt_span(p, vml_pt_root_levels(p, r));
	return r->sign_extend ? vml_sign_extend(va, p->va_bits) : va;
}

const struct vml_pt_root *vml_pt_root_for(const struct vml_paging *p,
					  uint64_t va)
{
	for (size_t i = 0; i < p->nroots; i++) {
		const struct vml_pt_root *r = &p->roots[i];
		uint32_t top = vml_pt_root_levels(p, r);
		unsigned top_bits = p->level[top].shift +
				    (r->index_bits ? r->index_bits :
				     p->level[top].index_bits);
		if (r->sign_extend) {
			if (vml_sign_extend(va, p->va_bits) == va)
				return r;
		} else if (top_bits >= 64 ||
			   va - r->va_base < UINT64_C(1) << top_bits) {
			return r;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------ public */

/* What every architecture's paging has the same way: the halves from the
 * address width, and the one-line descriptions made from the roots. */
static void paging_finish(struct vml_paging *p)
{
	/* An architecture whose halves differ in width (AArch64: T0SZ,
	 * T1SZ) sets them itself. */
	if (!p->user_end && !p->kernel_start)
		p->arch->halves(p->va_bits, &p->user_end, &p->kernel_start);
	size_t len = 0;
	p->roots_text[0] = '\0';
	for (size_t i = 0; i < p->nroots; i++) {
		int n = snprintf(p->roots_text + len, sizeof(p->roots_text) - len,
				 "%s%s 0x%" PRIx64, i ? ", " : "",
				 p->roots[i].name, p->roots[i].table);
		if (n < 0 || (size_t)n >= sizeof(p->roots_text) - len)
			break;
		len += (size_t)n;
	}
	if (p->mode_text[0]) {
		/* The architecture says its mode in its own words. */
		snprintf(p->description, sizeof(p->description), "%s, %s",
			 p->roots_text, p->mode_text);
		return;
	}
	char nx[64];
	if (p->nx)
		snprintf(nx, sizeof(nx), "enabled");
	else
		snprintf(nx, sizeof(nx), "disabled (%s)", p->nx_off_note);
	snprintf(p->description, sizeof(p->description),
		 "%s, %" PRIu32 "-level paging, NX %s", p->roots_text,
		 p->levels, nx);
}

struct vml_error *vml_paging_from_registers(enum vml_arch_id id,
					    const struct vml_named_value *regs,
					    size_t nregs, uint32_t maxphyaddr,
					    struct vml_paging **ret)
{
	if (!ret || (nregs && !regs))
		return vml_error_create(VML_ERROR_INVALID,
					"paging: NULL registers or result");
	const struct vml_arch *a = vml_arch_get(id);
	if (!a)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"paging: unknown architecture %d",
					(int)id);
	for (size_t i = 0; i < nregs; i++)
		if (!regs[i].name)
			return vml_error_create(VML_ERROR_INVALID,
						"paging: register %zu has no"
						" name", i);
	struct vml_paging *p = calloc(1, sizeof(*p));
	if (!p)
		return &vml_enomem;
	p->arch = a;
	struct vml_error *err = a->paging_from_registers(a, regs, nregs,
							 maxphyaddr, p);
	if (err) {
		free(p);
		return err;
	}
	paging_finish(p);
	*ret = p;
	return NULL;
}

void vml_paging_free(struct vml_paging *p)
{
	free(p);
}

enum vml_arch_id vml_paging_arch(const struct vml_paging *p)
{
	return p && p->arch ? p->arch->id : VML_ARCH_UNKNOWN;
}

uint32_t vml_paging_levels(const struct vml_paging *p)
{
	return p ? p->levels : 0;
}

uint32_t vml_paging_va_bits(const struct vml_paging *p)
{
	return p ? p->va_bits : 0;
}

bool vml_paging_nx(const struct vml_paging *p)
{
	return p && p->nx;
}

size_t vml_paging_root_count(const struct vml_paging *p)
{
	return p ? p->nroots : 0;
}

uint64_t vml_paging_root(const struct vml_paging *p, size_t i)
{
	return p && i < p->nroots ? p->roots[i].table : 0;
}

const char *vml_paging_description(const struct vml_paging *p)
{
	return p ? p->description : "";
}
