package nsctx_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

func measure(t *testing.T) nstest.Usage { return nstest.Measure(t, os.Getpid()) }

func liveInits() []int { return nstest.Children(os.Getpid(), "nsh-init") }

// waitInits waits (bounded) until at most n inits of this process run.
func waitInits(n int) { nstest.WaitUntil(func() bool { return len(liveInits()) <= n }) }

func alive(pid int) bool { return nstest.Alive(pid) }

// waitGone waits (bounded) for process pid to end and reports whether it did.
func waitGone(pid int) bool { return nstest.WaitUntil(func() bool { return !alive(pid) }) }

// rounds runs n rounds of unshare KINDS, home and checks that they leave
// threads, fds and inits flat.
func rounds(t *testing.T, c *nsctx.Context, n int, o nsctx.UnshareOptions, kinds ...nsfs.Kind) {
	t.Helper()
	round := func(i int) {
		if err := c.UnshareWith(kinds, o); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if err := c.GoHome(); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
	}
	// One round first: Go's pidfd probe, the helper's first start.
	round(-1)
	waitInits(0)
	before := measure(t)
	for i := 0; i < n; i++ {
		round(i)
	}
	waitInits(before.Inits)
	c.Do(func() error { return nil }) // lets the context forget the last ones
	nstest.CheckFlat(t, fmt.Sprintf("%d rounds of unshare %v, home", n, kinds), before, measure(t))
}

