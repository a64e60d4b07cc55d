package nsinfo

import (
	"encoding/binary"
	"errors"
	"strings"
	"sync"

	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// item is a namespace whose relations are to be found, with an open fd when
// it was itself found through an ioctl (no path reaches it).
type item struct {
	ns *Namespace
	fd int
}

// found is a namespace an ioctl returned: the owner or the parent of one.
type found struct {
	kind nsfs.Kind
	id   nsfs.ID
	fd   int
}

// addRelations finds owner, parent and netnsid of every namespace. Owners
// and parents that nothing else reaches (no process, pin or fd) are added
// as namespaces of their own, so trees have no gaps.
func (s *Snapshot) addRelations(want [nsfs.NumKinds]bool, get func(nsfs.Kind, nsfs.ID) *Namespace) {
	items := make([]item, 0, len(s.byID))
	for _, ns := range s.byID {
		items = append(items, item{ns, -1})
	}
	// Network namespaces get an id only when asked to (ip netns set, or a
	// veth peer in it): when the home one has given none, nothing needs
	// asking one by one.
	probe := newNetlink()
	askNsid := probe.assigned() != 0
	probe.close()
	// Only fds of namespaces not known yet are kept for the next round:
	// the rest are closed at once. Holding one per namespace until the
	// round ends grew the fd table to thousands of entries, and each
	// growth of a table that threads share waits for an RCU grace period
	// (milliseconds on a busy host). s.byID is only read during a round.
	keep := func(k nsfs.Kind, id nsfs.ID) bool { return want[k] && s.byID[id] == nil }
	for len(items) > 0 {
		results := make([][]found, len(items))
		var mu sync.Mutex
		var sockets []*netlink
		parallel(len(items), func() func(int) {
			nl := newNetlink()
			mu.Lock()
			sockets = append(sockets, nl)
			mu.Unlock()
			pbuf := make([]byte, 0, 128)
			return func(i int) { results[i] = relate(items[i], nl, askNsid, keep, pbuf) }
		})
		for _, nl := range sockets {
			nl.close()
		}
		items = items[:0]
		for _, fs := range results {
			for _, f := range fs {
				if !keep(f.kind, f.id) { // found twice this round
					rawClose(f.fd)
					continue
				}
				items = append(items, item{get(f.kind, f.id), f.fd})
			}
		}
	}
}

// relate fills in one namespace's relations and returns the namespaces the
// ioctls led to that are not known yet (their fds open).
func relate(it item, nl *netlink, askNsid bool, keep func(nsfs.Kind, nsfs.ID) bool, pbuf []byte) []found {
	ns, fd := it.ns, it.fd
	if fd < 0 {
		fd = openNs(ns, pbuf)
		if fd < 0 {
			return nil
		}
	}
	defer rawClose(fd)
	var out []found
	add := func(k nsfs.Kind, id nsfs.ID, fd int) {
		if keep(k, id) {
			out = append(out, found{k, id, fd})
		} else {
			rawClose(fd)
		}
	}
	if id, ofd, ok := nsIoctl(fd, unix.NS_GET_USERNS); ok {
		ns.Owner = id
		add(nsfs.User, id, ofd)
	}
	if ns.Kind == nsfs.PID || ns.Kind == nsfs.User {
		if id, pfd, ok := nsIoctl(fd, unix.NS_GET_PARENT); ok {
			ns.Parent = id
			add(ns.Kind, id, pfd)
		}
	}
	if ns.Kind == nsfs.Net {
		ns.NetnsID = NetnsIDUnassigned
		if askNsid {
			ns.NetnsID = nl.nsid(fd)
		}
	}
	return out
}

// openNs opens a namespace by a path Scan found for it, checking that a
// /proc path still leads to it (a pid may be reused meanwhile).
func openNs(ns *Namespace, pbuf []byte) int {
	paths := []string{ns.openPath}
	for _, f := range ns.Fds {
		paths = append(paths, f.Path())
	}
	for _, t := range ns.ForChildren {
		paths = append(paths, t.Path())
	}
	for _, p := range paths {
		if p == "" {
			continue
		}
		fd, err := rawOpenat(unix.AT_FDCWD, p, unix.O_RDONLY, pbuf)
		if err != nil {
			continue
		}
		var st unix.Stat_t
		if !strings.HasPrefix(p, "/proc/") ||
			rawFstat(fd, &st) == nil && st.Ino == ns.ID.Ino && st.Dev == ns.ID.Dev {
			return fd
		}
		rawClose(fd)
	}
	return -1
}

// nsIoctl runs NS_GET_USERNS or NS_GET_PARENT and returns the namespace it
// leads to, with its fd. EPERM means it leads outside what the caller may
// see, or there is none (the initial namespaces).
func nsIoctl(fd int, req uint) (nsfs.ID, int, bool) {
	nfd, err := rawIoctl(fd, req)
	if err != nil {
		return nsfs.ID{}, -1, false
	}
	// nsfs hands out these fds O_CLOEXEC already.
	var st unix.Stat_t
	if rawFstat(nfd, &st) != nil {
		rawClose(nfd)
		return nsfs.ID{}, -1, false
	}
	return nsfs.ID{Dev: st.Dev, Ino: st.Ino}, nfd, true
}

// netlink is a NETLINK_ROUTE socket for RTM_GETNSID requests, in the
// network namespace of the thread that made it (a home thread).
type netlink struct {
	fd  int
	seq uint32
	buf []byte
}

func newNetlink() *netlink {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return &netlink{fd: -1}
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return &netlink{fd: -1}
	}
	return &netlink{fd: fd, buf: make([]byte, 4096)}
}

