/*
 * kobjects.h — the kernel objects behind an address, found by walking the
 * running kernel's own lists with struct layouts from its BTF (btf.c) and
 * addresses from its kallsyms (ksyms.c): task stacks (ktasks.c), modules
 * (kmodules.c), vmalloc areas (kvmalloc.c), per-CPU areas (kpercpu.c),
 * pages and slab objects (kslab.c).
 * Internal. Every walk is bounded, every read checked: a kernel caught
 * half-way through changing a list gives a shorter answer, never a crash.
 */
#ifndef VML_KOBJECTS_H
#define VML_KOBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ksyms.h"

/* Bounds of the walks (a kernel has far fewer of each). */
#define VML_KOBJ_MAX_TASKS   (1u << 16)
#define VML_KOBJ_MAX_MODULES 4096u
#define VML_KOBJ_MAX_CPUS    8192u
#define VML_KOBJ_TREE_DEPTH  128u   /* a red-black tree of 2^64 nodes is
				       shallower */
#define VML_KOBJ_MAX_MODSYMS (1u << 20)

/* Reads len bytes of kernel memory at va: false when any is unreadable. */
typedef bool vml_kobj_read_fn(void *arg, uint64_t va, void *buf, size_t len);

/* What the walkers share: how to read the kernel's memory, its symbols
 * and types. Only read goes to memory, so the unit tests and the fuzzer
 * give the walkers a buffer for a kernel. */
struct vml_kobj {
	vml_kobj_read_fn *read;
	void *read_arg;
	/* va's physical address through the kernel's page tables (arg:
	 * read_arg); NULL when unknown (then only direct-map addresses get
	 * their page described). */
	bool (*phys)(void *arg, uint64_t va, uint64_t *pa_ret);
	const struct vml_ksyms *ks;
	const struct vml_btf *btf;
	unsigned ptr_size;
	bool big_endian;
	uint64_t reads;              /* calls of read, for the tests */
};

/* ------------------------------------------------------------ kobjects.c */

/* c for k, false when k has no symbols or no types. */
bool vml_kobj_init(struct vml_kobj *c, const struct vml_kernel *k);
/* len bytes at va through c->read (counted); false when unreadable. */
bool vml_kobj_read(struct vml_kobj *c, uint64_t va, void *buf, size_t len);
/* A NUL-terminated string of at most size - 1 bytes, non-printable bytes
 * shown as '?'; "" and false when unreadable. */
bool vml_kobj_string(struct vml_kobj *c, uint64_t va, char *buf,
		     size_t size);
/* One kernel word / 32-bit value at va; false when unreadable. */
bool vml_kobj_word(struct vml_kobj *c, uint64_t va, uint64_t *ret);
bool vml_kobj_u32(struct vml_kobj *c, uint64_t va, uint32_t *ret);
/* Word or u32 (by the member's BTF size) of type.path at base. */
bool vml_kobj_member(struct vml_kobj *c, uint64_t base,
		     const char *type, const char *path, uint64_t *ret);
bool vml_kobj_off(struct vml_kobj *c, const char *type,
		  const char *path, uint64_t *ret);
/* The kernel's value of a global variable (word), false when none. */
bool vml_kobj_global(struct vml_kobj *c, const char *name,
		     uint64_t *ret);

/* The kernel object holding addr, described in one line in desc ("" when
 * none is known); a module address also gets the module's symbol in sym
 * (*has_sym). Errors: out of memory only. */
struct vml_error *vml_kobj_describe(const struct vml_kernel *k,
				    uint64_t addr, char *desc, size_t dsize,
				    char *sym, size_t ssize, bool *has_sym);
/* The same for a kernel given as c: addr's slot kind (enum vml_kind) and
 * whether it is mapped writable. */
void vml_kobj_describe_in(struct vml_kobj *c, uint64_t addr, uint32_t kind,
			  bool writable, char *desc, size_t dsize, char *sym,
			  size_t ssize, bool *has_sym);

/* ------------------------------------------------------------ kpercpu.c */

