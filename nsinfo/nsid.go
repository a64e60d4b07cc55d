package nsinfo

import (
	"fmt"

	"github.com/nsh-dev/nsh/nsfs"
	"golang.org/x/sys/unix"
)

// NetnsByNsid finds the network namespace that the namespace of the
// socket maker gives id nsid (ip link's link-netnsid, ip netns list-id):
// onCtx runs a function where that namespace is (the context thread).
// Every network namespace Scan finds is asked about, as ip does for its
// names; none matching is an error.
func NetnsByNsid(nsid int, onCtx func(func() error) error) (*nsfs.Handle, error) {
	if nsid < 0 {
		return nil, fmt.Errorf("nsid:%d: an nsid is 0 or more", nsid)
	}
	var nl *netlink
	if err := onCtx(func() error { nl = newNetlink(); return nil }); err != nil {
		return nil, err
	}
	defer nl.close()
	if nl.fd < 0 {
		return nil, fmt.Errorf("nsid:%d: no netlink socket in the context's network namespace", nsid)
	}
	snap, err := Scan(Options{Kinds: []nsfs.Kind{nsfs.Net}, NoFds: true})
	if err != nil {
		return nil, err
	}
	pbuf := make([]byte, 64)
	for _, ns := range snap.Namespaces {
		fd := openNs(ns, pbuf)
		if fd < 0 {
			continue
		}
		if nl.nsid(fd) == nsid {
			h, err := nsfs.Open(fmt.Sprintf("/proc/self/fd/%d", fd))
			unix.Close(fd)
			return h, err
		}
		unix.Close(fd)
	}
	return nil, fmt.Errorf("nsid:%d: no network namespace has that id here (ip netns list-id shows them)", nsid)
}
