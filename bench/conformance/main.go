// Command conformance runs shell test suites that nsh did not write against
// several shells side by side and reports their pass rates, overall and per
// feature. It is a bench tool, not a test: the peers' own bugs and gaps must
// never fail CI.
//
//	go run ./bench/conformance -shell nsh=/tmp/nsh -shell dash=/bin/dash \
//	    -shell bash=/bin/bash [-suite mvdan,mksh] [-v] [-json out.json]
//
// Suites, read at run time and never copied into this repository:
//   - mvdan: the TestRunnerRun table of mvdan.cc/sh/v3's interp package, from
//     the module cache at the version go.mod requires;
//   - mksh: mksh's regression suite check.t, from Debian's mksh package.
//
// Each case runs as `SHELL -c SCRIPT` (mksh: the script on standard input,
// as its check.pl does) in a fresh temporary directory, with a timeout.
// docs/conformance.md has the figures and the rules.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"mvdan.cc/sh/v3/syntax"
)

// Case is one script of a suite and what it must give.
type Case struct {
	ID       string
	Script   string
	OnStdin  bool     // the script is fed on standard input, not with -c
	Args     []string // shell arguments before -c (mksh's "arguments")
	Env      []string // NAME=VALUE added, NAME alone removed
	Files    []string // mksh file-setup values
	Split    bool     // stdout and stderr apart (else one pipe, in order)
	Want     string   // for people: what check looks for
	Skip     string   // why the case is not run
	Features []string
	NonPOSIX bool
	check    func(*Result) bool
}

// Result is what one shell did with one case.
type Result struct {
	Out, Stdout, Stderr string // Out: both streams when not Split
	Status, Signal      int
	ExitText            string // "exit status N" or "signal: killed", as Go's exec words it
	Dir                 string
	Err                 string // the runner's own trouble, or "timeout"
	Pass                bool
}

type shell struct{ name, cmd string }

type shellFlags []shell

func (s *shellFlags) String() string { return fmt.Sprint(*s) }
func (s *shellFlags) Set(v string) error {
	name, cmd, ok := strings.Cut(v, "=")
	if !ok || name == "" || cmd == "" {
		return errors.New("want NAME=PATH [ARGS]")
	}
	*s = append(*s, shell{name, cmd})
	return nil
}

var cleanups []func()

func check(err error) {
	if err != nil {
		for _, f := range cleanups {
			f()
		}
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(1)
	}
}

// helperEnv names the shell under test in the environment of a case, so
// that this program, run as $GOSH_PROG, knows which shell to run.
const helperEnv = "NSH_CONFORMANCE_SHELL"

func main() {
	if sh := os.Getenv(helperEnv); sh != "" {
		helper(sh)
	}
	var shells shellFlags
	flag.Var(&shells, "shell", "NAME=PATH [ARGS]: a shell to run the cases with (repeat)")
	suites := flag.String("suite", "mvdan", "comma-separated suites: mvdan, mksh")
	mkshT := flag.String("mksh-t", "/usr/share/doc/mksh/check.t.gz", "mksh's check.t (Debian package mksh)")
	verbose := flag.Bool("v", false, "print each failing case with want and got per shell")
	jsonOut := flag.String("json", "", "write every case and result to this file")
	jobs := flag.Int("j", 4, "cases run at once")
	timeout := flag.Duration("timeout", 10*time.Second, "time limit of one case")
	only := flag.String("run", "", "run only the cases whose ID or script matches this regexp")
	why := flag.Int("why", 0, "print, per shell, the N most common first lines of what failing POSIX cases printed")
	claims := flag.String("claims", defaultClaims, "comma-separated features the shell claims; a case counts as claimed when all its features are")
	flag.Parse()
	if len(shells) == 0 {
		check(errors.New("no -shell given"))
	}
	var re *regexp.Regexp
	if *only != "" {
		var err error
		re, err = regexp.Compile(*only)
		check(err)
	}
	type suiteRun struct {
		name  string
		cases []*Case
		env   []string
		res   [][]*Result // [case][shell]
	}
	var runs []*suiteRun
	for _, name := range strings.Split(*suites, ",") {
		var cases []*Case
		var env []string
		var err error
		switch name {
		case "mvdan":
			cases, env, err = mvdanCases()
		case "mksh":
			cases, env, err = mkshCases(*mkshT)
		default:
			err = fmt.Errorf("unknown suite %q", name)
		}
		check(err)
		for _, c := range cases {
			if c.Skip == "" && re != nil && !re.MatchString(c.ID) && !re.MatchString(c.Script) {
				c.Skip = "not selected by -run"
			}
			classify(c)
		}
		runs = append(runs, &suiteRun{name: name, cases: cases, env: env})
	}
	for _, s := range runs {
		s.res = make([][]*Result, len(s.cases))
		type job struct{ ci, si int }
		work := make(chan job)
		var wg sync.WaitGroup
		for range *jobs {
			wg.Go(func() {
				for j := range work {
					s.res[j.ci][j.si] = run(shells[j.si], s.cases[j.ci], s.env, *timeout)
				}
			})
		}
		for ci, c := range s.cases {
			s.res[ci] = make([]*Result, len(shells))
			if c.Skip != "" {
				continue
			}
			for si := range shells {
				work <- job{ci, si}
			}
		}
		close(work)
		wg.Wait()
	}
	for _, f := range cleanups {
		f()
	}
	claimed := strings.Split(*claims, ",")
	for _, s := range runs {
		if *verbose {
			printFailures(s.cases, s.res, shells)
		}
		report(s.name, s.cases, s.res, shells, claimed)
		if *why > 0 {
			printWhy(s.cases, s.res, shells, *why)
		}
	}
	if *jsonOut != "" {
		var all []map[string]any
		for _, s := range runs {
			for ci, c := range s.cases {
				m := map[string]any{"suite": s.name, "id": c.ID, "script": c.Script, "want": c.Want,
					"skip": c.Skip, "features": c.Features, "nonposix": c.NonPOSIX}
				if c.Skip == "" {
					r := map[string]*Result{}
					for si, sh := range shells {
						r[sh.name] = s.res[ci][si]
					}
					m["results"] = r
				}
				all = append(all, m)
			}
		}
		b, err := json.MarshalIndent(all, "", " ")
		check(err)
		check(os.WriteFile(*jsonOut, b, 0o644))
	}
}

