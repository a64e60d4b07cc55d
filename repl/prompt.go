package repl

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/nsh-dev/nsh/lang"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
	"github.com/nsh-dev/nsh/nsinfo"
	"golang.org/x/sys/unix"
)

// DefaultPrompt is the prompt when NSH_PROMPT is not set.
const DefaultPrompt = "nsh%k%d%s%$ "

// ANSI colours, used only on a terminal and never with NO_COLOR.
const (
	yellow = "\x1b[33m"
	red    = "\x1b[31m"
	reset  = "\x1b[0m"
)

// prompt is PS1: NSH_PROMPT's template filled in (DefaultPrompt if unset).
func prompt(sh *lang.Shell, color bool) string {
	tmpl, ok := sh.Var("NSH_PROMPT")
	if !ok {
		tmpl = DefaultPrompt
	}
	ctx := sh.Ctx()
	st, err := ctx.Status()
	if err != nil {
		return "nsh? "
	}
	// Set at all, even empty: the issue says never with NO_COLOR, and
	// erring towards no colour is the harmless side.
	_, noColor := sh.Var("NO_COLOR")
	p := &promptData{st: &st, last: sh.LastStatus(), root: os.Geteuid() == 0, color: color && !noColor}
	p.host = func() string {
		var u unix.Utsname
		if ctx.Do(func() error { return unix.Uname(&u) }) != nil {
			return "?"
		}
		return unix.ByteSliceToString(u.Nodename[:])
	}
	p.user = func() string {
		if v, _ := sh.Var("USER"); v != "" {
			return v
		}
		// As bash's \u: the name of nsh's uid, whatever $USER says.
		uid := strconv.Itoa(os.Getuid())
		if u, err := user.LookupId(uid); err == nil {
			return u.Username
		}
		return uid
	}
	p.home = func() string { v, _ := sh.Var("HOME"); return v }
	// Read from this goroutine, not the context thread: names live in
	// nsh's home mount namespace.
	p.netns = nsinfo.NetnsOrContainer // net=red, net=podman:web
	return formatPrompt(tmpl, p)
}

type promptData struct {
	st               *nsctx.Status
	last             int
	root, color      bool
	host, user, home func() string
	netns            func(nsfs.ID) string // the ip netns name of a netns, or ""
}

func formatPrompt(tmpl string, p *promptData) string {
	paint := func(c, s string) string {
		if !p.color || s == "" {
			return s
		}
		return c + s + reset
	}
	var b strings.Builder
	for i := 0; i < len(tmpl); i++ {
		if tmpl[i] != '%' || i+1 == len(tmpl) {
			b.WriteByte(tmpl[i])
			continue
		}
		i++
		switch tmpl[i] {
		case 'k':
			var away []string
			for _, k := range nsfs.Kinds() {
				if !p.st.Differs(k) {
					continue
				}
				name := k.String()
				if k == nsfs.Net && p.netns != nil {
					if n := p.netns(p.st.Cur[k]); n != "" {
						name += "=" + n // nsh[net=red]
					}
				}
				away = append(away, name)
			}
			if len(away) > 0 {
				b.WriteString(paint(yellow, "["+strings.Join(away, ",")+"]"))
			}
		case 'd':
			if p.st.Depth > 0 {
				fmt.Fprintf(&b, "^%d", p.st.Depth)
			}
		case 's':
			if p.last != 0 {
				b.WriteString(" " + paint(red, fmt.Sprint(p.last)))
			}
		case '$':
			if p.root {
				b.WriteByte('#')
			} else {
				b.WriteByte('$')
			}
		case 'w', 'W':
			wd := p.st.Cwd
			if p.st.CwdErr != nil {
				wd = "?"
			}
			if tmpl[i] == 'W' {
				wd = filepath.Base(wd)
			} else if h := p.home(); h != "" && h != "/" && strings.HasPrefix(wd+"/", h+"/") {
				wd = "~" + wd[len(h):]
			}
			b.WriteString(wd)
		case 'h':
			b.WriteString(p.host())
		case 'u':
			b.WriteString(p.user())
		case 'n':
			b.WriteByte('\n')
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(tmpl[i])
		}
	}
	return b.String()
}
