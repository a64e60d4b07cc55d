package main

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/plugins/sdk"
	"github.com/nsh-dev/nsh/plugins/sdk/sdktest"
)

// In the test's process, against buffers: no nsh, no root.
func TestHello(t *testing.T) {
	r := sdktest.Run(hello, sdktest.Call{Args: []string{"hello", "-via", "nosuch0"}})
	if r.Status != 3 || r.Stderr != "hello: no interface nosuch0 in this network namespace\n" {
		t.Errorf("%+v", r)
	}
	if r := sdktest.Run(hello, sdktest.Call{Args: []string{"hello", "-bogus"}}); r.Status != 2 {
		t.Errorf("a bad flag: %+v", r)
	}
	// The host API answers what the test says.
	lab := &sdk.Where{Away: []sdk.Namespace{{Kind: "net", Ino: 4026532301, Names: []string{"lab"}}}, Depth: 1}
	host, _ := os.Hostname()
	r = sdktest.Run(hello, sdktest.Call{Args: []string{"hello", "-where", "you"}, Where: lab})
	if want := "hello you, from " + host + " (net=lab depth 1)\n"; r.Status != 0 || r.Stdout != want {
		t.Errorf("-where: %+v, want %q", r, want)
	}
	if got := sdktest.Complete(hello, "-via", ""); !slices.Contains(got, "lo") {
		t.Errorf("no lo to complete: %v", got)
	}
	got, files := sdktest.CompleteWith(hello, sdktest.Call{Args: []string{"hello", ""}, Env: []string{"USER=ann"}, Where: lab})
	if !reflect.DeepEqual(got, []string{"ann", "lab"}) || files {
		t.Errorf("NAME completes %v (files %v)", got, files)
	}
}

// The real binary, started by nsh's own plugin host: no nsh installed.
func TestHelloBinary(t *testing.T) {
	path := sdktest.Build(t, "hello", ".")
	r := sdktest.RunBinary(t, path, sdktest.Call{Args: []string{"hello", "-where", "-loud", "you"}})
	host, _ := os.Hostname()
	if want := strings.ToUpper("hello you, from "+host+" (home)") + "\n"; r.Status != 0 || r.Stdout != want {
		t.Errorf("%+v, want %q", r, want)
	}
	if r := sdktest.RunBinary(t, path, sdktest.Call{Args: []string{"hello", "-via", "nosuch0"}}); r.Status != 3 || r.Stderr != "hello: no interface nosuch0 in this network namespace\n" {
		t.Errorf("-via nosuch0: %+v", r)
	}
}
