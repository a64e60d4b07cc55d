package plugins

import (
	"context"
	"time"

	pluginv1 "github.com/nsh-dev/nsh/plugins/proto/v1"
)

// Complete asks the plugin of command name for completions of args (the
// words after the command; the last is being typed), giving it env, the
// shell's exported environment, the context's working directory and the
// host API. files says whether the file names matching the word are to be
// offered too: when the plugin asks, or when it has no completion of its
// own or comes from an SDK older than that choice (as nsh always did).
func (h *Host) Complete(name string, args, env []string) (cands []string, files bool) {
	p, ok := h.lookup(name)
	if !ok {
		return nil, true
	}
	h.mu.Lock()
	completes := false
	for _, c := range p.Commands {
		completes = completes || c.Name == name && c.Completes
	}
	h.mu.Unlock()
	if !completes {
		return nil, true
	}
	key, cwd, err := h.key(h.ctx, p)
	if err != nil {
		return nil, true
	}
	pr, err := h.get(h.ctx, p, key, h.env)
	if err != nil {
		return nil, true
	}
	req := &pluginv1.CompleteRequest{Command: name, Args: args, Env: env, Dir: cwd, HostMinor: pluginv1.Minor}
	end := pr.api.begin(h.ctx)
	req.Host = pr.api.offerIfNeeded()
	r, err := pr.complete(req)
	end()
	if err != nil {
		pr.fail()
		return nil, true
	}
	h.put(pr)
	return r.Candidates, r.Files == nil || *r.Files
}

func (pr *proc) complete(req *pluginv1.CompleteRequest) (*pluginv1.CompleteResponse, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return pr.rpc.Complete(ctx, req)
}
