// Package sdk is what an nsh plugin imports. A plugin is an executable named
// nsh-plugin-NAME that calls Serve with its commands:
//
//	func main() {
//		sdk.Serve("1.0", &sdk.Command{
//			Name:    "hello",
//			Summary: "say hello from the namespace context",
//			Usage:   "hello [-loud]",
//			RunE: func(ctx context.Context, c *sdk.Call) error {
//				fs := c.Flags()
//				loud := fs.Bool("loud", false, "shout")
//				if err := c.Parse(fs); err != nil {
//					return err // status 2, or 0 for -h
//				}
//				host, err := os.Hostname()
//				if err != nil {
//					return err // status 1, "hello: ..." on stderr
//				}
//				if *loud {
//					host = strings.ToUpper(host)
//				}
//				fmt.Fprintf(c.Stdout, "hello from %s\n", host)
//				return nil
//			},
//		})
//	}
//
// nsh starts the plugin from its context thread, so the process lives in the
// user's current namespaces: os.Hostname, net.Interfaces and /proc/self/ns
// answer for the context. Write output to Call.Stdout and Call.Stderr: they
// reach the user as they are written. What the plugin writes on os.Stdout
// during a call reaches the call's stdout too; what it writes on os.Stderr
// goes to the plugin's log (plugin log NAME). Call.Host is nsh's host
// API: c.Host().Where(ctx) says where the shell's context is (the kinds
// away from home and their names, the push depth, the pins). CompleteE
// completes with the env and the host API. docs/plugins.md is the full
// guide; package sdktest runs commands in tests.
package sdk

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
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

	// RunE runs the command: nil is status 0, an error made by Exit
	// carries its status and message, any other error is status 1 with
	// "NAME: error" on stderr. ctx is cancelled when the user presses
	// Ctrl-C or kills the job; return soon after (nsh kills the plugin
	// after a short grace period). Set RunE or Run.
	RunE func(ctx context.Context, c *Call) error

	// Run is the first SDK's shape, kept: the result is the exit status.
	Run func(ctx context.Context, c *Call) int

	// CompleteE, if set, returns candidates for the word being typed. It
	// runs in the plugin's process, in the context (net.Interfaces are the
	// context's), and c gives the words, the shell's environment and the
	// host API. File names are offered too only if it calls c.AddFiles.
	// An error, or a panic, goes to the plugin's log: no candidates.
	CompleteE func(ctx context.Context, c *CompleteCall) ([]string, error)

	// Complete is the first SDK's completion, kept: candidates for the
	// last of args (the words after the command name), to which nsh
	// adds the matching file names. Set CompleteE or Complete.
	Complete func(args []string) []string
}

// CompleteCall is one completion of a command's word.
type CompleteCall struct {
	Args []string // the words after the command name; the last is being typed
	Env  []string // the shell's exported environment
	Dir  string   // the shell's working directory in the context

	host  Host
	files bool
}

// Word is the word being typed (the last of Args).
func (c *CompleteCall) Word() string {
	if len(c.Args) == 0 {
		return ""
	}
	return c.Args[len(c.Args)-1]
}

// Getenv returns the value of an exported variable, "" if unset.
func (c *CompleteCall) Getenv(key string) string {
	v, _ := lookupEnv(c.Env, key)
	return v
}

// LookupEnv returns the value of an exported variable and whether it is set.
func (c *CompleteCall) LookupEnv(key string) (string, bool) { return lookupEnv(c.Env, key) }

// Host is nsh's host API, to ask where the context is.
func (c *CompleteCall) Host() Host { return orNoHost(c.host) }

// AddFiles has nsh offer the file names matching the word too.
func (c *CompleteCall) AddFiles() { c.files = true }

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

	cmd  *Command
	host Host
}

// Host is nsh's host API, to ask where the call's context is.
func (c *Call) Host() Host { return orNoHost(c.host) }

func orNoHost(h Host) Host {
	if h == nil {
		return noHost{}
	}
	return h
}

// Getenv returns the value of an exported variable, "" if unset.
func (c *Call) Getenv(key string) string {
	v, _ := lookupEnv(c.Env, key)
	return v
}

// LookupEnv returns the value of an exported variable and whether it is
// set, as os.LookupEnv does.
func (c *Call) LookupEnv(key string) (string, bool) { return lookupEnv(c.Env, key) }