// Every unshare pid starts an init; one the context cannot reach any more
// (home went back) ends, with its thread and fds.
func TestPIDInitsDoNotLeak(t *testing.T) {
	c := newContext(t)
	n := 2000
	if testing.Short() {
		n = 200
	}
	rounds(t, c, n, nsctx.UnshareOptions{}, nsfs.PID)
	// Made by the helper, inside a user namespace.
	rounds(t, c, n/10, nsctx.UnshareOptions{User: nsctx.MapRoot()}, nsfs.User, nsfs.PID)
	// A second unshare pid replaces the first: that one ends too.
	if err := c.Unshare([]nsfs.Kind{nsfs.PID}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	first := initPID(t)
	if err := c.Unshare([]nsfs.Kind{nsfs.PID}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	if !waitGone(first) {
		t.Errorf("the init of a pid namespace replaced by another still runs")
	}
	run(t, c, "true")
}

// An init that lives costs nsh no thread: 50 of them, pushed, add none.
func TestPIDLiveInitsCostNoThread(t *testing.T) {
	c := newContext(t)
	if err := c.Unshare([]nsfs.Kind{nsfs.PID}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	if err := c.GoHome(); err != nil {
		t.Fatal(err)
	}
	waitInits(0)
	before := measure(t)
	const n = 50
	for i := 0; i < n; i++ {
		if err := c.Unshare([]nsfs.Kind{nsfs.PID}, nsctx.PropPrivate); err != nil {
			t.Fatal(err)
		}
		if err := c.Push(); err != nil {
			t.Fatal(err)
		}
	}
	after := measure(t)
	t.Logf("%d live inits: %v -> %v", n, before, after)
	if after.Inits != n {
		t.Fatalf("%d pushed pid namespaces have %d inits", n, after.Inits)
	}
	// Each holds its keep-alive pipe and pidfd, and a frame its pid
	// namespace and working directory: four fds.
	if after.Threads > before.Threads+4 || after.FDs > before.FDs+4*n+4 {
		t.Errorf("%d live inits: %v -> %v", n, before, after)
	}
}

// holdCase is one way of keeping a pid namespace while the context is home.
type holdCase struct {
	name string
	// hold keeps the context's pid namespace; release lets it go again.
	hold func(t *testing.T, c *nsctx.Context) (release func())
}

// An init the context can still come back to lives on: pushed, saved by
// $(...) (Save), in a job's snapshot, pinned, or with a process still in
// its namespace. Once that ends, so does the init.
func TestPIDInitKeptWhileReachable(t *testing.T) {
	cases := []holdCase{
		{"push", func(t *testing.T, c *nsctx.Context) func() {
			if err := c.Push(); err != nil {
				t.Fatal(err)
			}
			return func() {
				if err := c.Pop(); err != nil {
					t.Fatal(err)
				}
				run(t, c, "true") // the namespace works after pop
				if err := c.GoHome(); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"save", func(t *testing.T, c *nsctx.Context) func() {
			restore, err := c.Save()
			if err != nil {
				t.Fatal(err)
			}
			return func() {
				if err := restore(); err != nil {
					t.Fatal(err)
				}
				run(t, c, "true")
				if err := c.GoHome(); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{"snapshot", func(t *testing.T, c *nsctx.Context) func() {
			s, err := c.Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			return func() {
				nstest.Output(t, func(cmd *exec.Cmd) error { return c.StartIn(s, cmd) }, "true")
				s.Close()
				c.Do(func() error { return nil }) // the next change looks again
			}
		}},
		{"pin", func(t *testing.T, c *nsctx.Context) func() {
			p := nstest.PinDir(t) + "/pid"
			if _, err := c.Pin(nsfs.PID, p); err != nil {
				t.Fatal(err)
			}
			return func() {
				if err := c.JoinFile(p, nsfs.PID); err != nil {
					t.Fatal(err)
				}
				run(t, c, "true") // a pin is worth keeping: it can be joined
				if err := c.GoHome(); err != nil {
					t.Fatal(err)
				}
				if err := c.Unpin(p); err != nil {
					t.Fatal(err)
				}
				c.Do(func() error { return nil })
			}
		}},
		{"process", func(t *testing.T, c *nsctx.Context) func() {
			// A daemon: its parent exits, and it is init's child.
			var out strings.Builder
			cmd := &exec.Cmd{Path: "/bin/sh", Args: []string{"sh", "-c", "sleep 600 >/dev/null 2>&1 & echo $!"}, Stdout: &out}
			if err := c.Start(cmd); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil {
				t.Fatal(err)
			}
			// Its pid as nsh sees it: the one inside is no use here.
			inner := strings.TrimSpace(out.String())
			pid := 0
			for _, child := range nstest.Children(initPID(t), "sleep") {
				pid = child
			}
			if pid == 0 {
				t.Fatalf("the daemon (%s inside) is not init's child", inner)
			}
			t.Cleanup(func() { unix.Kill(pid, unix.SIGKILL) })
			return func() {
				if err := unix.Kill(pid, unix.SIGKILL); err != nil {
					t.Fatal(err)
				}
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newContext(t)
			if err := c.Unshare([]nsfs.Kind{nsfs.PID}, nsctx.PropPrivate); err != nil {
				t.Fatal(err)
			}
			pid := initPID(t)
			release := tc.hold(t, c)
			if err := c.GoHome(); err != nil {
				t.Fatal(err)
			}
			// Hops and other changes look again, and must keep it.
			for i := 0; i < 3; i++ {
				if err := c.Unshare([]nsfs.Kind{nsfs.UTS}, nsctx.PropPrivate); err != nil {
					t.Fatal(err)
				}
				if err := c.GoHome(); err != nil {
					t.Fatal(err)
				}
			}
			barrier(t, c, pid)
			if !alive(pid) {
				t.Fatalf("the init of a pid namespace held by %s ended", tc.name)
			}
			release()
			if !waitGone(pid) {
				t.Errorf("the init still runs after %s let go", tc.name)
			}
		})
	}
}

// newInit is the live init of this process that is not among old.
func newInit(t *testing.T, old ...int) int {
	t.Helper()
	for _, p := range liveInits() {
		if !slices.Contains(old, p) {
			return p
		}
	}
	t.Fatal("no new init")
	return 0
}

// barrier waits for a state that shows whether the inits of old were let
// go: an init that is let go with nothing else in its namespace ends at
// once, so one made now and let go ends at the latest as they would.
func barrier(t *testing.T, c *nsctx.Context, old ...int) {
	t.Helper()
	if err := c.Unshare([]nsfs.Kind{nsfs.PID}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	other := newInit(t, old...)
	if err := c.GoHome(); err != nil {
		t.Fatal(err)
	}
	if !waitGone(other) {
		t.Fatal("an unreachable init did not end")
	}
}

// kill kills process pid and waits until it is gone.
func kill(t *testing.T, pid int) {
	t.Helper()
	if err := unix.Kill(pid, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !waitGone(pid) {
		t.Fatalf("process %d did not die", pid)
	}
}

// nested makes a pid namespace on the thread, then one inside a user
// namespace, which the helper makes nested in the first, and returns their
// inits.
func nested(t *testing.T, c *nsctx.Context) (outer, inner int) {
	t.Helper()
	if err := c.Unshare([]nsfs.Kind{nsfs.PID}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	outer = initPID(t)
	if err := c.UnshareWith([]nsfs.Kind{nsfs.User}, nsctx.UnshareOptions{User: nsctx.MapRoot()}); err != nil {
		t.Fatal(err)
	}
	if err := c.Unshare([]nsfs.Kind{nsfs.PID}, nsctx.PropPrivate); err != nil {
		t.Fatal(err)
	}
	return outer, newInit(t, outer)
}

// A pid namespace the helper makes inside a user namespace is nested in
// the thread's, when that is one of nsh's too: the outer init must live
// while the inner namespace is reachable (the kernel would end both), and
// both end once it is not.
func TestPIDNestedInits(t *testing.T) {
	c := newContext(t)
	outer, inner := nested(t, c)
	p := nstest.PinDir(t) + "/pid"
	if _, err := c.Pin(nsfs.PID, p); err != nil {
		t.Fatal(err)
	}
	if err := c.GoHome(); err != nil {
		t.Fatal(err)
	}
	// Only the pin reaches the inner namespace, and nothing the outer.
	barrier(t, c, outer, inner)
	if !alive(outer) || !alive(inner) {
		t.Fatalf("a pinned nested pid namespace lost an init: outer alive %v, inner alive %v", alive(outer), alive(inner))
	}
	if err := c.JoinFile(p, nsfs.PID); err != nil {
		t.Fatal(err)
	}
	run(t, c, "true")
	if err := c.GoHome(); err != nil {
		t.Fatal(err)
	}
	if err := c.Unpin(p); err != nil {
		t.Fatal(err)
	}
	c.Do(func() error { return nil })
	if !waitGone(inner) || !waitGone(outer) {
		t.Errorf("inits still run after the pin went: outer alive %v, inner alive %v", alive(outer), alive(inner))
	}
}

// The init the helper starts in a pid namespace nested in the thread's is
// known by nsh's own number for it: killed from outside, nsh names it
// (and Close does not wait for a process it cannot see end).
func TestPIDNestedInitKilled(t *testing.T) {
	c := newContext(t)
	_, inner := nested(t, c)
	kill(t, inner)
	err := c.Start(exec.Command("true"))
	want := "its init (pid " + strconv.Itoa(inner) + ", started by nsh) was killed by signal 9"
	if !errors.Is(err, nsctx.ErrPIDNoInit) || !strings.Contains(err.Error(), want) {
		t.Fatalf("spawn after the nested init was killed: %v, want %q", err, want)
	}
}
