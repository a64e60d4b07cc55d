package builtins

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/nsfs"
)

// Without root: identify's operands, errors and output, for the fake's
// home (this process's namespaces, which the scan finds) and for a pin of
// a namespace only the fake knows (nothing holds it).
func TestIdentifyFake(t *testing.T) {
	h, c := newFakeHarness(t)
	st, _ := c.Status()
	self := fmt.Sprint(os.Getpid())
	out := h.ok("identify net")
	if !strings.HasPrefix(out, fmt.Sprintf("net:[%d] *\n", st.Home[nsfs.Net].Ino)) || !strings.Contains(out, "  pids:  ") {
		t.Errorf("identify net at home:\n%s", out)
	}
	if out := h.ok("identify -v " + self + " uts"); !strings.Contains(out, " "+self+" ") && !strings.Contains(out, " "+self+"\n") {
		t.Errorf("identify -v $$ uts does not list this process:\n%s", out)
	}
	h.ok("unshare ipc")
	h.ok("pin ipc made")
	away, _ := c.Status()
	ino := away.Cur[nsfs.IPC].Ino
	if out, want := h.ok("identify made"), fmt.Sprintf("ipc:[%d] *\n  pids:  none\n", ino); out != want {
		t.Errorf("identify PIN:\n%s\nwant:\n%s", out, want)
	}
	var js []struct {
		Kind string
		NS   uint64 `json:"ns"`
		PIDs []int  `json:"pids"`
	}
	if err := json.Unmarshal([]byte(h.ok("identify --json made")), &js); err != nil || len(js) != 1 || js[0].Kind != "ipc" || js[0].NS != ino || len(js[0].PIDs) != 0 {
		t.Errorf("identify --json PIN: %v %+v", err, js)
	}
	h.fails("identify made net", 1, "it is a ipc namespace")
	h.fails("identify made nett", 2, "unknown namespace kind")
	h.fails("identify 999999999", 1, "no process 999999999")
	h.fails("identify --bogus", 2)
}
