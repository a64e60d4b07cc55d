package plugins

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsctx"
)

// Command is what a plugin says about one of its commands.
type Command struct {
	Name      string `json:"name"`
	Summary   string `json:"summary"`
	Usage     string `json:"usage"`
	Help      string `json:"help"`
	Completes bool   `json:"completes,omitempty"`
}

// Plugin is one plugin file known to the host.
type Plugin struct {
	Name      string
	Path      string
	Origin    string // the kind of directory it was found in (searchDir)
	Version   string
	Commands  []Command
	described bool
	refused   error // failed the trust check
	broken    error // failed to describe itself (retried once the file changes)
	size      int64
	mtime     int64
}

// Host finds plugins, starts their processes in the namespace context and
// runs their commands. All methods are safe for concurrent use.
type Host struct {
	ctx  *nsctx.Context
	env  []string  // environment for processes started outside a call
	warn io.Writer // where discovery reports refused plugins

	// StartTimeout bounds the handshake; Grace is how long a command may
	// take to stop after Ctrl-C before its process is killed; IdleTimeout
	// stops processes nobody used for that long; MaxIdle is how many idle
	// processes are kept per (plugin, context), MaxIdleTotal in all (the
	// longest idle is stopped first).
	StartTimeout time.Duration
	Grace        time.Duration
	IdleTimeout  time.Duration
	MaxIdle      int
	MaxIdleTotal int
	// IsBuiltin tells a builtin's name, which wins over a plugin command
	// of that name (plugin list marks it shadowed); nil: none is. The
	// shell's table is given by whoever composes the shell (cmd/nsh), so
	// that this package need not import builtins.
	IsBuiltin func(name string) bool

	mu        sync.Mutex
	plugins   []*Plugin // in discovery order
	cmds      map[string]*Plugin
	cache     map[string]*cacheEntry
	cachePath string
	pool      pool
	cg        cgroups
	notTTY    notTTY

	discovered     sync.Once
	discoveredDone atomic.Bool // discovered has run (Settled)
}

// NewHost returns a host for the plugins in Dirs(env). It does nothing
// else: discovery (reading the directories, the trust check, the describe
// cache) waits for the first command word that is not a builtin, or for
// help, completion or the plugin builtin, so a shell that runs builtins
// only pays nothing. Discovery starts no plugin either: one already
// described (cached by path, size and mtime) registers its commands from
// the cache; one that is new or changed is described the first time a
// command word is not found. Refused plugins are reported on warn.
func NewHost(ctx *nsctx.Context, env []string, warn io.Writer) *Host {
	h := &Host{
		ctx: ctx, env: env, warn: warn,
		StartTimeout: 5 * time.Second,
		Grace:        2 * time.Second,
		IdleTimeout:  60 * time.Second,
		MaxIdle:      2,
		MaxIdleTotal: 6,
		cmds:         map[string]*Plugin{},
		cachePath:    cachePath(env),
	}
	h.pool.idle = map[poolKey][]*proc{}
	return h
}

// discover finds the plugins, once.
func (h *Host) discover() {
	h.discovered.Do(func() {
		defer h.discoveredDone.Store(true)
		h.scanPlugins()
	})
}

// scanPlugins reads the search path and registers what it finds. Of a
// name the first plugin that is not refused wins: a refused one does not
// hide a later one (refused, it cannot run anyway; the later one passed
// the same check on its own), and the refusal says which one is used.
func (h *Host) scanPlugins() {
	dirs, warnings := searchDirs(h.env)
	h.mu.Lock()
	h.cache = loadCache(h.cachePath)
	var refused []*Plugin
	used := map[string]*Plugin{}
	for _, f := range scan(dirs) {
		if q := used[f.name]; q != nil && q.refused == nil {
			continue // shadowed, as in PATH
		}
		p := h.add(f)
		if p.refused != nil {
			refused = append(refused, p)
		}
		if used[f.name] == nil || p.refused == nil {
			used[f.name] = p
		}
	}
	// The refused ones that some other plugin of their name stands in
	// for are no plugin of the table: they are only reported.
	kept := h.plugins[:0]
	for _, p := range h.plugins {
		if used[p.Name] == p {
			kept = append(kept, p)
		}
	}
	h.plugins = kept
	h.mu.Unlock()
	if h.warn == nil {
		return
	}
	for _, w := range warnings {
		fmt.Fprintf(h.warn, "nsh: %s\n", w)
	}
	for _, p := range refused {
		instead := "no other " + Prefix + p.Name + " is in the search path"
		if q := used[p.Name]; q != p {
			instead = "using " + q.Path + " instead"
		}
		fmt.Fprintf(h.warn, "nsh: plugin %s refused: %v (%s)\n", p.Name, p.refused, instead)
	}
}