struct vml_percpu {
	uint32_t ncpus;              /* nr_cpu_ids, bounded */
	uint64_t offsets[64];        /* __per_cpu_offset[] of the first CPUs */
	uint64_t unit_size;          /* pcpu_unit_size, 0 when unknown */
	uint64_t start, end;         /* __per_cpu_start, __per_cpu_end */
};
bool vml_kpercpu_read(struct vml_kobj *c, struct vml_percpu *ret);
/* The current task of cpu (pcpu_hot.current_task or current_task). */
bool vml_kpercpu_current(struct vml_kobj *c,
			 const struct vml_percpu *pc, uint32_t cpu,
			 uint64_t *task_ret);
/* addr in a CPU's per-CPU unit: "per-CPU area of CPU 1: name+0x8". */
bool vml_kpercpu_describe(struct vml_kobj *c, uint64_t addr,
			  char *buf, size_t size);

/* ------------------------------------------------------------ ktasks.c */

struct vml_ktask {
	uint64_t task;               /* its task_struct */
	int32_t pid, tgid;
	char comm[17];
	uint64_t stack, stack_size;  /* [stack, stack + stack_size) */
	uint64_t saved_sp;           /* thread.sp: where it last switched out */
	int32_t running_on;          /* CPU whose current task it is, or -1 */
	int32_t last_cpu;            /* task_struct.cpu / thread_info.cpu, -1 */
};
/* The task whose kernel stack holds addr. */
bool vml_ktask_by_stack(struct vml_kobj *c, uint64_t addr,
			struct vml_ktask *ret);
void vml_ktask_format(const struct vml_ktask *t, uint64_t addr, char *buf,
		      size_t size);
/* Calls fn on every task (processes and their threads, then each CPU's
 * current task), at most VML_KOBJ_MAX_TASKS; stops when fn returns true.
 * Returns what the last fn returned. */
bool vml_ktask_each(struct vml_kobj *c,
		    bool (*fn)(struct vml_kobj *c, uint64_t task,
			       void *arg), void *arg);
/* pid, comm, ... of task (stack_size left 0: the caller knows it). */
bool vml_ktask_read(struct vml_kobj *c, uint64_t task,
		    struct vml_ktask *ret);

/* ------------------------------------------------------------ kmodules.c */

/* "vmltest_function+0x4 [vmltest]" of addr in a loaded module (its
 * symbol table), and the module's part ("text", "data" ...). */
bool vml_kmod_describe(struct vml_kobj *c, uint64_t addr, char *desc,
		       size_t dsize, char *sym, size_t ssize);
/* addr symbolized: kernel symbols first, then the modules'. */
bool vml_kobj_symbolize(struct vml_kobj *c, uint64_t addr, char *buf,
			size_t size);
/* A module's per-CPU data holding per-CPU offset off: "vmltest+0x0". */
bool vml_kmod_percpu(struct vml_kobj *c, uint64_t off, char *buf,
		     size_t size);

/* A loaded module as vml_kmod_each gives it: its parts and the symbols of
 * its symbol table that lie in them, sorted by address (a symbol's part
 * is parts[sym.part]). Everything points into storage the iterator owns
 * and reuses: valid during the call only. */
#define VML_KMOD_MAX_PARTS 16u
struct vml_kmod_part {
	uint64_t base, size;
	const char *name;            /* "text", "init text", "data" ... */
	bool exec;
};
struct vml_kmod_sym {
	const char *name;
	uint64_t addr;
	char type;                   /* kallsyms letter: lower case is local */
	uint32_t part;
};
struct vml_kmod {
	uint64_t module;             /* its struct module */
	char name[64];
	size_t nparts, nsyms;
	struct vml_kmod_part parts[VML_KMOD_MAX_PARTS];
	const struct vml_kmod_sym *syms;
};
/* Calls fn on each loaded module (at most VML_KOBJ_MAX_MODULES) whose
 * name, parts and symbol table could be read, until fn returns true; a
 * module that could not be read is skipped and counted in *skipped (when
 * not NULL). Errors: out of memory only. */
struct vml_error *vml_kmod_each(struct vml_kobj *c,
				bool (*fn)(const struct vml_kmod *m,
					   void *arg),
				void *arg, size_t *skipped);

/* ------------------------------------------------------------ ksyms_elf.c */

/* vml_ksyms_write_elf with the modules read through c (NULL: none). */
struct vml_error *vml_ksyms_write_elf_in(const struct vml_ksyms *ks,
					 struct vml_kobj *c,
					 const char *path);

/* ------------------------------------------------------------ kvmalloc.c */

