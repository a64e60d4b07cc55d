package builtins

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsctx"
	"github.com/nsh-dev/nsh/nsfs"
)

var unshareCmd = &Builtin{
	Name:    "unshare",
	Summary: "give the context new namespaces",
	Usage: "unshare [--propagation private|slave|shared|unchanged] [--no-sys] KIND...\n" +
		"unshare user [--map-root|--map-current|--map-user UID --map-group GID] [--map-auto] [--setgroups allow|deny] [KIND...]\n" +
		"unshare pid [--mount-proc] [KIND...]\n" +
		"unshare time [--monotonic SECS] [--boottime SECS] [KIND...]",
	Help: `Creates new namespaces of every KIND in one step: either all of them are
new afterwards or nothing changed. Programs spawned afterwards run in them.
For mnt, the new mount tree is made private by default, as util-linux
unshare does.

user: nsh cannot enter a user namespace itself (the kernel refuses it to a
multithreaded process), so a helper makes it and every program is started
in it. Namespaces made afterwards belong to it, so its root may do
anything in them, also when nsh runs without root. The maps are written
before anything runs inside:
  --map-root          your uid and gid are root inside (implies user,
                      setgroups deny)
  --map-current       your uid and gid are the same inside
  --map-user UID      your uid is UID inside; --map-group GID likewise.
                      Alone, either maps the other id to itself (util-linux
                      leaves it unmapped: nobody's); unshare user
                      --map-user 5 runs programs as uid 5, your gid
  --map-auto          also map your first /etc/subuid and /etc/subgid
                      ranges (needs newuidmap/newgidmap; setgroups allow)
  --setgroups allow|deny
Without a map option programs run as nobody inside, as util-linux does.

pid: nsh starts the namespace's init at once (it reaps orphans and keeps
the namespace alive while nsh runs), so every program spawned later joins
the same pid namespace. --mount-proc (implies mnt) has it mount a fresh
/proc, so ps shows only that namespace's processes.

time: --monotonic and --boottime (each implies time) set the clocks'
offsets, in seconds (cat /proc/uptime shows the boottime one), before
anything runs inside; util-linux wants -T spelled out, nsh does not.

net: programs see the new namespace's /sys (ls /sys/class/net shows lo),
as under ip netns exec; with mnt too, sysfs is mounted again inside the
new mount namespace. --no-sys leaves /sys as util-linux unshare does.
util-linux's spellings work too: -m -u -i -n -p -U -C -T (also together,
-nu) and --mount --uts --ipc --net --pid --user --cgroup --time name kinds,
--mount-proc=/proc is --mount-proc, and -f/--fork is accepted and means
nothing (nsh always starts pid's init). --net=FILE and the like are not:
pin the namespace after (unshare net; pin net FILE).

  unshare net           a fresh network namespace with only lo
  unshare net uts ipc   several at once
  unshare mnt --propagation slave
  unshare user --map-root
  unshare net uts mnt pid --mount-proc
  unshare time --boottime 86400`,
	Options: []string{"--propagation", "--map-root", "--map-current", "--map-user", "--map-group",
		"--map-auto", "--setgroups", "--mount-proc", "--monotonic", "--boottime", "--no-sys"},
	Operands: Kinds,
	Moves:    true,
	Run:      runUnshare,
}

