// What the helper's files share: the request (parsed in protocol.c), the
// socket to nsh and how to report on it, and the steps one file takes for
// another. Every file includes this first (it sets _GNU_SOURCE).
#ifndef NSH_NSEXEC_H
#define NSH_NSEXEC_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <sys/types.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
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

// protocol.c
extern int nsh_sock;     // the socket to nsh; -1 once it is not ours to use
extern int nsh_selfdir;  // /proc/self as this process saw it at start
extern char *nsh_argv0;  // renamed nsh-init by an init, for ps
void nsh_report(const char *msg, int *fds, int nfds);
void nsh_fail(int err, const char *what) __attribute__((noreturn));
const char *nsh_flagname(int flag);
void nsh_chdir(void);

// join.c
void nsh_join(struct req *r);

// userns.c
void nsh_creds(struct req *r);
void nsh_sync_maps(void);
void nsh_map_root(void);

// timens.c
void nsh_write_offsets(struct req *r);

// pidns.c
void nsh_be_init(int keep, int proc, int report_fd) __attribute__((noreturn));
pid_t nsh_start_init(struct req *r);
void nsh_enter_pid(struct req *r);

// The modes other than check and init: make.c, exec.c, pin.c.
void nsh_make(struct req *r) __attribute__((noreturn));
void nsh_exec(struct req *r, char **argv) __attribute__((noreturn));
void nsh_pin(struct req *r) __attribute__((noreturn));
void nsh_unpin(struct req *r) __attribute__((noreturn));
void nsh_open(struct req *r) __attribute__((noreturn));

#endif
