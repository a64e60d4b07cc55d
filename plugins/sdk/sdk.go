// Package sdk is what an nsh plugin imports. A plugin is an executable named
// nsh-plugin-NAME that calls Serve with its commands:
//
//	func main() {
//		sdk.Serve("1.0", &sdk.Command{
//			Name:    "hello",
//			Summary: "say hello from the namespace context",
//			Run: func(ctx context.Context, c *sdk.Call) int {
//				host, _ := os.Hostname()
//				fmt.Fprintf(c.Stdout, "hello from %s\n", host)
//				return 0
//			},
//		})
//	}
//
// nsh starts the plugin from its context thread, so the process lives in the
// user's current namespaces: os.Hostname, net.Interfaces and /proc/self/ns
// answer for the context. Write output to Call.Stdout and Call.Stderr (not
// os.Stdout): they reach the user as they are written. docs/plugins.md is the
// full guide.
package sdk

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	pluginv1 "github.com/nsh-dev/nsh/plugins/proto/v1"
	"golang.org/x/sys/unix"
	"google.golang.org/grpc"
)

// Command is one command a plugin provides.
type Command struct {
	Name    string // the word the user types
	Summary string // one line for `help`
	Usage   string // synopsis, e.g. "hello [NAME]"; defaults to Name
	Help    string // longer description for `help NAME`

	// Run runs the command. ctx is cancelled when the user presses Ctrl-C;
	// return soon after (nsh kills the plugin after a short grace period).
	// The result is the command's exit status.
	Run func(ctx context.Context, c *Call) int

	// Complete, if set, returns candidates for the last of args (the words
	// after the command name; the last one is being typed).
	Complete func(args []string) []string
}

// Call is one run of a command.
type Call struct {
	Args   []string // Args[0] is the command name
	Env    []string // the shell's exported environment
	Dir    string   // the shell's working directory in the context
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer

	// Whether each stream is a terminal, and its size (0 if none).
	StdinTTY, StdoutTTY, StderrTTY bool
	Rows, Cols                     int
}

// Getenv returns the value of an exported variable, "" if unset.
func (c *Call) Getenv(key string) string {
	for i := len(c.Env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(c.Env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// newGRPCServer fixes the HTTP/2 windows, which turns off gRPC's bandwidth
// estimator: its pings cost a round trip on calls that move a few bytes.
func newGRPCServer(opts []grpc.ServerOption) *grpc.Server {
	return grpc.NewServer(append(opts, grpc.InitialWindowSize(1<<20), grpc.InitialConnWindowSize(1<<20))...)
}

// stderr is the process's real stderr. go-plugin redirects os.Stderr into
// a gRPC stream that can lose the last lines when the process dies; the
// first call puts it back, so what a plugin writes on os.Stderr reaches
// nsh's record of its last stderr lines, shown if it fails.
var (
	stderr     *os.File
	stderrOnce sync.Once
)

func restoreStderr() { stderrOnce.Do(func() { os.Stderr = stderr }) }

// Serve serves the commands until nsh stops the plugin. version is the
// plugin's own version, shown by `plugin list`. Serve does not return.
func Serve(version string, cmds ...*Command) {
	srv := &server{version: version, cmds: map[string]*Command{}}
	for _, c := range cmds {
		if c.Name == "" || c.Run == nil {
			fmt.Fprintln(os.Stderr, "nsh plugin: a command needs a Name and a Run function")
			os.Exit(2)
		}
		srv.order = append(srv.order, c)
		srv.cmds[c.Name] = c
	}
	if os.Getenv("GOMAXPROCS") == "" {
		// One P: a call hops between gRPC's goroutines, and with several
		// Ps each hop may wake another thread, which costs more than the
		// work of a typical command (warm calls take about half as long).
		// A plugin that wants parallelism sets runtime.GOMAXPROCS itself.
		runtime.GOMAXPROCS(1)
	}
	// Die with nsh. nsh asks for this when it forks the plugin, but cannot
	// when the plugin starts in another pid namespace (see plugins/runner.go).
	unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0)
	closeExecFd()
	stderr = os.Stderr
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  pluginv1.Handshake,
		VersionedPlugins: pluginv1.Plugins(srv),
		GRPCServer:       newGRPCServer,
		// go-plugin's own log goes to stderr, which nsh shows when the
		// plugin fails: keep it to errors, in plain text.
		Logger: hclog.New(&hclog.LoggerOptions{Level: hclog.Error, Output: os.Stderr}),
	})
	os.Exit(0)
}

// closeExecFd closes fd 3 if it is the plugin's own file: nsh executes a
// plugin through a descriptor of the file it checked, left there (see
// plugins/runner.go), and what the plugin starts has no use for it.
func closeExecFd() {
	var fd, exe unix.Stat_t
	if unix.Fstat(3, &fd) == nil && unix.Stat("/proc/self/exe", &exe) == nil && fd.Dev == exe.Dev && fd.Ino == exe.Ino {
		unix.Close(3)
		// Run as /proc/self/fd/3, the process would be named "3" in ps
		// and top: give it its file's name (argv[0]) back.
		name := filepath.Base(os.Args[0])
		if len(name) > 15 {
			name = name[:15]
		}
		os.WriteFile("/proc/self/comm", []byte(name), 0)
	}
}
