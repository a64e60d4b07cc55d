// Package plugins holds the plugin benchmarks (bench/plugins.sh runs them
// with the end-to-end comparisons; docs/benchmarks-plugins.md has figures).
package plugins

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/internal/nstest"
	"github.com/nsh-dev/nsh/jobs"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
	"github.com/nsh-dev/nsh/plugins"
	"golang.org/x/sys/unix"
)

// shell is the shell as the host sees it: only Environ is used.
type shell struct {
	command.Shell
	env []string
}

func (s shell) Environ() []string { return s.env }
func (s shell) LastStatus() int   { return 0 }

var table = jobs.NewJobs(-1) // no terminal: spawn runs programs as jobs

// setup builds the benchmark plugin and program and returns a host over a
// fresh context, plus the program's path.
func setup(b *testing.B) (*plugins.Host, *command.Env, string) {
	b.Helper()
	nstest.RequireRoot(b)
	dir := b.TempDir()
	for out, pkg := range map[string]string{"nsh-plugin-bench": "./benchplugin", "benchspawn": "./benchspawn"} {
		if o, err := exec.Command("go", "build", "-o", filepath.Join(dir, out), pkg).CombinedOutput(); err != nil {
			b.Fatalf("go build %s: %v\n%s", pkg, err, o)
		}
	}
	ctx, err := nsctx.New()
	if err != nil {
		b.Fatal(err)
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "NSH_PLUGIN_PATH=" + dir, "XDG_CACHE_HOME=" + b.TempDir()}
	h := plugins.NewHost(ctx, env, os.Stderr)
	b.Cleanup(func() { h.Close(); ctx.Close() })
	e := &command.Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: os.Stderr, Ctx: ctx, Shell: shell{env: env}}
	return h, e, filepath.Join(dir, "benchspawn")
}

func notPlugin(*command.Env, []string) error { panic("not a plugin command") }

// BenchmarkWarmCall: one call of a trivial plugin command whose process is
// already running in the context.
func BenchmarkWarmCall(b *testing.B) { warmCalls(b, "bnet") }

// BenchmarkWarmCallWhere: a warm call whose command asks the host API
// where the context is (its process connected to it already).
func BenchmarkWarmCallWhere(b *testing.B) { warmCalls(b, "bwhere") }

func warmCalls(b *testing.B, cmd string) {
	h, env, _ := setup(b)
	run := h.Handler(notPlugin)
	if err := run(env, []string{cmd}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu := cpuTime(b)
	for b.Loop() {
		if err := run(env, []string{cmd}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N)/1e3, "cpu-us/op")
}

// cpuTime is the CPU time this process and its children (the plugin
// processes) have used so far, in nanoseconds: on a machine shared with
// other work it varies far less than the wall time. The children are
// counted while they run (their tasks' schedstat), not once waited for.
func cpuTime(b *testing.B) int64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	ns := ru.Utime.Nano() + ru.Stime.Nano()
	kids, _ := filepath.Glob("/proc/self/task/*/children")
	for _, k := range kids {
		pids, _ := os.ReadFile(k)
		for _, pid := range strings.Fields(string(pids)) {
			stats, _ := filepath.Glob("/proc/" + pid + "/task/*/schedstat")
			for _, st := range stats {
				line, _ := os.ReadFile(st)
				if f := strings.Fields(string(line)); len(f) > 0 {
					n, _ := strconv.ParseInt(f[0], 10, 64)
					ns += n
				}
			}
		}
	}
	return ns
}

// BenchmarkSpawnGoProgram: the same work as a program spawned in the context.
func BenchmarkSpawnGoProgram(b *testing.B) {
	_, env, prog := setup(b)
	for b.Loop() {
		if err := jobs.Spawn(table, env, []string{prog}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkColdStartNewContext: the first call after a hop into a new net
// namespace, which starts a plugin process there (handshake included).
func BenchmarkColdStartNewContext(b *testing.B) {
	h, env, _ := setup(b)
	h.MaxIdle = 0 // every process stops after its call: each call is cold
	run := h.Handler(notPlugin)
	if err := run(env, []string{"bnet"}); err != nil { // describe
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		if err := env.Ctx.UnshareWith([]nsfs.Kind{nsfs.Net}, nsctx.UnshareOptions{Prop: nsctx.PropPrivate}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := run(env, []string{"bnet"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSocketRoundTrip is the floor under BenchmarkWarmCall and the
// script's warm call: a message of a call's size (26 bytes) to another Go
// process over a unix stream socket and a reply of the size of bnet's
// output and status (29 bytes), with blocking reads and writes on both
// sides, as nsh and the SDK do. Run it beside them: the ratio is what the
// machine of the day cannot change.
func BenchmarkSocketRoundTrip(b *testing.B) {
	dir := b.TempDir()
	echo := filepath.Join(dir, "benchecho")
	if o, err := exec.Command("go", "build", "-o", echo, "./benchecho").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, o)
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	mine, theirs := os.NewFile(uintptr(fds[0]), "mine"), os.NewFile(uintptr(fds[1]), "theirs")
	cmd := exec.Command(echo)
	cmd.Env = []string{"BENCHECHO_REPLY=29"}
	cmd.ExtraFiles = []*os.File{theirs}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	theirs.Close()
	defer func() { mine.Close(); cmd.Wait() }() // the echo ends at EOF
	msg, buf := make([]byte, 26), make([]byte, 32<<10)
	b.ResetTimer()
	cpu := cpuTime(b)
	for b.Loop() {
		if _, err := mine.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := mine.Read(buf); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-cpu)/float64(b.N)/1e3, "cpu-us/op")
}
