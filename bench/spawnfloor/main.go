// Command spawnfloor runs /bin/true N times the way a Go program can, for
// the floor under nsh's 200-program figure (bench/spawn.sh):
//
//	spawnfloor exec N         exec.Command("/bin/true").Run()
//	spawnfloor forkexec N     syscall.ForkExec and Wait4
//	spawnfloor posix_spawn N  glibc's posix_spawn through cgo, and waitpid
package main

/*
#include <spawn.h>
#include <sys/wait.h>
extern char **environ;
static int spawn_true(void) {
	char *argv[] = {"/bin/true", 0};
	pid_t pid;
	int st;
	if (posix_spawn(&pid, "/bin/true", 0, 0, argv, environ) != 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return st;
}
*/
import "C"

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: spawnfloor exec|forkexec|posix_spawn N")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	attr := &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}}
	for i := 0; i < n; i++ {
		switch os.Args[1] {
		case "exec":
			err = exec.Command("/bin/true").Run()
		case "forkexec":
			var pid int
			if pid, err = syscall.ForkExec("/bin/true", []string{"/bin/true"}, attr); err == nil {
				_, err = syscall.Wait4(pid, nil, 0, nil)
			}
		case "posix_spawn":
			if C.spawn_true() != 0 {
				err = fmt.Errorf("posix_spawn failed")
			}
		default:
			err = fmt.Errorf("%s: no such way", os.Args[1])
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
