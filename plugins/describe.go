package plugins

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// What a plugin says about itself (Describe), and what the describe cache
// holds, is checked before the host keeps it: command names are plain
// words the shell can dispatch and help can list, texts hold no control
// characters (they are printed on the user's terminal, which escape
// sequences could drive) and are bounded, like the number of commands.
const (
	maxCommands = 256
	maxName     = 64
	maxLine     = 200      // version, summary
	maxText     = 16 << 10 // usage, help
	maxError    = 400      // the first line of a plugin's failure
)

// validName reports whether name is a plain word: letters, digits and
// _ . + -, not starting with one of . + -.
func validName(name string) bool {
	if name == "" || len(name) > maxName || strings.ContainsAny(name[:1], ".+-") {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.+-", r)) {
			return false
		}
	}
	return true
}

// checkDescribed checks a plugin's version and commands and returns them
// with their texts cleaned. A bad name, a name given twice or too many
// commands make the whole description wrong: the plugin is broken.
func checkDescribed(version string, cmds []Command) (string, []Command, error) {
	if len(cmds) > maxCommands {
		return "", nil, fmt.Errorf("it describes %d commands, more than %d", len(cmds), maxCommands)
	}
	seen := map[string]bool{}
	out := make([]Command, 0, len(cmds))
	for _, c := range cmds {
		if !validName(c.Name) {
			return "", nil, fmt.Errorf("command name %q is not a plain word (letters, digits, _ . + -)", clean(c.Name, maxName, false))
		}
		if seen[c.Name] {
			return "", nil, fmt.Errorf("it describes command %s twice", c.Name)
		}
		seen[c.Name] = true
		out = append(out, Command{
			Name:      c.Name,
			Summary:   clean(c.Summary, maxLine, false),
			Usage:     clean(c.Usage, maxText, true),
			Help:      clean(c.Help, maxText, true),
			Completes: c.Completes,
		})
	}
	return clean(version, maxLine, false), out, nil
}

// clean makes text from a plugin safe to print: invalid UTF-8 and control
// characters but tab (and newline, for a text of several lines) become
// U+FFFD, and a text longer than max bytes is cut to max, ending in "...".
func clean(s string, max int, lines bool) string {
	bad := func(r rune) bool { return unicode.IsControl(r) && r != '\t' && !(lines && r == '\n') }
	if len(s) <= max && !strings.ContainsFunc(s, func(r rune) bool { return r == utf8.RuneError || bad(r) }) {
		return s // the usual case: nothing to do
	}
	s = strings.Map(func(r rune) rune {
		if bad(r) {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if len(s) > max {
		cut := max - len("...")
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}
