/*
 * kernel_where.c — the questions asked of a page-table target, answered
 * as structs: whereis (struct vml_kernel_where), whereis --phys (struct
 * vml_kernel_hit), how a debugger should read physical memory (struct
 * vml_read_plan), and vml_kernel_answer, which runs one whole command so
 * that every read of it happens inside one call. The renderers
 * (render_pagetables.c) only format these structs.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "kobjects.h"
#include "ksyms.h"

/* How many hits whereis --phys lists (text, JSON). */
#define PHYS_TEXT 64
#define PHYS_JSON 1024

static void make_hit(const struct vml_kernel *k,
		     const struct vml_pt_phys_hit *h, struct vml_kernel_hit *ret)
{
	*ret = (struct vml_kernel_hit){
		.va = h->va,
		.page_size = h->page_size,
		.level = h->level,
		.flags = h->flags,
		.pkey = h->pkey,
		.half = vml_kernel_half(k, h->va),
		.kind = vml_kernel_kind_at(k, h->va),
	};
}

/* Raw hits: through the tables when the kernel has its source, else from
 * the walk's ranges. */
static struct vml_error *raw_phys(const struct vml_kernel *k, uint64_t pa,
				  size_t max, struct vml_pt_phys_hit *hits,
				  size_t *n, uint64_t *total)
{
	if (k->source)
		return vml_pt_find_phys(k->source, &k->paging, pa, max, hits,
					sizeof(*hits), n, total);
	*total = vml_kernel_ranges_phys(k, pa, max, hits);
	*n = *total < max ? (size_t)*total : max;
	return NULL;
}

/* A physical address the paging's CPU cannot have: past MAXPHYADDR (the
 * width given, else the architecture's maximum). */
static struct vml_error *vml_check_phys(const struct vml_paging *p,
					uint64_t pa)
{
	if (p->maxphyaddr >= 64 || !(pa >> p->maxphyaddr))
		return NULL;
	return vml_error_create(VML_ERROR_INVALID,
				"physical address 0x%" PRIx64 " is beyond"
				" MAXPHYADDR %" PRIu32 " (the last physical"
				" address is 0x%" PRIx64 "): no page table can"
				" map it", pa, p->maxphyaddr,
				(UINT64_C(1) << p->maxphyaddr) - 1);
}

struct vml_error *vml_kernel_find_phys(const struct vml_kernel *k,
				       uint64_t pa, size_t max,
				       struct vml_kernel_hit *hits,
				       size_t hit_size, size_t *nhits_ret,
				       uint64_t *total_ret)
{
	size_t bytes;
	if (!k || !nhits_ret || (max && !hits))
		return vml_error_create(VML_ERROR_INVALID,
					"kernel: physical search needs a kernel,"
					" a count and room for the hits");
	if (max && vml_mul_overflows(max, hit_size, &bytes))
		return vml_error_create(VML_ERROR_INVALID,
					"kernel: %zu hits of %zu bytes"
					" overflow", max, hit_size);
	struct vml_error *err = max ? vml_check_size("kernel hit", hit_size,
						     VML_KERNEL_HIT_SIZE_V2) :
				      NULL;
	if (!err)
		err = vml_check_phys(&k->paging, pa);
	if (err)
		return err;
	struct vml_pt_phys_hit *raw = calloc(max ? max : 1, sizeof(*raw));
	if (!raw)
		return &vml_enomem;
	size_t n = 0;
	uint64_t total = 0;
	err = raw_phys(k, pa, max, raw, &n, &total);
	if (!err) {
		for (size_t i = 0; i < n; i++) {
			struct vml_kernel_hit h;
			make_hit(k, &raw[i], &h);
			vml_copy_out((char *)hits + i * hit_size, hit_size, &h,
				     sizeof(h));
		}
		*nhits_ret = n;
		if (total_ret)
			*total_ret = total;
	}
	free(raw);
	return err;
}

/* Mapped addr: the other virtual addresses of its physical address, and
 * whether the kernel image maps the same page (the hits fetched, and the
 * walk's ranges, which cost no read). */
