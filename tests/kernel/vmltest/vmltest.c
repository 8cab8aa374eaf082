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
 * Built by tests/kernel/make-guest against the guest kernel's headers.
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/vmalloc.h>

#define VMLTEST_VMALLOC_SIZE (3 * PAGE_SIZE)

static DEFINE_PER_CPU(unsigned long, vmltest_counter);
static int vmltest_data = 42;
static void *vmltest_buffer;
static struct task_struct *vmltest_thread;

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

	vmltest_buffer = vmalloc(VMLTEST_VMALLOC_SIZE);
	if (!vmltest_buffer)
		return -ENOMEM;
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
	vfree(vmltest_buffer);
}

module_init(vmltest_init);
module_exit(vmltest_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vmlayout test module: addresses it owns, printed");
