// Entering the namespaces a request names (join=FD:FLAG,...).
#include "nsexec.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

static void join_one(struct req *r, int i)
{
	char what[64];
	if (setns(r->joinfd[i], r->joinflag[i]) < 0) {
		snprintf(what, sizeof what, "setns %s", nsh_flagname(r->joinflag[i]));
		nsh_fail(errno, what);
	}
	close(r->joinfd[i]);
	r->joinfd[i] = -1;
}

// join enters the namespaces as nsenter does: with a user namespace to
// enter, first try the others with the privileges we have (root on the
// host); whatever that refuses is entered after the user namespace, where
// we are its root. mnt comes last of each pass, so paths resolve in it.
void nsh_join(struct req *r)
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