// Rescan forgets what discovery found and what failed, stops the idle
// processes and finds the plugins afresh (plugin rescan).
func (h *Host) Rescan() error {
	h.discover()
	h.stopAll(func(poolKey) bool { return true })
	h.mu.Lock()
	for path, e := range h.cache {
		if e.Broken != "" {
			delete(h.cache, path)
		}
	}
	saveCache(h.cachePath, h.cache)
	h.plugins, h.cmds = nil, map[string]*Plugin{}
	h.mu.Unlock()
	h.scanPlugins()
	h.describeAll()
	return nil
}

// Unusable explains why the plugin called name cannot run, when it is
// refused or broken and no working plugin provides a command name: a
// broken plugin's commands are not known, but its name usually is one.
func (h *Host) Unusable(name string) error {
	if pathWord(name) {
		return nil
	}
	h.discover()
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.cmds[name]; ok {
		return nil
	}
	for _, p := range h.plugins {
		why := p.refused
		if why == nil {
			why = p.broken
		}
		if p.Name == name && why != nil {
			return fmt.Errorf("plugin %s%s is unusable: %s (fix it and run 'plugin rescan')", Prefix, name, firstLine(why))
		}
	}
	return nil
}

// add registers a plugin file; h.mu is held or the host is not shared yet.
func (h *Host) add(f found) *Plugin {
	p := &Plugin{Name: f.name, Path: f.path, Origin: f.origin}
	h.plugins = append(h.plugins, p)
	var err error
	if p.size, p.mtime, err = checkedStamp(p.Path); err != nil {
		p.refused = err
		return p
	}
	if e := h.cache[p.Path]; e != nil && e.Size == p.size && e.Mtime == p.mtime {
		if e.Broken != "" {
			// Failed before, unchanged since: not started again at every
			// start-up; plugin list shows why.
			p.broken = errors.New(e.Broken)
			return p
		}
		p.Version, p.Commands, p.described = e.Version, e.Commands, true
		h.register(p)
	}
	return p
}

// register maps p's command names to p; the first plugin of a name wins.
func (h *Host) register(p *Plugin) {
	for _, c := range p.Commands {
		if _, taken := h.cmds[c.Name]; !taken {
			h.cmds[c.Name] = p
		}
	}
}

