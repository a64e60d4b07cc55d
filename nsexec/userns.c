// User namespaces: the ids a program gets in one it joined, and the id
// maps of one just made (nsh writes them from outside).
#include "nsexec.h"

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <unistd.h>

// creds sets the ids a program gets in the user namespace it joined, as
// nsenter does: no supplementary groups (where setgroups is allowed), then
// gid and uid. An unmapped id (EINVAL) leaves the ids as they are.
void nsh_creds(struct req *r)
{
	if (r->uid < 0 && r->gid < 0)
		return;
	if (setgroups(0, NULL) < 0 && errno != EPERM)
		nsh_fail(errno, "setgroups");
	if (r->gid >= 0 && setresgid(r->gid, r->gid, r->gid) < 0 && errno != EINVAL)
		nsh_fail(errno, "setresgid");
	if (r->uid >= 0 && setresuid(r->uid, r->uid, r->uid) < 0 && errno != EINVAL)
		nsh_fail(errno, "setresuid");
}

// sync_maps lets nsh write the id maps of the user namespace just made
// (from outside, where it has the right to) before anything runs in it.
void nsh_sync_maps(void)
{
	char b[8];
	nsh_report("MAP", NULL, 0);
	ssize_t n;
	while ((n = read(nsh_sock, b, sizeof b)) < 0 && errno == EINTR)
		;
	if (n <= 0 || b[0] != 'G')
		_exit(1); // nsh reported the failure itself
}

// nsh_map_root makes a process in the user namespace it just made the
// mapped root for the steps after it (mount, offsets): the capabilities
// are ours anyway; ids matter for file access.
void nsh_map_root(void)
{
	if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
		nsh_fail(errno, "setresgid");
	if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
		nsh_fail(errno, "setresuid");
}
