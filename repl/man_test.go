package repl

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/nsh-dev/nsh/builtins"
	"github.com/nsh-dev/nsh/internal/nstest"
)

var updateMan = flag.Bool("update-man", false, "rewrite docs/nsh.1 from the builtin table")

const manPath = "../docs/nsh.1"

// The page in docs/ (what the .deb ships) is the generated one.
func TestManPageIsCurrent(t *testing.T) {
	var b bytes.Buffer
	WriteManPage(&b)
	if *updateMan {
		if err := os.WriteFile(manPath, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(manPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, b.Bytes()) {
		t.Error("docs/nsh.1 is out of date: go test ./repl -run TestManPage -update-man")
	}
}

// groff renders the page with every warning on and says nothing; the
// rendered text has each section, each builtin's heading, and each option
// of the usage text.
func TestManPageRenders(t *testing.T) {
	groff := nstest.RequireTool(t, "groff")
	var page bytes.Buffer
	WriteManPage(&page)
	cmd := exec.Command(groff, "-man", "-Tutf8", "-ww", "-rLL=80n")
	cmd.Stdin = &page
	cmd.Env = append(os.Environ(), "GROFF_NO_SGR=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("groff: %v\n%s", err, errb.String())
	}
	if errb.Len() > 0 {
		t.Errorf("groff warns:\n%s", errb.String())
	}
	// Drop overstriking (bold, underline) so the text can be searched.
	text := regexp.MustCompile(".\b").ReplaceAllString(out.String(), "")
	for _, sec := range []string{"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "BUILTINS",
		"SHELL LANGUAGE", "ENVIRONMENT", "FILES", "EXIT STATUS", "EXAMPLES", "SEE ALSO"} {
		if !regexp.MustCompile(`(?m)^` + sec + `$`).MatchString(text) {
			t.Errorf("no section %s", sec)
		}
	}
	for _, ref := range []string{"unshare(1)", "nsenter(1)", "lsns(8)", "ip-netns(8)", "namespaces(7)"} {
		if !strings.Contains(text, ref) {
			t.Errorf("SEE ALSO lacks %s", ref)
		}
	}
	builtinsSec := text[strings.Index(text, "\nBUILTINS\n"):strings.Index(text, "\nSHELL LANGUAGE\n")]
	for _, b := range builtins.Table() {
		// A subsection heading is the name alone on a line, indented 3.
		if !regexp.MustCompile(`(?m)^   ` + regexp.QuoteMeta(b.Name) + `$`).MatchString(builtinsSec) {
			t.Errorf("builtin %s has no heading in BUILTINS", b.Name)
		}
		first := strings.Fields(strings.SplitN(b.Usage, "\n", 2)[0])
		if !strings.Contains(builtinsSec, strings.Join(first, " ")) {
			t.Errorf("builtin %s: usage %q not rendered", b.Name, first)
		}
	}
	optionsSec := text[strings.Index(text, "\nOPTIONS\n"):strings.Index(text, "\nBUILTINS\n")]
	for _, opt := range regexp.MustCompile(`(?:^|[\s\[|,])(--?[A-Za-z][-a-z]*)`).FindAllStringSubmatch(usageText, -1) {
		if !strings.Contains(optionsSec, opt[1]) {
			t.Errorf("option %s of the usage text is not in OPTIONS", opt[1])
		}
	}
}

// man-db finds and formats the checked-in page as a user's man would.
func TestManPageMan(t *testing.T) {
	man := nstest.RequireTool(t, "man")
	cmd := exec.Command(man, "-l", manPath)
	cmd.Env = append(os.Environ(), "MANPAGER=cat", "PAGER=cat", "MANWIDTH=80", "MAN_KEEP_FORMATTING=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("man -l: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("nsh - the namespace shell")) {
		t.Errorf("man -l output lacks the NAME line:\n%.400s", out)
	}
}
