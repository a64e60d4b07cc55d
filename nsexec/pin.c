// Modes pin, unpin and open: files in the namespaces joined, reached
// without following a symbolic link (pin, unpin).
#include "nsexec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

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

// open_parent opens the directory that holds the last component of path
// (set in *last) without following any symbolic link on the way: nsh's
// walk at home follows only links no one else could have made, but here
// the owners it would check are seen through the user namespace's map, so
// none is followed.
static int open_parent(const char *path, const char **last, int make)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	size_t n = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);
	if (strlen(path) >= sizeof dir || (slash && !slash[1]))
		nsh_fail(EINVAL, "not a path to a file");
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
		nsh_fail(ELOOP, "a symbolic link on the way (without root nsh follows none: give the path without links)");
	if (fd < 0)
		nsh_fail(errno, "opening the pin's directory");
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
void nsh_pin(struct req *r)
{
	const char *path = getenv("_NSH_PIN"), *name;
	nsh_enter_pid(r); // so that /proc/self exists in a --mount-proc /proc
	int dir = open_parent(path, &name, 1);
	int fd = openat(dir, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
	int created = fd >= 0;
	struct stat st;
	if (fd < 0 && errno != EEXIST)
		nsh_fail(errno, "creating the pin file");
	if (fd < 0) {
		fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0)
			nsh_fail(errno, "stat");
		if (is_nsfs(fd))
			nsh_fail(EEXIST, "already a pin (unpin it first)");
		if (!S_ISREG(st.st_mode) || st.st_size > 0)
			// As nsh's own pin: never over a file with data (unpin
			// removes the file), a link or a directory.
			nsh_fail(EEXIST, "the pin file exists and is not an empty file");
	}
	int tree = open_tree(r->pin, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0 || move_mount(tree, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) {
		int err = errno;
		if (created)
			unlinkat(dir, name, 0);
		nsh_fail(err, "bind mount");
	}
	nsh_report("OK", NULL, 0);
	_exit(0);
}

// do_unpin unmounts the pin _NSH_PIN inside the mount namespace joined
// and removes its file if empty, as nsh's Unpin does at home: the mount
// the path names, found and unmounted by fd.
void nsh_unpin(struct req *r)
{
	const char *path = getenv("_NSH_PIN"), *name;
	char self[64];
	struct stat st;
	nsh_enter_pid(r); // /proc/self/fd in a --mount-proc /proc
	int dir = open_parent(path, &name, 0);
	int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		nsh_fail(errno, "stat");
	if (!is_nsfs(fd))
		nsh_fail(EINVAL, "not a pin");
	snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
	if (umount2(self, MNT_DETACH) < 0)
		nsh_fail(errno, "unmount");
	close(fd);
	fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0 && !is_nsfs(fd))
		unlinkat(dir, name, 0);
	nsh_report("OK", NULL, 0);
	_exit(0);
}

// do_open opens the file _NSH_OPEN (a namespace file, a pin) in the
// namespaces joined and sends it back: paths resolve in the context's
// mount namespace and working directory.
void nsh_open(struct req *r)
{
	nsh_enter_pid(r); // /proc/self in a --mount-proc /proc
	const char *path = getenv("_NSH_OPEN");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		nsh_fail(errno, "open");
	nsh_report("OK", &fd, 1);
	_exit(0);
}
