package nsinfo

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The JSON of ns graph --json; docs/graph.md documents the fields.
type graphJSON struct {
	Namespaces []nodeJSON `json:"namespaces"`
	Edges      []edgeJSON `json:"edges"`
}

type nodeJSON struct {
	Name         string     `json:"name"`
	Inode        uint64     `json:"inode"`
	NetnsNames   []string   `json:"netns_names"`
	Paths        []string   `json:"paths"`
	Home         bool       `json:"home"`
	LoopbackOnly bool       `json:"loopback_only"`
	Error        *string    `json:"error"`
	Links        []linkJSON `json:"links"`
}

type linkJSON struct {
	Ifindex   int      `json:"ifindex"`
	Name      string   `json:"name"`
	Type      string   `json:"type"`
	State     string   `json:"state"`
	MTU       int      `json:"mtu"`
	MAC       string   `json:"mac"`
	Master    *string  `json:"master"`
	VlanID    *int     `json:"vlan_id,omitempty"`
	Addresses []string `json:"addresses"`
}

type endJSON struct {
	Netns   *string `json:"netns"`
	Inode   *uint64 `json:"inode"`
	Link    *string `json:"link"`
	Ifindex int     `json:"ifindex"`
	NetnsID *int    `json:"netnsid,omitempty"`
}

type edgeJSON struct {
	Kind string  `json:"kind"`
	A    endJSON `json:"a"`
	B    endJSON `json:"b"`
}

func (e End) json() endJSON {
	j := endJSON{Ifindex: e.Index}
	if e.Link != nil {
		j.Ifindex, j.Link = e.Link.Index, &e.Link.Name
	}
	if e.Node != nil {
		j.Netns, j.Inode = &e.Node.Name, &e.Node.NS.ID.Ino
	} else {
		id := e.NetnsID
		j.NetnsID = &id
	}
	return j
}

