package nsfs

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// Kind is a namespace type.
type Kind int

// The eight namespace kinds, in the order nsh prints them.
const (
	Cgroup Kind = iota
	IPC
	Mnt
	Net
	PID
	Time
	User
	UTS
	NumKinds
)

var kindNames = [NumKinds]string{"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"}

var kindFlags = [NumKinds]int{
	unix.CLONE_NEWCGROUP, unix.CLONE_NEWIPC, unix.CLONE_NEWNS, unix.CLONE_NEWNET,
	unix.CLONE_NEWPID, unix.CLONE_NEWTIME, unix.CLONE_NEWUSER, unix.CLONE_NEWUTS,
}

// Kinds lists every kind in order.
func Kinds() []Kind {
	ks := make([]Kind, NumKinds)
	for i := range ks {
		ks[i] = Kind(i)
	}
	return ks
}

// KindNames lists the names of every kind, for help text and completion.
func KindNames() []string { return kindNames[:] }

func (k Kind) String() string {
	if k < 0 || k >= NumKinds {
		return fmt.Sprintf("kind(%d)", int(k))
	}
	return kindNames[k]
}

// Flag is the CLONE_NEW* flag of the kind.
func (k Kind) Flag() int { return kindFlags[k] }

// ProcName is the name of the kind's file under /proc/PID/ns that a new
// child would get. pid and time namespaces apply to children only, so for
// them it is the *_for_children file.
func (k Kind) ProcName() string {
	switch k {
	case PID:
		return "pid_for_children"
	case Time:
		return "time_for_children"
	}
	return kindNames[k]
}

// ParseKind accepts a kind's name; "mount" and "network" are accepted as
// the long names util-linux uses.
func ParseKind(s string) (Kind, error) {
	switch s {
	case "mount":
		return Mnt, nil
	case "network":
		return Net, nil
	}
	for i, n := range kindNames {
		if n == s {
			return Kind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown namespace kind %q (valid: %s)", s, strings.Join(kindNames[:], " "))
}

// ParseKinds parses several names; duplicates are dropped.
func ParseKinds(names []string) ([]Kind, error) {
	var seen [NumKinds]bool
	var ks []Kind
	for _, n := range names {
		k, err := ParseKind(n)
		if err != nil {
			return nil, err
		}
		if !seen[k] {
			seen[k] = true
			ks = append(ks, k)
		}
	}
	return ks, nil
}

func kindOfFlag(flag int) (Kind, bool) {
	for i, f := range kindFlags {
		if f == flag {
			return Kind(i), true
		}
	}
	return 0, false
}
