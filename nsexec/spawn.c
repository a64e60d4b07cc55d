// nsh_spawn: fork and exec a program from the calling thread, for Go code
// (nsctx starts every program of a script through it). Unlike the rest of
// the package it runs after the Go runtime has started, on whichever
// thread calls it, which keeps its namespaces and working directory.
//
// It is os/exec's fork (clone with CLONE_VM|CLONE_VFORK) less what a
// shell's loop of programs pays for and does not need: the child's
// signal handlers are cleared by the kernel (clone3's CLONE_CLEAR_SIGHAND)
// instead of with one rt_sigaction per signal Go handles (about 55, each
// about 1 us on these machines, while the parent waits); an exec error
// comes back through the memory the child shares with the parent instead
// of a pipe; no pidfd is made. Only x86-64 has the clone3 entry below;
// elsewhere nsh_spawn returns -ENOSYS and Go falls back to os/exec (as it
// does on a kernel without CLONE_CLEAR_SIGHAND, before 5.5: EINVAL).
#include "nsexec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

#include "spawn.h"

#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif

extern struct rlimit nsh_start_rlimit_nofile; // nofile.c

#if defined(__x86_64__)
// nsh_clone3(args, size, fn, arg) is clone3; the child calls fn(arg) on
// the stack args gives and exits with what fn returns (glibc's clone3.S,
// which glibc does not export). The syscall leaves rdx, r8 alone.
long nsh_clone3(struct clone_args *args, size_t size, int (*fn)(void *), void *arg);
__asm__(".text\n"
	".globl nsh_clone3\n"
	".hidden nsh_clone3\n"
	".type nsh_clone3,@function\n"
	"nsh_clone3:\n"
	"	mov %rcx, %r8\n"
	"	mov $435, %eax\n" // SYS_clone3
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz 1f\n"
	"	ret\n"
	"1:	xor %ebp, %ebp\n"
	"	and $-16, %rsp\n"
	"	mov %r8, %rdi\n"
	"	call *%rdx\n"
	"	mov %eax, %edi\n"
	"	mov $60, %eax\n" // SYS_exit
	"	syscall\n"
	"	hlt\n"
	".size nsh_clone3, .-nsh_clone3\n");
#define HAVE_CLONE3 1
#endif

struct child {
	const struct nsh_spawn *s;
	sigset_t mask; // the caller's, which the program gets
	int fd[NSH_SPAWN_MAXFD];
	int err; // set by the child if it fails
};

// raw is syscall returning -errno on failure. The child's errno is the
// parent thread's (CLONE_VM, no TLS of its own): read at once, and the
// parent never looks at it after the clone.
static long raw(long nr, long a, long b, long c, long d)
{
	long r = syscall(nr, a, b, c, d);
	return r < 0 ? -errno : r;
}

// child runs in the new process, on its own stack, with every signal
// blocked and every handler back to its default: only syscalls until the
// exec. It follows syscall's forkAndExecInChild1 for what nsh uses.
static int child(void *arg)
{
	struct child *c = arg;
	const struct nsh_spawn *s = c->s;
	long r = 0;
	if (s->setpgid && (r = raw(SYS_setpgid, 0, s->pgid, 0, 0)) < 0)
		goto fail;
	if (s->foreground) {
		// Signals are still blocked: no SIGTTOU for a background group.
		pid_t pgrp = s->pgid ? s->pgid : (pid_t)syscall(SYS_getpid);
		if ((r = raw(SYS_ioctl, s->ctty, TIOCSPGRP, (long)&pgrp, 0)) < 0)
			goto fail;
	}
	if ((r = raw(SYS_rt_sigprocmask, SIG_SETMASK, (long)&c->mask, 0, 8)) < 0) // 8: the kernel's sigset_t
		goto fail;
	// Every fd the program gets moves above those it gets first, so
	// that putting one in place never overwrites one still to come.
	int n = s->nfds, next = n;
	for (int i = 0; i < n; i++)
		if (c->fd[i] >= next)
			next = c->fd[i] + 1;
	for (int i = 0; i < n; i++) {
		if (c->fd[i] >= 0 && c->fd[i] < i) {
			if ((r = raw(SYS_fcntl, c->fd[i], F_DUPFD_CLOEXEC, next, 0)) < 0)
				goto fail;
			c->fd[i] = (int)r;
			next = c->fd[i] + 1;
		}
	}
	for (int i = 0; i < n; i++) {
		if (c->fd[i] < 0)
			r = raw(SYS_close, i, 0, 0, 0);
		else if (c->fd[i] == i)
			r = raw(SYS_fcntl, i, F_SETFD, 0, 0); // keep it across the exec
		else
			r = raw(SYS_dup3, c->fd[i], i, 0, 0);
		if (r < 0 && c->fd[i] >= 0)
			goto fail;
	}
	for (int i = n; i < 3; i++)
		raw(SYS_close, i, 0, 0, 0);
	if (s->nofile && nsh_start_rlimit_nofile.rlim_cur != nsh_start_rlimit_nofile.rlim_max &&
	    (r = raw(SYS_setrlimit, RLIMIT_NOFILE, (long)&nsh_start_rlimit_nofile, 0, 0)) < 0)
		goto fail;
	r = raw(SYS_execve, (long)s->path, (long)s->argv, (long)s->envp, 0);
fail:
	c->err = (int)-r;
	return 127;
}

long nsh_spawn(const struct nsh_spawn *s, int *child_err)
{
#ifdef HAVE_CLONE3
	if (s->nfds < 0 || s->nfds > NSH_SPAWN_MAXFD)
		return -EINVAL;
	struct child c = {.s = s};
	memcpy(c.fd, s->fds, sizeof c.fd[0] * (size_t)s->nfds);
	// The child runs on this frame's stack while the thread waits for
	// its exec (CLONE_VFORK).
	enum { stack_size = 32 << 10 };
	char stack[stack_size] __attribute__((aligned(16)));
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &c.mask);
	struct clone_args ca = {
		.flags = CLONE_VM | CLONE_VFORK | CLONE_CLEAR_SIGHAND,
		.exit_signal = SIGCHLD,
		.stack = (uintptr_t)stack,
		.stack_size = stack_size,
	};
	long pid = nsh_clone3(&ca, sizeof ca, child, &c);
	pthread_sigmask(SIG_SETMASK, &c.mask, NULL);
	if (pid > 0 && c.err) {
		// It never ran the program: reap it (it has exited already).
		int st;
		while (waitpid((pid_t)pid, &st, 0) < 0 && errno == EINTR)
			;
		*child_err = c.err;
		return 0;
	}
	return pid;
#else
	(void)s;
	(void)child_err;
	return -ENOSYS;
#endif
}
