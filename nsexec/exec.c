// Mode exec: the program, started in the namespaces joined.
#include "nsexec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void nsh_exec(struct req *r, char **argv)
{
	nsh_chdir();
	nsh_enter_pid(r);
	if (!argv[0])
		nsh_fail(EINVAL, "no program");
	fcntl(nsh_sock, F_SETFD, FD_CLOEXEC); // EOF tells nsh the exec worked
	unsetenv("_NSH_EXEC");
	unsetenv("_NSH_CWD");
	// argv[0] is the file (looked up in PATH here, inside the context's
	// mount namespace, when it has no slash); argv[1..] the program's argv.
	if (strchr(argv[0], '/')) {
		execv(argv[0], argv + 1);
		nsh_fail(errno, "exec");
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
	nsh_fail(denied ? denied : ENOENT, "exec");
}