static struct vml_error *where_aliases(const struct vml_kernel *k,
				       struct vml_kernel_where *w)
{
	/* One more than kept: addr itself is among them. */
	size_t max = VML_KERNEL_WHERE_ALIASES + 1, n = 0;
	struct vml_pt_phys_hit raw[VML_KERNEL_WHERE_ALIASES + 1];
	uint64_t total = 0;
	uint64_t pa = w->walk.phys;
	struct vml_error *err = raw_phys(k, pa, max, raw, &n, &total);
	if (err)
		return err;
	w->mappings_total = total;
	/* addr maps pa: it is one of them (tables cannot change while the
	 * source's cache holds them). */
	w->aliases_total = total ? total - 1 : 0;
	for (size_t i = 0; i < n; i++) {
		struct vml_kernel_hit h;
		make_hit(k, &raw[i], &h);
		if (h.kind == VML_KIND_KERNEL_TEXT)
			w->text_maps_page = true;
		if (h.va == w->addr || w->naliases >= VML_KERNEL_WHERE_ALIASES)
			continue;
		w->aliases[w->naliases++] = h;
	}
	struct vml_pt_phys_hit in_ranges[8];
	size_t m = vml_kernel_ranges_phys(k, pa, VML_ARRAY_SIZE(in_ranges),
					  in_ranges);
	for (size_t i = 0; i < m && i < VML_ARRAY_SIZE(in_ranges); i++)
		if (vml_kernel_kind_at(k, in_ranges[i].va) ==
		    VML_KIND_KERNEL_TEXT)
			w->text_maps_page = true;
	w->direct_map = w->kind == VML_KIND_DIRECT_MAP;
	return NULL;
}

struct vml_error *vml_kernel_where(const struct vml_kernel *k, uint64_t addr,
				   const char *symbol,
				   struct vml_kernel_where *ret,
				   size_t ret_size)
{
	if (!k || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"kernel where: NULL kernel or result");
	struct vml_error *err = vml_check_size("kernel where", ret_size,
					       VML_KERNEL_WHERE_SIZE_V2);
	if (err)
		return err;
	if (!k->source)
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"kernel where: a kernel made from ranges"
					" has no tables to walk");
	struct vml_kernel_where *w = calloc(1, sizeof(*w));
	if (!w)
		return &vml_enomem;
	w->addr = addr;
	err = vml_pt_translate(k->source, &k->paging, addr, &w->walk,
			       sizeof(w->walk));
	if (!err) {
		w->half = vml_kernel_half(k, addr);
		w->kind = vml_kernel_kind_at(k, addr);
		w->region_index = vml_layout_index(k->layout, addr);
		if (w->region_index != SIZE_MAX)
			w->region = vml_layout_region(k->layout,
						      w->region_index);
		if (symbol) {
			w->has_symbol = true;
			snprintf(w->symbol, sizeof(w->symbol), "%s", symbol);
		} else if (k->ksyms) {
			/* The debugger's symbols (vmlinux) win; else the
			 * kernel's own. */
			w->has_symbol = vml_ksyms_format(k->ksyms, addr,
							 w->symbol,
							 sizeof(w->symbol));
			if (w->has_symbol)
				w->symbol_from = VML_SYMBOL_FROM_KALLSYMS;
		}
		/* The object behind addr, from the kernel's types; a module
		 * symbol when neither the caller nor kallsyms had one. */
		char modsym[128];
		bool has_modsym = false;
		if (!err && k->ksyms && k->ksyms->btf)
			err = vml_kobj_describe(k, addr, w->object,
						sizeof(w->object), modsym,
						sizeof(modsym), &has_modsym);
		if (!err && has_modsym && !w->has_symbol) {
			w->has_symbol = true;
			w->symbol_from = VML_SYMBOL_FROM_MODULE;
			snprintf(w->symbol, sizeof(w->symbol), "%s", modsym);
		}
		if (w->walk.mapped)
			err = where_aliases(k, w);
	}
	if (!err)
		vml_copy_out(ret, ret_size, w, sizeof(*w));
	free(w);
	return err;
}

/* ------------------------------------------------------------ read plan */

