package builtins

var falseCmd = &Builtin{
	Name:    "false",
	Summary: "fail",
	Usage:   "false [ARG...]",
	Help: `Does nothing and fails (status 1); its arguments are ignored.

  if false; then echo never; fi`,
	Pure:   true,
	Thread: true,
	Run:    func(env *Env, args []string) error { return ExitStatus(1) },
}
