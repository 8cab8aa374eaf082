/*
 * abi_i386_gen.c — the i386 Linux core-note layout as <sys/procfs.h>,
 * <sys/user.h> and <signal.h> define it under gcc -m32. Compiled to
 * assembly only (never run: the build machine may not run 32-bit code);
 * Makefile.am turns each "@@@ NAME VALUE" string into "#define I386_NAME
 * VALUE" in tests/unit/abi_i386.h, the truth i386_test.c checks the
 * library's description against and builds its cores with.
 */
#include <signal.h>
#include <stddef.h>
#include <sys/procfs.h>
#include <sys/user.h>

#define OUT(name, value) \
	__asm__ volatile("\n.ascii \"@@@ " #name " %c0\"" : : "i"(value))

void abi_i386_gen(void);
void abi_i386_gen(void)
{
	OUT(PRSTATUS_SIZE, sizeof(struct elf_prstatus));
	OUT(PRSTATUS_CURSIG, offsetof(struct elf_prstatus, pr_cursig));
	OUT(PRSTATUS_PID, offsetof(struct elf_prstatus, pr_pid));
	OUT(PRSTATUS_REG, offsetof(struct elf_prstatus, pr_reg));
	OUT(REG_SIZE, sizeof(((struct elf_prstatus *)0)->pr_reg[0]));
	OUT(REG_IP, offsetof(struct user_regs_struct, eip) /
			    sizeof(((struct elf_prstatus *)0)->pr_reg[0]));
	OUT(REG_SP, offsetof(struct user_regs_struct, esp) /
			    sizeof(((struct elf_prstatus *)0)->pr_reg[0]));
	OUT(PRPSINFO_SIZE, sizeof(struct elf_prpsinfo));
	OUT(PRPSINFO_PID, offsetof(struct elf_prpsinfo, pr_pid));
	OUT(PRPSINFO_FNAME, offsetof(struct elf_prpsinfo, pr_fname));
	OUT(PRPSINFO_PSARGS, offsetof(struct elf_prpsinfo, pr_psargs));
	OUT(SIGINFO_SIZE, sizeof(siginfo_t));
	OUT(SIGINFO_SIGNO, offsetof(siginfo_t, si_signo));
	OUT(SIGINFO_CODE, offsetof(siginfo_t, si_code));
	OUT(SIGINFO_ADDR, offsetof(siginfo_t, si_addr));
	OUT(POINTER_SIZE, sizeof(void *));
}
