package sdktest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
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
