// nsh_spawn (spawn.c): what nsexec's Spawn hands it.
#ifndef NSH_SPAWN_H
#define NSH_SPAWN_H

#define NSH_SPAWN_MAXFD 10 // the shell's fds 0-9

struct nsh_spawn {
	const char *path;
	char *const *argv, *const *envp;
	int fds[NSH_SPAWN_MAXFD]; // fds[i] becomes the program's fd i; -1 closes it
	int nfds;
	int setpgid, pgid;      // setpgid(0, pgid)
	int foreground, ctty;   // tcsetpgrp(ctty, the new group)
	int nofile;             // give back the open-files limit nsh started with
};

// nsh_spawn returns the program's pid; 0 if the child failed before the
// program ran (reaped; *child_err is its errno); -errno if clone3 failed.
long nsh_spawn(const struct nsh_spawn *s, int *child_err);

#endif