var errNetlink = errors.New("bad netlink answer")

// nsid asks which id the home network namespace gives the network
// namespace open as nsfd (RTM_GETNSID with NETNSA_FD, as lsns and ip do).
func (nl *netlink) nsid(nsfd int) int {
	if nl.fd < 0 {
		return NetnsIDUnknown
	}
	nl.seq++
	// nlmsghdr(16) + rtgenmsg(1, padded to 4) + rtattr(4) + int32(4)
	req := make([]byte, 28)
	ne := binary.NativeEndian
	ne.PutUint32(req[0:], 28)
	ne.PutUint16(req[4:], unix.RTM_GETNSID)
	ne.PutUint16(req[6:], unix.NLM_F_REQUEST)
	ne.PutUint32(req[8:], nl.seq)
	req[16] = unix.AF_UNSPEC
	ne.PutUint16(req[20:], 8)
	ne.PutUint16(req[22:], unix.NETNSA_FD)
	ne.PutUint32(req[24:], uint32(nsfd))
	if err := unix.Sendto(nl.fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return NetnsIDUnknown
	}
	for {
		n, _, err := unix.Recvfrom(nl.fd, nl.buf, 0)
		if err != nil {
			return NetnsIDUnknown
		}
		id, seq, err := parseNsid(nl.buf[:n])
		if seq != nl.seq {
			continue // a late answer to an earlier request
		}
		if err != nil {
			return NetnsIDUnknown
		}
		return id
	}
}

// assigned counts the ids the home network namespace has given (an
// RTM_GETNSID dump); -1 when it cannot tell.
func (nl *netlink) assigned() int {
	if nl.fd < 0 {
		return -1
	}
	nl.seq++
	req := make([]byte, 20) // nlmsghdr + rtgenmsg, padded
	ne := binary.NativeEndian
	ne.PutUint32(req[0:], 20)
	ne.PutUint16(req[4:], unix.RTM_GETNSID)
	ne.PutUint16(req[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	ne.PutUint32(req[8:], nl.seq)
	req[16] = unix.AF_UNSPEC
	if err := unix.Sendto(nl.fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return -1
	}
	count := 0
	for {
		n, _, err := unix.Recvfrom(nl.fd, nl.buf, 0)
		if err != nil {
			return -1
		}
		for b := nl.buf[:n]; len(b) >= 16; {
			l := int(ne.Uint32(b))
			if l < 16 || l > len(b) {
				return -1
			}
			if ne.Uint32(b[8:]) == nl.seq {
				switch ne.Uint16(b[4:]) {
				case unix.NLMSG_DONE:
					return count
				case unix.NLMSG_ERROR:
					return -1
				case unix.RTM_NEWNSID:
					count++
				}
			}
			b = b[min((l+3)&^3, len(b)):]
		}
	}
}

func parseNsid(b []byte) (id int, seq uint32, err error) {
	ne := binary.NativeEndian
	if len(b) < 16 {
		return 0, 0, errNetlink
	}
	typ, seq := ne.Uint16(b[4:]), ne.Uint32(b[8:])
	if typ != unix.RTM_NEWNSID || len(b) < 20 {
		return 0, seq, errNetlink
	}
	for a := b[20:]; len(a) >= 4; {
		l, t := int(ne.Uint16(a)), ne.Uint16(a[2:])
		if l < 4 || l > len(a) {
			break
		}
		if t == unix.NETNSA_NSID && l >= 8 {
			return int(int32(ne.Uint32(a[4:]))), seq, nil
		}
		next := (l + 3) &^ 3
		if next > len(a) {
			break
		}
		a = a[next:]
	}
	return 0, seq, errNetlink
}

// close releases the socket.
func (nl *netlink) close() {
	if nl.fd >= 0 {
		unix.Close(nl.fd)
	}
}
