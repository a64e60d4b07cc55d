package nsctx

import (
	"os"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/nsfs"
)

// TestHelperSpec pins down the words and paths each mode's request gives
// the helper (nsexec.c parses them): the wire format of every mode. A
// variable that a mode does not read is not set (exec would pass it on).
func TestHelperSpec(t *testing.T) {
	open := func(k nsfs.Kind) *nsfs.Handle {
		h, err := nsfs.OpenProcess(0, k)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { h.Close() })
		return h
	}
	u, m, n := open(nsfs.User), open(nsfs.Mnt), open(nsfs.Net)
	keep, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { keep.Close(); w.Close() })
	maps := func(int) error { return nil }
	cases := []struct {
		r    helperReq
		want string // words|variables
	}{
		{&execReq{helperAt{join: []*nsfs.Handle{u, m}, uid: 0, gid: 0, cwd: "/x", fork: true}},
			"exec sock=7 join=8:0x10000000,9:0x20000 uid=0 gid=0 fork=1|_NSH_CWD=/x"},
		{&checkReq{helperAt{join: []*nsfs.Handle{n}, uid: -1, gid: -1, cwd: "/y"}},
			"check sock=7 join=8:0x40000000|_NSH_CWD=/y"},
		{&makeReq{helperAt: helperAt{join: []*nsfs.Handle{u}, uid: 5, gid: 6, cwd: "/z"}, unshare: 0x40020000, send: []nsfs.Kind{nsfs.Net, nsfs.Mnt}, proc: true, prop: 0x40000, mono: 1, boot: 2, maps: maps, keep: keep},
			"make sock=7 join=8:0x10000000 uid=5 gid=6 unshare=0x40020000 prop=0x40000 mono=1 boot=2 maps=1 send=0x40000000,0x20000 proc=1 keep=9|_NSH_CWD=/z"},
		{&makeReq{helperAt: helperAt{uid: -1, gid: -1}, unshare: 0x40000000, send: []nsfs.Kind{nsfs.Net}},
			"make sock=7 unshare=0x40000000 send=0x40000000|_NSH_CWD="},
		{&initReq{proc: true, keep: keep}, "init sock=7 proc=1 keep=8|"},
		{&initReq{keep: keep}, "init sock=7 keep=8|"},
		{&openReq{helperAt{join: []*nsfs.Handle{u, m}, uid: 1, gid: 2, cwd: "/w", fork: true}, "/p", true},
			"open sock=7 join=8:0x10000000,9:0x20000 uid=1 gid=2 fork=1|_NSH_CWD=/w _NSH_OPEN=/p"},
		{&openReq{helperAt: helperAt{join: []*nsfs.Handle{m}, uid: -1, gid: -1}, path: "/q"},
			"open sock=7 join=8:0x20000|_NSH_CWD= _NSH_OPEN=/q"},
		{&pinReq{helperAt{join: []*nsfs.Handle{u, m}, uid: 0, gid: 0, fork: true}, n, "/pin"},
			"pin sock=7 join=8:0x10000000,9:0x20000 uid=0 gid=0 fork=1 pin=10|_NSH_CWD= _NSH_PIN=/pin"},
		{&unpinReq{helperAt{join: []*nsfs.Handle{u, m}, uid: 0, gid: 0, cwd: "/c"}, "/pin2"},
			"unpin sock=7 join=8:0x10000000,9:0x20000 uid=0 gid=0|_NSH_CWD=/c _NSH_PIN=/pin2"},
	}
	for _, c := range cases {
		sock, other, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		s, err := newSpec(c.r, 7, sock)
		other.Close()
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(s.words, " ") + "|" + strings.Join(s.env, " ")
		if got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.r.mode(), got, c.want)
		}
		if want := strings.Count(c.want, ":0x") + strings.Count(c.want, "pin=") + 1; len(s.files) != want {
			t.Errorf("%s: %d files made, want %d", c.r.mode(), len(s.files), want)
		}
		s.close()
	}
}