struct vml_vmarea {
	uint64_t va_start, va_end;   /* the vmap_area */
	uint64_t vm;                 /* its vm_struct, 0 when none */
	uint64_t addr, size, flags, nr_pages, phys_addr, caller;
};
/* The vmap_area holding addr (vmap_area_root). */
bool vml_kvmalloc_find(struct vml_kobj *c, uint64_t addr,
		       struct vml_vmarea *ret);
void vml_kvmalloc_format(struct vml_kobj *c,
			 const struct vml_vmarea *a, char *buf, size_t size);

/* ------------------------------------------------------------ kslab.c */

/* Bound of one freelist walk besides the slab's object count (the
 * object count is a 15-bit field). */
#define VML_KSLAB_MAX_OBJECTS 65536u

/* The struct page behind a direct-map address. */
struct vml_kpage {
	uint64_t pfn;
	uint64_t page;               /* its struct page */
	uint64_t head;               /* the compound head's (page if none) */
	uint64_t head_pfn;
	uint64_t flags;              /* the head's flags */
	uint64_t vaddr;              /* the page's direct-map address */
};
bool vml_kpage_of(struct vml_kobj *c, uint64_t addr, struct vml_kpage *ret);

enum vml_kslab_state {
	VML_KSLAB_UNKNOWN = 0,       /* a freelist was damaged or unreadable */
	VML_KSLAB_ALLOCATED,
	VML_KSLAB_FREE,              /* on the slab's freelist */
	VML_KSLAB_FREE_CPU,          /* on a CPU's freelist (cpu) */
};
/* The slab object holding a direct-map address. */
struct vml_kslab_obj {
	uint64_t slab;               /* struct slab (the head struct page) */
	uint64_t slab_addr;          /* the slab's memory */
	uint64_t cache;              /* struct kmem_cache */
	char name[64];
	uint32_t size;               /* slot: object, metadata, padding */
	uint32_t object_size;        /* what the caller asked for */
	uint32_t fp_offset;          /* the free pointer's place in a slot */
	uint32_t objects;            /* objects in this slab */
	bool hardened;               /* CONFIG_SLAB_FREELIST_HARDENED */
	bool in_object;              /* false: padding past the last object or
					the red zone before the first */
	uint64_t index, obj, off;    /* object, its address, addr - obj */
	uint32_t state;              /* enum vml_kslab_state */
	int32_t cpu;                 /* VML_KSLAB_FREE_CPU: whose freelist */
};
/* False when addr's page is not a slab's (or is unreadable). */
bool vml_kslab_find(struct vml_kobj *c, uint64_t addr,
		    struct vml_kslab_obj *ret);
/* The same without the freelist walks (state left VML_KSLAB_UNKNOWN):
 * the slab's cache, its geometry and the object index, for filters that
 * need no more (a scan's slab:NAME). */
bool vml_kslab_slot(struct vml_kobj *c, uint64_t addr,
		    struct vml_kslab_obj *ret);
void vml_kslab_format(const struct vml_kslab_obj *o, char *buf,
		      size_t size);
/* What the page of a direct-map address is, in one line: a slab object,
 * else a page table, anonymous memory, page cache (with its file), a
 * free page of the buddy allocator, reserved ... */
bool vml_kpage_describe(struct vml_kobj *c, uint64_t addr, char *buf,
			size_t size);
/* The same for any mapped address: its page through c->phys. */
bool vml_kpage_describe_mapped(struct vml_kobj *c, uint64_t addr, char *buf,
			       size_t size);
/* The same for a physical address (a user page's, walked elsewhere). */
bool vml_kpage_describe_phys(struct vml_kobj *c, uint64_t pa, char *buf,
			     size_t size);

/* ------------------------------------------------------------ kmm.c */

/* The path of a dentry up to its file system's root ("" if unreadable). */
void vml_kmm_dentry_path(struct vml_kobj *c, uint64_t dentry, char *buf,
			 size_t size);


/* /proc/PID/maps text of guest process pid from its VMAs (*maps_ret: free
 * with vml_free), its mm->pgd (virtual) and comm. */
struct vml_error *vml_kmm_maps(struct vml_kobj *c, int32_t pid,
			       char **maps_ret, uint64_t *pgd_ret,
			       char *comm, size_t comm_size);

#endif /* VML_KOBJECTS_H */