// run runs one case under one shell in a fresh directory of its own, with
// standard input /dev/null (or the script), in a process group of its own
// that is killed at the timeout and after the shell ends, so nothing it
// left behind runs on into the next case.
func run(sh shell, c *Case, baseEnv []string, timeout time.Duration) *Result {
	r := &Result{}
	dir, err := os.MkdirTemp("", "conformance-")
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer removeAll(dir)
	r.Dir = dir
	if err := setupFiles(dir, c.Files); err != nil {
		r.Err = "file-setup: " + err.Error()
		return r
	}
	argv := strings.Fields(sh.cmd)
	args := append(append([]string(nil), argv[1:]...), c.Args...)
	switch {
	case c.OnStdin:
	case strings.ContainsRune(c.Script, 0) || strings.HasPrefix(c.Script, "-") || strings.HasPrefix(c.Script, "+"):
		// not an argument a program can be given, or one that looks
		// like an option: a script file, outside the case's directory
		f := dir + ".sh"
		if err := os.WriteFile(f, []byte(c.Script), 0o600); err != nil {
			r.Err = err.Error()
			return r
		}
		defer os.Remove(f)
		args = append(args, f)
	default:
		// $0 is the shell's name, as when the table's check runs "bash"
		args = append(args, "-c", c.Script, filepath.Base(argv[0]))
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], args...)
	cmd.Dir = dir
	cmd.Env = caseEnv(baseEnv, c.Env, sh, argv[0])
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	if c.OnStdin {
		cmd.Stdin = strings.NewReader(c.Script)
	}
	var out, stdout, stderr bytes.Buffer
	if c.Split {
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
	} else {
		cmd.Stdout, cmd.Stderr = &out, &out
	}
	err = cmd.Start()
	if err != nil {
		r.Err = err.Error()
		return r
	}
	err = cmd.Wait()
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	r.Out, r.Stdout, r.Stderr = out.String(), stdout.String(), stderr.String()
	if ctx.Err() != nil {
		r.Err = "timeout"
		return r
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.ExitText = ee.Error()
	} else if err != nil {
		r.Err = err.Error()
		return r
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		r.Signal = int(ws.Signal())
	} else {
		r.Status = ws.ExitStatus()
	}
	r.Pass = c.check(r)
	return r
}

// caseEnv is the suite's environment with the case's changes; the shell
// under test is named for $GOSH_PROG (helperEnv) and mksh's $__progname.
func caseEnv(base, changes []string, sh shell, prog string) []string {
	env := append([]string(nil), base...)
	for _, kv := range changes {
		name, _, set := strings.Cut(kv, "=")
		env = environ([]string{name}, env)
		if set {
			env = append(env, kv)
		}
	}
	return append(env, helperEnv+"="+sh.cmd, "__progname="+prog)
}

