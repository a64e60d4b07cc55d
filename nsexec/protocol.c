// nsexec: the part of nsh that runs before the Go runtime starts. This file
// is the protocol: reading _NSH_EXEC, reporting on the socket, and the
// constructor that runs the mode; the other files are the steps (nsexec.h).
//
// The kernel lets only a single-threaded process create or join a user
// namespace (and join a time namespace), and the Go runtime is never single
// threaded. So when nsh needs that, it re-executes itself with instructions
// in the environment variable _NSH_EXEC; this constructor runs first, while
// the process still has one thread, does the namespace work, and then either
// executes the program, reports back over a socket and exits, or becomes a
// pid namespace's init. It never returns to Go when _NSH_EXEC is set.
//
// _NSH_EXEC = "MODE key=value ...", MODE one of
//   exec   join, set credentials, chdir, [fork], execute argv[0] with argv[1..]
//   check  join, set credentials, chdir, report "OK"
//   make   join, set credentials, unshare, [id maps], [propagation],
//          [time offsets], [init], report "OK pid=N" with the new namespace
//          fds attached (SCM_RIGHTS), and after them a pidfd of the init:
//          N is its pid here, which is not nsh's number for it when this
//          helper runs in a pid namespace nsh is not in
//   init   be the init of the pid namespace this process is pid 1 of
//   pin    join, set credentials, bind-mount the fd pin=FD onto _NSH_PIN
//          (no symbolic link followed on the way)
//   unpin  join, set credentials, unmount the pin _NSH_PIN, remove its file
//          (likewise)
//   open   join, set credentials, chdir, open _NSH_OPEN and send its fd
// keys: sock=FD join=FD:FLAG,... uid=N gid=N fork=1 unshare=FLAGS prop=N
//       mono=N boot=N maps=1 send=FLAG,... proc=1 keep=FD pin=FD
// The working directory for exec/check is in _NSH_CWD.
// Failures are reported as "ERR ERRNO WHAT" on the socket. A request nsh
// would not send (an unknown key, a value that is not a number, a flag no
// namespace has, two modes, more than MAXNS in a list) is refused whole,
// before any of it is done.
//
// The files: protocol.c (this), join.c (entering namespaces), userns.c
// (ids and id maps), timens.c (time offsets), pidns.c (a pid namespace's
// init, and entering one), make.c, exec.c and pin.c (the modes of those
// names, and open), nofile.c (the start limit the Go side asks for).

#include "nsexec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int nsh_sock = -1;
// nsh_selfdir is /proc/self as this process saw it at start: after joining a
// mount namespace whose /proc belongs to a pid namespace we are not in,
// /proc/self does not exist there.
int nsh_selfdir = -1;
char *nsh_argv0; // renamed nsh-init by an init, for ps

