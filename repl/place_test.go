package repl

import (
	"os"
	"testing"

	"github.com/nsh-dev/nsh/builtins"
)

// What a script runs on the context thread, and what it leaves to Off.
func TestInline(t *testing.T) {
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	sh := &Shell{Stdin: devnull, Stdout: devnull, Stderr: devnull, jobs: builtins.NewJobs(-1)}
	for src, want := range map[string]bool{
		"setns /tmp/lab/net":        true,
		"home":                      true,
		"push; pop":                 true,
		"unshare net uts":           true,
		"spawn /bin/true":           true,
		"/bin/true && home":         true,
		"setns -t 1234":             false, // /proc/1234 as nsh's home sees it
		"push -t 1234 net":          false,
		"pin /tmp/lab":              false, // mounts in the home mount namespace
		"pins":                      false,
		"ns -a":                     false,
		"ip link | wc -l":           false, // a pipeline
		"sleep 1 &":                 false,
		"spawn -b sleep 1":          false,
		"echo hi > /tmp/x":          false, // a redirection
		"setns $PIN":                false, // needs expanding
		"source lab.nsh":            false,
		"wait":                      false,
		"A=1 /bin/true":             true,
		"X=$i":                      true,  // the shell's own variables
		"/bin/echo $i *":            true,  // a program's words may expand
		"$CMD x":                    false, // which command is it?
		"A=$(x) /bin/true":          false, // $(...) runs commands of its own
		"echo $(x)":                 false,
		"for i in a; do home; done": true, // its body is placed command by command
	} {
		list, err := Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		for _, ao := range list {
			if got := sh.inline(ao); got != want {
				t.Errorf("inline(%q) = %v, want %v", src, got, want)
			}
		}
	}
}