// setupFiles makes mksh's file-setup entries: TYPE PERM "NAME" then data.
func setupFiles(dir string, files []string) error {
	for _, f := range files {
		parts := strings.SplitN(strings.TrimLeft(f, " \t"), " ", 3)
		if len(parts) < 3 || len(parts[2]) < 2 {
			return fmt.Errorf("bad entry %q", f)
		}
		q := parts[2][:1]
		end := strings.Index(parts[2][1:], q)
		if end < 0 {
			return fmt.Errorf("bad name in %q", f)
		}
		name := filepath.Join(dir, parts[2][1:1+end])
		data := parts[2][2+end:]
		perm, err := strconv.ParseUint(parts[1], 8, 32)
		if err != nil {
			return err
		}
		switch parts[0] {
		case "file":
			err = os.WriteFile(name, []byte(data), 0o600)
			if err == nil {
				err = os.Chmod(name, os.FileMode(perm))
			}
		case "dir":
			err = os.Mkdir(name, os.FileMode(perm))
		case "symlink":
			err = os.Symlink(data, name)
		default:
			err = fmt.Errorf("bad type %q", parts[0])
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// removeAll removes a case's directory even where the case took away the
// permissions of what it made (chmod 0 dir).
func removeAll(dir string) {
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if d != nil && d.IsDir() {
			os.Chmod(p, 0o700)
		}
		return nil
	})
	os.RemoveAll(dir)
}

func printFailures(cases []*Case, res [][]*Result, shells []shell) {
	for ci, c := range cases {
		if c.Skip != "" {
			continue
		}
		var lines []string
		for si, sh := range shells {
			r := res[ci][si]
			if r.Pass {
				continue
			}
			got := r.Out + r.ExitText
			if c.Split {
				got = fmt.Sprintf("stdout %q stderr %q status %d signal %d", r.Stdout, r.Stderr, r.Status, r.Signal)
			} else {
				got = strconv.Quote(got)
			}
			if r.Err != "" {
				got = r.Err + ": " + got
			}
			lines = append(lines, fmt.Sprintf("  %-6s got %s", sh.name, cut(got)))
		}
		if lines == nil {
			continue
		}
		fmt.Printf("FAIL %s %v\n  script %s\n  want   %s\n%s\n", c.ID, c.Features, cut(strconv.Quote(c.Script)),
			cut(c.Want), strings.Join(lines, "\n"))
	}
	fmt.Println()
}

var (
	quoted = regexp.MustCompile(`"[^"]*"|'[^']*'|\d+`)
	where  = regexp.MustCompile(`^(\S*:)?\s*\d+(:\d+)*:\s*`) // "-c:1:", "dash: 1:"
)

// printWhy groups the failing POSIX cases of each shell by the first line
// they printed on stderr (numbers and quoted words made alike, the
// FILE:LINE prefix cut), most common first, with two examples each.
func printWhy(cases []*Case, res [][]*Result, shells []shell, n int) {
	for si, sh := range shells {
		count := map[string]int{}
		examples := map[string][]string{}
		for ci, c := range cases {
			r := res[ci][si]
			if c.Skip != "" || c.NonPOSIX || r.Pass {
				continue
			}
			text := r.Stderr
			if !c.Split {
				text = r.Out
			}
			line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
			line = quoted.ReplaceAllString(where.ReplaceAllString(line, ""), "_")
			switch {
			case r.Err != "":
				line = "(" + r.Err + ")"
			case line == "":
				line = "(wrong output, no message)"
			}
			count[line]++
			if len(examples[line]) < 2 {
				examples[line] = append(examples[line], c.ID+" "+strconv.Quote(c.Script))
			}
		}
		var keys []string
		for k := range count {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			return count[keys[i]] > count[keys[j]] || count[keys[i]] == count[keys[j]] && keys[i] < keys[j]
		})
		fmt.Printf("%s: why POSIX cases failed\n", sh.name)
		for _, k := range keys[:min(n, len(keys))] {
			fmt.Printf("%5d  %s\n", count[k], cut(k))
			for _, e := range examples[k] {
				fmt.Printf("         %s\n", cut(e))
			}
		}
		fmt.Println()
	}
}

func cut(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}

