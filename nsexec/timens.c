// Time namespaces: the offsets of one just made, written before anything
// is in it.
#include "nsexec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

void nsh_write_offsets(struct req *r)
{
	char buf[128];
	int n = snprintf(buf, sizeof buf, "monotonic %lld 0\nboottime %lld 0\n", r->mono, r->boot);
	int fd = openat(nsh_selfdir, "timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		nsh_fail(errno, "opening timens_offsets");
	if (write(fd, buf, n) != n)
		nsh_fail(errno, "writing time offsets");
	close(fd);
}
