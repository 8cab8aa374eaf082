// SPDX-License-Identifier: GPL-2.0
/*
 * vmltest — a test module for vmlayout's kernel tests (tests/kernel,
 * test_ksyms.py): it owns a few kernel objects and prints their addresses
 * with %px at load time, so the test can ask vmlayout (which has no
 * vmlinux) what lives there and compare with what the module knows:
 *   VMLTEST: func ADDR        a function of this module (its .text)
 *   VMLTEST: data ADDR        a variable of this module (its .data)
 *   VMLTEST: vmalloc ADDR SIZE  a vmalloc buffer (caller vmltest_init)
 *   VMLTEST: percpu CPU ADDR  this module's per-CPU variable, per CPU
 *   VMLTEST: kthread PID COMM STACK CPU  a kernel thread bound to the last
 *                             CPU, sleeping: its stack and its pid
 *   VMLTEST: slab ADDR CACHE SIZE allocated|free  a slab object: kmalloc
 *                             objects it keeps, and objects of its own
 *                             cache "vmltest_cache" (odd size, a
 *                             constructor so no other cache merges with
 *                             it), some freed again — on this CPU's
 *                             freelist or a slab's. Freed kmalloc objects
 *                             are not printed: the rest of the kernel
 *                             reuses them at once.
 * Built by tests/kernel/make-guest against the guest kernel's headers.
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#define VMLTEST_VMALLOC_SIZE (3 * PAGE_SIZE)

static DEFINE_PER_CPU(unsigned long, vmltest_counter);
static int vmltest_data = 42;
static void *vmltest_buffer;
static struct task_struct *vmltest_thread;

/* Slab objects: kmalloc-256 and kmalloc-64 ones kept, and objects of
 * vmltest_cache (100 bytes) spanning a few slabs, every third freed. */
#define VMLTEST_KMALLOC 8
#define VMLTEST_CACHE_OBJECTS 100
#define VMLTEST_CACHE_SIZE 100
static void *vmltest_kmalloc[VMLTEST_KMALLOC];
static struct kmem_cache *vmltest_cache;
static void *vmltest_objects[VMLTEST_CACHE_OBJECTS];

static void vmltest_ctor(void *obj)
{
	memset(obj, 0x5a, VMLTEST_CACHE_SIZE);
}

static void vmltest_slab_free(void)
{
	int i;

	for (i = 0; i < VMLTEST_KMALLOC; i++)
		kfree(vmltest_kmalloc[i]);
	for (i = 0; i < VMLTEST_CACHE_OBJECTS; i++)
		if (vmltest_objects[i])
			kmem_cache_free(vmltest_cache, vmltest_objects[i]);
	kmem_cache_destroy(vmltest_cache);
}

static int vmltest_slab(void)
{
	int i;

	for (i = 0; i < VMLTEST_KMALLOC; i++) {
		size_t size = i % 2 ? 64 : 256;

		vmltest_kmalloc[i] = kmalloc(size, GFP_KERNEL);
		if (!vmltest_kmalloc[i])
			return -ENOMEM;
		pr_info("VMLTEST: slab %px kmalloc-%zu %zu allocated\n",
			vmltest_kmalloc[i], size, size);
	}
	vmltest_cache = kmem_cache_create("vmltest_cache", VMLTEST_CACHE_SIZE,
					  0, 0, vmltest_ctor);
	if (!vmltest_cache)
		return -ENOMEM;
	for (i = 0; i < VMLTEST_CACHE_OBJECTS; i++) {
		vmltest_objects[i] = kmem_cache_alloc(vmltest_cache,
						      GFP_KERNEL);
		if (!vmltest_objects[i])
			return -ENOMEM;
	}
	/* Freed on this CPU: the newest slab's objects go to this CPU's
	 * lockless freelist, older (full) slabs' to their own freelist. */
	for (i = 0; i < VMLTEST_CACHE_OBJECTS; i++) {
		if (i % 3 == 1) {
			pr_info("VMLTEST: slab %px vmltest_cache %d free\n",
				vmltest_objects[i], VMLTEST_CACHE_SIZE);
			kmem_cache_free(vmltest_cache, vmltest_objects[i]);
			vmltest_objects[i] = NULL;
		} else {
			pr_info("VMLTEST: slab %px vmltest_cache %d allocated\n",
				vmltest_objects[i], VMLTEST_CACHE_SIZE);
		}
	}
	return 0;
}

static noinline int vmltest_function(int x)
{
	return x + READ_ONCE(vmltest_data);
}

static int vmltest_sleeper(void *arg)
{
	while (!kthread_should_stop())
		schedule_timeout_interruptible(100 * HZ);
	return 0;
}

static int __init vmltest_init(void)
{
	int cpu, last = 0;

	int err;

	vmltest_buffer = vmalloc(VMLTEST_VMALLOC_SIZE);
	if (!vmltest_buffer)
		return -ENOMEM;
	/* Pinned to one CPU while freeing, so "this CPU's freelist" means
	 * one CPU. */
	migrate_disable();
	err = vmltest_slab();
	migrate_enable();
	if (err) {
		vmltest_slab_free();
		vfree(vmltest_buffer);
		return err;
	}
	pr_info("VMLTEST: func %px\n", vmltest_function);
	pr_info("VMLTEST: data %px\n", &vmltest_data);
	pr_info("VMLTEST: vmalloc %px %lu\n", vmltest_buffer,
		(unsigned long)VMLTEST_VMALLOC_SIZE);
	for_each_possible_cpu(cpu) {
		pr_info("VMLTEST: percpu %d %px\n", cpu,
			per_cpu_ptr(&vmltest_counter, cpu));
		last = cpu;
	}
	vmltest_thread = kthread_create(vmltest_sleeper, NULL, "vmltest");
	if (IS_ERR(vmltest_thread)) {
		vmltest_slab_free();
		vfree(vmltest_buffer);
		return PTR_ERR(vmltest_thread);
	}
	kthread_bind(vmltest_thread, last);
	wake_up_process(vmltest_thread);
	pr_info("VMLTEST: kthread %d %s %px %d\n", task_pid_nr(vmltest_thread),
		vmltest_thread->comm, task_stack_page(vmltest_thread), last);
	return 0;
}

static void __exit vmltest_exit(void)
{
	kthread_stop(vmltest_thread);
	vmltest_slab_free();
	vfree(vmltest_buffer);
}

module_init(vmltest_init);
module_exit(vmltest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vmlayout test module: addresses it owns, printed");
