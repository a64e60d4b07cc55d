package repl

import (
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsctx"
)

func complete(c *completer, line string) []string {
	cands, _ := c.Do([]rune(line), len([]rune(line)))
	out := make([]string, len(cands))
	for i, r := range cands {
		out[i] = string(r)
	}
	sort.Strings(out)
	return out
}

func TestCompletion(t *testing.T) {
	nstest.RequireRoot(t)
	ctx, err := nsctx.New()
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	dir := nstest.PinDir(t)
	os.WriteFile(dir+"/file-a", nil, 0o644)
	sh := NewShell(ctx, nil, nil, nil, []string{"PATH=" + os.Getenv("PATH")})
	c := &completer{sh: sh}
	for _, tc := range []struct {
		line string
		want string // one of the candidates
	}{
		{"unsh", "are "},                  // a builtin
		{"unshare ne", "t "},              // a kind
		{"ns --j", "son "},                // an option
		{"help pi", "n "},                 // a builtin name
		{"ns; setns -", "t "},             // after ;
		{"setns " + dir + "/fi", "le-a "}, // a file
		{"mkdi", "r "},                    // a program from PATH
	} {
		got := complete(c, tc.line)
		found := false
		for _, g := range got {
			found = found || g == tc.want
		}
		if !found {
			t.Errorf("%q: candidates %q lack %q", tc.line, got, tc.want)
		}
	}
	// Files are those of the context's working directory.
	ctx.Chdir(dir)
	if got := complete(c, "cat fil"); strings.Join(got, ",") != "e-a " {
		t.Errorf("relative file completion: %q", got)
	}
}

func TestPrompt(t *testing.T) {
	var st nsctx.Status
	if p := formatPrompt(&st, 0, true); p != "nsh# " {
		t.Errorf("home prompt %q", p)
	}
	st.Cur[nsctx.Net] = nsctx.ID{Dev: 1, Ino: 2}
	st.Cur[nsctx.UTS] = nsctx.ID{Dev: 1, Ino: 3}
	st.Depth = 2
	if p := formatPrompt(&st, 1, false); p != "nsh[net,uts]^2 1$ " {
		t.Errorf("prompt %q", p)
	}
}
