package nsinfo

// The CRI messages (runtime.v1, k8s.io/cri-api's api.proto) nsh sends and
// reads, only the fields it uses, by their numbers there. proto3 leaves a
// field at its zero value out: a sandbox without a state is READY (0).

import (
	"context"
	"errors"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
)

// runtime.v1's PodSandboxState and ContainerState values nsh uses.
const (
	sandboxReady     = 0
	containerRunning = 1
)

// podFilter is a PodSandboxFilter: ready sandboxes only, and labels.
type podFilter struct {
	readyOnly bool
	labels    map[string]string
}

// podSandbox is what nsh reads of a PodSandbox.
type podSandbox struct {
	id, name, namespace string // name, namespace: its metadata's
	state               uint64
	createdAt           int64
	labels              map[string]string
}

// criContainer is what nsh reads of a Container.
type criContainer struct {
	id        string
	createdAt int64
}

var errBadMessage = errors.New("a malformed message from the CRI runtime")

// listPods calls ListPodSandbox with filter f.
func (c *criConn) listPods(ctx context.Context, f podFilter) ([]*podSandbox, error) {
	var filter []byte // PodSandboxFilter
	if f.readyOnly {
		filter = appendMessage(filter, 2, appendVarint(nil, 1, sandboxReady)) // state
	}
	filter = appendStringMap(filter, 3, f.labels) // label_selector
	resp, err := c.call(ctx, "ListPodSandbox", appendMessage(nil, 1, filter))
	if err != nil {
		return nil, err
	}
	var pods []*podSandbox
	err = walk(resp, func(n protowire.Number, v []byte, _ uint64) error {
		if n != 1 || v == nil { // items
			return nil
		}
		p := &podSandbox{}
		pods = append(pods, p)
		return walk(v, func(n protowire.Number, v []byte, x uint64) error {
			switch n {
			case 1:
				p.id = string(v)
			case 2: // metadata
				return walk(v, func(n protowire.Number, v []byte, _ uint64) error {
					switch n {
					case 1:
						p.name = string(v)
					case 3:
						p.namespace = string(v)
					}
					return nil
				})
			case 3:
				p.state = x
			case 4:
				p.createdAt = int64(x)
			case 5:
				return readMapEntry(&p.labels, v)
			}
			return nil
		})
	})
	return pods, err
}

// runningContainers calls ListContainers for the running containers of
// sandbox id.
func (c *criConn) runningContainers(ctx context.Context, id string) ([]criContainer, error) {
	filter := appendMessage(nil, 2, appendVarint(nil, 1, containerRunning)) // state
	filter = appendString(filter, 3, id)                                    // pod_sandbox_id
	resp, err := c.call(ctx, "ListContainers", appendMessage(nil, 1, filter))
	if err != nil {
		return nil, err
	}
	var out []criContainer
	err = walk(resp, func(n protowire.Number, v []byte, _ uint64) error {
		if n != 1 || v == nil { // containers
			return nil
		}
		var k criContainer
		err := walk(v, func(n protowire.Number, v []byte, x uint64) error {
			switch n {
			case 1:
				k.id = string(v)
			case 7:
				k.createdAt = int64(x)
			}
			return nil
		})
		out = append(out, k)
		return err
	})
	return out, err
}

// verboseInfo calls PodSandboxStatus or ContainerStatus (method) for id
// with verbose set, and returns the response's info map.
func (c *criConn) verboseInfo(ctx context.Context, method, id string) (map[string]string, error) {
	req := appendVarint(appendString(nil, 1, id), 2, 1) // id, verbose
	resp, err := c.call(ctx, method, req)
	if err != nil {
		return nil, err
	}
	var info map[string]string
	err = walk(resp, func(n protowire.Number, v []byte, _ uint64) error {
		if n == 2 {
			return readMapEntry(&info, v)
		}
		return nil
	})
	return info, err
}

func appendString(b []byte, n protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	return protowire.AppendString(protowire.AppendTag(b, n, protowire.BytesType), s)
}

// appendMessage appends the embedded message m, empty or not: an empty
// one is still there (a state filter of READY, 0, is an empty message).
func appendMessage(b []byte, n protowire.Number, m []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(b, n, protowire.BytesType), m)
}

func appendVarint(b []byte, n protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	return protowire.AppendVarint(protowire.AppendTag(b, n, protowire.VarintType), v)
}

// appendStringMap appends a map<string, string> field: one entry message
// (key 1, value 2) each, in key order.
func appendStringMap(b []byte, n protowire.Number, m map[string]string) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b = appendMessage(b, n, appendString(appendString(nil, 1, k), 2, m[k]))
	}
	return b
}

// readMapEntry adds one map<string, string> entry message to *m.
func readMapEntry(m *map[string]string, entry []byte) error {
	var k, v string
	err := walk(entry, func(n protowire.Number, b []byte, _ uint64) error {
		switch n {
		case 1:
			k = string(b)
		case 2:
			v = string(b)
		}
		return nil
	})
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[k] = v
	return err
}

// walk calls f for each field of message b with its bytes (a
// length-delimited field; nil for others) or its varint; other wire types
// are skipped.
func walk(b []byte, f func(n protowire.Number, v []byte, x uint64) error) error {
	for len(b) > 0 {
		n, t, l := protowire.ConsumeTag(b)
		if l < 0 {
			return errBadMessage
		}
		b = b[l:]
		var err error
		switch t {
		case protowire.BytesType:
			v, l := protowire.ConsumeBytes(b)
			if l < 0 {
				return errBadMessage
			}
			if v == nil {
				v = []byte{}
			}
			err, b = f(n, v, 0), b[l:]
		case protowire.VarintType:
			x, l := protowire.ConsumeVarint(b)
			if l < 0 {
				return errBadMessage
			}
			err, b = f(n, nil, x), b[l:]
		default:
			l := protowire.ConsumeFieldValue(n, t, b)
			if l < 0 {
				return errBadMessage
			}
			b = b[l:]
		}
		if err != nil {
			return err
		}
	}
	return nil
}