struct vml_error *vml_kernel_read_plan(const struct vml_paging *paging,
				       const struct vml_kernel_hints *hints,
				       size_t hints_size, bool phys_reads,
				       struct vml_read_plan *ret,
				       size_t ret_size)
{
	if (!paging || !paging->arch || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"read plan: NULL paging or result");
	struct vml_kernel_hints hints_copy;
	struct vml_error *err = vml_check_size("read plan", ret_size,
					       VML_READ_PLAN_SIZE_V2);
	if (!err)
		err = vml_kernel_read_hints(hints, hints_size, &hints_copy,
					    &hints);
	if (err)
		return err;
	const struct vml_kernel_class *kc = paging->arch->kernel;
	struct vml_read_plan plan = { .mode = VML_READ_PHYSICAL };
	if (!phys_reads) {
		if (!kc)
			return vml_error_create(VML_ERROR_UNSUPPORTED,
						"read plan: no kernel map for %s"
						" to read physical memory"
						" through", paging->arch->name);
		const char *how = NULL;
		for (size_t s = 0; hints && hints->symbols && s < kc->nsymbols;
		     s++) {
			if (kc->symbol_bases[s] != VML_KBASE_PAGE_OFFSET)
				continue;
			for (size_t i = 0; i < hints->nsymbols; i++) {
				const struct vml_named_value *v =
					&hints->symbols[i];
				if (v->name && v->value &&
				    !strcmp(v->name, kc->symbols[s].name)) {
					plan.direct_base = kc->symbol_base ?
						kc->symbol_base(paging, s,
								v->value) :
						v->value;
					how = kc->symbols[s].name;
				}
			}
		}
		if (!how) {
			plan.direct_base = kc->direct_map_default(paging);
			how = "documented default, wrong under KASLR";
		}
		plan.mode = VML_READ_DIRECT_MAP;
		snprintf(plan.note, sizeof(plan.note),
			 "vmlayout: this gdbstub has no physical-memory mode;"
			 " reading the page tables through the direct map at"
			 " 0x%" PRIx64 " (%s)", plan.direct_base, how);
	}
	vml_copy_out(ret, ret_size, &plan, sizeof(plan));
	return NULL;
}

/* ------------------------------------------------------------ answer */

static struct vml_error *answer_phys(const struct vml_kernel *k,
				     const struct vml_kernel_request *req,
				     char **ret)
{
	size_t max = req->format == VML_FORMAT_JSON ? PHYS_JSON : PHYS_TEXT;
	struct vml_kernel_hit *hits = calloc(max, sizeof(*hits));
	if (!hits)
		return &vml_enomem;
	size_t n = 0;
	uint64_t total = 0;
	struct vml_error *err = vml_kernel_find_phys(k, req->addr, max, hits,
						     sizeof(*hits), &n, &total);
	if (!err)
		err = vml_render_phys_hits(k, req->addr, hits, n, sizeof(*hits),
					   total, req->format, req->flags, ret);
	free(hits);
	return err;
}

static struct vml_error *answer_where(const struct vml_kernel *k,
				      const struct vml_kernel_request *req,
				      char **ret)
{
	struct vml_kernel_where *w = malloc(sizeof(*w));
	if (!w)
		return &vml_enomem;
	struct vml_error *err = vml_kernel_where(k, req->addr, req->symbol, w,
						 sizeof(*w));
	if (!err)
		err = vml_render_kernel_where(k, w, sizeof(*w), req->format,
					      req->flags, ret);
	free(w);
	return err;
}

/* A guest process, read from the kernel's memory (kmm.c). */
struct task_view {
	int32_t pid;
	char comm[17];
	char *maps;                  /* vml_free */
	uint64_t pgd, pgd_pa;
	bool have_pa;
	struct vml_layout *layout;   /* made from maps */
};

static void task_view_free(struct task_view *t)
{
	vml_free(t->maps);
	vml_layout_free(t->layout);
}

static struct vml_error *task_view(const struct vml_kernel *k, uint64_t pid,
				   struct task_view *t)
{
	memset(t, 0, sizeof(*t));
	struct vml_kobj c;
	if (!vml_kobj_init(&c, k))
		return vml_error_create(VML_ERROR_UNSUPPORTED,
					"--task needs the kernel's symbols and"
					" types (kallsyms and BTF): %s",
					k->ksyms ? k->ksyms->btf_note :
					"no kernel symbols");
	if (pid > INT32_MAX)
		return vml_error_create(VML_ERROR_INVALID, "--task: %" PRIu64
					" is not a pid", pid);
	t->pid = (int32_t)pid;
	struct vml_error *err = vml_kmm_maps(&c, t->pid, &t->maps, &t->pgd,
					     t->comm, sizeof(t->comm));
	if (err)
		return err;
	if (t->pgd) {
		struct vml_error *e = vml_kernel_virt_to_phys(k, t->pgd,
							      &t->pgd_pa, NULL);
		t->have_pa = !e;
		vml_error_free(e);
	}
	err = vml_layout_from_maps(t->maps, strlen(t->maps), &t->layout);
	if (err)
		task_view_free(t);
	return err;
}

