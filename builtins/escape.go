package builtins

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// How backslash escapes are read: echo -e's, printf %b's (\0NNN and
// \NNN), or a printf format's (\NNN, \" \' \?; \c is no escape there).
type escMode int

const (
	escEcho escMode = iota
	escB
	escFormat
)

// unescape appends s to out with its escapes done, as bash does them.
// stop is \c: nothing more is to be printed.
func doEscapes(out []byte, s string, mode escMode) (_ []byte, stop bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			out = append(out, c)
			continue
		}
		i++
		c = s[i]
		if k := strings.IndexByte("abeEfnrtv\\", c); k >= 0 {
			out = append(out, "\a\b\x1b\x1b\f\n\r\t\v\\"[k])
			continue
		}
		switch c {
		case 'c':
			if mode != escFormat {
				return out, true
			}
			out = append(out, '\\', c)
		case '"', '\'', '?':
			if mode != escFormat {
				out = append(out, '\\')
			}
			out = append(out, c)
		case 'x', 'u', 'U':
			j := escDigits(s, i+1, map[byte]int{'x': 2, 'u': 4, 'U': 8}[c], 16)
			if j == i+1 {
				out = append(out, '\\', c)
				continue
			}
			n, _ := strconv.ParseUint(s[i+1:j], 16, 32)
			if c == 'x' {
				out = append(out, byte(n))
			} else {
				out = utf8.AppendRune(out, rune(n))
			}
			i = j - 1
		case '0', '1', '2', '3', '4', '5', '6', '7':
			start := i
			if c == '0' && mode != escFormat {
				start++ // \0NNN
			} else if mode == escEcho {
				out = append(out, '\\', c)
				continue
			}
			j := escDigits(s, start, 3, 8)
			n, _ := strconv.ParseUint("0"+s[start:j], 8, 16)
			out = append(out, byte(n))
			i = j - 1
		default:
			out = append(out, '\\', c)
		}
	}
	return out, false
}

// escDigits is the end of at most max digits of base 8, 10 or 16 from s[i].
func escDigits(s string, i, max, base int) int {
	j := i
	for ; j < len(s) && j-i < max && digitValue(s[j]) < base; j++ {
	}
	return j
}

// digitValue is c as a digit (a-f and A-F are 10-15), 99 if none.
func digitValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		return int(c|0x20-'a') + 10
	}
	return 99
}
