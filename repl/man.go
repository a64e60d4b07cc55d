package repl

import (
	"fmt"
	"io"
	"strings"

	"github.com/nsh-dev/nsh/builtins"
)

// The man page is roff written here from the builtin table, the same one
// help and docs/builtins.md come from, so it cannot drift from them. A
// markdown converter (go-md2man) would add a dependency and a second
// source to keep in step; the man macros needed are few (TH, SH, SS, PP,
// TP, nf/fi) and the escaping rules are short (roffText).

// WriteManPage writes nsh(1) in man(7) roff (docs/nsh.1).
func WriteManPage(w io.Writer) {
	fmt.Fprint(w, `.\" Generated from nsh's builtin table: go test ./repl -update-man
.TH NSH 1 "" "nsh" "User Commands"
.SH NAME
nsh \- the namespace shell
.SH SYNOPSIS
.nf
\fBnsh\fR [\fB\-aCefnuvx\fR] [\fB\-o\fR \fIoption\fR] [\fB\-\-norc\fR] [\fB\-\-keep\-going\fR]
    [\fB\-c\fR \fIcommands\fR [\fIname\fR [\fIarg\fR...]] | \fB\-s\fR [\fIarg\fR...] | \fIfile\fR [\fIarg\fR...]]
\fBnsh \-V\fR | \fB\-\-version\fR
\fBnsh \-h\fR | \fB\-\-help\fR
.fi
.SH DESCRIPTION
\fBnsh\fR is an interactive, scriptable shell for Linux namespaces.
One long-lived session holds a \fIcurrent namespace context\fR: builtins
such as \fBunshare\fR, \fBsetns\fR, \fBpush\fR, \fBpop\fR and \fBhome\fR
change it, and every program nsh runs starts inside it.
The prompt shows where the context is, for example \fBnsh[net,uts]#\fR.
It does the work of \fBunshare\fR(1), \fBnsenter\fR(1), \fBip netns exec\fR
and \fBlsns\fR(8) from one prompt.
.PP
Without arguments nsh reads commands from the terminal, or from standard
input when that is not a terminal.
A script stops at its first failing command and reports \fIfile\fB:\fIline\fB:\fR \fImessage\fR.
Most namespace work needs root; \fBunshare user \-\-map\-root\fR works without it.
.SH OPTIONS
.TP
\fB\-c\fR \fIcommands\fR [\fIname\fR [\fIarg\fR...]]
Run \fIcommands\fR and exit; \fIname\fR and \fIarg\fRs become \fB$0\fR and \fB$1\fR..\fB$N\fR.
.TP
\fB\-s\fR [\fIarg\fR...]
Read the script from standard input, with \fIarg\fRs as \fB$1\fR..\fB$N\fR.
.TP
\fIfile\fR [\fIarg\fR...]
Run the script \fIfile\fR with \fB$1\fR..\fB$N\fR set, and exit.
.TP
\fB\-e\fR, \fB+e\fR
A script stops at its first failing command (the default for scripts), or carries on.
.TP
\fB\-k\fR, \fB\-\-keep\-going\fR
The same as \fB+e\fR.
.TP
\fB\-i\fR
Interactive, even when standard input is not a terminal: prompts on standard error, and does not stop at a failing command.
.TP
\fB\-x\fR
Trace: print each command, and its context, before it runs.
.TP
\fB\-aCfnuv\fR, \fB\-o\fR \fIoption\fR, \fB+o\fR \fIoption\fR
Set (or with \fB+\fR unset) the options of the \fBset\fR builtin; \fBset \-o\fR lists them.
.TP
\fB\-\-norc\fR
Do not read \fI~/.nshrc\fR (it is read only by an interactive shell).
.TP
\fB\-V\fR, \fB\-\-version\fR
Print lines of the form \fIkey value\fR: \fBnsh\fR and the module version,
\fBrevision\fR and the VCS commit (with \fB(modified)\fR for a changed tree),
\fBgo\fR and the Go version, \fBplugin\-protocol\fR and the plugin protocol
version the host speaks (\fBnone\fR in an nsh built without plugins); then exit 0.
A script can test, for example, \fBnsh \-V | awk '$1 == "revision" { print $2 }'\fR.
.TP
\fB\-h\fR, \fB\-\-help\fR
Print a short usage and exit.
.SH BUILTINS
Inside nsh, \fBhelp\fR lists the builtins and \fBhelp\fR \fIname\fR shows
the text below.
Commands that are not builtins are looked up among the loaded plugins, then
on \fBPATH\fR, and run inside the context.
`)
	for _, b := range builtins.Table() {
		fmt.Fprintf(w, ".SS %s\n%s.\n.PP\n.nf\n", roffText(b.Name), roffText(strings.ToUpper(b.Summary[:1])+b.Summary[1:]))
		for _, l := range strings.Split(strings.TrimRight(b.Usage, "\n"), "\n") {
			fmt.Fprintf(w, "\\fB%s\\fR\n", roffText(l))
		}
		fmt.Fprint(w, ".fi\n")
		writeRoffHelp(w, b.HelpText())
	}
	fmt.Fprint(w, `.SH SHELL LANGUAGE
nsh reads the POSIX shell language (parsed with mvdan.cc/sh): variables and
parameters, \fB$(\fR\fIcommands\fR\fB)\fR, arithmetic, patterns, \fBif\fR,
\fBwhile\fR, \fBuntil\fR, \fBfor\fR, \fBcase\fR, functions, \fB&&\fR,
\fB||\fR, pipelines, redirections and here-documents, aliases, traps, and job
control (\fIcommand\fR \fB&\fR, \fBjobs\fR, \fBfg\fR, \fBbg\fR, \fBwait\fR,
\fBkill\fR).
What differs is where things run:
.IP \(bu 2
Programs, plugins, \fB$(\fR...\fB)\fR and patterns such as \fB*.json\fR run or
are matched inside the current context; the namespace changes made inside a
\fB$(\fR...\fB)\fR are undone after it.
.IP \(bu 2
Builtins that change the context (\fBunshare\fR, \fBsetns\fR, \fBhome\fR,
\fBpush\fR, \fBpop\fR, \fBcd\fR) run only as commands of their own, not in a
pipeline or a background job; nsh refuses them there instead of losing the
change in a subshell.
.IP \(bu 2
Each job remembers the context it started in; \fBjobs\fR shows it.
.PP
The guide is \fI/usr/share/doc/nsh/usage.md\fR.
.SH ENVIRONMENT
.TP
.B NSH_PLUGIN_PATH
A colon-separated list of directories searched for plugins
(executables named \fBnsh\-plugin\-\fR\fIname\fR). When set, only these are searched.
.TP
.B XDG_DATA_HOME
The user's plugin directory is \fI$XDG_DATA_HOME/nsh/plugins\fR
(\fI~/.local/share/nsh/plugins\fR when unset).
.TP
.B XDG_CACHE_HOME
Where the plugin description cache is kept (\fI~/.cache\fR when unset).
.TP
.B XDG_STATE_HOME
Where the interactive history is kept (\fI~/.local/state\fR when unset).
.TP
.B HOME
Finds \fI~/.nshrc\fR and the directories above; also the default of \fBcd\fR.
.TP
.B PATH
Where programs are found, as seen inside the context's mount namespace.
.TP
.B NSH_PROMPT
The template of the interactive prompt; \fBPS2\fR is the continuation prompt and \fBPS4\fR prefixes \fB\-x\fR traces.
.TP
.B NSH_VERSION
Set by nsh to its version (the first line of \fBnsh \-V\fR without \fBnsh\fR); not exported.
.SH FILES
.TP
.I ~/.nshrc
Read by an interactive shell at start, unless \fB\-\-norc\fR.
.TP
.I $XDG_STATE_HOME/nsh/history
The interactive history.
.TP
.I $XDG_CACHE_HOME/nsh/plugins.json
The plugin description cache; it is checked against each plugin file.
.TP
.I ~/.local/share/nsh/plugins
.TQ
.I /usr/local/lib/nsh/plugins
.TQ
.I /usr/lib/nsh/plugins
The plugin directories, searched in this order when \fBNSH_PLUGIN_PATH\fR is
unset; the first plugin of a name wins and \fBplugin list\fR shows where each
came from. A plugin and its directory must be owned by root or by the user
running nsh and writable by no one else (see \fI/usr/share/doc/nsh/plugins.md\fR).
.SH EXIT STATUS
The status of the last command run.
A script that stops at a failing command exits with that command's status.
nsh exits 2 for a wrong option, 127 when the script \fIfile\fR cannot be opened,
and 1 when it cannot start (for example, when the namespace context cannot be made).
.SH EXAMPLES
Make a lab of new network and UTS namespaces, pin it, and look at it from outside:
.PP
.RS 4
.nf
printf 'unshare net uts\enhostname lab\enip link set lo up\enpin /tmp/lab\en' | nsh
nsenter \-\-net=/tmp/lab/net ip \-o link
nsh \-c 'setns /tmp/lab/net; readlink /proc/self/ns/net'
.fi
.RE
.PP
At the prompt: hop home and back into the lab:
.PP
.RS 4
.nf
nsh# unshare net uts
nsh[net,uts]# push; home
nsh^1# ip \-o link | wc \-l
nsh^1# pop
nsh[net,uts]# ns
.fi
.RE
.PP
Run a plugin in a new network namespace:
.PP
.RS 4
.nf
nsh \-c 'unshare net; netinfo'
.fi
.RE
.SH SEE ALSO
\fBunshare\fR(1), \fBnsenter\fR(1), \fBlsns\fR(8), \fBip\-netns\fR(8),
\fBnamespaces\fR(7), \fBsh\fR(1p)
.PP
\fI/usr/share/doc/nsh/\fR: usage.md (the guide), builtins.md, plugins.md, design.md.
`)
}

// writeRoffHelp writes a builtin's help text: runs of flush-left lines
// become filled paragraphs, indented lines (option lists, examples) stay
// as written.
func writeRoffHelp(w io.Writer, help string) {
	verbatim := false
	para := true
	for _, l := range strings.Split(strings.TrimRight(help, "\n"), "\n") {
		indented := strings.HasPrefix(l, " ")
		switch {
		case l == "":
			if verbatim {
				fmt.Fprint(w, ".fi\n")
				verbatim = false
			}
			para = true
			continue
		case indented && !verbatim:
			if para {
				fmt.Fprint(w, ".PP\n")
			}
			fmt.Fprint(w, ".nf\n")
			verbatim = true
		case !indented && verbatim:
			fmt.Fprint(w, ".fi\n")
			verbatim = false
		}
		if para && !verbatim {
			fmt.Fprint(w, ".PP\n")
		}
		para = false
		fmt.Fprintln(w, roffText(l))
	}
	if verbatim {
		fmt.Fprint(w, ".fi\n")
	}
}

// roffText escapes a line of text for roff: backslashes, hyphens (as
// minus signs, so that options copy and paste), and a leading control
// character.
func roffText(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}