static void task_header(struct vml_strbuf *sb, const struct task_view *t)
{
	vml_sb_printf(sb, "task %" PRId32 " (%s): page-table root mm->pgd"
		      " 0x%" PRIx64, t->pid, t->comm, t->pgd);
	if (t->have_pa)
		vml_sb_printf(sb, " (physical 0x%" PRIx64 ")", t->pgd_pa);
}

struct vml_error *vml_kernel_task_maps(const struct vml_kernel *kernel,
				       int32_t pid, char **maps_ret,
				       uint64_t *pgd_phys_ret)
{
	if (!kernel || !maps_ret)
		return vml_error_create(VML_ERROR_INVALID,
					"task maps: NULL kernel or result");
	if (pid <= 0)
		return vml_error_create(VML_ERROR_INVALID, "task maps: %" PRId32
					" is not a process id", pid);
	struct task_view t;
	struct vml_error *err = task_view(kernel, (uint64_t)pid, &t);
	if (err)
		return err;
	*maps_ret = t.maps;
	t.maps = NULL;
	if (pgd_phys_ret)
		*pgd_phys_ret = t.have_pa ? t.pgd_pa : 0;
	task_view_free(&t);
	return NULL;
}

/* vmlayout --task PID: the guest process's VMAs as a user layout, under
 * one line naming its page-table root. */
static struct vml_error *answer_task(const struct vml_kernel *k,
				     const struct vml_kernel_request *req,
				     char **ret)
{
	struct task_view t;
	struct vml_error *err = task_view(k, req->addr, &t);
	if (err)
		return err;
	char *body = NULL;
	err = vml_render_layout(t.layout, req->format == VML_FORMAT_JSON ?
				VML_FORMAT_JSON : VML_FORMAT_PICTURE,
				req->flags & VML_RENDER_COLOR, &body);
	struct vml_strbuf sb = { 0 };
	if (!err && req->format == VML_FORMAT_JSON) {
		vml_sb_printf(&sb, "{\"pid\": %" PRId32 ", \"comm\": ", t.pid);
		vml_sb_json_string(&sb, t.comm);
		vml_sb_printf(&sb, ", \"pgd\": %" PRIu64 ", \"pgd_phys\": ",
			      t.pgd);
		if (t.have_pa)
			vml_sb_printf(&sb, "%" PRIu64, t.pgd_pa);
		else
			vml_sb_puts(&sb, "null");
		vml_sb_puts(&sb, ", \"maps\": ");
		vml_sb_json_string(&sb, t.maps);
		vml_sb_printf(&sb, ", \"layout\": %s}\n", body);
	} else if (!err) {
		task_header(&sb, &t);
		vml_sb_puts(&sb, "; its VMAs, read from the guest's memory\n");
		vml_sb_puts(&sb, body);
	}
	vml_free(body);
	task_view_free(&t);
	if (err) {
		vml_sb_release(&sb);
		return err;
	}
	return vml_sb_finish(&sb, ret);
}

/* whereis --task PID ADDR: addr in the process's layout, then walked
 * through its own page tables (the kernel's paging with the user root
 * replaced by mm->pgd). */
