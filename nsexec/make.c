// Mode make: new namespaces, set up before anything runs in them, sent
// back to nsh.
#include "nsexec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

// nsfile is the /proc/self/ns file a namespace made by unshare shows up
// as: pid and time apply to children only.
static const char *nsfile(int flag)
{
	switch (flag) {
	case CLONE_NEWPID: return "pid_for_children";
	case CLONE_NEWTIME: return "time_for_children";
	}
	return nsh_flagname(flag);
}

void nsh_make(struct req *r)
{
	if (r->unshare && unshare(r->unshare) < 0)
		nsh_fail(errno, "unshare");
	if (r->maps)
		nsh_sync_maps();
	if (r->unshare & CLONE_NEWUSER)
		nsh_map_root();
	if ((r->unshare & CLONE_NEWNS) && r->prop && mount("none", "/", NULL, r->prop, NULL) < 0)
		nsh_fail(errno, "setting propagation of /");
	if (r->unshare & CLONE_NEWTIME)
		nsh_write_offsets(r);
	// Through nsh_selfdir: with --mount-proc, init mounts a /proc of its
	// namespace, where this process does not exist.
	int nsdir = openat(nsh_selfdir, "ns", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (nsdir < 0)
		nsh_fail(errno, "/proc/self/ns");
	pid_t pid = 0;
	if (r->unshare & CLONE_NEWPID)
		pid = nsh_start_init(r);
	int fds[MAXNS + 1];
	for (int i = 0; i < r->nsend; i++) {
		if ((fds[i] = openat(nsdir, nsfile(r->send[i]), O_RDONLY | O_CLOEXEC)) < 0)
			nsh_fail(errno, nsfile(r->send[i]));
	}
	int n = r->nsend;
	if (pid > 0 && (fds[n] = (int)syscall(SYS_pidfd_open, pid, 0)) >= 0)
		n++; // without pidfds (Linux before 5.3) nsh goes by the pid
	char msg[64];
	snprintf(msg, sizeof msg, "OK pid=%d", (int)pid);
	nsh_report(msg, fds, n);
	_exit(0);
}
