package builtins_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/internal/podmantest"
)

// nsh -c 'setns pod:NS/NAME ...' as a user runs it: the programs it
// starts are in the sandbox's net, uts and ipc namespaces; an unknown pod
// is one line and status 1, and the script stops there.
func TestNshSetnsPod(t *testing.T) {
	sock := podmantest.CRI(t)
	pod := podmantest.RunPod(t, "nsh-test", "script")
	t.Setenv("CONTAINER_RUNTIME_ENDPOINT", "unix://"+sock)
	var want []string
	for _, k := range []string{"net", "uts", "ipc"} {
		l, err := os.Readlink("/proc/" + strconv.Itoa(pod.PID) + "/ns/" + k)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, l)
	}
	out, errs, st := nsh(t, "setns pod:nsh-test/script net uts ipc; readlink /proc/self/ns/net /proc/self/ns/uts /proc/self/ns/ipc; hostname")
	if got := strings.Fields(out); st != 0 || strings.Join(got, " ") != strings.Join(want, " ")+" script-host" {
		t.Errorf("in the pod: status %d, %q (%s), want %q and script-host", st, got, errs, want)
	}
	out, errs, st = nsh(t, "setns pod:nsh-test/nsh-no-such-pod; echo went on")
	if st != 1 || out != "" || !strings.Contains(errs, "pod:nsh-test/nsh-no-such-pod: no such pod") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
		t.Errorf("unknown pod: status %d, out %q, err %q", st, out, errs)
	}
}
