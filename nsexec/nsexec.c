// nsexec: the part of nsh that runs before the Go runtime starts.
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
//       mono=N boot=N maps=1 send=FLAG,... proc=1 keep=FD
// The working directory for exec/check is in _NSH_CWD.
// Failures are reported as "ERR ERRNO WHAT" on the socket.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/openat2.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

#define MAXNS 16

struct req {
	char mode[8];
	int sock;
	int njoin;
	int joinfd[MAXNS];
	int joinflag[MAXNS];
	long uid, gid;
	int fork;
	int unshare;
	unsigned long prop;
	long long mono, boot;
	int maps;
	int nsend;
	int send[MAXNS];
	int proc;
	int keep;
	int pin;
};

static int sock = -1;
// selfdir is /proc/self as this process saw it at start: after joining a
// mount namespace whose /proc belongs to a pid namespace we are not in,
// /proc/self does not exist there.
static int selfdir = -1;
static char *argv0; // renamed nsh-init by an init, for ps

static void report(const char *msg, int *fds, int nfds)
{
	if (sock < 0)
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
	while (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

// fail reports "ERR errno what" and exits with the status a shell would
// give: 127 not found, 126 not executable, 1 otherwise.
static void fail(int err, const char *what)
{
	char buf[600];
	snprintf(buf, sizeof buf, "ERR %d %s", err, what);
	report(buf, NULL, 0);
	_exit(err == ENOENT ? 127 : (err == EACCES || err == ENOEXEC) ? 126 : 1);
}

static const char *flagname(int flag)
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

// nsfile is the /proc/self/ns file a namespace made by unshare shows up
// as: pid and time apply to children only.
static const char *nsfile(int flag)
{
	switch (flag) {
	case CLONE_NEWPID: return "pid_for_children";
	case CLONE_NEWTIME: return "time_for_children";
	}
	return flagname(flag);
}

static void parse_list(char *v, int *a, int *b, int *n)
{
	for (char *tok = strtok_r(v, ",", &v); tok; tok = strtok_r(NULL, ",", &v)) {
		if (*n >= MAXNS)
			break;
		char *colon = strchr(tok, ':');
		a[*n] = (int)strtol(tok, NULL, 0);
		if (b)
			b[*n] = colon ? (int)strtol(colon + 1, NULL, 0) : 0;
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
		if (!v) {
			snprintf(r->mode, sizeof r->mode, "%s", tok);
			continue;
		}
		*v++ = 0;
		if (!strcmp(tok, "sock")) r->sock = atoi(v);
		else if (!strcmp(tok, "join")) parse_list(v, r->joinfd, r->joinflag, &r->njoin);
		else if (!strcmp(tok, "uid")) r->uid = atol(v);
		else if (!strcmp(tok, "gid")) r->gid = atol(v);
		else if (!strcmp(tok, "fork")) r->fork = atoi(v);
		else if (!strcmp(tok, "unshare")) r->unshare = (int)strtol(v, NULL, 0);
		else if (!strcmp(tok, "prop")) r->prop = strtoul(v, NULL, 0);
		else if (!strcmp(tok, "mono")) r->mono = atoll(v);
		else if (!strcmp(tok, "boot")) r->boot = atoll(v);
		else if (!strcmp(tok, "maps")) r->maps = atoi(v);
		else if (!strcmp(tok, "send")) parse_list(v, r->send, NULL, &r->nsend);
		else if (!strcmp(tok, "proc")) r->proc = atoi(v);
		else if (!strcmp(tok, "keep")) r->keep = atoi(v);
		else if (!strcmp(tok, "pin")) r->pin = atoi(v);
	}
	free(s);
}

static void join_one(struct req *r, int i)
{
	char what[64];
	if (setns(r->joinfd[i], r->joinflag[i]) < 0) {
		snprintf(what, sizeof what, "setns %s", flagname(r->joinflag[i]));
		fail(errno, what);
	}
	close(r->joinfd[i]);
	r->joinfd[i] = -1;
}

// join enters the namespaces as nsenter does: with a user namespace to
// enter, first try the others with the privileges we have (root on the
// host); whatever that refuses is entered after the user namespace, where
// we are its root. mnt comes last of each pass, so paths resolve in it.
static void join(struct req *r)
{
	int user = -1, pass;
	for (int i = 0; i < r->njoin; i++)
		if (r->joinflag[i] == CLONE_NEWUSER)
			user = i;
	for (pass = 0; pass < 2; pass++) {
		for (int mnt = 0; mnt < 2; mnt++) {
			for (int i = 0; i < r->njoin; i++) {
				if (r->joinfd[i] < 0 || i == user)
					continue;
				if ((r->joinflag[i] == CLONE_NEWNS) != mnt)
					continue;
				if (pass == 0 && user >= 0) {
					if (setns(r->joinfd[i], r->joinflag[i]) == 0) {
						close(r->joinfd[i]);
						r->joinfd[i] = -1;
					} else if (errno != EPERM) {
						join_one(r, i); // reports the error
					}
					continue;
				}
				join_one(r, i);
			}
		}
		if (pass == 0 && user >= 0)
			join_one(r, user);
		if (user < 0)
			break;
	}
}

// creds sets the ids a program gets in the user namespace it joined, as
// nsenter does: no supplementary groups (where setgroups is allowed), then
// gid and uid. An unmapped id (EINVAL) leaves the ids as they are.
static void creds(struct req *r)
{
	if (r->uid < 0 && r->gid < 0)
		return;
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		fail(errno, "setgroups");
	if (r->gid >= 0 && setresgid(r->gid, r->gid, r->gid) < 0 && errno != EINVAL)
		fail(errno, "setresgid");
	if (r->uid >= 0 && setresuid(r->uid, r->uid, r->uid) < 0 && errno != EINVAL)
		fail(errno, "setresuid");
}

static void do_chdir(void)
{
	const char *cwd = getenv("_NSH_CWD");
	if (cwd && *cwd && chdir(cwd) < 0) {
		char what[600];
		snprintf(what, sizeof what, "chdir %s", cwd);
		fail(errno, what);
	}
}

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
static void be_init(int keep, int proc, int report_fd)
{
	int err = 0;
	prctl(PR_SET_NAME, "nsh-init");
	if (argv0 && strlen(argv0) >= strlen("nsh-init"))
		memset(argv0, 0, strlen(argv0)), strcpy(argv0, "nsh-init");
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
static pid_t start_init(struct req *r)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		fail(errno, "pipe");
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		fail(errno, "starting the pid namespace's init");
	if (pid == 0) {
		close(pfd[0]);
		sock = -1;
		be_init(r->keep, r->proc, pfd[1]);
	}
	close(pfd[1]);
	int err = 0;
	ssize_t n;
	while ((n = read(pfd[0], &err, sizeof err)) < 0 && errno == EINTR)
		;
	if (n != sizeof err)
		fail(ECHILD, "the pid namespace's init died at start");
	if (err)
		fail(err, "mounting /proc");
	return pid;
}

static void write_offsets(struct req *r)
{
	char buf[128];
	int n = snprintf(buf, sizeof buf, "monotonic %lld 0\nboottime %lld 0\n", r->mono, r->boot);
	int fd = openat(selfdir, "timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail(errno, "opening timens_offsets");
	if (write(fd, buf, n) != n)
		fail(errno, "writing time offsets");
	close(fd);
}

// sync_maps lets nsh write the id maps of the user namespace just made
// (from outside, where it has the right to) before anything runs in it.
static void sync_maps(void)
{
	char b[8];
	report("MAP", NULL, 0);
	ssize_t n;
	while ((n = read(sock, b, sizeof b)) < 0 && errno == EINTR)
		;
	if (n <= 0 || b[0] != 'G')
		_exit(1); // nsh reported the failure itself
}

static void do_make(struct req *r)
{
	if (r->unshare && unshare(r->unshare) < 0)
		fail(errno, "unshare");
	if (r->maps)
		sync_maps();
	if (r->unshare & CLONE_NEWUSER) {
		// Become the mapped root for the steps below (mount, offsets):
		// the capabilities are ours anyway; ids matter for file access.
		if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
			fail(errno, "setresgid");
		if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
			fail(errno, "setresuid");
	}
	if ((r->unshare & CLONE_NEWNS) && r->prop && mount("none", "/", NULL, r->prop, NULL) < 0)
		fail(errno, "setting propagation of /");
	if (r->unshare & CLONE_NEWTIME)
		write_offsets(r);
	// Through selfdir: with --mount-proc, init mounts a /proc of its
	// namespace, where this process does not exist.
	int nsdir = openat(selfdir, "ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (nsdir < 0)
		fail(errno, "/proc/self/ns");
	pid_t pid = 0;
	if (r->unshare & CLONE_NEWPID)
		pid = start_init(r);
	int fds[MAXNS + 1];
	for (int i = 0; i < r->nsend; i++) {
		if ((fds[i] = openat(nsdir, nsfile(r->send[i]), O_RDONLY | O_CLOEXEC)) < 0)
			fail(errno, nsfile(r->send[i]));
	}
	int n = r->nsend;
	if (pid > 0 && (fds[n] = (int)syscall(SYS_pidfd_open, pid, 0)) >= 0)
		n++; // without pidfds (Linux before 5.3) nsh goes by the pid
	char msg[64];
	snprintf(msg, sizeof msg, "OK pid=%d", (int)pid);
	report(msg, fds, n);
	_exit(0);
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
static void enter_pid(struct req *r)
{
	if (!r->fork)
		return;
	child = fork();
	if (child < 0)
		fail(errno, "fork");
	if (child > 0) {
		close(sock);
		sock = -1;
		wait_forward();
	}
}

// open_parent opens the directory that holds the last component of path
// (set in *last) without following any symbolic link on the way: nsh's
// walk at home follows only links no one else could have made, but here
// the owners it would check are seen through the user namespace's map, so
// none is followed.
// make_dirs opens dir, making the directories missing on the way (mode
// 0755, as mkdir -p and nsh's pin at home), one component at a time and
// without following a symbolic link. It returns -1 with errno set.
static int make_dirs(char *dir)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS,
	};
	int fd = open(dir[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (char *c = strtok(dir, "/"); fd >= 0 && c; c = strtok(NULL, "/")) {
		if (mkdirat(fd, c, 0755) < 0 && errno != EEXIST) {
			int err = errno;
			close(fd);
			errno = err;
			return -1;
		}
		int next = syscall(SYS_openat2, fd, c, &how, sizeof how);
		int err = errno;
		close(fd);
		errno = err;
		fd = next;
	}
	return fd;
}

static int open_parent(const char *path, const char **last, int make)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t n = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);
	if (strlen(path) >= sizeof dir || (slash && !slash[1]))
		fail(EINVAL, "not a path to a file");
	memcpy(dir, slash ? path : ".", n);
	dir[n] = '\0';
	*last = slash ? slash + 1 : path;
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_NO_SYMLINKS,
	};
	int fd = syscall(SYS_openat2, AT_FDCWD, dir, &how, sizeof how);
	if (fd < 0 && errno == ENOENT && make)
		fd = make_dirs(dir);
	if (fd < 0 && errno == ELOOP)
		fail(ELOOP, "a symbolic link on the way (without root nsh follows none: give the path without links)");
	if (fd < 0)
		fail(errno, "opening the pin's directory");
	return fd;
}

static int is_nsfs(int fd)
{
	struct statfs sfs;
	return fstatfs(fd, &sfs) == 0 && sfs.f_type == NSFS_MAGIC;
}

// do_pin bind-mounts the namespace fd r->pin onto _NSH_PIN, inside the
// mount namespace joined (one the user namespace owns: no root needed),
// onto exactly the file it made or checked (by fd: open_tree, move_mount).
static void do_pin(struct req *r)
{
	const char *path = getenv("_NSH_PIN"), *name;
	enter_pid(r); // so that /proc/self exists in a --mount-proc /proc
	int dir = open_parent(path, &name, 1);
	int fd = openat(dir, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
	int created = fd >= 0;
	struct stat st;
	if (fd < 0 && errno != EEXIST)
		fail(errno, "creating the pin file");
	if (fd < 0) {
		fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0)
			fail(errno, "stat");
		if (is_nsfs(fd))
			fail(EEXIST, "already a pin (unpin it first)");
		if (!S_ISREG(st.st_mode) || st.st_size > 0)
			// As nsh's own pin: never over a file with data (unpin
			// removes the file), a link or a directory.
			fail(EEXIST, "the pin file exists and is not an empty file");
	}
	int tree = open_tree(r->pin, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0 || move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
		int err = errno;
		if (created)
			unlinkat(dir, name, 0);
		fail(err, "bind mount");
	}
	report("OK", NULL, 0);
	_exit(0);
}

// do_unpin unmounts the pin _NSH_PIN inside the mount namespace joined
// and removes its file if empty, as nsh's Unpin does at home: the mount
// the path names, found and unmounted by fd.
static void do_unpin(struct req *r)
{
	const char *path = getenv("_NSH_PIN"), *name;
	char self[64];
	struct stat st;
	enter_pid(r); // /proc/self/fd in a --mount-proc /proc
	int dir = open_parent(path, &name, 0);
	int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		fail(errno, "stat");
	if (!is_nsfs(fd))
		fail(EINVAL, "not a pin");
	snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
	if (umount2(self, MNT_DETACH) < 0)
		fail(errno, "unmount");
	close(fd);
	fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0 && !is_nsfs(fd))
		unlinkat(dir, name, 0);
	report("OK", NULL, 0);
	_exit(0);
}

// do_open opens the file _NSH_OPEN (a namespace file, a pin) in the
// namespaces joined and sends it back: paths resolve in the context's
// mount namespace and working directory.
static void do_open(struct req *r)
{
	enter_pid(r); // /proc/self in a --mount-proc /proc
	const char *path = getenv("_NSH_OPEN");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail(errno, "open");
	report("OK", &fd, 1);
	_exit(0);
}

static void do_exec(struct req *r, char **argv)
{
	do_chdir();
	enter_pid(r);
	if (!argv[0])
		fail(EINVAL, "no program");
	fcntl(sock, F_SETFD, FD_CLOEXEC); // EOF tells nsh the exec worked
	unsetenv("_NSH_EXEC");
	unsetenv("_NSH_CWD");
	// argv[0] is the file (looked up in PATH here, inside the context's
	// mount namespace, when it has no slash); argv[1..] the program's argv.
	if (strchr(argv[0], '/')) {
		execv(argv[0], argv + 1);
		fail(errno, "exec");
	}
	// PATH lookup as nsh does it on its own thread: a directory we may
	// not search is skipped; "not executable" only for a file that exists.
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	int denied = 0;
	char *dirs = strdup(path), *save = NULL;
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char file[4096];
		struct stat st;
		snprintf(file, sizeof file, "%s/%s", *d ? d : ".", argv[0]);
		if (stat(file, &st) < 0 || S_ISDIR(st.st_mode))
			continue;
		execv(file, argv + 1);
		if (errno == EACCES || errno == ENOEXEC)
			denied = errno;
	}
	fail(denied ? denied : ENOENT, "exec");
}

__attribute__((constructor)) static void nsexec(int argc, char **argv)
{
	(void)argc;
	const char *spec = getenv("_NSH_EXEC");
	if (!spec)
		return; // an ordinary nsh: let Go start
	struct req r;
	argv0 = argv[0];
	selfdir = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
	parse(spec, &r);
	sock = r.sock;
	if (!strcmp(r.mode, "init")) {
		be_init(r.keep, r.proc, sock);
		_exit(1);
	}
	join(&r);
	creds(&r);
	if (!strcmp(r.mode, "exec"))
		do_exec(&r, argv);
	if (!strcmp(r.mode, "open")) {
		do_chdir();
		do_open(&r);
	}
	if (!strcmp(r.mode, "pin")) {
		do_chdir();
		do_pin(&r);
	}
	if (!strcmp(r.mode, "unpin")) {
		do_chdir();
		do_unpin(&r);
	}
	if (!strcmp(r.mode, "check")) {
		do_chdir();
		report("OK", NULL, 0);
		_exit(0);
	}
	if (!strcmp(r.mode, "make"))
		do_make(&r);
	fail(EINVAL, "unknown _NSH_EXEC mode");
}
