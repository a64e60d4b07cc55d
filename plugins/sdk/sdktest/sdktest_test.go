package sdktest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/plugins/sdk"
	"github.com/nsh-dev/nsh/plugins/sdk/sdktest"
)

var greet = &sdk.Command{
	Name:  "greet",
	Usage: "greet [-n N] NAME",
	RunE: func(ctx context.Context, c *sdk.Call) error {
		fs := c.Flags()
		n := fs.Int("n", 1, "how many times")
		if err := c.Parse(fs); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return sdk.Exit(2, "one NAME, please")
		}
		if fs.Arg(0) == "error" {
			return errors.New("plain failure")
		}
		in, _ := io.ReadAll(c.Stdin)
		home, set := c.LookupEnv("HOME")
		for i := 0; i < *n; i++ {
			fmt.Fprintf(c.Stdout, "hello %s%s (home %q %v)\n", fs.Arg(0), in, home, set)
		}
		return nil
	},
	Complete: func(args []string) []string { return []string{"ann", "bob"} },
}

func TestRun(t *testing.T) {
	for _, c := range []struct {
		call sdktest.Call
		want sdktest.Result
	}{
		{sdktest.Call{Args: []string{"greet", "-n", "2", "ann"}, Env: []string{"HOME="}, Stdin: "!"},
			sdktest.Result{Stdout: "hello ann! (home \"\" true)\nhello ann! (home \"\" true)\n"}},
		{sdktest.Call{Args: []string{"greet", "ann"}}, sdktest.Result{Stdout: "hello ann (home \"\" false)\n"}},
		{sdktest.Call{}, sdktest.Result{Stderr: "greet: one NAME, please\n", Status: 2}},
		{sdktest.Call{Args: []string{"greet", "error"}}, sdktest.Result{Stderr: "greet: plain failure\n", Status: 1}},
		{sdktest.Call{Args: []string{"greet", "-x"}}, sdktest.Result{
			Stderr: "flag provided but not defined: -x\nusage: greet [-n N] NAME\n  -n int\n    \thow many times (default 1)\n", Status: 2}},
		{sdktest.Call{Args: []string{"greet", "-h"}}, sdktest.Result{
			Stderr: "usage: greet [-n N] NAME\n  -n int\n    \thow many times (default 1)\n"}},
	} {
		if got := sdktest.Run(greet, c.call); got != c.want {
			t.Errorf("%v:\n got %+v\nwant %+v", c.call.Args, got, c.want)
		}
	}
	if got := sdktest.Complete(greet, "a"); !reflect.DeepEqual(got, []string{"ann", "bob"}) {
		t.Errorf("Complete: %v", got)
	}
}

func TestPanicIsStatus70(t *testing.T) {
	boom := &sdk.Command{Name: "boom", RunE: func(context.Context, *sdk.Call) error { panic("no") }}
	if r := sdktest.Run(boom, sdktest.Call{}); r.Status != 70 {
		t.Errorf("panic: %+v", r)
	}
}

// The host API answers what the test gives; completion gets the env and
// says whether file names are wanted.
func TestWhereAndCompleteWith(t *testing.T) {
	cmd := &sdk.Command{Name: "w",
		RunE: func(ctx context.Context, c *sdk.Call) error {
			w, err := c.Host().Where(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintln(c.Stdout, w.Depth, w.Cwd)
			return nil
		},
		CompleteE: func(ctx context.Context, c *sdk.CompleteCall) ([]string, error) {
			if c.Word() == "f" {
				c.AddFiles()
			}
			return []string{c.Getenv("X") + c.Word()}, nil
		}}
	if r := sdktest.Run(cmd, sdktest.Call{Where: &sdk.Where{Depth: 2, Cwd: "/x"}}); r.Stdout != "2 /x\n" {
		t.Errorf("with a Where: %+v", r)
	}
	if r := sdktest.Run(cmd, sdktest.Call{}); r.Status != 1 || !strings.Contains(r.Stderr, "no nsh host API here") {
		t.Errorf("without: %+v", r)
	}
	if got, files := sdktest.CompleteWith(cmd, sdktest.Call{Args: []string{"w", "a"}, Env: []string{"X=x"}}); !reflect.DeepEqual(got, []string{"xa"}) || files {
		t.Errorf("CompleteWith: %v %v", got, files)
	}
	if _, files := sdktest.CompleteWith(cmd, sdktest.Call{Args: []string{"w", "f"}}); !files {
		t.Error("AddFiles did not ask for files")
	}
}

// RunBinary runs the real plugin through nsh's host: its env, stdin and
// statuses, and a crash said on stderr with the plugin's last words.
func TestRunBinary(t *testing.T) {
	path := sdktest.Build(t, "test", "../../internal/testplugin")
	r := sdktest.RunBinary(t, path, sdktest.Call{Args: []string{"techo", "a"}, Env: []string{"TESTVAR=v"}, Dir: "/"})
	if r.Status != 0 || r.Stdout != "args=a\nvar=v dir=/\n" || r.Stderr != "to stderr\n" {
		t.Errorf("techo: %+v", r)
	}
	if r := sdktest.RunBinary(t, path, sdktest.Call{Args: []string{"tcat"}, Stdin: "in"}); r.Stdout != "in" {
		t.Errorf("tcat: %+v", r)
	}
	if r := sdktest.RunBinary(t, path, sdktest.Call{Args: []string{"tstatus", "7"}}); r.Status != 7 || r.Stderr != "" {
		t.Errorf("tstatus 7: %+v", r)
	}
	r = sdktest.RunBinary(t, path, sdktest.Call{Args: []string{"tcrash"}})
	if r.Status != 1 || !strings.Contains(r.Stderr, "tcrash: plugin test failed: the process ended during the call") || !strings.Contains(r.Stderr, "deliberate crash") {
		t.Errorf("tcrash: %+v", r)
	}
	if r := sdktest.RunBinary(t, path, sdktest.Call{Args: []string{"nosuch"}}); r.Status != 127 {
		t.Errorf("nosuch: %+v", r)
	}
}