func lookupEnv(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// ExitError is a command's exit status with a message for stderr (none
// if Msg is empty). Exit makes one.
type ExitError struct {
	Code int
	Msg  string
}

func (e *ExitError) Error() string {
	if e.Msg == "" {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Msg
}

// Exit is an error that ends a command with status code, printing msg
// (if not empty) on its stderr as "NAME: msg".
func Exit(code int, msg string) error { return &ExitError{code, msg} }

// Flags returns a flag set for the command's options: its messages go to
// the call's stderr and its -h and --help show the command's usage.
// Parse it with Parse.
func (c *Call) Flags() *flag.FlagSet {
	name := ""
	if len(c.Args) > 0 {
		name = c.Args[0]
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	fs.Usage = func() {
		usage := name
		if c.cmd != nil && c.cmd.Usage != "" {
			usage = c.cmd.Usage
		}
		fmt.Fprintf(fs.Output(), "usage: %s\n", strings.ReplaceAll(usage, "\n", "\n       "))
		fs.PrintDefaults()
	}
	return fs
}

// Parse parses the call's arguments with fs. The error it returns, for
// the command to return at once, is status 2 for a bad option (already
// explained on stderr) and status 0 for -h or --help (the usage shown).
func (c *Call) Parse(fs *flag.FlagSet) error {
	var args []string
	if len(c.Args) > 1 {
		args = c.Args[1:]
	}
	switch err := fs.Parse(args); {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		return &ExitError{Code: 0}
	default:
		return &ExitError{Code: 2}
	}
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

// restore puts the real stderr back and captures stdout (see stdoutPipe),
// at the first call: go-plugin replaces both once it serves.
func (s *server) restore() {
	stderrOnce.Do(func() {
		os.Stderr = stderr
		s.stdout = captureStdout(stderr)
	})
}

// needsHost is the least protocol minor the plugin needs of nsh.
var needsHost = 0

// NeedsHost declares, before Serve, that the plugin needs an nsh that
// speaks protocol minor version minor (pluginv1.Minor lists them): an
// older nsh refuses it with a message that says so, rather than failing
// at some call.
func NeedsHost(minor int) { needsHost = minor }

// Serve serves the commands until nsh stops the plugin. version is the
// plugin's own version, shown by `plugin list`. Serve does not return.
func Serve(version string, cmds ...*Command) {
	srv := &server{version: version, cmds: map[string]*Command{}}
	for _, c := range cmds {
		if c.Name == "" || c.Run == nil && c.RunE == nil {
			fmt.Fprintln(os.Stderr, "nsh plugin: a command needs a Name and a RunE (or Run) function")
			os.Exit(2)
		}
		srv.order = append(srv.order, c)
		srv.cmds[c.Name] = c
	}
	if os.Getenv(pluginv1.Handshake.MagicCookieKey) != pluginv1.Handshake.MagicCookieValue {
		// Run by hand, or by a program that is not nsh: go-plugin's own
		// text would speak of "plugins" in general.
		var names []string
		for _, c := range srv.order {
			names = append(names, c.Name)
		}
		fmt.Fprintf(os.Stderr, "%s is an nsh plugin: install it in $NSH_PLUGIN_PATH and run %s inside nsh\n", filepath.Base(os.Args[0]), strings.Join(names, ", "))
		os.Exit(1)
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
	serveCalls(srv)
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

// serveCalls serves calls on the sockets nsh gave (pluginv1.CallsFdKey
// and CallsInFdKey), saying so before go-plugin's handshake is printed,
// so that nsh knows it when it has read the handshake. nsh's messages
// are read through Go's poller; the plugin's own are written with plain
// blocking writes, so that the socket is not in the poller: nsh taking
// them would signal its write space there, and wake the process for
// nothing.
func serveCalls(srv *server) {
	out, in := callsSocket(pluginv1.CallsFdKey), callsSocket(pluginv1.CallsInFdKey)
	if out < 0 {
		if in >= 0 {
			unix.Close(in)
		}
		return
	}
	hello := pluginv1.CallsHelloIn
	if in < 0 { // an nsh of minor 3: one socket both ways
		hello, in = pluginv1.CallsHello, out
	}
	f := os.NewFile(uintptr(in), "nsh-calls-in")
	conn, err := net.FileConn(f) // a copy, close-on-exec
	f.Close()
	if err != nil {
		return
	}
	var w io.WriteCloser = conn
	if in != out {
		unix.CloseOnExec(out)
		w = os.NewFile(uintptr(out), "nsh-calls") // blocking, as nsh made it
	}
	if _, err := w.Write([]byte(hello)); err != nil {
		w.Close()
		conn.Close()
		return
	}
	var c io.Closer = conn
	if w != conn {
		c = closeBoth{conn, w}
	}
	calls := pluginv1.NewPluginCalls(conn, w, c)
	go func() {
		srv.serve(calls)
		calls.Close()
	}()
}

// callsSocket is the stream socket the variable key names, -1 if none.
func callsSocket(key string) int {
	fd, err := strconv.Atoi(os.Getenv(key))
	os.Unsetenv(key) // not for what the plugin starts
	if err != nil || fd < 3 {
		return -1
	}
	if t, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE); err != nil || t != unix.SOCK_STREAM {
		return -1
	}
	return fd
}

type closeBoth [2]io.Closer

func (c closeBoth) Close() error {
	c[0].Close()
	return c[1].Close()
}
