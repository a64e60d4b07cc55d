package builtins

import (
	"fmt"
	"io"
	"strings"
)

// WriteReference writes the Markdown reference of every builtin, made from
// the same table that help and completion use (docs/builtins.md).
func WriteReference(w io.Writer) {
	fmt.Fprint(w, "# Builtin reference\n\n"+
		"Generated from the builtin table (`go test ./builtins -update-docs`); `help NAME` inside nsh shows the same text.\n\n")
	for _, b := range Table() {
		fmt.Fprintf(w, "- [`%s`](#%s) — %s\n", b.Name, b.Name, b.Summary)
	}
	for _, b := range Table() {
		fmt.Fprintf(w, "\n## %s\n\n%s.\n\n```\n", b.Name, upperFirst(b.Summary))
		for _, l := range strings.Split(b.Usage, "\n") {
			fmt.Fprintf(w, "%s\n", l)
		}
		fmt.Fprintf(w, "```\n\n```\n%s\n```\n", strings.TrimRight(b.HelpText(), "\n"))
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