// report prints the table: each row a group of cases, a column a shell.
func report(name string, cases []*Case, res [][]*Result, shells []shell, claimed []string) {
	type row struct {
		name string
		n    int
		pass []int
	}
	rows := map[string]*row{}
	add := func(key string, ci int) {
		r := rows[key]
		if r == nil {
			r = &row{name: key, pass: make([]int, len(shells))}
			rows[key] = r
		}
		r.n++
		for si := range shells {
			if res[ci][si].Pass {
				r.pass[si]++
			}
		}
	}
	skipped := map[string]int{}
	for ci, c := range cases {
		if c.Skip != "" {
			skipped[c.Skip]++
			continue
		}
		add("all", ci)
		if c.NonPOSIX {
			add("non-POSIX (bash/ksh)", ci)
		} else {
			add("POSIX", ci)
		}
		if subset(c.Features, claimed) {
			add("claimed (-claims)", ci)
		}
		for _, f := range c.Features {
			add("  "+f, ci)
		}
	}
	ran := 0
	if rows["all"] != nil {
		ran = rows["all"].n
	}
	fmt.Printf("suite %s: %d cases, %d run\n", name, len(cases), ran)
	var reasons []string
	for k := range skipped {
		reasons = append(reasons, k)
	}
	sort.Strings(reasons)
	for _, k := range reasons {
		fmt.Printf("  skipped %4d: %s\n", skipped[k], k)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "cases\t")
	for _, sh := range shells {
		fmt.Fprintf(tw, "%s\t", sh.name)
	}
	fmt.Fprintln(tw, "\t")
	var keys []string
	for k := range rows {
		keys = append(keys, k)
	}
	order := map[string]int{"all": 0, "POSIX": 1, "non-POSIX (bash/ksh)": 2, "claimed (-claims)": 3}
	sort.Slice(keys, func(i, j int) bool {
		oi, iok := order[keys[i]]
		oj, jok := order[keys[j]]
		if iok || jok {
			return iok && (!jok || oi < oj)
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		r := rows[k]
		fmt.Fprintf(tw, "%d\t", r.n)
		for _, p := range r.pass {
			fmt.Fprintf(tw, "%d %3.0f%%\t", p, 100*float64(p)/float64(r.n))
		}
		fmt.Fprintf(tw, "\t%s\n", k)
	}
	tw.Flush()
	fmt.Println()
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !contains(b, x) {
			return false
		}
	}
	return true
}

// features are recognised in a script's text: rough, but the same for every
// shell. A case may have several; one with none is "simple".
var features = []struct {
	name string
	re   *regexp.Regexp
}{
	{"arith", regexp.MustCompile(`\$\(\(`)},
	{"param-forms", regexp.MustCompile(`\$\{#?[\w@*#?]+:?[-=?+#%]|\$\{#\w+\}`)},
	{"cmd-subst", regexp.MustCompile("\\$\\([^(]|`")},
	{"here-doc", regexp.MustCompile(`<<-?\s*['"\\]?\w`)},
	{"redirection", regexp.MustCompile(`\d*(>>|>&|<&|<>|>\||>|<)[^<(]`)},
	{"pipeline", regexp.MustCompile(`[^|]\|[^|]`)},
	{"and-or", regexp.MustCompile(`&&|\|\|`)},
	{"background", regexp.MustCompile(`[^&>]&([^&>]|$)`)},
	{"function", regexp.MustCompile(`\w\s*\(\)\s*[{(]|\bfunction\s+\w`)},
	{"case", regexp.MustCompile(`\bcase\b[^;]*\bin\b`)},
	{"loop", regexp.MustCompile(`\b(for|while|until)\b|\bbreak\b|\bcontinue\b`)},
	{"if", regexp.MustCompile(`\bif\b`)},
	{"subshell-group", regexp.MustCompile(`(^|[;&|!\s])[({]\s`)},
	{"variables", regexp.MustCompile(`\$\w|\$\{|^\w+=|\s\w+=`)},
	{"positional", regexp.MustCompile(`\$[@*#0-9]|\bshift\b|\bset --`)},
	{"special-vars", regexp.MustCompile(`\$[?$!-]|\$\{[?$!-]|LINENO|PPID|IFS`)},
	{"quoting", regexp.MustCompile(`['"\\]`)},
	{"glob", regexp.MustCompile(`(^|\s)[^\s'"=$]*[*?][^\s'"]*|\[[!^]?\w+\]`)},
	{"tilde", regexp.MustCompile(`(^|[\s=:])~`)},
	{"trap", regexp.MustCompile(`\btrap\b`)},
	{"set-options", regexp.MustCompile(`\bset\s+[-+][a-zA-Z]|\bset -o\b|\$-`)},
	{"read", regexp.MustCompile(`\bread\b`)},
	{"printf", regexp.MustCompile(`\bprintf\b`)},
	{"echo", regexp.MustCompile(`\becho\b`)},
	{"test", regexp.MustCompile(`\btest\b|(^|[\s;&|!])\[\s`)},
	{"eval-exec-source", regexp.MustCompile(`\beval\b|\bexec\b|(^|[\s;])(\.|source)\s`)},
	{"vars-builtins", regexp.MustCompile(`\b(export|readonly|unset|local)\b`)},
	{"cd-pwd", regexp.MustCompile(`\b(cd|pwd)\b`)},
	{"command-type", regexp.MustCompile(`\b(command|type|hash)\s`)},
	{"getopts", regexp.MustCompile(`\bgetopts\b`)},
	{"jobs-signals", regexp.MustCompile(`\b(wait|jobs|kill|fg|bg)\b`)},
	{"alias", regexp.MustCompile(`\b(un)?alias\b`)},
	{"exit-return", regexp.MustCompile(`\b(exit|return)\b`)},
	{"umask-ulimit-times", regexp.MustCompile(`\b(umask|ulimit|times)\b`)},
	// non-POSIX: any of these makes a case bash/ksh-only
	{"bash-syntax", nil}, // what mvdan's parser refuses in POSIX mode
	{"bash-builtins", regexp.MustCompile(`\b(declare|typeset|let|shopt|pushd|popd|dirs|mapfile|readarray|help|caller|select|disown|enable|compgen|complete|print|whence|source|suspend|builtin)\b|\bread\s+-\w*[adnNsteiup]|\becho\s+-\w*[eE]\b|\bexport\s+-[fn]|\bprintf\s+-v|%q|\bwait\s+-[nf]|\btype\s+-\w*[ptaP]|\bcd\s+-[e@]`)},
	{"bash-vars", regexp.MustCompile(`\$\{?(BASH\w*|RANDOM|SECONDS|PIPESTATUS|FUNCNAME|DIRSTACK|EPOCH\w+|SRANDOM|GROUPS|HOSTNAME|KSH_VERSION|UID|EUID|OPTERR|SHLVL|BASHPID|COLUMNS)\b|\b(GLOBIGNORE|BASH_REMATCH)\b`)},
	{"dbracket", regexp.MustCompile(`\[\[\s`)},
	{"arith-command", regexp.MustCompile(`(^|[\s;&|(!])\(\(|\blet\b`)},
	{"brace-expansion", regexp.MustCompile(`(^|[^$])\{[^{}\s]*,[^{}\s]*\}|\{-?\w+\.\.-?\w+(\.\.-?\d+)?\}`)},
	{"arith-extensions", regexp.MustCompile(`\$\(\([^)]*(\*\*|\+\+|--|\d#)`)},
	// +=, $'...' and $"...", $(<f), [ a == b ], [ -v/-o/-N/-R x ], trap ERR, |&, &>
	{"bash-other", regexp.MustCompile(`\w\+=|\$'|\$"|\$\(<|(\[|\btest)\s[^;&|\]]*\s==\s|(\[|\btest)\s+(!\s+)?-[vNoR]\s|\btrap\b.*\bERR\b|\|&|&>`)},
}

var nonPOSIX = []string{"bash-syntax", "dbracket", "arith-command", "bash-builtins", "bash-vars", "brace-expansion", "arith-extensions", "bash-other"}

// defaultClaims are the features docs/usage.md says nsh has today (main,
// before the new language): variables, $(...), for/while/if, && || !,
// pipelines, redirections of fds 0-2, source, set -x/-k, jobs, cd/pwd,
// echo, export/unset. Change it with -claims when docs/usage.md changes.
const defaultClaims = "simple,variables,positional,special-vars,cmd-subst,quoting,glob,tilde," +
	"loop,if,and-or,pipeline,background,redirection,echo,vars-builtins,cd-pwd,exit-return,jobs-signals"

var posixParser = syntax.NewParser(syntax.Variant(syntax.LangPOSIX))

func classify(c *Case) {
	for _, f := range features {
		if f.re != nil && f.re.MatchString(c.Script) {
			c.Features = append(c.Features, f.name)
		}
	}
	if _, err := posixParser.Parse(strings.NewReader(c.Script), ""); err != nil {
		c.Features = append(c.Features, "bash-syntax")
	}
	if len(c.Features) == 0 {
		c.Features = []string{"simple"}
	}
	for _, f := range c.Features {
		if contains(nonPOSIX, f) {
			c.NonPOSIX = true
		}
	}
}
