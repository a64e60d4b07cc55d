// Package jobs is nsh's job table and job control, and the starting of
// programs: Spawn takes a program's argv from the builtin or the
// language's dispatch, makes its exec.Cmd with the command's streams and
// descriptors, and forks it into the namespace context (nsctx's SpawnIn)
// as a process of a job; its wait status becomes the shell's status
// error (package command).
//
// Each job gets its own process group under job control, and the
// foreground one owns the terminal (tcsetpgrp) so that Ctrl-C and Ctrl-Z
// reach it and never nsh. nsh reaps its children itself with
// wait4(WUNTRACED|WCONTINUED), so it sees programs stop and continue and
// no zombie is left behind. A lone foreground program is started and
// waited for on the calling goroutine (spawnForeground), the cheapest
// path; it becomes a job like any other only if it stops.
package jobs
