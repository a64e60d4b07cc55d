package nsctx

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"

	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// IDMap is one line of a uid_map or gid_map: Count ids from Inside (in the
// new user namespace) map to Outside (in the parent).
type IDMap struct{ Inside, Outside, Count uint32 }

func (m IDMap) String() string { return fmt.Sprintf("%d %d %d", m.Inside, m.Outside, m.Count) }

// UserMaps says how a new user namespace is mapped, and which ids the
// programs nsh starts in it get. It is written by nsh from outside before
// anything runs inside.
type UserMaps struct {
	UID, GID []IDMap
	// Setgroups is written to /proc/PID/setgroups first: "deny" (needed
	// to map a group without CAP_SETGID), "allow", or "" to leave it.
	Setgroups string
	// Subordinate writes the maps through newuidmap/newgidmap, the setuid
	// tools that allow the ranges /etc/subuid and /etc/subgid grant.
	Subordinate bool
	// RunUID and RunGID are the ids, inside, that spawned programs get.
	RunUID, RunGID int
}

// MapRoot maps the caller's effective ids to root inside, as
// `unshare --map-root-user` does (setgroups denied).
func MapRoot() *UserMaps {
	return &UserMaps{
		UID:       []IDMap{{0, uint32(os.Geteuid()), 1}},
		GID:       []IDMap{{0, uint32(os.Getegid()), 1}},
		Setgroups: "deny",
	}
}

// MapIDs maps the caller's effective uid to uid and gid to gid inside
// (--map-current is MapIDs(euid, egid)); programs run as those ids.
func MapIDs(uid, gid int) *UserMaps {
	return &UserMaps{
		UID:       []IDMap{{uint32(uid), uint32(os.Geteuid()), 1}},
		GID:       []IDMap{{uint32(gid), uint32(os.Getegid()), 1}},
		Setgroups: "deny",
		RunUID:    uid, RunGID: gid,
	}
}

// AddSubordinate extends m with the caller's first ranges from /etc/subuid
// and /etc/subgid, placed right after the ids m maps already (from 0 when m
// maps none), as util-linux's --map-auto does; setgroups is then allowed.
func (m *UserMaps) AddSubordinate() error {
	u, err := user.Current()
	if err != nil {
		return err
	}
	uid, err := subRange("/etc/subuid", u.Username, u.Uid)
	if err != nil {
		return err
	}
	gid, err := subRange("/etc/subgid", u.Username, strconv.Itoa(os.Getegid()))
	if err != nil {
		return err
	}
	uid.Inside, gid.Inside = next(m.UID), next(m.GID)
	m.UID, m.GID = append(m.UID, uid), append(m.GID, gid)
	m.Subordinate, m.Setgroups = true, "allow"
	return nil
}

func next(ms []IDMap) uint32 {
	var n uint32
	for _, m := range ms {
		if m.Inside+m.Count > n {
			n = m.Inside + m.Count
		}
	}
	return n
}

// subRange finds the first NAME:START:COUNT line for the user in an
// /etc/subuid-style file.
func subRange(file, name, id string) (IDMap, error) {
	f, err := os.Open(file)
	if err != nil {
		return IDMap{}, fmt.Errorf("--map-auto: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(strings.TrimSpace(sc.Text()), ":")
		if len(p) != 3 || (p[0] != name && p[0] != id) {
			continue
		}
		start, err1 := strconv.ParseUint(p[1], 10, 32)
		count, err2 := strconv.ParseUint(p[2], 10, 32)
		if err1 == nil && err2 == nil && count > 0 {
			return IDMap{Outside: uint32(start), Count: uint32(count)}, nil
		}
	}
	return IDMap{}, fmt.Errorf("--map-auto: %s grants %s no ids", file, name)
}

// write writes the maps of the user namespace process pid is in.
func (m *UserMaps) write(pid int) error {
	if m.Subordinate {
		if err := runMapTool("newuidmap", pid, m.UID); err != nil {
			return err
		}
		return runMapTool("newgidmap", pid, m.GID)
	}
	proc := "/proc/" + strconv.Itoa(pid) + "/"
	if m.Setgroups != "" {
		if err := writeProc(proc+"setgroups", m.Setgroups); err != nil {
			return err
		}
	}
	if err := writeProc(proc+"uid_map", mapText(m.UID)); err != nil {
		return err
	}
	if err := writeProc(proc+"gid_map", mapText(m.GID)); err != nil {
		if errors.Is(err, nsfs.ErrPermission) && m.Setgroups != "deny" {
			return fmt.Errorf("%w (without CAP_SETGID a group can only be mapped with --setgroups deny)", err)
		}
		return err
	}
	return nil
}

func mapText(ms []IDMap) string {
	var b strings.Builder
	for _, m := range ms {
		b.WriteString(m.String() + "\n")
	}
	return b.String()
}

func writeProc(path, text string) error {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err == nil {
		_, err = unix.Write(fd, []byte(text))
		unix.Close(fd)
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path[strings.LastIndexByte(path, '/')+1:], nsfs.Plain(err))
	}
	return nil
}

func runMapTool(tool string, pid int, ms []IDMap) error {
	p, err := exec.LookPath(tool)
	if err != nil {
		return fmt.Errorf("--map-auto needs %s (Debian package uidmap)", tool)
	}
	args := []string{strconv.Itoa(pid)}
	for _, m := range ms {
		args = append(args, strconv.Itoa(int(m.Inside)), strconv.Itoa(int(m.Outside)), strconv.Itoa(int(m.Count)))
	}
	out, err := exec.Command(p, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", tool, err, strings.TrimSpace(string(out)))
	}
	return nil
}