func runUnshare(env *command.Env, args []string) error {
	args, err := kindOptions(args, "rc", "f", []string{"fork"}, func(k nsfs.Kind, file string) string {
		return fmt.Sprintf("nsh pins apart: unshare %s; pin %s %s", k, k, file)
	})
	if err != nil {
		return err
	}
	fs := newFlags(args[0])
	prop := fs.String("propagation", "private", "")
	mapRoot := fs.Bool("map-root", false, "")
	fs.BoolVar(mapRoot, "r", false, "")
	mapCurrent := fs.Bool("map-current", false, "")
	fs.BoolVar(mapCurrent, "c", false, "")
	mapUser := fs.String("map-user", "", "")
	mapGroup := fs.String("map-group", "", "")
	mapAuto := fs.Bool("map-auto", false, "")
	setgroups := fs.String("setgroups", "", "")
	var mountProc mountProcFlag
	fs.Var(&mountProc, "mount-proc", "")
	mono := fs.String("monotonic", "", "")
	boot := fs.String("boottime", "", "")
	noSys := fs.Bool("no-sys", false, "")
	ops, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *noSys {
		env.Ctx.SkipSysView(true)
		defer env.Ctx.SkipSysView(false)
	}
	o := nsctx.UnshareOptions{MountProc: bool(mountProc)}
	if o.Prop, err = nsctx.ParsePropagation(*prop); err != nil {
		return usageError("%v", err)
	}
	kinds, err := parseKinds(ops)
	if err != nil {
		return err
	}
	if o.Monotonic, err = seconds("--monotonic", *mono); err != nil {
		return err
	}
	if o.Boottime, err = seconds("--boottime", *boot); err != nil {
		return err
	}
	if o.User, err = userMaps(*mapRoot, *mapCurrent, *mapUser, *mapGroup, *mapAuto, *setgroups); err != nil {
		return err
	}
	// As util-linux: the map options imply user, --mount-proc implies mnt.
	// The offsets imply time (util-linux 2.38 wants -T spelled out).
	if o.User != nil || *setgroups != "" {
		kinds = addKind(kinds, nsfs.User)
	}
	if *mono != "" || *boot != "" {
		kinds = addKind(kinds, nsfs.Time)
	}
	if mountProc {
		kinds = addKind(kinds, nsfs.Mnt)
	}
	if len(kinds) == 0 {
		return usageError("no namespace kind given")
	}
	return env.Ctx.UnshareWith(kinds, o)
}

func addKind(ks []nsfs.Kind, k nsfs.Kind) []nsfs.Kind {
	for _, x := range ks {
		if x == k {
			return ks
		}
	}
	return append(ks, k)
}

// seconds parses an offset: whole seconds, or a Go duration (2h, -90m).
func seconds(opt, s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, usageError("%s wants seconds (or a duration like 2h), not %q", opt, s)
	}
	return int64(d / time.Second), nil
}

func userMaps(root, current bool, uid, gid string, auto bool, setgroups string) (*nsctx.UserMaps, error) {
	n := 0
	for _, b := range []bool{root, current, uid != "" || gid != ""} {
		if b {
			n++
		}
	}
	if n > 1 {
		return nil, usageError("--map-root, --map-current and --map-user/--map-group exclude each other")
	}
	var m *nsctx.UserMaps
	switch {
	case root:
		m = nsctx.MapRoot()
	case current:
		m = nsctx.MapIDs(os.Geteuid(), os.Getegid())
	case uid != "" || gid != "":
		u, g := os.Geteuid(), os.Getegid()
		var err error
		if uid != "" {
			if u, err = strconv.Atoi(uid); err != nil || u < 0 {
				return nil, usageError("--map-user wants a uid, not %q", uid)
			}
		}
		if gid != "" {
			if g, err = strconv.Atoi(gid); err != nil || g < 0 {
				return nil, usageError("--map-group wants a gid, not %q", gid)
			}
		}
		m = nsctx.MapIDs(u, g)
	}
	if auto {
		if m == nil {
			m = &nsctx.UserMaps{}
		}
		if err := m.AddSubordinate(); err != nil {
			return nil, err
		}
	}
	switch strings.ToLower(setgroups) {
	case "":
	case "allow", "deny":
		if m == nil {
			m = &nsctx.UserMaps{RunUID: -1, RunGID: -1}
		}
		m.Setgroups = strings.ToLower(setgroups)
	default:
		return nil, usageError("--setgroups wants allow or deny, not %q", setgroups)
	}
	return m, nil
}
