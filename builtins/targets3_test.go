package builtins

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsctx"
	"golang.org/x/sys/unix"
)

// -t PID:INODE joins only the process whose pidfd has that inode.
func TestSetnsPidInode(t *testing.T) {
	h := newHarness(t)
	pid := holder(t, "--uts")
	p, _ := strconv.Atoi(pid)
	fd, err := unix.PidfdOpen(p, 0)
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	unix.Fstat(fd, &st)
	unix.Close(fd)
	want := nstest.Readlink(t, "/proc/"+pid+"/ns/uts")
	h.ok("setns -t " + pid + ":" + strconv.FormatUint(st.Ino, 10) + " uts")
	if got := strings.TrimSpace(h.ok("readlink /proc/self/ns/uts")); got != want {
		t.Errorf("setns -t PID:INODE: %s, want %s", got, want)
	}
	h.ok("home")
	h.fails("setns -t "+pid+":"+strconv.FormatUint(st.Ino+1, 10)+" uts", 1, "the pid was reused?")
}

// --user-parent: the parent of the process's user namespace.
func TestSetnsUserParent(t *testing.T) {
	h := newHarness(t)
	pid := holder(t, "-U", "-r", "unshare", "-U")
	u, err := os.Open("/proc/" + pid + "/ns/user")
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	pfd, err := unix.IoctlRetInt(int(u.Fd()), unix.NS_GET_PARENT)
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	unix.Fstat(pfd, &st)
	unix.Close(pfd)
	h.ok("setns -t " + pid + " --user-parent")
	if got := strings.TrimSpace(h.ok("readlink /proc/self/ns/user")); got != "user:["+strconv.FormatUint(st.Ino, 10)+"]" {
		t.Errorf("--user-parent: %s, want user:[%d]", got, st.Ino)
	}
	h.ok("home")
	h.fails("setns --user-parent /proc/1/ns/net", 2, "--user-parent goes with -t")
}

// -N: the network namespace of a socket, one of the command's fds or
// another process's; nsid:N, the one the context's netns numbers N.
func TestSetnsSocketAndNsid(t *testing.T) {
	h := newHarness(t)
	nstest.RequireTool(t, "python3")
	h.ok("unshare net")
	want := strings.TrimSpace(h.ok("readlink /proc/self/ns/net"))
	// A socket made on the context thread is in the context's netns.
	var sock int
	if err := h.ctx.Do(func() (err error) {
		sock, err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(sock), "sock")
	defer f.Close()
	// And a process holding one.
	cmd := exec.Command("python3", "-c", "import socket,sys,time; s=socket.socket(); print(s.fileno(), flush=True); time.sleep(60)")
	out, _ := cmd.StdoutPipe()
	if err := h.ctx.(*nsctx.Context).Start(cmd); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	h.ok("home")

	env := &command.Env{Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Ctx: h.ctx, Shell: &h.sh, Files: []*os.File{f}}
	if err := runSetns(env, []string{"setns", "-N", "3"}); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(h.ok("readlink /proc/self/ns/net")); got != want {
		t.Errorf("setns -N 3: %s, want %s", got, want)
	}
	h.ok("home")
	h.ok("setns -N " + itoa(cmd.Process.Pid) + ":" + strings.TrimSpace(line))
	if got := strings.TrimSpace(h.ok("readlink /proc/self/ns/net")); got != want {
		t.Errorf("setns -N PID:FD: %s, want %s", got, want)
	}
	h.ok("home")
	h.fails("setns -N 3", 1, "fd 3 is not open")
	h.fails("setns -N "+itoa(os.Getpid())+":0", 1, "not a socket")

	// nsid: home gives the socket's netns an id, then nsid:N finds it.
	h.ok("setns -N " + itoa(cmd.Process.Pid) + ":" + strings.TrimSpace(line))
	h.ok("pin --netns nsh-nsid-" + itoa(os.Getpid()))
	t.Cleanup(func() { nstest.DeleteNetns("nsh-nsid-" + itoa(os.Getpid())) })
	h.ok("home")
	if out, err := exec.Command("ip", "netns", "set", "nsh-nsid-"+itoa(os.Getpid()), "4242").CombinedOutput(); err != nil {
		t.Fatalf("ip netns set: %v: %s", err, out)
	}
	h.ok("setns nsid:4242")
	if got := strings.TrimSpace(h.ok("readlink /proc/self/ns/net")); got != want {
		t.Errorf("setns nsid:4242: %s, want %s", got, want)
	}
	h.ok("home")
	h.fails("setns nsid:4243", 1, "no network namespace has that id")
}
