package nsctx

import (
	"cmp"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// The sysfs view of a network namespace, as 'ip netns exec' gives it.
//
// sysfs shows the network devices of the namespace of whoever mounted it,
// so a program that only joins a network namespace still sees home's
// /sys/class/net. iproute2 runs each program in a private mount namespace
// with / made slave, /sys unmounted lazily and sysfs mounted again, and
// /etc/netns/NAME/* bound over /etc/*. nsh does the same once per network
// namespace instead of once per program: when a program starts while the
// context's network namespace is not home's and its mount namespace is
// home's (and was not named with it: setns -t PID joins PID's, as nsenter
// -a does), the context thread first moves to a companion mount namespace
// made that way, where this program and the next ones start. It is left
// (back to home's mount namespace) at home, or at the first program after
// the network namespace changed again. A context in a mount namespace of its own (unshare mnt,
// a joined container's) is left alone: its /sys is its owner's business,
// and an 'unshare mnt' made inside a companion starts with the
// companion's mounts. Joining a mount namespace leaves the companion.

// SetSysView turns the companion mount namespace on or off for the
// network namespaces the context enters from now on (on by default). Off,
// programs see the /sys of the mount namespace they are in, as nsenter
// gives them. It takes effect at the next change of network namespace; a
// companion the context is in stays until then.
func (c *Context) SetSysView(on bool) { c.noSys.Store(!on) }

// SysView reports whether SetSysView is on.
func (c *Context) SysView() bool { return !c.noSys.Load() }

// SkipSysView(true) makes the network namespaces entered until
// SkipSysView(false) go without a companion (setns --no-sys).
func (c *Context) SkipSysView(skip bool) { c.noSysOnce.Store(skip) }

// syncSys puts the thread in the mount namespace that goes with its
// network namespace. Runs on the thread before a program starts, not at
// every change: 'setns PIN; home' hops stay a setns each. Cheap when
// nothing changed. A companion that cannot be
// made (no CAP_SYS_ADMIN over the mount namespace) is not an error: the
// programs see home's /sys, as they would under nsenter.
func (c *Context) syncSys() {
	net, mnt := c.cur[nsfs.Net], c.cur[nsfs.Mnt]
	if net == c.sysNet && mnt == c.sysMnt {
		return
	}
	defer func() { c.sysNet, c.sysMnt = c.cur[nsfs.Net], c.cur[nsfs.Mnt] }()
	inComp := !c.comp.IsZero() && mnt == c.comp
	if inComp && c.compNet == net {
		return
	}
	if inComp {
		// Back to the mount namespace the companion was made from,
		// keeping the working directory by name (setns moves it to /).
		wd, _ := getwd()
		if unix.Setns(c.home[nsfs.Mnt].Fd(), unix.CLONE_NEWNS) != nil {
			return
		}
		c.cur[nsfs.Mnt] = c.home[nsfs.Mnt].ID()
		c.comp, c.compNet = nsfs.ID{}, nsfs.ID{}
		if wd == "" || unix.Chdir(wd) != nil {
			fchdir(c.homeCwd)
		}
	}
	if net == c.plainNet || net == c.home[nsfs.Net].ID() || c.noSys.Load() || c.mntJoined || c.cur[nsfs.Mnt] != c.home[nsfs.Mnt].ID() || c.via.active() {
		return
	}
	if err := c.makeCompanion(nsfs.NetnsName(net)); err == nil {
		c.refresh(nsfs.Mnt)
		c.comp, c.compNet = c.cur[nsfs.Mnt], net
	}
}

// makeCompanion makes the companion mount namespace as iproute2's
// netns_switch does, undoing its steps if one fails.
func (c *Context) makeCompanion(name string) error {
	if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
		return err
	}
	undo := func(err error) error {
		unix.Setns(c.home[nsfs.Mnt].Fd(), unix.CLONE_NEWNS)
		fchdir(c.homeCwd)
		return err
	}
	// Slave, not private: mounts made at home later still reach it.
	if err := unix.Mount("", "/", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return undo(err)
	}
	if err := unix.Unmount("/sys", unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
		return undo(err)
	}
	// iproute2: a read-only sysfs when the unmount was refused; the
	// unmount worked here, so mount it as it was.
	if err := unix.Mount(cmp.Or(name, "sysfs"), "/sys", "sysfs", 0, ""); err != nil {
		return undo(err)
	}
	if name != "" {
		bindEtc(name)
	}
	return nil
}

// bindEtc binds each /etc/netns/NAME/X over /etc/X, as ip netns exec
// does; entries without a target in /etc are skipped, as it skips them.
func bindEtc(name string) {
	dir := filepath.Join("/etc/netns", name)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		unix.Mount(filepath.Join(dir, e.Name()), filepath.Join("/etc", e.Name()), "none", unix.MS_BIND, "")
	}
}

// remountSys mounts a sysfs of the thread's network namespace over /sys,
// the old one detached; left as it was if that is refused.
func remountSys() {
	if unix.Unmount("/sys", unix.MNT_DETACH) == nil {
		unix.Mount("sysfs", "/sys", "sysfs", 0, "")
	}
}

// notePlain records, under SkipSysView, that the network namespace just
// entered goes without a companion.
func (c *Context) notePlain() {
	if c.noSysOnce.Load() {
		c.plainNet = c.cur[nsfs.Net]
	}
}
