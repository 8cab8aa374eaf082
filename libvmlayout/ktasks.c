/*
 * ktasks.c — tasks and their kernel stacks. Processes hang off
 * init_task.tasks; each one's threads off signal->thread_head (linked by
 * thread_node); the idle tasks of the CPUs are on neither list, so each
 * CPU's current task is visited as well. A stack is task->stack, its size
 * the stack's vmalloc area less its guard page (CONFIG_VMAP_STACK) or, on
 * kernels without, the size x86-64 and arm64 use (16 KiB).
 * Every list is followed at most VML_KOBJ_MAX_TASKS steps in all, and a
 * walk ends at the first unreadable link: a kernel caught while a task
 * forks or exits gives a shorter list, never a loop.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "kobjects.h"

#define STACK_DEFAULT (UINT64_C(16) << 10)
#define PAGE 4096u

bool vml_ktask_read(struct vml_kobj *c, uint64_t task,
		    struct vml_ktask *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->task = task;
	ret->running_on = ret->last_cpu = -1;
	uint64_t v, comm;
	if (!vml_kobj_member(c, task, "task_struct", "pid", &v))
		return false;
	ret->pid = (int32_t)v;
	if (vml_kobj_member(c, task, "task_struct", "tgid", &v))
		ret->tgid = (int32_t)v;
	if (vml_kobj_off(c, "task_struct", "comm", &comm))
		vml_kobj_string(c, task + comm, ret->comm, sizeof(ret->comm));
	if (!vml_kobj_member(c, task, "task_struct", "stack", &ret->stack))
		return false;
	if (!vml_kobj_member(c, task, "task_struct", "thread.sp",
			     &ret->saved_sp))
		vml_kobj_member(c, task, "task_struct",
				"thread.cpu_context.sp", &ret->saved_sp);
	if (vml_kobj_member(c, task, "task_struct", "cpu", &v) ||
	    vml_kobj_member(c, task, "task_struct", "thread_info.cpu", &v))
		ret->last_cpu = (int32_t)v;
	return true;
}

/* Bytes of task's stack: its vmalloc area less the guard page. */
static uint64_t stack_size(struct vml_kobj *c, uint64_t task)
{
	uint64_t vm, size;
	if (vml_kobj_member(c, task, "task_struct", "stack_vm_area", &vm) &&
	    vm && vml_kobj_member(c, vm, "vm_struct", "size", &size) &&
	    size > PAGE && size <= (UINT64_C(1) << 20))
		return size - PAGE;
	return STACK_DEFAULT;
}

struct walk {
	unsigned visits;
};

/* Follows the list at head (list_head.next at offset 0) calling fn on
 * each entry (entry = node - link_off). */
static bool each_in_list(struct vml_kobj *c, uint64_t head,
			 uint64_t link_off, unsigned *budget,
			 bool (*fn)(struct vml_kobj *, uint64_t, void *),
			 void *arg, bool (*inner)(struct vml_kobj *,
						 uint64_t, unsigned *,
						 bool (*)(struct vml_kobj *,
							  uint64_t, void *),
						 void *))
{
	uint64_t node;
	if (!vml_kobj_word(c, head, &node))
		return false;
	while (node != head && node && *budget) {
		(*budget)--;
		uint64_t entry = node - link_off;
		bool done = inner ? inner(c, entry, budget, fn, arg) :
				    fn(c, entry, arg);
		if (done)
			return true;
		if (!vml_kobj_word(c, node, &node))
			return false;
	}
	return false;
}

/* task's threads (their thread_node list), or task alone. */
static bool each_thread(struct vml_kobj *c, uint64_t task,
			unsigned *budget,
			bool (*fn)(struct vml_kobj *, uint64_t, void *),
			void *arg)
{
	uint64_t sig, head_off, node_off;
	if (vml_kobj_member(c, task, "task_struct", "signal", &sig) && sig &&
	    vml_kobj_off(c, "signal_struct", "thread_head", &head_off) &&
	    vml_kobj_off(c, "task_struct", "thread_node", &node_off)) {
		uint64_t head = sig + head_off, first;
		/* An empty or unreadable thread list: the task alone. */
		if (vml_kobj_word(c, head, &first) && first != head && first)
			return each_in_list(c, head, node_off, budget, fn, arg,
					    NULL);
	}
	return fn(c, task, arg);
}

