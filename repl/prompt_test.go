package repl

import (
	"testing"

	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
)

func TestFormatPrompt(t *testing.T) {
	var st nsctx.Status
	st.Cwd = "/home/u/lab"
	away := st
	away.Cur[nsfs.Net] = nsfs.ID{Dev: 4, Ino: 99}
	away.Cur[nsfs.UTS] = nsfs.ID{Dev: 4, Ino: 98}
	away.Depth = 2
	for _, tc := range []struct {
		tmpl  string
		st    nsctx.Status
		last  int
		color bool
		want  string
	}{
		{DefaultPrompt, st, 0, false, "nsh# "},
		{DefaultPrompt, away, 2, false, "nsh[net,uts]^2 2# "},
		{DefaultPrompt, away, 2, true, "nsh\x1b[33m[net,uts]\x1b[0m^2 \x1b[31m2\x1b[0m# "},
		{"%u@%h:%w%% %W%n>", st, 0, false, "u@lab-host:~/lab% lab\n>"},
		{"100%", st, 0, false, "100%"},
		{"%q", st, 0, false, "%q"},
	} {
		p := &promptData{st: &tc.st, last: tc.last, root: true, color: tc.color,
			host: func() string { return "lab-host" },
			user: func() string { return "u" },
			home: func() string { return "/home/u" }}
		if got := formatPrompt(tc.tmpl, p); got != tc.want {
			t.Errorf("formatPrompt(%q) = %q, want %q", tc.tmpl, got, tc.want)
		}
	}
	// A network namespace with an ip netns name shows it.
	p := &promptData{st: &away, root: true, netns: func(id nsfs.ID) string {
		if id == away.Cur[nsfs.Net] {
			return "red"
		}
		return ""
	}}
	if got := formatPrompt(DefaultPrompt, p); got != "nsh[net=red,uts]^2# " {
		t.Errorf("prompt with a netns name: %q", got)
	}
}
