// Command testplugin is a plugin for nsh's tests: well-behaved commands
// that exercise the protocol, and faulty ones. Built under a name that
// contains "garbage" it prints junk before the handshake; under one that
// contains "mute" it never completes the handshake; under one that
// contains "onesocket" it takes its calls as minor 3 did.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nsh-dev/nsh/plugins/sdk"
)

func main() {
	name := filepath.Base(os.Args[0])
	switch {
	case strings.Contains(name, "garbage"):
		fmt.Println("hello, I am not a plugin")
		fmt.Fprintln(os.Stderr, "garbage plugin: about to misbehave")
	case strings.Contains(name, "cookie"):
		// As a plugin built for another host (or SDK) sees nsh's cookie.
		os.Setenv("NSH_PLUGIN_COOKIE", "some-other-program")
	case strings.Contains(name, "future"):
		sdk.NeedsHost(99)
	case strings.Contains(name, "onesocket"):
		// As the SDK of minor 3 sees nsh: one calls socket, both ways.
		os.Unsetenv("NSH_PLUGIN_CALLS_IN_FD")
	case strings.Contains(name, "mute"):
		fmt.Fprintln(os.Stderr, "mute plugin: sleeping instead of serving")
		time.Sleep(time.Hour)
	}
	sdk.Serve("0.1.0",
		cmd("techo", "print arguments, env var and pid", func(ctx context.Context, c *sdk.Call) int {
			fmt.Fprintf(c.Stdout, "args=%s\n", strings.Join(c.Args[1:], ","))
			fmt.Fprintf(c.Stdout, "var=%s dir=%s\n", c.Getenv("TESTVAR"), c.Dir)
			fmt.Fprintf(c.Stderr, "to stderr\n")
			return 0
		}),
		cmd("tpid", "print the plugin's pid", func(ctx context.Context, c *sdk.Call) int {
			fmt.Fprintln(c.Stdout, os.Getpid())
			return 0
		}),
		cmd("tnet", "print the process's network namespace and the host API's", func(ctx context.Context, c *sdk.Call) int {
			own, _ := os.Readlink("/proc/self/ns/net")
			where := "home"
			if w, err := c.Host().Where(ctx); err != nil {
				where = err.Error()
			} else if ns, ok := w.Kind("net"); ok {
				where = fmt.Sprintf("net:[%d]", ns.Ino)
			}
			fmt.Fprintf(c.Stdout, "own=%s api=%s\n", own, where)
			return 0
		}),
		cmd("tcat", "copy stdin to stdout", func(ctx context.Context, c *sdk.Call) int {
			n, err := io.Copy(c.Stdout, c.Stdin)
			fmt.Fprintf(c.Stderr, "copied %d bytes (%v)\n", n, err)
			return 0
		}),
		cmd("ttty", "print terminal info", func(ctx context.Context, c *sdk.Call) int {
			fmt.Fprintf(c.Stdout, "stdin=%v stdout=%v stderr=%v size=%dx%d\n", c.StdinTTY, c.StdoutTTY, c.StderrTTY, c.Rows, c.Cols)
			return 0
		}),
		cmd("tstatus", "exit with the status given", func(ctx context.Context, c *sdk.Call) int {
			n, _ := strconv.Atoi(c.Args[1])
			return n
		}),
		cmd("tslow", "print ticks; stop on interrupt", func(ctx context.Context, c *sdk.Call) int {
			for i := 0; ; i++ {
				fmt.Fprintf(c.Stdout, "tick %d\n", i)
				select {
				case <-ctx.Done():
					fmt.Fprintln(c.Stdout, "cancelled")
					return 130
				case <-time.After(50 * time.Millisecond):
				}
			}
		}),
		cmd("thang", "ignore interrupts forever", func(ctx context.Context, c *sdk.Call) int {
			fmt.Fprintln(c.Stdout, "hanging")
			select {}
		}),
		cmd("tcrash", "crash the whole process", func(ctx context.Context, c *sdk.Call) int {
			fmt.Fprintln(c.Stdout, "about to crash")
			fmt.Fprintln(os.Stderr, "testplugin: crashing on purpose")
			time.Sleep(100 * time.Millisecond) // let the output reach nsh
			go func() { panic("deliberate crash") }()
			time.Sleep(time.Second)
			return 0
		}),
		cmd("texit", "exit the process mid-call", func(ctx context.Context, c *sdk.Call) int {
			fmt.Fprintln(c.Stdout, "partial output")
			fmt.Fprintln(os.Stderr, "testplugin: exiting mid-call")
			time.Sleep(100 * time.Millisecond)
			os.Exit(3)
			return 0
		}),
		cmd("tpanic", "panic inside the command (recovered)", func(ctx context.Context, c *sdk.Call) int {
			panic("oops")
		}),
		cmd("tspawn", "start sleep 300 in a process group of its own (holding the plugin's stderr: tspawn stderr); print its pid", func(ctx context.Context, c *sdk.Call) int {
			sleep := exec.Command("sleep", "300")
			sleep.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
			if len(c.Args) > 1 && c.Args[1] == "stderr" {
				sleep.Stderr = os.Stderr // the process's own, a pipe to nsh
			}
			if err := sleep.Start(); err != nil {
				fmt.Fprintln(c.Stderr, err)
				return 1
			}
			go sleep.Wait()
			fmt.Fprintln(c.Stdout, sleep.Process.Pid)
			return 0
		}),
		cmd("tfds", "print where the process's descriptors lead", func(ctx context.Context, c *sdk.Call) int {
			ents, _ := os.ReadDir("/proc/self/fd")
			for _, e := range ents {
				to, _ := os.Readlink("/proc/self/fd/" + e.Name())
				fmt.Fprintf(c.Stdout, "%s %s\n", e.Name(), to)
			}
			return 0
		}),
		cmd("tcgroup", "print the process's cgroup v2", func(ctx context.Context, c *sdk.Call) int {
			b, _ := os.ReadFile("/proc/self/cgroup")
			for _, line := range strings.Split(string(b), "\n") {
				if cg, ok := strings.CutPrefix(line, "0::"); ok {
					fmt.Fprintln(c.Stdout, cg)
				}
			}
			return 0
		}),
		cmd("tprint", "print on os.Stdout between lines on Call.Stdout", func(ctx context.Context, c *sdk.Call) int {
			fmt.Fprintln(c.Stdout, "one")
			fmt.Println("two")
			fmt.Fprintln(c.Stdout, "three")
			fmt.Println("four")
			return 0
		}),
		cmd("tlog", "write a line on os.Stderr", func(ctx context.Context, c *sdk.Call) int {
			fmt.Fprintln(os.Stderr, "testplugin: a line for the log", c.Args[1:])
			return 0
		}),
		&sdk.Command{Name: "tflags", Summary: "options, errors and statuses", Usage: "tflags [-n N] [-fail MSG] [-exit CODE] [VAR]",
			RunE: func(ctx context.Context, c *sdk.Call) error {
				fs := c.Flags()
				n := fs.Int("n", 1, "how many times")
				fail := fs.String("fail", "", "fail with this error")
				exit := fs.Int("exit", 0, "exit with this status and a message")
				if err := c.Parse(fs); err != nil {
					return err
				}
				if *fail != "" {
					return fmt.Errorf("%s", *fail)
				}
				if *exit != 0 {
					return sdk.Exit(*exit, "exiting as asked")
				}
				for i := 0; i < *n; i++ {
					fmt.Fprintln(c.Stdout, "n", i)
				}
				for _, v := range fs.Args() {
					val, ok := c.LookupEnv(v)
					fmt.Fprintf(c.Stdout, "%s=%q set=%v\n", v, val, ok)
				}
				return nil
			}},
		&sdk.Command{Name: "twhere", Summary: "print what the host API says of the context",
			RunE: func(ctx context.Context, c *sdk.Call) error {
				w, err := c.Host().Where(ctx)
				if err != nil {
					return err
				}
				fmt.Fprint(c.Stdout, describeWhere(w))
				return nil
			},
			// The interfaces of the context's netns, what the env and the
			// host API say, and file names for the word "files".
			CompleteE: func(ctx context.Context, c *sdk.CompleteCall) ([]string, error) {
				if c.Word() == "files" {
					c.AddFiles()
					return nil, nil
				}
				ifs, err := net.Interfaces()
				if err != nil {
					return nil, err
				}
				var out []string
				for _, i := range ifs {
					out = append(out, i.Name)
				}
				out = append(out, "var="+c.Getenv("TESTVAR"), "dir="+c.Dir)
				w, err := c.Host().Where(ctx)
				if err != nil {
					return nil, err
				}
				if ns, ok := w.Kind("net"); ok {
					out = append(out, "netns="+strings.Join(ns.Names, ","))
				}
				return out, nil
			}},
		&sdk.Command{Name: "twhereslow", Summary: "twhere after 500 ms",
			RunE: func(ctx context.Context, c *sdk.Call) error {
				fmt.Fprintln(os.Stderr, "testplugin: twhereslow began")
				time.Sleep(500 * time.Millisecond)
				w, err := c.Host().Where(ctx)
				if err != nil {
					return err
				}
				fmt.Fprint(c.Stdout, describeWhere(w))
				return nil
			}},
		cmd("tlater", "ask the host API after the call, into the log", func(ctx context.Context, c *sdk.Call) int {
			host := c.Host()
			go func() {
				time.Sleep(200 * time.Millisecond)
				_, err := host.Where(context.Background())
				fmt.Fprintln(os.Stderr, "testplugin: later:", err)
			}()
			return 0
		}),
		cmd("cd", "clashes with the builtin", func(ctx context.Context, c *sdk.Call) int {
			fmt.Fprintln(c.Stdout, "plugin cd ran")
			return 0
		}),
	)
}

// describeWhere prints the host API's answer a line a fact.
func describeWhere(w *sdk.Where) string {
	var b strings.Builder
	fmt.Fprintf(&b, "depth=%d cwd=%s\n", w.Depth, w.Cwd)
	for _, ns := range w.Away {
		fmt.Fprintf(&b, "away %s %d names=%s pending=%v\n", ns.Kind, ns.Ino, strings.Join(ns.Names, ","), ns.Pending)
	}
	for _, p := range w.Pins {
		if p.Current {
			fmt.Fprintf(&b, "pin %s %s %d\n", p.Path, p.Kind, p.Ino)
		}
	}
	return b.String()
}

func cmd(name, summary string, run func(context.Context, *sdk.Call) int) *sdk.Command {
	return &sdk.Command{Name: name, Summary: summary, Run: run}
}
