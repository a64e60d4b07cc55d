// The open-files limit nsh was started with, read before the Go runtime
// raises its soft limit for itself (syscall's init): programs nsh starts
// get this one back (os/exec, nsh_spawn), so ulimit -n must show it, not
// the raised one.
#include <sys/resource.h>

struct rlimit nsh_start_rlimit_nofile;

__attribute__((constructor)) static void save_nofile(void)
{
	getrlimit(RLIMIT_NOFILE, &nsh_start_rlimit_nofile);
}

unsigned long long nsh_start_nofile(void) { return nsh_start_rlimit_nofile.rlim_cur; }
