// Pid namespaces: the init of one (started by make, or the process itself
// in mode init), and entering one just joined (setns applies to children).
#include "nsexec.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

// alone reports whether init is the only process left in its namespace
// (nested namespaces included): kill(-1, 0) signals nothing, but finds
// every process init could signal, and fails with ESRCH when there is none.
static int alone(void)
{
	return kill(-1, 0) < 0 && errno == ESRCH;
}

// be_init is the pid namespace's first process: it reaps orphans and keeps
// the namespace alive until nsh closes the keep-alive pipe (or exits), then
// exits, and the kernel kills what is left in the namespace. nsh writes 'r'
// to the pipe when it can no longer reach the namespace: init then exits
// once it is alone in it ('h' takes that back), checking at every SIGCHLD
// and, for processes that are not its children, every second. report_fd
// gets one int: 0 when ready, else the errno of mounting /proc.
void nsh_be_init(int keep, int proc, int report_fd)
{
	int err = 0;
	prctl(PR_SET_NAME, "nsh-init");
	if (nsh_argv0 && strlen(nsh_argv0) >= strlen("nsh-init"))
		memset(nsh_argv0, 0, strlen(nsh_argv0)), strcpy(nsh_argv0, "nsh-init");
	if (proc) {
		// As util-linux does: keep the new /proc out of other namespaces.
		mount("none", "/proc", NULL, MS_PRIVATE | MS_REC, NULL);
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			err = errno;
	}
	while (write(report_fd, &err, sizeof err) < 0 && errno == EINTR)
		;
	if (err)
		_exit(1);
	for (int fd = 0; fd < 1024; fd++)
		if (fd != keep)
			close(fd);
	if (chdir("/") < 0) {
		// nothing to report to any more; stay where we are
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	struct pollfd p[2] = {{.fd = keep, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
	int released = 0;
	for (;;) {
		if (poll(p, sfd >= 0 ? 2 : 1, sfd >= 0 && !released ? -1 : 1000) < 0 && errno != EINTR)
			_exit(1);
		if (p[0].revents) {
			char b[64];
			ssize_t n = read(keep, b, sizeof b);
			if (n <= 0)
				_exit(0);
			for (ssize_t i = 0; i < n; i++)
				released = b[i] == 'r' ? 1 : b[i] == 'h' ? 0 : released;
		}
		if (sfd >= 0 && (p[1].revents & POLLIN)) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) < 0) {
				// drained below anyway
			}
		}
		reap_all();
		if (released && alone())
			_exit(0);
	}
}

// start_init makes the first process of the pid namespace just unshared.
// CLONE_PARENT makes it nsh's child, not ours, so nsh can wait for it and
// see when it is gone; we exit right after reporting.
pid_t nsh_start_init(struct req *r)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		nsh_fail(errno, "pipe");
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		nsh_fail(errno, "starting the pid namespace's init");
	if (pid == 0) {
		close(pfd[0]);
		nsh_sock = -1;
		nsh_be_init(r->keep, r->proc, pfd[1]);
	}
	close(pfd[1]);
	int err = 0;
	ssize_t n;
	while ((n = read(pfd[0], &err, sizeof err)) < 0 && errno == EINTR)
		;
	if (n != sizeof err)
		nsh_fail(ECHILD, "the pid namespace's init died at start");
	if (err)
		nsh_fail(err, "mounting /proc");
	return pid;
}

static pid_t child;

static void forward(int sig)
{
	if (child > 0)
		kill(child, sig);
}

// wait_forward waits for the program started in the pid namespace just
// joined and ends the same way, so nsh sees its status as its own.
static void wait_forward(void)
{
	int st;
	signal(SIGINT, SIG_IGN); // the terminal sends these to the program too
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTERM, forward);
	signal(SIGHUP, forward);
	signal(SIGUSR1, forward);
	signal(SIGUSR2, forward);
	for (;;) {
		pid_t p = waitpid(child, &st, WUNTRACED);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			_exit(1);
		if (WIFSTOPPED(st)) {
			raise(SIGSTOP);
			kill(child, SIGCONT);
			continue;
		}
		if (WIFEXITED(st))
			_exit(WEXITSTATUS(st));
		int sig = WTERMSIG(st);
		signal(sig, SIG_DFL);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(sig);
		_exit(128 + sig);
	}
}

// enter_pid makes the rest run in the pid namespace just joined:
// setns(pid) only applies to children, so continue in one and wait for it.
void nsh_enter_pid(struct req *r)
{
	if (!r->fork)
		return;
	child = fork();
	if (child < 0)
		nsh_fail(errno, "fork");
	if (child > 0) {
		close(nsh_sock);
		nsh_sock = -1;
		wait_forward();
	}
}
