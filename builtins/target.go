package builtins

import (
	"fmt"
	"strconv"

	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsinfo"
)

// Target words that name a process rather than a file: ENGINE:NAME for a
// container (docker:web, podman:web), resolved to the container's init
// process through the engine (nsinfo.Inspect).

// getenv looks variables up in the shell, so that DOCKER_HOST set in nsh
// counts as it would for the docker program.
func getenv(env *Env) nsinfo.Getenv {
	return func(name string) (string, bool) {
		if env.Shell == nil {
			return "", false
		}
		return env.Shell.Var(name)
	}
}

// containerPID resolves a container word to its running init process. ok
// is false for words that name no container engine.
func containerPID(env *Env, word string) (c *nsinfo.Container, ok bool, err error) {
	engine, name, ok := nsinfo.ContainerRef(word)
	if !ok {
		return nil, false, nil
	}
	c, err = nsinfo.RunningPID(engine, name, getenv(env))
	return c, true, err
}

// processWord is a PID or a container word, for -p and -t.
func processWord(env *Env, word string) (int, error) {
	c, ok, err := containerPID(env, word)
	if ok {
		if err != nil {
			return 0, err
		}
		return c.PID, nil
	}
	pid, err := strconv.Atoi(word)
	if err != nil || pid <= 0 {
		return 0, usageError("want a process id or ENGINE:NAME, not %q", word)
	}
	return pid, nil
}

// setnsContainer handles setns ENGINE:NAME [KIND...]: the container's
// process's namespaces, as setns -t PID would join them. done is false
// when ops name no container.
func setnsContainer(env *Env, ops []string) (done bool, err error) {
	if len(ops) == 0 {
		return false, nil
	}
	c, ok, err := containerPID(env, ops[0])
	if !ok || err != nil {
		return ok, err
	}
	ids, err := nsctx.ProcessIDs(c.PID)
	if err != nil {
		return true, fmt.Errorf("%s: process %d: %w", c.Label(), c.PID, err)
	}
	if err := setnsProcess(env, strconv.Itoa(c.PID), ops[1:]); err != nil {
		return true, err
	}
	// For the prompt (net=podman:web), which cannot ask the engine at
	// every line.
	for _, id := range ids {
		if !id.IsZero() {
			nsinfo.RememberContainer(id, c.Label())
		}
	}
	return true, nil
}

// containerText is ns -a's CONTAINER column.
func containerText(ns *nsinfo.Namespace) string {
	if ns.Container == nil {
		return "-"
	}
	return ns.Container.Label()
}

// appendContainer writes c as encoding/json would, at indent ind.
func appendContainer(b []byte, c *nsinfo.Container, ind string) []byte {
	if c == nil {
		return append(b, "null"...)
	}
	in := ind + "  "
	b = append(append(append(b, "{\n"...), in...), `"engine": `...)
	b = appendJSONString(b, c.Engine)
	b = append(append(append(b, ",\n"...), in...), `"name": `...)
	b = appendJSONString(b, c.Name)
	b = append(append(append(b, ",\n"...), in...), `"id": `...)
	b = appendJSONString(b, c.ID)
	return append(append(append(b, '\n'), ind...), '}')
}
