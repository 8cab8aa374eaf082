/*
 * kmm.c — a guest process's user memory from its mm_struct: its
 * page-table root (mm->pgd) and its VMAs, written as /proc/PID/maps text
 * so the library's maps reader makes the layout. The VMAs hang off the
 * maple tree mm->mm_mt on 6.1 and later, off the mm->mmap list (vm_next)
 * before; which one the kernel has, its BTF says. Node layouts (pivot and
 * slot arrays of maple_range_64 / maple_arange_64) come from BTF too; the
 * encoding of a node pointer (low byte: bit 1 "internal", bits 3-6 enum
 * maple_type) is the maple tree's own format.
 * Every VMA found is checked to belong to the mm (vm_mm), so a stale slot
 * or a garbage pointer is dropped, not shown. Walks are bounded: at most
 * MAX_VMAS VMAs, MAX_NODES nodes, MAX_DEPTH levels.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kobjects.h"

#define MAX_VMAS  65536u      /* the kernel's default max_map_count */
#define MAX_NODES (1u << 18)
#define MAX_DEPTH 32u
#define PATH_DEPTH 64u

struct vma_set {
	uint64_t *v;
	size_t n, cap;
	bool full;
};

static bool vma_add(struct vma_set *s, uint64_t vma)
{
	if (s->n == s->cap) {
		if (s->cap >= MAX_VMAS) {
			s->full = true;
			return false;
		}
		size_t cap = s->cap ? s->cap * 2 : 64;
		uint64_t *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return false;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = vma;
	return true;
}

struct maple {
	int64_t leaf, range, arange;   /* enum maple_type values */
	struct vml_btf_field r_slot, a_slot;
	unsigned nodes;
};

static void maple_walk(struct vml_kobj *c, struct maple *m, uint64_t entry,
		       unsigned depth, struct vma_set *s)
{
	if (!entry || depth > MAX_DEPTH || m->nodes >= MAX_NODES || s->full)
		return;
	bool node = (entry & 3) == 2 && entry > 4096;
	if (!node) {
		if ((entry & 3) == 0)       /* a pointer: a VMA */
			vma_add(s, entry);
		return;                     /* other internal values */
	}
	m->nodes++;
	uint64_t base = entry & ~UINT64_C(255);
	int64_t type = (int64_t)((entry >> 3) & 0xf);
	const struct vml_btf_field *slots = type == m->arange ? &m->a_slot :
					    &m->r_slot;
	if (type != m->leaf && type != m->range && type != m->arange)
		return;                     /* dense nodes hold no VMAs */
	if (slots->count > 64)
		return;
	uint8_t buf[64 * 8];
	size_t len = (size_t)slots->count * c->ptr_size;
	if (!vml_kobj_read(c, base + slots->offset, buf, len))
		return;
	for (uint64_t i = 0; i < slots->count; i++) {
		uint64_t v = 0;
		for (unsigned b = 0; b < c->ptr_size; b++)
			v |= (uint64_t)buf[i * c->ptr_size + b] << (8 * b);
		if (c->big_endian) {
			v = 0;
			for (unsigned b = 0; b < c->ptr_size; b++)
				v = v << 8 | buf[i * c->ptr_size + b];
		}
		if (!v)
			continue;
		if (type == m->leaf) {
			if ((v & 3) == 0)
				vma_add(s, v);
		} else {
			maple_walk(c, m, v, depth + 1, s);
		}
	}
}

static bool collect_vmas(struct vml_kobj *c, uint64_t mm, struct vma_set *s,
			 char *why, size_t why_size)
{
	uint64_t root;
	struct maple m = { 0 };
	if (vml_kobj_member(c, mm, "mm_struct", "mm_mt.ma_root", &root)) {
		if (!vml_btf_enum_value(c->btf, "maple_leaf_64", &m.leaf) ||
		    !vml_btf_enum_value(c->btf, "maple_range_64", &m.range) ||
		    !vml_btf_enum_value(c->btf, "maple_arange_64", &m.arange) ||
		    !vml_btf_member(c->btf, "maple_range_64", "slot",
				    &m.r_slot) ||
		    !vml_btf_member(c->btf, "maple_arange_64", "slot",
				    &m.a_slot)) {
			snprintf(why, why_size, "the kernel's BTF has no maple"
				 " tree node types");
			return false;
		}
		maple_walk(c, &m, root, 0, s);
		return true;
	}
	uint64_t vma, next_off;
	if (vml_kobj_member(c, mm, "mm_struct", "mmap", &vma) &&
	    vml_kobj_off(c, "vm_area_struct", "vm_next", &next_off)) {
		for (unsigned i = 0; vma && i < MAX_VMAS; i++) {
			if (!vma_add(s, vma))
				break;
			if (!vml_kobj_word(c, vma + next_off, &vma))
				break;
		}
		return true;
	}
	snprintf(why, why_size, "mm_struct has neither mm_mt nor mmap in the"
		 " kernel's BTF");
	return false;
}

struct vma {
	uint64_t start, end, flags, pgoff, file, ops, priv;
};

/* maps' device and inode columns of a file mapping: the inode's number
 * and its super block's s_dev (dev_t: 12-bit major above a 20-bit minor). */
static void file_ids(struct vml_kobj *c, uint64_t file, uint64_t *dev,
		     uint64_t *ino)
{
	uint64_t inode, sb;
	*dev = *ino = 0;
	if (!vml_kobj_member(c, file, "file", "f_inode", &inode) || !inode)
		return;
	vml_kobj_member(c, inode, "inode", "i_ino", ino);
	if (vml_kobj_member(c, inode, "inode", "i_sb", &sb) && sb)
		vml_kobj_member(c, sb, "super_block", "s_dev", dev);
}

static int vma_cmp(const void *a, const void *b)
{
	const struct vma *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* The file's path from its dentry up to the root of its file system. */
static void file_path(struct vml_kobj *c, uint64_t file, char *buf,
		      size_t size)
{
	uint64_t d;
	buf[0] = '\0';
	if (vml_kobj_member(c, file, "file", "f_path.dentry", &d) && d)
		vml_kmm_dentry_path(c, d, buf, size);
}

void vml_kmm_dentry_path(struct vml_kobj *c, uint64_t d, char *buf,
			 size_t size)
{
	uint64_t name_off, parent_off;
	buf[0] = '\0';
	if (!d || !vml_kobj_off(c, "dentry", "d_name.name", &name_off) ||
	    !vml_kobj_off(c, "dentry", "d_parent", &parent_off))
		return;
	char path[1024] = "";
	size_t used = 0;
	for (unsigned i = 0; i < PATH_DEPTH; i++) {
		uint64_t np, parent;
		char part[256];
		if (!vml_kobj_word(c, d + name_off, &np) ||
		    !vml_kobj_string(c, np, part, sizeof(part)) ||
		    !vml_kobj_word(c, d + parent_off, &parent))
			break;
		if (parent == d || !parent)  /* the root: its name is "/" */
			break;
		size_t pl = strlen(part);
		if (pl + 1 + used >= sizeof(path))
			break;
		memmove(path + pl + 1, path, used + 1);
		path[0] = '/';
		memcpy(path + 1, part, pl);
		used += pl + 1;
		d = parent;
	}
	snprintf(buf, size, "%s", used ? path : "/");
}

static void vma_name(struct vml_kobj *c, uint64_t mm, const struct vma *v,
		     char *buf, size_t size)
{
	buf[0] = '\0';
	if (v->file) {
		file_path(c, v->file, buf, size);
		return;
	}
	/* A special mapping ([vdso], [vvar] ...): its vm_special_mapping
	 * names it. */
	uint64_t sm = vml_ksyms_addr(c->ks, "special_mapping_vmops");
	uint64_t lsm = vml_ksyms_addr(c->ks, "legacy_special_mapping_vmops");
	uint64_t np;
	if (v->ops && (v->ops == sm || v->ops == lsm) && v->priv &&
	    vml_kobj_member(c, v->priv, "vm_special_mapping", "name", &np) &&
	    np && vml_kobj_string(c, np, buf, size))
		return;
	uint64_t brk, start_brk, start_stack;
	if (vml_kobj_member(c, mm, "mm_struct", "brk", &brk) &&
	    vml_kobj_member(c, mm, "mm_struct", "start_brk", &start_brk) &&
	    v->start <= brk && v->end >= start_brk) {
		snprintf(buf, size, "[heap]");
		return;
	}
	if (vml_kobj_member(c, mm, "mm_struct", "start_stack", &start_stack) &&
	    v->start <= start_stack && start_stack < v->end)
		snprintf(buf, size, "[stack]");
}

struct by_pid {
	int32_t pid;
	uint64_t task;
};

static bool match_pid(struct vml_kobj *c, uint64_t task, void *arg)
{
	struct by_pid *b = arg;
	uint64_t pid;
	if (!vml_kobj_member(c, task, "task_struct", "pid", &pid) ||
	    (int32_t)pid != b->pid)
		return false;
	b->task = task;
	return true;
}

struct vml_error *vml_kmm_maps(struct vml_kobj *c, int32_t pid,
			       char **maps_ret, uint64_t *pgd_ret,
			       char *comm, size_t comm_size)
{
	struct by_pid b = { pid, 0 };
	if (pid <= 0)
		return vml_error_create(VML_ERROR_INVALID, "task %" PRId32
					": no such process (pid 0 is the idle"
					" task)", pid);
	vml_ktask_each(c, match_pid, &b);
	if (!b.task)
		return vml_error_create(VML_ERROR_NOT_FOUND, "no task %" PRId32
					" in the guest's task list", pid);
	uint64_t mm = 0, off;
	if (comm_size && vml_kobj_off(c, "task_struct", "comm", &off))
		vml_kobj_string(c, b.task + off, comm,
				comm_size < 17 ? comm_size : 17);
	if (!vml_kobj_member(c, b.task, "task_struct", "mm", &mm) || !mm)
		return vml_error_create(VML_ERROR_NOT_FOUND, "task %" PRId32
					" (%s) has no user memory: a kernel"
					" thread", pid, comm_size ? comm : "");
	if (pgd_ret && !vml_kobj_member(c, mm, "mm_struct", "pgd", pgd_ret))
		*pgd_ret = 0;
	struct vma_set s = { 0 };
	char why[128];
	if (!collect_vmas(c, mm, &s, why, sizeof(why))) {
		free(s.v);
		return vml_error_create(VML_ERROR_UNSUPPORTED, "task %" PRId32
					": %s", pid, why);
	}
	struct vma *vs = calloc(s.n ? s.n : 1, sizeof(*vs));
	if (!vs) {
		free(s.v);
		return &vml_enomem;
	}
	size_t n = 0;
	for (size_t i = 0; i < s.n; i++) {
		struct vma v = { 0 };
		uint64_t owner;
		uint64_t a = s.v[i];
		if (!vml_kobj_member(c, a, "vm_area_struct", "vm_mm", &owner) ||
		    owner != mm ||
		    !vml_kobj_member(c, a, "vm_area_struct", "vm_start",
				     &v.start) ||
		    !vml_kobj_member(c, a, "vm_area_struct", "vm_end", &v.end) ||
		    v.start >= v.end)
			continue;
		vml_kobj_member(c, a, "vm_area_struct", "vm_flags", &v.flags);
		vml_kobj_member(c, a, "vm_area_struct", "vm_pgoff", &v.pgoff);
		vml_kobj_member(c, a, "vm_area_struct", "vm_file", &v.file);
		vml_kobj_member(c, a, "vm_area_struct", "vm_ops", &v.ops);
		vml_kobj_member(c, a, "vm_area_struct", "vm_private_data",
				&v.priv);
		vs[n++] = v;
	}
	free(s.v);
	qsort(vs, n, sizeof(*vs), vma_cmp);
	struct vml_strbuf sb = { 0 };
	uint64_t last_end = 0;
	for (size_t i = 0; i < n; i++) {
		const struct vma *v = &vs[i];
		if (v->start < last_end)
			continue;           /* a duplicate or an overlap */
		last_end = v->end;
		char name[1024];
		vma_name(c, mm, v, name, sizeof(name));
		/* vm_flags: VM_READ 1, VM_WRITE 2, VM_EXEC 4, VM_MAYSHARE
		 * 0x80 (maps' 's'). */
		uint64_t dev = 0, ino = 0;
		if (v->file)
			file_ids(c, v->file, &dev, &ino);
		vml_sb_printf(&sb, "%08" PRIx64 "-%08" PRIx64 " %c%c%c%c %08"
			      PRIx64 " %02" PRIx64 ":%02" PRIx64 " %" PRIu64,
			      v->start, v->end,
			      v->flags & 1 ? 'r' : '-', v->flags & 2 ? 'w' : '-',
			      v->flags & 4 ? 'x' : '-',
			      v->flags & 0x80 ? 's' : 'p',
			      v->file ? v->pgoff << 12 : 0,
			      (dev >> 20) & 0xfff, dev & 0xfffff, ino);
		if (name[0])
			vml_sb_printf(&sb, "%*s%s", 10, "", name);
		vml_sb_putc(&sb, '\n');
	}
	free(vs);
	if (!sb.len && !sb.failed) {
		vml_sb_release(&sb);
		return vml_error_create(VML_ERROR_NOT_FOUND, "task %" PRId32
					": no VMA could be read", pid);
	}
	return vml_sb_finish(&sb, maps_ret);
}
