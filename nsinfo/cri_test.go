package nsinfo

import (
	"slices"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// pod:[NAMESPACE/]NAME is namespace default when left out, and the
// sockets are crictl's: $CONTAINER_RUNTIME_ENDPOINT, else containerd's
// then CRI-O's.
func TestPodWords(t *testing.T) {
	for word, want := range map[string]string{"web": "default/web", "kube-system/coredns-1": "kube-system/coredns-1"} {
		ns, name, err := podRef(word)
		if err != nil || ns+"/"+name != want {
			t.Errorf("podRef(%q) = %q %q %v, want %s", word, ns, name, err, want)
		}
	}
	for _, bad := range []string{"", "/web", "ns/", "a/b/c"} {
		if _, _, err := podRef(bad); err == nil {
			t.Errorf("podRef(%q) took it", bad)
		}
	}
	env := map[string]string{}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	if got := Sockets("pod", getenv); !slices.Equal(got, []string{"/run/containerd/containerd.sock", "/var/run/crio/crio.sock"}) {
		t.Errorf("default CRI sockets %q", got)
	}
	env["CONTAINER_RUNTIME_ENDPOINT"] = "unix:///tmp/x.sock"
	if got := Sockets("pod", getenv); !slices.Equal(got, []string{"/tmp/x.sock"}) {
		t.Errorf("CONTAINER_RUNTIME_ENDPOINT: sockets %q", got)
	}
	if e, n, ok := ContainerRef("pod:kube-system/dns"); !ok || e != "pod" || n != "kube-system/dns" {
		t.Errorf("ContainerRef(pod:...) = %q %q %v", e, n, ok)
	}
}

// A socket nsh may not connect to is named with why, and the next one is
// still tried (root here passes any mode, so the dial's error is set by
// hand; TestPodErrors in builtins has the others for real).
func TestCRIWhy(t *testing.T) {
	c := &criConn{sock: "/run/x.sock", dialErr: syscall.EACCES}
	if msg, next := c.why(status.Error(codes.Unavailable, "connection error"), time.Second); msg != "permission denied" || !next {
		t.Errorf("EACCES: %q, next %v", msg, next)
	}
	c.dialErr = nil
	if msg, next := c.why(status.Error(codes.DeadlineExceeded, "x"), 3*time.Second); msg != "no answer in 3s" || next {
		t.Errorf("deadline: %q, next %v", msg, next)
	}
}
