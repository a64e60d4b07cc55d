package nsinfo

import (
	"errors"
	"net"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nsh-dev/nsh/nsfs"
	vnl "github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Graph is the wiring of network namespaces: their links, and the edges
// between links (veth pairs, bridge ports, the parents of VLAN, macvlan,
// ipvlan and vxlan links), also across namespaces.
type Graph struct {
	Nodes []*NetNode // the home namespace first, then by name
	Edges []Edge
}

// NetNode is one network namespace of a Graph.
type NetNode struct {
	NS   *Namespace
	Name string // ip netns name, pin path, "host" for home, or the inode
	Home bool
	Err  string // why its links could not be read ("" when they were)
	// Links are ascending by ifindex.
	Links []*Link

	fd   int               // the namespace, open while the graph is made
	h    *vnl.Handle       // a socket in it, while needed
	ids  map[int]*NetNode  // its netnsids, as resolved
	byIx map[int]*Link     // links by ifindex
	sock *nl.NetlinkSocket // for IFLA_TARGET_NETNSID questions, made lazily
}

// LoopbackOnly reports a namespace with nothing but lo, and lo with only
// the loopback addresses.
func (n *NetNode) LoopbackOnly() bool {
	if n.Err != "" || len(n.Links) != 1 || n.Links[0].Type != "loopback" {
		return false
	}
	for _, a := range n.Links[0].Addrs {
		if a != "127.0.0.1/8" && a != "::1/128" {
			return false
		}
	}
	return true
}

// Link is one network interface.
type Link struct {
	Index  int
	Name   string
	Type   string // netlink's kind: veth, bridge, vlan, ...; loopback, device
	State  string // operational state: up, down, unknown, lowerlayerdown, ...
	MTU    int
	MAC    string
	Master string   // the bridge or bond it is a port of
	VlanID int      // for vlan
	Addrs  []string // CIDR, as the kernel orders them
	// Parent is IFLA_LINK (a veth's peer, a vlan's lower link; for vxlan
	// the VTEP device), in the namespace NetnsID names (-1: its own).
	Parent  int
	NetnsID int
	peered  bool
}

// End is one end of an edge: a link of a namespace, or, when the other
// namespace could not be found, the netnsid and ifindex the link names.
type End struct {
	Node    *NetNode
	Link    *Link
	NetnsID int
	Index   int
}

// Edge joins two links. Kind is "veth" (A and B are the pair), "port"
// (A is a port of bridge or bond B), or the type of A for a link made on
// parent B ("vlan", "macvlan", "ipvlan", "vxlan", ...).
type Edge struct {
	Kind string
	A, B End
}

// ReadGraph reads the links of the network namespaces of s (only those in
// want when want is not empty) and joins them. home is nsh's home network
// namespace: the threads that read must be in it. A namespace that went
// away since s was made is left out; one that cannot be entered is kept
// with the reason in Err.
func ReadGraph(s *Snapshot, home nsfs.ID, want []nsfs.ID) (*Graph, error) {
	defer PauseGC()()
	keep := map[nsfs.ID]bool{}
	for _, id := range want {
		keep[id] = true
	}
	var nodes []*NetNode
	for _, ns := range s.Namespaces {
		if ns.Kind == nsfs.Net && (len(want) == 0 || keep[ns.ID] || ns.ID == home) {
			nodes = append(nodes, &NetNode{NS: ns, Home: ns.ID == home, Name: netName(ns, home), fd: -1})
		}
	}
	if err := readNodes(nodes, home); err != nil {
		for _, n := range nodes {
			n.close()
		}
		return nil, err
	}
	g := &Graph{}
	for _, n := range nodes {
		if n.fd >= 0 || n.Err != "" {
			g.Nodes = append(g.Nodes, n)
		}
	}
	defer func() {
		for _, n := range g.Nodes {
			n.close()
		}
	}()
	g.join()
	if len(want) > 0 && !keep[home] {
		// Home was read to find the links that go to the host; it is
		// shown only when some do.
		used := false
		for _, e := range g.Edges {
			used = used || e.A.Node != nil && e.A.Node.Home || e.B.Node != nil && e.B.Node.Home
		}
		if !used {
			g.Nodes = removeHome(g.Nodes)
		}
	}
	sort.SliceStable(g.Nodes, func(i, j int) bool {
		a, b := g.Nodes[i], g.Nodes[j]
		if a.Home != b.Home {
			return a.Home
		}
		return a.Name < b.Name
	})
	for i, e := range g.Edges {
		// A veth pair has no direction: the lower name first.
		if e.Kind == "veth" && e.B.Label() < e.A.Label() {
			g.Edges[i].A, g.Edges[i].B = e.B, e.A
		}
	}
	sort.SliceStable(g.Edges, func(i, j int) bool { return g.Edges[i].less(&g.Edges[j]) })
	return g, nil
}

func removeHome(nodes []*NetNode) []*NetNode {
	out := nodes[:0]
	for _, n := range nodes {
		if !n.Home {
			out = append(out, n)
		}
	}
	return out
}

// netName is what a namespace is called in the graph.
func netName(ns *Namespace, home nsfs.ID) string {
	switch {
	case len(ns.Names) > 0:
		return ns.Names[0]
	case len(ns.Pins) > 0:
		return ns.Pins[0].HostPath()
	case ns.ID == home:
		return "host"
	}
	return strconv.FormatUint(ns.ID.Ino, 10)
}

// Label is how an end is written: NAMESPACE:LINK, or NAMESPACE:#IFINDEX
// and ?nsid=N:#IFINDEX for what could not be found.
func (e End) Label() string {
	ns := "?nsid=" + strconv.Itoa(e.NetnsID)
	if e.Node != nil {
		ns = e.Node.Name
	}
	if e.Link != nil {
		return ns + ":" + e.Link.Name
	}
	return ns + ":#" + strconv.Itoa(e.Index)
}

func (e *Edge) less(o *Edge) bool {
	if a, b := e.A.Label(), o.A.Label(); a != b {
		return a < b
	}
	return e.B.Label() < o.B.Label()
}

// readNodes reads every namespace's links on threads locked for the
// purpose. vnl.NewHandleAt opens its socket inside the namespace by
// setns on the calling thread and back (there is no other way to get a
// socket there): the thread is locked around it, and a thread that does
// not come back home is never unlocked, so Go ends it instead of reusing
// it in the wrong namespace.
func readNodes(nodes []*NetNode, home nsfs.ID) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var bad atomic.Bool
	workers := min(2*runtime.GOMAXPROCS(0), (len(nodes)+7)/8)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			if threadNet() != home {
				// Go made this thread from one that was elsewhere.
				bad.Store(true)
				return
			}
			pbuf := make([]byte, 0, 128)
			for {
				i := int(next.Add(1)) - 1
				if i >= len(nodes) || bad.Load() {
					break
				}
				nodes[i].read(pbuf)
				if threadNet() != home {
					bad.Store(true)
					return // still locked: the thread ends with the goroutine
				}
			}
			runtime.UnlockOSThread()
		}()
	}
	wg.Wait()
	if bad.Load() {
		return errors.New("a reading thread was not in the home network namespace")
	}
	return nil
}