// WriteJSON writes the graph as JSON.
func (g *Graph) WriteJSON(w io.Writer) error {
	out := graphJSON{Namespaces: []nodeJSON{}, Edges: []edgeJSON{}}
	for _, n := range g.Nodes {
		j := nodeJSON{Name: n.Name, Inode: n.NS.ID.Ino, NetnsNames: n.NS.Names, Paths: []string{},
			Home: n.Home, LoopbackOnly: n.LoopbackOnly(), Links: []linkJSON{}}
		if j.NetnsNames == nil {
			j.NetnsNames = []string{}
		}
		for _, p := range n.NS.Pins {
			j.Paths = append(j.Paths, p.HostPath())
		}
		if n.Err != "" {
			j.Error = &n.Err
		}
		for _, l := range n.Links {
			lj := linkJSON{Ifindex: l.Index, Name: l.Name, Type: l.Type, State: l.State, MTU: l.MTU, MAC: l.MAC, Addresses: l.Addrs}
			if l.Master != "" {
				lj.Master = &l.Master
			}
			if l.Type == "vlan" {
				lj.VlanID = &l.VlanID
			}
			if lj.Addresses == nil {
				lj.Addresses = []string{}
			}
			j.Links = append(j.Links, lj)
		}
		out.Namespaces = append(out.Namespaces, j)
	}
	for _, e := range g.Edges {
		out.Edges = append(out.Edges, edgeJSON{Kind: e.Kind, A: e.A.json(), B: e.B.json()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// edgeText is one edge as a line: "red:veth0 <-> blue:veth1" for a veth
// pair, "red:veth0 -> red:br0 (port)" for the rest.
func edgeText(e Edge) string {
	if e.Kind == "veth" {
		return e.A.Label() + " <-> " + e.B.Label()
	}
	kind := e.Kind
	if e.Kind == "vlan" && e.A.Link != nil {
		kind += " " + strconv.Itoa(e.A.Link.VlanID)
	}
	return e.A.Label() + " -> " + e.B.Label() + " (" + kind + ")"
}

// WriteText writes the graph for people: a block per namespace, the
// loopback-only ones on one line, then the edges.
func (g *Graph) WriteText(w io.Writer) error {
	var b strings.Builder
	var lo, bad []string
	for _, n := range g.Nodes {
		if n.Err != "" {
			bad = append(bad, n.Name+": "+n.Err)
			continue
		}
		if n.LoopbackOnly() {
			lo = append(lo, n.Name)
			continue
		}
		fmt.Fprintf(&b, "%s (net %d)\n", n.Name, n.NS.ID.Ino)
		rows := make([][]string, 0, len(n.Links))
		for _, l := range n.Links {
			extra := []string{}
			if l.Master != "" {
				extra = append(extra, "master "+l.Master)
			}
			if l.Type == "vlan" {
				extra = append(extra, "id "+strconv.Itoa(l.VlanID))
			}
			extra = append(extra, l.Addrs...)
			rows = append(rows, []string{l.Name, l.Type, l.State, "mtu " + strconv.Itoa(l.MTU), strings.Join(extra, " ")})
		}
		writeColumns(&b, "  ", rows)
	}
	if len(lo) > 0 {
		fmt.Fprintf(&b, "loopback only (%d): %s\n", len(lo), strings.Join(lo, " "))
	}
	for _, s := range bad {
		fmt.Fprintf(&b, "unread: %s\n", s)
	}
	if len(g.Edges) > 0 {
		b.WriteString("edges:\n")
	}
	for _, e := range g.Edges {
		b.WriteString("  " + edgeText(e) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeColumns(b *strings.Builder, ind string, rows [][]string) {
	var wd []int
	for _, r := range rows {
		for i, c := range r {
			if i >= len(wd) {
				wd = append(wd, 0)
			}
			wd[i] = max(wd[i], len(c))
		}
	}
	for _, r := range rows {
		line := ind
		for i, c := range r {
			if i < len(r)-1 {
				c += strings.Repeat(" ", wd[i]-len(c)+2)
			}
			line += c
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
}

// stateColour is a link's colour in DOT: green up, red down, grey else.
func stateColour(state string) string {
	switch state {
	case "up":
		return "darkgreen"
	case "down", "lowerlayerdown":
		return "red3"
	}
	return "gray40"
}

func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

func (e End) dotID() string {
	if e.Node != nil && e.Link != nil {
		return dotQuote(strconv.FormatUint(e.Node.NS.ID.Ino, 10) + ":" + strconv.Itoa(e.Link.Index))
	}
	ns := "nsid" + strconv.Itoa(e.NetnsID)
	if e.Node != nil {
		ns = strconv.FormatUint(e.Node.NS.ID.Ino, 10)
	}
	return dotQuote("?" + ns + ":" + strconv.Itoa(e.Index))
}

// WriteDOT writes the graph for Graphviz: a cluster per namespace, a node
// per link, veth pairs as plain edges, the others dashed and labelled.
// colour false leaves out the state colours (NO_COLOR).
func (g *Graph) WriteDOT(w io.Writer, colour bool) error {
	var b strings.Builder
	b.WriteString("graph nsgraph {\n  graph [rankdir=LR, fontname=\"sans-serif\"];\n" +
		"  node [shape=box, style=rounded, fontname=\"sans-serif\", fontsize=10];\n  edge [fontname=\"sans-serif\", fontsize=9];\n")
	var lo []string
	for i, n := range g.Nodes {
		if n.LoopbackOnly() {
			lo = append(lo, n.Name)
			continue
		}
		label := n.Name
		if n.Err != "" {
			label += "\n" + n.Err
		}
		fmt.Fprintf(&b, "  subgraph cluster_%d {\n    label=%s;\n", i, dotQuote(label))
		for _, l := range n.Links {
			text := l.Name + "\n" + l.Type + " " + l.State
			for _, a := range l.Addrs {
				text += "\n" + a
			}
			attrs := "label=" + dotQuote(text)
			if colour {
				attrs += ", color=" + stateColour(l.State)
			}
			fmt.Fprintf(&b, "    %s [%s];\n", End{Node: n, Link: l}.dotID(), attrs)
		}
		b.WriteString("  }\n")
	}
	if len(lo) > 0 {
		fmt.Fprintf(&b, "  \"loopback-only\" [shape=note, label=%s];\n", dotQuote("loopback only:\n"+strings.Join(lo, "\n")))
	}
	for _, e := range g.Edges {
		for _, end := range []End{e.A, e.B} {
			if end.Node == nil || end.Link == nil {
				fmt.Fprintf(&b, "  %s [style=dashed, label=%s];\n", end.dotID(), dotQuote(end.Label()))
			}
		}
		attrs := ""
		if e.Kind != "veth" {
			kind := e.Kind
			if e.Kind == "vlan" && e.A.Link != nil {
				kind += " " + strconv.Itoa(e.A.Link.VlanID)
			}
			attrs = " [style=dashed, label=" + dotQuote(kind) + "]"
		} else {
			attrs = " [penwidth=2]"
		}
		fmt.Fprintf(&b, "  %s -- %s%s;\n", e.A.dotID(), e.B.dotID(), attrs)
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}
