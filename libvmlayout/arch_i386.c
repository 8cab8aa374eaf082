/*
 * arch_i386.c — 32-bit x86 (i386) processes: what a 32-bit process sees of
 * its 4 GiB address space, where its kernel starts (as the process sees
 * it), the layout of its core notes and libopcodes' name for its
 * instruction set. User space only: vmlayout reads 32-bit processes and
 * their cores on x86-64 hosts, not 32-bit kernels' page tables.
 */
#include "config.h"

#include <dis-asm.h>
#include <elf.h>

#include "arch.h"

/* The kernel part of a 32-bit process's 4 GiB, one candidate per kind of
 * kernel, ascending: a native 32-bit kernel with the usual 3G/1G split
 * (PAGE_OFFSET 0xc0000000: user space ends there) and a 64-bit kernel
 * running the process in compatibility mode (TASK_SIZE of a 32-bit task,
 * IA32_PAGE_OFFSET - PAGE_SIZE: only the top 8 KiB are out of its reach).
 * Under a 64-bit kernel the stack sits just below 0xffffe000 (and the vdso
 * above 0xf7000000), so a process with a region above 0xc0000000 is a
 * compat task; one with everything below has a 3G/1G kernel. */
#define NATIVE_3G_KERNEL_START UINT64_C(0xc0000000)
#define COMPAT_TASK_SIZE UINT64_C(0xffffe000)
#define SPACE_LAST UINT64_C(0xffffffff)

static const uint64_t kernel_starts[] = {
	NATIVE_3G_KERNEL_START,
	COMPAT_TASK_SIZE,
};

/* No hole: both halves meet where the kernel part starts; without a layout
 * to judge by, the kernel this library runs on (64-bit) is assumed. */
static void halves(unsigned va_bits, uint64_t *user_end,
		   uint64_t *kernel_start)
{
	(void)va_bits;
	*user_end = COMPAT_TASK_SIZE;
	*kernel_start = COMPAT_TASK_SIZE;
}

/* Page tables of 32-bit kernels (2-level, PAE) are not described. */
static struct vml_error *paging_from_registers(
	const struct vml_arch *arch, const struct vml_named_value *regs,
	size_t nregs, uint32_t maxphyaddr, struct vml_paging *p)
{
	(void)regs;
	(void)nregs;
	(void)maxphyaddr;
	(void)p;
	return vml_error_create(VML_ERROR_UNSUPPORTED,
				"unsupported: %s paging (32-bit kernels); "
				"vmlayout reads %s processes and their cores",
				arch->name, arch->name);
}

static const char *const no_registers[] = { NULL };

/* struct elf_prstatus, elf_prpsinfo and siginfo_t of i386 Linux, as the
 * kernel writes them for a 32-bit task (compat_elf_prstatus under a
 * 64-bit kernel: the same layout) and as GDB's gcore does:
 * <sys/procfs.h>, <sys/user.h> and <signal.h> under -m32. struct
 * user_regs_struct is ebx ecx edx esi edi ebp eax xds xes xfs xgs
 * orig_eax eip xcs eflags esp xss: eip is register 12, esp 15. */
static const struct vml_arch_core_notes core_notes = {
	.prstatus_cursig = 12,
	.prstatus_pid = 24,
	.prstatus_reg = 72,
	.reg_size = 4,
	.reg_sp = 15,
	.reg_ip = 12,
	.prpsinfo_size = 124,
	.prpsinfo_pid = 12,
	.prpsinfo_fname = 28,
	.prpsinfo_psargs = 44,
	.siginfo_signo = 0,
	.siginfo_code = 8,
	.siginfo_addr = 12,
};

/* struct user_regs_struct of i386 (the x* segment slots under GDB's
 * names). */
static const char *const core_regs[] = {
	"ebx", "ecx", "edx", "esi", "edi", "ebp", "eax", "ds", "es", "fs",
	"gs", "orig_eax", "eip", "cs", "eflags", "esp", "ss",
};

static const uint8_t int3[] = { 0xcc };

/* The same x86 operand evaluation as x86-64's, with 32-bit addresses
 * (%fs/%gs bases come from the GDT: not known, so those operands have no
 * address). */
static const struct vml_arch_crash crash = {
	.pc_reg = "eip",
	.sp_reg = "esp",
	.core_regs = core_regs,
	.ncore_regs = VML_ARRAY_SIZE(core_regs),
	.trap_insn = int3,
	.trap_insn_len = sizeof(int3),
	.insn_facts = vml_x86_insn_facts,
};

/* GDB's name, and the one of uname/Debian. */
static const char *const aliases[] = { "i386", "i686", NULL };

const struct vml_arch vml_arch_i386 = {
	.id = VML_ARCH_I386,
	.name = "i386",
	.aliases = aliases,
	.elf_machine = EM_386,
	.elf_class = ELFCLASS32,
	.pointer_size = 4,
	.bfd_arch = bfd_arch_i386,
	.bfd_mach = bfd_mach_i386_i386,
	.big_endian = false,
	.insn_max = 15,
	.paging_registers = no_registers,
	.paging_from_registers = paging_from_registers,
	.halves = halves,
	.process = {
		.va_bits = 32,
		.wide_va_bits = 0,
		.vsyscall_start = 0,     /* the 32-bit vdso is a normal mapping */
		.vsyscall_end = 0,
		.red_zone = 0,           /* the i386 System V ABI has none */
		.null_guard_end = 0x10000, /* vm.mmap_min_addr, as on x86-64 */
		.noncanonical_fault = NULL, /* no non-canonical addresses */
		.space_last = SPACE_LAST,
		.kernel_starts = kernel_starts,
		.nkernel_starts = VML_ARRAY_SIZE(kernel_starts),
		.default_kernel_start = COMPAT_TASK_SIZE,
	},
	.kernel = NULL,
	.core = &core_notes,
	.crash = &crash,
};
