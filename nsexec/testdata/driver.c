// The helper without Go: this main linked with the package's .c files
// (helper_test.go builds it with cc). With _NSH_EXEC set the constructor
// does the work and never returns; without it (run plainly, or executed
// again by mode exec, which unsets it) main prints what the tests check,
// one key=value a line, then ends as argv asks: "exit N" or "kill SIG".
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

unsigned long long nsh_start_nofile(void);

static void file(const char *key, const char *path)
{
	char buf[256] = "";
	FILE *f = fopen(path, "re");
	if (f) {
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		buf[n] = 0;
		fclose(f);
	}
	for (char *c = buf; *c; c++)
		if (*c == '\n')
			*c = ';';
	printf("%s=%s\n", key, buf);
}

static void target(const char *key, const char *path)
{
	char buf[256];
	ssize_t n = readlink(path, buf, sizeof buf - 1);
	buf[n < 0 ? 0 : n] = 0;
	printf("%s=%s\n", key, buf);
}

int main(int argc, char **argv)
{
	char cwd[4096];
	struct timespec mono, boot;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	printf("pid=%d\nuid=%d\ngid=%d\ngroups=%d\n", (int)getpid(), (int)getuid(), (int)getgid(), getgroups(0, NULL));
	printf("cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
	printf("mono=%lld\nboot=%lld\n", (long long)mono.tv_sec, (long long)boot.tv_sec);
	printf("nofile=%llu\n", nsh_start_nofile());
	printf("exec=%s\n", getenv("_NSH_EXEC") ? "set" : "unset");
	printf("fds=");
	DIR *d = opendir("/proc/self/fd");
	for (struct dirent *e; d && (e = readdir(d));)
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
			printf("%s,", e->d_name);
	printf("\n");
	if (d)
		closedir(d);
	const char *kinds[] = {"user", "pid", "time", "mnt", "uts", "net"};
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
		char path[64];
		snprintf(path, sizeof path, "/proc/self/ns/%s", kinds[i]);
		target(kinds[i], path);
	}
	file("uid_map", "/proc/self/uid_map");
	file("gid_map", "/proc/self/gid_map");
	file("timens_offsets", "/proc/self/timens_offsets");
	file("init", "/proc/1/comm");
	fflush(stdout);
	if (argc > 2 && !strcmp(argv[1], "exit"))
		return atoi(argv[2]);
	if (argc > 2 && !strcmp(argv[1], "kill"))
		raise(atoi(argv[2]));
	return 0;
}