static struct vml_error *answer_task_where(const struct vml_kernel *k,
					   const struct vml_kernel_request *req,
					   char **ret)
{
	struct task_view t;
	struct vml_error *err = task_view(k, (uint64_t)req->task, &t);
	if (err)
		return err;
	struct vml_where w;
	char *body = NULL;
	err = vml_layout_where(t.layout, req->addr, &w, sizeof(w));
	if (!err)
		err = vml_render_where(t.layout, &w, sizeof(w),
				       req->format == VML_FORMAT_JSON ?
				       VML_FORMAT_JSON : VML_FORMAT_TEXT,
				       req->flags & VML_RENDER_COLOR, &body);
	struct vml_pt_translation tr;
	bool walked = false;
	if (!err && t.have_pa) {
		struct vml_paging p = k->paging;
		bool replaced = false;
		for (size_t i = 0; i < p.nroots; i++)
			if (p.roots[i].va_base < p.user_end) {
				p.roots[i].table = t.pgd_pa;
				replaced = true;
			}
		if (replaced && req->addr < p.user_end) {
			struct vml_error *e = vml_pt_translate(
				k->source, &p, req->addr, &tr, sizeof(tr));
			walked = !e;
			vml_error_free(e);
		}
	}
	/* The page it maps, with the kernel's types: page cache of which
	 * file, anonymous ... */
	char page[320] = "";
	struct vml_kobj c;
	if (!err && walked && tr.mapped && vml_kobj_init(&c, k))
		vml_kpage_describe_phys(&c, tr.phys, page, sizeof(page));
	struct vml_strbuf sb = { 0 };
	if (!err && req->format == VML_FORMAT_JSON) {
		vml_sb_printf(&sb, "{\"pid\": %" PRId32 ", \"comm\": ", t.pid);
		vml_sb_json_string(&sb, t.comm);
		vml_sb_printf(&sb, ", \"mapped\": %s", !walked ? "null" :
			      tr.mapped ? "true" : "false");
		if (walked && tr.mapped)
			vml_sb_printf(&sb, ", \"phys\": %" PRIu64 ", \"page_size\": %"
				      PRIu64, tr.phys, tr.page_size);
		vml_sb_puts(&sb, ", \"page\": ");
		vml_sb_json_string(&sb, page[0] ? page : NULL);
		vml_sb_printf(&sb, ", \"where\": %s}\n", body);
	} else if (!err) {
		task_header(&sb, &t);
		vml_sb_puts(&sb, "\n");
		vml_sb_puts(&sb, body);
		if (walked && tr.mapped) {
			char size[32];
			vml_format_size(tr.page_size, size, sizeof(size));
			vml_sb_printf(&sb, "  its page tables: mapped, %s page,"
				      " physical 0x%" PRIx64 ", %s %s %s\n",
				      size, tr.phys,
				      tr.flags & VML_PT_USER ? "user" :
				      "supervisor",
				      tr.flags & VML_PT_WRITE ? "writable" :
				      "read-only",
				      k->paging.nx && (tr.flags & VML_PT_NX) ?
				      "no-exec" : "executable");
			if (page[0])
				vml_sb_printf(&sb, "  its page: %s\n", page);
		} else if (walked) {
			vml_sb_printf(&sb, "  its page tables: not present at"
				      " level %" PRIu32 " (never touched, or"
				      " swapped out)\n", tr.stop_level);
		}
	}
	vml_free(body);
	task_view_free(&t);
	if (err) {
		vml_sb_release(&sb);
		return err;
	}
	return vml_sb_finish(&sb, ret);
}

struct vml_error *vml_kernel_answer(struct vml_source *src,
				    const struct vml_paging *paging,
				    const struct vml_kernel_hints *hints,
				    size_t hints_size,
				    const struct vml_kernel_request *request,
				    size_t req_size, char **ret)
{
	if (!src || !paging || !request || !ret)
		return vml_error_create(VML_ERROR_INVALID,
					"kernel answer: NULL source, paging,"
					" request or result");
	struct vml_error *err = vml_check_size("kernel request", req_size,
					       VML_KERNEL_REQUEST_SIZE_V2);
	if (err)
		return err;
	struct vml_kernel_request req;
	vml_copy_in(&req, sizeof(req), request, req_size);
	if (req.query > VML_KQUERY_TASK)
		return vml_error_create(VML_ERROR_INVALID,
					"kernel answer: unknown query %" PRIu32,
					req.query);
	if (req.query == VML_KQUERY_PHYS && (err = vml_check_phys(paging,
								 req.addr)))
		return err;
	struct vml_kernel *k;
	err = vml_kernel_from_pagetables(src, paging, hints, hints_size, &k);
	if (err)
		return err;
	if (req.ksyms && (err = vml_kernel_set_ksyms(k, req.ksyms))) {
		vml_kernel_free(k);
		return err;
	}
	uint32_t flags = req.flags & VML_RENDER_COLOR;
	switch (req.query) {
	case VML_KQUERY_WHERE:
		err = req.task ? answer_task_where(k, &req, ret) :
				 answer_where(k, &req, ret);
		break;
	case VML_KQUERY_PHYS:
		err = answer_phys(k, &req, ret);
		break;
	case VML_KQUERY_TASK:
		err = answer_task(k, &req, ret);
		break;
	default:
		if (req.query == VML_KQUERY_PAGETABLES)
			flags |= VML_KRENDER_PAGETABLES;
		else if (req.query == VML_KQUERY_WX)
			flags |= VML_KRENDER_WX;
		err = vml_render_kernel(k, (enum vml_format)req.format, flags,
					ret);
		break;
	}
	vml_kernel_free(k);
	return err;
}