func threadNet() nsfs.ID {
	var st unix.Stat_t
	if unix.Stat("/proc/thread-self/ns/net", &st) != nil {
		return nsfs.ID{}
	}
	return nsfs.ID{Dev: st.Dev, Ino: st.Ino}
}

// read opens the namespace and reads its links and addresses. A
// namespace that cannot be opened any more has gone: fd stays -1.
func (n *NetNode) read(pbuf []byte) {
	n.fd = openNs(n.NS, pbuf)
	if n.fd >= 0 {
		n.load()
	}
}

// LinkNames lists the links of the network namespace open at fd (for
// completing `ip link set `), read as ReadGraph reads, on a locked thread.
func LinkNames(fd int, home nsfs.ID) []string {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return nil
	}
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	n := &NetNode{fd: dup, Home: nsfs.ID{Dev: st.Dev, Ino: st.Ino} == home}
	done := make(chan []string)
	go func() {
		runtime.LockOSThread()
		n.load()
		var names []string
		for _, l := range n.Links {
			names = append(names, l.Name)
		}
		n.close()
		if threadNet() == home {
			runtime.UnlockOSThread()
		}
		done <- names
	}()
	return <-done
}

// load reads the links and addresses of the namespace open at n.fd.
func (n *NetNode) load() {
	var err error
	if n.Home {
		n.h, err = vnl.NewHandle(unix.NETLINK_ROUTE)
	} else {
		n.h, err = vnl.NewHandleAt(netns.NsHandle(n.fd), unix.NETLINK_ROUTE)
	}
	if err != nil {
		// netlink's error names the fd, which means nothing to the reader:
		// keep the reason.
		msg := err.Error()
		if i := strings.LastIndex(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		n.Err = "cannot enter: " + msg
		n.close()
		return
	}
	links, err := n.h.LinkList()
	if err != nil {
		n.Err = "cannot list links: " + err.Error()
		n.close()
		return
	}
	addrs, err := n.h.AddrList(nil, vnl.FAMILY_ALL)
	if err != nil {
		n.Err = "cannot list addresses: " + err.Error()
		n.close()
		return
	}
	n.byIx = make(map[int]*Link, len(links))
	for _, l := range links {
		a := l.Attrs()
		k := &Link{Index: a.Index, Name: a.Name, Type: l.Type(), State: a.OperState.String(),
			MTU: a.MTU, MAC: a.HardwareAddr.String(), Parent: a.ParentIndex, NetnsID: a.NetNsID}
		if a.Flags&net.FlagLoopback != 0 {
			k.Type = "loopback"
		}
		if k.Parent == k.Index && k.NetnsID < 0 {
			k.Parent = 0
		}
		switch v := l.(type) {
		case *vnl.Vlan:
			k.VlanID = v.VlanId
		case *vnl.Vxlan:
			k.Parent = v.VtepDevIndex
		}
		n.Links = append(n.Links, k)
		n.byIx[k.Index] = k
	}
	for _, l := range links {
		if m := n.byIx[l.Attrs().MasterIndex]; m != nil && l.Attrs().MasterIndex != 0 {
			n.byIx[l.Attrs().Index].Master = m.Name
		}
	}
	for _, a := range addrs {
		if k := n.byIx[a.LinkIndex]; k != nil && a.IPNet != nil {
			k.Addrs = append(k.Addrs, a.IPNet.String())
		}
	}
	sort.Slice(n.Links, func(i, j int) bool { return n.Links[i].Index < n.Links[j].Index })
	// Only namespaces with links into others ask questions later.
	cross := false
	for _, k := range n.Links {
		cross = cross || k.NetnsID >= 0
	}
	if !cross {
		n.h.Close()
		n.h = nil
	}
}

func (n *NetNode) close() {
	if n.h != nil {
		n.h.Close()
		n.h = nil
	}
	if n.sock != nil {
		n.sock.Close()
		n.sock = nil
	}
	if n.fd >= 0 {
		rawClose(n.fd)
		n.fd = -1
	}
}

// nsidOf asks n which netnsid it gives namespace o (RTM_GETNSID by fd).
func (n *NetNode) nsidOf(o *NetNode) int {
	if n.h == nil || o.fd < 0 {
		return -1
	}
	id, err := n.h.GetNetNsIdByFd(o.fd)
	if err != nil {
		return -1
	}
	return id
}

// is reports whether n's netnsid id is namespace o, asking n the first
// time and remembering the answer.
func (n *NetNode) is(id int, o *NetNode) bool {
	if got, ok := n.ids[id]; ok {
		return got == o
	}
	if n.nsidOf(o) != id {
		return false
	}
	if n.ids == nil {
		n.ids = map[int]*NetNode{}
	}
	n.ids[id] = o
	return true
}

// peerMAC asks n for the address of link index in its netnsid id, the
// namespace across (RTM_GETLINK with IFLA_TARGET_NETNSID, Linux 4.20):
// a hint that picks the likely peer among many with the same ifindex.
func (n *NetNode) peerMAC(id, index int) string {
	if n.sock == nil {
		s, err := nl.GetNetlinkSocketAt(netns.NsHandle(n.fd), netns.None(), unix.NETLINK_ROUTE)
		if err != nil {
			return ""
		}
		n.sock = s
	}
	req := nl.NewNetlinkRequest(unix.RTM_GETLINK, 0)
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Index = int32(index)
	req.AddData(msg)
	req.AddData(nl.NewRtAttr(unix.IFLA_TARGET_NETNSID, nl.Uint32Attr(uint32(id))))
	req.Sockets = map[int]*nl.SocketHandle{unix.NETLINK_ROUTE: {Socket: n.sock}}
	msgs, err := req.Execute(unix.NETLINK_ROUTE, unix.RTM_NEWLINK)
	if err != nil || len(msgs) != 1 {
		return ""
	}
	l, err := vnl.LinkDeserialize(nil, msgs[0])
	if err != nil {
		return ""
	}
	return l.Attrs().HardwareAddr.String()
}

type ixPair struct{ self, peer int }

// join finds the edges. A veth's peer is named by a netnsid, which means
// something only in the veth's own namespace, and an ifindex there. The
// peers that could be it (a veth at that ifindex whose own peer is this
// one's ifindex) are narrowed by MAC address, and the one taken is the
// one each side's kernel confirms: A's netnsid for B's fd is the id A's
// veth names, and B's for A's fd is the one B's veth names.
func (g *Graph) join() {
	cands := map[ixPair][]End{}
	for _, n := range g.Nodes {
		for _, l := range n.Links {
			if l.Type == "veth" && l.NetnsID >= 0 {
				p := ixPair{l.Index, l.Parent}
				cands[p] = append(cands[p], End{Node: n, Link: l})
			}
		}
	}
	for _, n := range g.Nodes {
		for _, l := range n.Links {
			a := End{Node: n, Link: l}
			switch {
			case l.Type == "veth" && l.NetnsID < 0 && l.Parent > 0:
				// Both ends in this namespace: once, from the lower index.
				if p := n.byIx[l.Parent]; p != nil && l.Index < p.Index {
					g.Edges = append(g.Edges, Edge{"veth", a, End{Node: n, Link: p}})
				}
			case l.Type == "veth" && l.NetnsID >= 0 && !l.peered:
				b := g.findPeer(a, cands[ixPair{l.Parent, l.Index}])
				l.peered = true
				if b.Link != nil {
					b.Link.peered = true
				}
				g.Edges = append(g.Edges, Edge{"veth", a, b})
			case l.Type == "veth" && l.NetnsID >= 0:
				// Paired from the other end already.
			case l.Parent > 0:
				b := End{Node: n, NetnsID: l.NetnsID, Index: l.Parent}
				if l.NetnsID >= 0 {
					b = g.findNode(n, l.NetnsID, l.Parent)
				} else {
					b.Link = n.byIx[l.Parent]
				}
				g.Edges = append(g.Edges, Edge{l.Type, a, b})
			}
			if l.Master != "" {
				for _, m := range n.Links {
					if m.Name == l.Master {
						g.Edges = append(g.Edges, Edge{"port", a, End{Node: n, Link: m}})
					}
				}
			}
		}
	}
}

// findPeer picks a's veth peer among cands, confirmed from both sides.
func (g *Graph) findPeer(a End, cands []End) End {
	l := a.Link
	confirmed := func(b End) bool {
		return b.Node != a.Node && !b.Link.peered && a.Node.is(l.NetnsID, b.Node) && b.Node.is(b.Link.NetnsID, a.Node)
	}
	// A namespace already resolved for this netnsid leaves one choice.
	if o, ok := a.Node.ids[l.NetnsID]; ok {
		for _, b := range cands {
			if b.Node == o && confirmed(b) {
				return b
			}
		}
	} else if len(cands) > 1 {
		if mac := a.Node.peerMAC(l.NetnsID, l.Parent); mac != "" {
			for _, b := range cands {
				if b.Link.MAC == mac && confirmed(b) {
					return b
				}
			}
		}
	}
	for _, b := range cands {
		if confirmed(b) {
			return b
		}
	}
	return End{NetnsID: l.NetnsID, Index: l.Parent}
}

// findNode finds the namespace n's netnsid id names (home first: that is
// where the parents of macvlan and ipvlan links usually are), and its
// link index there.
func (g *Graph) findNode(n *NetNode, id, index int) End {
	try := func(o *NetNode) (End, bool) {
		if o == n || o.byIx == nil || !n.is(id, o) {
			return End{}, false
		}
		return End{Node: o, Link: o.byIx[index], NetnsID: id, Index: index}, true
	}
	if o, ok := n.ids[id]; ok && o != nil {
		if e, ok := try(o); ok {
			return e
		}
	}
	for _, o := range g.Nodes {
		if o.Home {
			if e, ok := try(o); ok {
				return e
			}
		}
	}
	for _, o := range g.Nodes {
		if e, ok := try(o); ok {
			return e
		}
	}
	return End{NetnsID: id, Index: index}
}