bool vml_ktask_each(struct vml_kobj *c,
		    bool (*fn)(struct vml_kobj *c, uint64_t task,
			       void *arg), void *arg)
{
	unsigned budget = VML_KOBJ_MAX_TASKS;
	uint64_t init = vml_ksyms_addr(c->ks, "init_task"), tasks_off;
	if (init && vml_kobj_off(c, "task_struct", "tasks", &tasks_off)) {
		if (fn(c, init, arg))
			return true;
		if (each_in_list(c, init + tasks_off, tasks_off, &budget, fn,
				 arg, each_thread))
			return true;
	}
	struct vml_percpu pc;
	if (!vml_kpercpu_read(c, &pc))
		return false;
	for (uint32_t cpu = 0; cpu < pc.ncpus && cpu < 64; cpu++) {
		uint64_t cur;
		if (vml_kpercpu_current(c, &pc, cpu, &cur) && cur &&
		    fn(c, cur, arg))
			return true;
	}
	return false;
}

struct by_stack {
	uint64_t addr;
	struct vml_ktask *ret;
	bool found;
};

static bool match_stack(struct vml_kobj *c, uint64_t task, void *arg)
{
	struct by_stack *b = arg;
	uint64_t stack;
	if (!vml_kobj_member(c, task, "task_struct", "stack", &stack) ||
	    !stack || b->addr < stack || b->addr - stack >= (UINT64_C(1) << 20))
		return false;
	uint64_t size = stack_size(c, task);
	if (b->addr - stack >= size)
		return false;
	if (!vml_ktask_read(c, task, b->ret))
		return false;
	b->ret->stack_size = size;
	b->found = true;
	return true;
}

static void running_on(struct vml_kobj *c, struct vml_ktask *t)
{
	struct vml_percpu pc;
	if (!vml_kpercpu_read(c, &pc))
		return;
	for (uint32_t cpu = 0; cpu < pc.ncpus && cpu < 64; cpu++) {
		uint64_t cur;
		if (vml_kpercpu_current(c, &pc, cpu, &cur) && cur == t->task) {
			t->running_on = (int32_t)cpu;
			return;
		}
	}
}

bool vml_ktask_by_stack(struct vml_kobj *c, uint64_t addr,
			struct vml_ktask *ret)
{
	struct by_stack b = { .addr = addr, .ret = ret };
	vml_ktask_each(c, match_stack, &b);
	if (b.found)
		running_on(c, ret);
	return b.found;
}

void vml_ktask_format(const struct vml_ktask *t, uint64_t addr, char *buf,
		      size_t size)
{
	char cpu[64];
	if (t->running_on >= 0)
		snprintf(cpu, sizeof(cpu), "current task of CPU %" PRId32,
			 t->running_on);
	else if (t->last_cpu >= 0)
		snprintf(cpu, sizeof(cpu), "not running, last on CPU %" PRId32,
			 t->last_cpu);
	else
		snprintf(cpu, sizeof(cpu), "not running");
	char sp[96] = "";
	if (t->saved_sp >= t->stack && t->saved_sp - t->stack <= t->stack_size) {
		if (addr >= t->saved_sp)
			snprintf(sp, sizeof(sp), ", saved sp 0x%" PRIx64
				 " + 0x%" PRIx64, t->saved_sp,
				 addr - t->saved_sp);
		else
			snprintf(sp, sizeof(sp), ", saved sp 0x%" PRIx64
				 " - 0x%" PRIx64 " (below it: unused)",
				 t->saved_sp, t->saved_sp - addr);
	}
	char tg[32] = "";
	if (t->tgid && t->tgid != t->pid)
		snprintf(tg, sizeof(tg), " of process %" PRId32, t->tgid);
	snprintf(buf, size, "stack of task %" PRId32 " \"%s\"%s (0x%" PRIx64
		 "-0x%" PRIx64 " +0x%" PRIx64 "; %s%s)", t->pid, t->comm, tg,
		 t->stack, t->stack + t->stack_size, addr - t->stack, cpu, sp);
}