// lookup finds the plugin providing a command; a name not known yet makes
// the host describe the plugins it has not described: first the one of
// the same name (nsh-plugin-NAME usually provides NAME), then, if need
// be, all the others at once.
func (h *Host) lookup(name string) (*Plugin, bool) {
	if pathWord(name) {
		return nil, false
	}
	h.discover()
	h.mu.Lock()
	p, ok := h.cmds[name]
	var same *Plugin
	for _, q := range h.plugins {
		if q.Name == name && !q.described && q.refused == nil {
			same = q
		}
	}
	h.mu.Unlock()
	if ok {
		return p, true
	}
	if same != nil && h.describeSome([]*Plugin{same}) > 0 {
		h.mu.Lock()
		p, ok = h.cmds[name]
		h.mu.Unlock()
		if ok {
			return p, true
		}
	}
	if h.describeAll() == 0 {
		return nil, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	p, ok = h.cmds[name]
	return p, ok
}

// describeAll describes every plugin not described yet and returns how
// many it described.
func (h *Host) describeAll() int {
	h.discover()
	h.mu.Lock()
	var todo []*Plugin
	for _, p := range h.plugins {
		if !p.described && p.refused == nil {
			todo = append(todo, p)
		}
	}
	h.mu.Unlock()
	return h.describeSome(todo)
}

// describeSome describes plugins in parallel (each is a process to start)
// and returns how many it described. One that fails is reported and left
// undescribed; one that failed before is tried again only once its file
// has changed.
func (h *Host) describeSome(todo []*Plugin) int {
	errs := make([]error, len(todo))
	var wg sync.WaitGroup
	for i, p := range todo {
		if p.broken != nil {
			size, mtime, err := checkedStamp(p.Path)
			if err != nil || size == p.size && mtime == p.mtime {
				errs[i] = errReported
				continue
			}
			p.size, p.mtime = size, mtime
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = h.describe(p)
		}()
	}
	wg.Wait()
	// Described in any order, registered in discovery order: of a command
	// name, the first plugin's wins.
	h.mu.Lock()
	h.cmds = map[string]*Plugin{}
	for _, p := range h.plugins {
		if p.described {
			h.register(p)
		}
	}
	h.mu.Unlock()
	n := 0
	for i, p := range todo {
		switch err := errs[i]; {
		case err == errReported:
		case err != nil:
			h.mu.Lock()
			p.broken = err
			h.cache[p.Path] = &cacheEntry{Size: p.size, Mtime: p.mtime, Broken: firstLine(err)}
			saveCache(h.cachePath, h.cache)
			h.mu.Unlock()
			if h.warn != nil {
				fmt.Fprintf(h.warn, "nsh: %v\n", err)
			}
		default:
			h.mu.Lock()
			p.broken = nil
			h.mu.Unlock()
			n++
		}
	}
	return n
}

var errReported = errors.New("reported already")

// describe asks a plugin for its commands, from a process in the host's
// context that then joins the pool, and caches the answer.
func (h *Host) describe(p *Plugin) error {
	key, _, err := h.key(h.ctx, p)
	if err != nil {
		return err
	}
	pr, err := h.get(h.ctx, p, key, h.env)
	if err != nil {
		return err
	}
	r, err := pr.describe()
	var newer errNeedsNewer
	if errors.As(err, &newer) {
		go pr.stop()
		return fmt.Errorf("%s: %v", pr.who(), err)
	}
	if err != nil {
		pr.fail()
		return pr.failure(err)
	}
	var cmds []Command
	for _, c := range r.Commands {
		cmds = append(cmds, Command{c.Name, c.Summary, c.Usage, c.Help, c.Completes})
	}
	version, cmds, err := checkDescribed(r.Version, cmds)
	if err != nil {
		go pr.stop()
		return fmt.Errorf("%s described itself wrongly: %v", pr.who(), err)
	}
	h.put(pr)
	h.mu.Lock()
	defer h.mu.Unlock()
	// Cached under the stamp of the file that answered, which may be newer
	// than the one discovery saw.
	p.size, p.mtime = pr.size, pr.mtime
	p.Version, p.Commands, p.described = version, cmds, true
	h.register(p)
	h.cache[p.Path] = &cacheEntry{Size: p.size, Mtime: p.mtime, Version: p.Version, Commands: p.Commands}
	saveCache(h.cachePath, h.cache)
	return nil
}

// Handler is the shell middleware that runs plugin commands. It goes after
// the builtins, so a builtin wins a name clash; what is no plugin command
// goes on to next (a program): a command.Middleware.
func (h *Host) Handler(next command.Handler) command.Handler {
	return func(env *command.Env, args []string) error {
		p, ok := h.lookup(args[0])
		if !ok {
			if err := h.Unusable(args[0]); err != nil {
				return &command.StatusError{Code: 127, Err: fmt.Errorf("%s: %w", args[0], err)}
			}
			return next(env, args)
		}
		js, stop := watchJob(env.Job)
		defer stop()
		if env.Job != nil {
			// A call starts no process of the job's: it is under way now,
			// so a background call is listed at once with its id as $!
			// (and kill %N, watched from here on, cancels it).
			env.Job.Launch()
		}
		if err := h.run(env, js, p, args); err != nil {
			return fmt.Errorf("%s: %w", args[0], err) // as the shell names builtins
		}
		return nil
	}
}

// pathWord reports whether a command word names a file: it has a slash,
// so it is never looked up (in PATH or among plugins, whose command names
// have none: validName), and asking about it needs no discovery.
func pathWord(name string) bool { return strings.Contains(name, "/") }

// Settled implements command.PluginHost.
func (h *Host) Settled(name string) (plugin, settled bool) {
	if pathWord(name) {
		return false, true
	}
	if !h.discoveredDone.Load() {
		return false, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.cmds[name]; ok {
		return true, true
	}
	for _, p := range h.plugins {
		if !p.described && p.refused == nil {
			return false, false
		}
	}
	return false, true
}

// Has reports whether name is a plugin's command, finding and describing
// plugins as needed (type, command -v).
func (h *Host) Has(name string) bool {
	_, ok := h.lookup(name)
	return ok
}

// Load loads the plugin file path now (describing it), as `plugin load`.
func (h *Host) Load(path string) (command.PluginInfo, error) {
	h.discover()
	abs, err := filepath.Abs(path)
	if err != nil {
		return command.PluginInfo{}, err
	}
	name := strings.TrimPrefix(filepath.Base(abs), Prefix)
	if _, err := os.Lstat(abs); err != nil {
		return command.PluginInfo{}, err
	}
	size, mtime, err := checkedStamp(abs)
	if err != nil {
		return command.PluginInfo{}, fmt.Errorf("refusing %s: %v", abs, err)
	}
	h.mu.Lock()
	for _, p := range h.plugins {
		if p.Name == name {
			h.mu.Unlock()
			return command.PluginInfo{}, fmt.Errorf("a plugin named %s is already loaded from %s (plugin unload %s first)", name, p.Path, name)
		}
	}
	p := &Plugin{Name: name, Path: abs, Origin: "loaded", size: size, mtime: mtime}
	h.plugins = append(h.plugins, p)
	h.mu.Unlock()
	if err := h.describe(p); err != nil {
		h.Unload(name)
		return command.PluginInfo{}, err
	}
	for _, i := range h.List() {
		if i.Name == name {
			return i, nil
		}
	}
	return command.PluginInfo{}, errors.New("plugin vanished while loading")
}

// Unload forgets a plugin and stops its processes.
func (h *Host) Unload(name string) error {
	h.discover()
	h.mu.Lock()
	var gone *Plugin
	kept := h.plugins[:0]
	for _, p := range h.plugins {
		if p.Name == name && gone == nil {
			gone = p
			continue
		}
		kept = append(kept, p)
	}
	h.plugins = kept
	if gone == nil {
		h.mu.Unlock()
		return fmt.Errorf("no plugin named %s (plugin list shows them)", name)
	}
	h.cmds = map[string]*Plugin{}
	for _, p := range h.plugins {
		h.register(p)
	}
	h.mu.Unlock()
	h.stopAll(func(k poolKey) bool { return k.path == gone.Path })
	return nil
}

// List describes what is not described yet and lists every plugin.
func (h *Host) List() []command.PluginInfo {
	h.describeAll()
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []command.PluginInfo
	for _, p := range h.plugins {
		i := command.PluginInfo{Name: p.Name, Version: p.Version, Path: p.Path, Origin: p.Origin, Shadowed: map[string]string{}}
		if p.refused != nil {
			i.Err = "refused: " + p.refused.Error()
		} else if p.broken != nil {
			i.Err = "broken: " + firstLine(p.broken)
		}
		for _, c := range p.Commands {
			i.Commands = append(i.Commands, c.Name)
			if h.isBuiltin(c.Name) {
				i.Shadowed[c.Name] = "builtin"
			} else if q := h.cmds[c.Name]; q != p {
				i.Shadowed[c.Name] = "plugin " + q.Name
			}
		}
		out = append(out, i)
	}
	return out
}

func (h *Host) isBuiltin(name string) bool { return h.IsBuiltin != nil && h.IsBuiltin(name) }

// Commands lists the plugin commands in effect, for help and completion.
func (h *Host) Commands() []command.PluginCommand {
	h.describeAll()
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []command.PluginCommand
	for name, p := range h.cmds {
		if h.isBuiltin(name) {
			continue
		}
		for _, c := range p.Commands {
			if c.Name == name {
				out = append(out, command.PluginCommand{Name: c.Name, Summary: c.Summary, Usage: c.Usage, Help: c.Help, Plugin: p.Name})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// CommandNames lists the plugin commands in effect, for completion
// (repl.Shell.CommandNames).
func (h *Host) CommandNames() []string {
	var names []string
	for _, c := range h.Commands() {
		names = append(names, c.Name)
	}
	return names
}

// Close stops every plugin process.
func (h *Host) Close() error {
	h.mu.Lock()
	h.pool.closed = true
	h.mu.Unlock()
	h.stopAll(func(poolKey) bool { return true })
	h.cg.shutdown()
	return nil
}

var _ command.PluginHost = (*Host)(nil)
