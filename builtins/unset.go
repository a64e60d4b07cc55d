package builtins

var unsetCmd = &Builtin{
	Name:    "unset",
	Summary: "remove variables",
	Usage:   "unset NAME...",
	Help: `Removes shell variables; an exported one no longer reaches programs.
Unsetting a variable that does not exist is not an error.

  unset KUBECONFIG`,
	Operands: Variables,
	Run: func(env *Env, args []string) error {
		if len(args) == 1 {
			return usageError("no variable named")
		}
		for _, name := range args[1:] {
			if err := checkName(name); err != nil {
				return err
			}
			env.Shell.Unset(name)
		}
		return nil
	},
}
