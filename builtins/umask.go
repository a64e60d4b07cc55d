package builtins

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nsh-dev/nsh/command"
)

var umaskCmd = &Builtin{
	Name:    "umask",
	Summary: "show or set the file mode creation mask",
	Usage:   "umask [-p] [-S] [MODE]",
	Help: `Without MODE, prints the file mode creation mask: in octal (0022), with
-S as the permissions it leaves (u=rwx,g=rx,o=rx), with -p as a umask
command that sets it again. MODE is octal (077) or symbolic, as chmod's
but naming what is allowed: comma-separated clauses of who (u, g, o, a;
none is a), then actions + - = with permissions r, w, x (u=rwx,g=rx,o=,
g-w, a+r). With -S the new mask is printed too.

The mask is the context's, not nsh's process's: programs started in the
context and files its redirections create get it. A subshell, a pipeline
stage or a background job has its own copy, as in sh.

  umask 077
  umask u=rwx,g=,o=
  umask -S`,
	Thread: true,
	Run: func(env *command.Env, args []string) error {
		sym, reuse := false, false
		ops := args[1:]
		for len(ops) > 0 && len(ops[0]) > 1 && ops[0][0] == '-' {
			if ops[0] == "--" {
				ops = ops[1:]
				break
			}
			for _, c := range ops[0][1:] {
				switch c {
				case 'S':
					sym = true
				case 'p':
					reuse = true
				default:
					return usageError("-%c: invalid option", c)
				}
			}
			ops = ops[1:]
		}
		mask, err := env.Ctx.Umask(-1)
		if err != nil {
			return err
		}
		if len(ops) > 0 {
			if mask, err = parseUmask(ops[0], mask); err != nil {
				return &command.StatusError{Code: 1, Err: err}
			}
			if _, err := env.Ctx.Umask(mask); err != nil {
				return err
			}
			if !sym {
				return nil
			}
		}
		if reuse {
			fmt.Fprint(env.Stdout, "umask ")
			if sym {
				fmt.Fprint(env.Stdout, "-S ")
			}
		}
		if !sym {
			fmt.Fprintf(env.Stdout, "%04o\n", mask)
			return nil
		}
		var parts []string
		for i, who := range "ugo" {
			bits := ^mask >> (6 - 3*i) & 7
			perm := ""
			for j, p := range "rwx" {
				if bits&(4>>j) != 0 {
					perm += string(p)
				}
			}
			parts = append(parts, string(who)+"="+perm)
		}
		fmt.Fprintln(env.Stdout, strings.Join(parts, ","))
		return nil
	},
}

// parseUmask reads an octal mask, or a symbolic mode that changes what
// the mask old allows: [ugoa]*([+-=][rwx]*)+ clauses, joined by commas.
func parseUmask(s string, old int) (int, error) {
	if s != "" && s[0] >= '0' && s[0] <= '9' {
		n, err := strconv.ParseUint(s, 8, 32)
		if err != nil || n > 0o777 {
			return 0, fmt.Errorf("%s: octal number out of range", s)
		}
		return int(n), nil
	}
	allowed := ^old & 0o777
	for _, clause := range strings.Split(s, ",") {
		who, i := 0, 0
		for ; i < len(clause) && strings.IndexByte("ugoa", clause[i]) >= 0; i++ {
			who |= map[byte]int{'u': 0o700, 'g': 0o070, 'o': 0o007, 'a': 0o777}[clause[i]]
		}
		if who == 0 {
			who = 0o777
		}
		if i == len(clause) || strings.IndexByte("+-=", clause[i]) < 0 {
			c := byte(' ')
			if i < len(clause) {
				c = clause[i]
			}
			return 0, fmt.Errorf("`%c': invalid symbolic mode operator", c)
		}
		for i < len(clause) {
			op := clause[i]
			perm := 0
			for i++; i < len(clause) && strings.IndexByte("+-=", clause[i]) < 0; i++ {
				k := strings.IndexByte("rwx", clause[i])
				if k < 0 {
					return 0, fmt.Errorf("`%c': invalid symbolic mode character", clause[i])
				}
				perm |= 0o444 >> k
			}
			perm &= who
			switch op {
			case '+':
				allowed |= perm
			case '-':
				allowed &^= perm
			case '=':
				allowed = allowed&^who | perm
			}
		}
	}
	return ^allowed & 0o777, nil
}
