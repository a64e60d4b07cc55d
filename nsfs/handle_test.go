package nsfs

import (
	"errors"
	"os"
	"runtime"
	"testing"
)

// A handle is what readlink says of the namespace file, equal to another
// handle of the same namespace, and closed once.
func TestHandle(t *testing.T) {
	runtime.LockOSThread() // /proc/thread-self is this thread's
	defer runtime.UnlockOSThread()
	for _, k := range Kinds() {
		self, err := OpenProcess(0, k)
		if err != nil {
			t.Fatal(err)
		}
		again, err := Open(procPath(0, k.ProcName()))
		if err != nil {
			t.Fatal(err)
		}
		link, err := os.Readlink(procPath(0, k.ProcName()))
		if err != nil {
			t.Fatal(err)
		}
		if self.Kind() != k || self.String() != link || !self.Equal(again) || self.ID() != again.ID() {
			t.Errorf("%s: handle %v (kind %v), again %v, link %s", k, self, self.Kind(), again, link)
		}
		d, err := self.Dup()
		if err != nil || !d.Equal(self) || d.Fd() == self.Fd() {
			t.Errorf("%s: dup %v %v", k, d, err)
		}
		for _, h := range []*Handle{self, again, d} {
			if err := h.Close(); err != nil {
				t.Error(err)
			}
		}
		if err := self.Close(); err != nil || self.Fd() != -1 {
			t.Errorf("second close: %v, fd %d", err, self.Fd())
		}
	}
}

func TestOpenRefusesOtherFiles(t *testing.T) {
	_, err := Open("/proc/self/status")
	var e *Error
	if !errors.Is(err, ErrNotNamespace) || !errors.As(err, &e) || e.Path != "/proc/self/status" {
		t.Errorf("Open(a plain file) = %v", err)
	}
	if _, err := Open("/nonexistent/ns"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(missing) = %v", err)
	}
}

func TestParseKinds(t *testing.T) {
	ks, err := ParseKinds([]string{"net", "mnt"})
	if err != nil || len(ks) != 2 || ks[0] != Net || ks[1] != Mnt {
		t.Errorf("ParseKinds = %v, %v", ks, err)
	}
	if _, err := ParseKind("nett"); err == nil {
		t.Error("ParseKind(nett) succeeded")
	}
	for _, k := range Kinds() {
		if got, err := ParseKind(k.String()); got != k || err != nil {
			t.Errorf("ParseKind(%s) = %v, %v", k, got, err)
		}
	}
}