void nsh_report(const char *msg, int *fds, int nfds)
{
	if (nsh_sock < 0)
		return;
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = strlen(msg)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	char cbuf[CMSG_SPACE(sizeof(int) * (MAXNS + 1))];
	if (nfds > 0) {
		memset(cbuf, 0, sizeof cbuf);
		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	while (sendmsg(nsh_sock, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

// fail reports "ERR errno what" and exits with the status a shell would
// give: 127 not found, 126 not executable, 1 otherwise.
void nsh_fail(int err, const char *what)
{
	char buf[600];
	snprintf(buf, sizeof buf, "ERR %d %s", err, what);
	nsh_report(buf, NULL, 0);
	_exit(err == ENOENT ? 127 : (err == EACCES || err == ENOEXEC) ? 126 : 1);
}

const char *nsh_flagname(int flag)
{
	switch (flag) {
	case CLONE_NEWCGROUP: return "cgroup";
	case CLONE_NEWIPC: return "ipc";
	case CLONE_NEWNS: return "mnt";
	case CLONE_NEWNET: return "net";
	case CLONE_NEWPID: return "pid";
	case CLONE_NEWTIME: return "time";
	case CLONE_NEWUSER: return "user";
	case CLONE_NEWUTS: return "uts";
	}
	return "?";
}

// bad is the first thing wrong with the request, reported (and the
// request refused whole) once the socket is known: a request nsh would
// not send is not guessed at, as a uid=x read as uid 0 would be.
static char bad[600];
static int bad_errno;

static void refuse(int err, const char *format, ...)
{
	if (bad_errno)
		return;
	va_list ap;
	va_start(ap, format);
	int n = snprintf(bad, sizeof bad, "_NSH_EXEC: ");
	vsnprintf(bad + n, sizeof bad - n, format, ap);
	va_end(ap);
	bad_errno = err;
}

// number is all of v as a number (0x... as well).
static long long number(const char *key, const char *v)
{
	char *end;
	errno = 0;
	long long n = strtoll(v, &end, 0);
	if (errno || end == v || *end)
		refuse(EINVAL, "not a number: %s=%s", key, v);
	return n;
}

// parse_list reads the list "A,..." (send: namespace flags) or, with b,
// "A:B,..." (join: fds and namespace flags).
static void parse_list(const char *key, char *v, int *a, int *b, int *n)
{
	for (char *tok = strtok_r(v, ",", &v); tok; tok = strtok_r(NULL, ",", &v)) {
		if (*n >= MAXNS) {
			refuse(E2BIG, "more than %d in %s", MAXNS, key);
			return;
		}
		char *colon = strchr(tok, ':');
		if (b && !colon) {
			refuse(EINVAL, "%s wants FD:FLAG: %s=%s", key, key, tok);
			return;
		}
		if (b)
			*colon = 0;
		a[*n] = (int)number(key, tok);
		int flag = b ? (b[*n] = (int)number(key, colon + 1)) : a[*n];
		if (!strcmp(nsh_flagname(flag), "?"))
			refuse(EINVAL, "not a namespace flag: %s=%s%s%s", key, tok, b ? ":" : "", b ? colon + 1 : "");
		(*n)++;
	}
}

static void parse(const char *spec, struct req *r)
{
	char *s = strdup(spec), *save = NULL;
	memset(r, 0, sizeof *r);
	r->sock = r->keep = r->pin = -1;
	r->uid = r->gid = -1;
	for (char *tok = strtok_r(s, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *v = strchr(tok, '=');
		if (!v && r->mode[0])
			refuse(EINVAL, "two modes: %s %s", r->mode, tok);
		if (!v) {
			snprintf(r->mode, sizeof r->mode, "%s", tok);
			continue;
		}
		*v++ = 0;
		if (!strcmp(tok, "sock")) r->sock = (int)number(tok, v);
		else if (!strcmp(tok, "join")) parse_list(tok, v, r->joinfd, r->joinflag, &r->njoin);
		else if (!strcmp(tok, "uid")) r->uid = (long)number(tok, v);
		else if (!strcmp(tok, "gid")) r->gid = (long)number(tok, v);
		else if (!strcmp(tok, "fork")) r->fork = (int)number(tok, v);
		else if (!strcmp(tok, "unshare")) r->unshare = (int)number(tok, v);
		else if (!strcmp(tok, "prop")) r->prop = (unsigned long)number(tok, v);
		else if (!strcmp(tok, "mono")) r->mono = number(tok, v);
		else if (!strcmp(tok, "boot")) r->boot = number(tok, v);
		else if (!strcmp(tok, "maps")) r->maps = (int)number(tok, v);
		else if (!strcmp(tok, "send")) parse_list(tok, v, r->send, NULL, &r->nsend);
		else if (!strcmp(tok, "proc")) r->proc = (int)number(tok, v);
		else if (!strcmp(tok, "keep")) r->keep = (int)number(tok, v);
		else if (!strcmp(tok, "pin")) r->pin = (int)number(tok, v);
		else refuse(EINVAL, "unknown key: %s=%s", tok, v);
	}
	free(s);
}

void nsh_chdir(void)
{
	const char *cwd = getenv("_NSH_CWD");
	if (cwd && *cwd && chdir(cwd) < 0) {
		char what[600];
		snprintf(what, sizeof what, "chdir %s", cwd);
		nsh_fail(errno, what);
	}
}

__attribute__((constructor)) static void nsexec(int argc, char **argv)
{
	(void)argc;
	const char *spec = getenv("_NSH_EXEC");
	if (!spec)
		return; // an ordinary nsh: let Go start
	struct req r;
	nsh_argv0 = argv[0];
	nsh_selfdir = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
	parse(spec, &r);
	nsh_sock = r.sock;
	if (bad_errno)
		nsh_fail(bad_errno, bad);
	if (!strcmp(r.mode, "init")) {
		nsh_be_init(r.keep, r.proc, nsh_sock);
		_exit(1);
	}
	nsh_join(&r);
	nsh_creds(&r);
	if (!strcmp(r.mode, "exec"))
		nsh_exec(&r, argv);
	if (!strcmp(r.mode, "open")) {
		nsh_chdir();
		nsh_open(&r);
	}
	if (!strcmp(r.mode, "pin")) {
		nsh_chdir();
		nsh_pin(&r);
	}
	if (!strcmp(r.mode, "unpin")) {
		nsh_chdir();
		nsh_unpin(&r);
	}
	if (!strcmp(r.mode, "check")) {
		nsh_chdir();
		nsh_report("OK", NULL, 0);
		_exit(0);
	}
	if (!strcmp(r.mode, "make"))
		nsh_make(&r);
	nsh_fail(EINVAL, "unknown _NSH_EXEC mode");
}
