// The soft open-files limit nsh was started with, read before the Go
// runtime raises it for itself (syscall's init): programs nsh starts get
// this one back, so ulimit -n must show it, not the raised one.
#include <sys/resource.h>

static struct rlimit start_nofile;

__attribute__((constructor)) static void save_nofile(void)
{
	getrlimit(RLIMIT_NOFILE, &start_nofile);
}

unsigned long long nsh_start_nofile(void) { return start_nofile.rlim_cur; }
