package nsinfo

// containerd:[NAMESPACE/]ID: the task's pid from containerd's Tasks.Get
// over its gRPC socket. gRPC is already in nsh (plugins); the two messages
// are written and read with protowire instead of importing containerd's
// API module for them.

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
)

// containerdSockets: $CONTAINERD_ADDRESS, else containerd's default.
func containerdSockets(getenv Getenv) []string {
	if a, ok := getenv("CONTAINERD_ADDRESS"); ok && a != "" {
		return []string{strings.TrimPrefix(a, "unix://")}
	}
	return []string{"/run/containerd/containerd.sock"}
}

// rawCodec passes bytes through: the messages are made by hand.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *v.(*[]byte), nil }
func (rawCodec) Unmarshal(b []byte, v any) error {
	*v.(*[]byte) = append([]byte(nil), b...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

// containerd's task states (containerd.v1.types.Status).
var taskStatus = []string{"unknown", "created", "running", "stopped", "paused", "pausing"}

// inspectContainerd asks containerd for the task of container ID in
// namespace NS ("default" when the word has none).
func inspectContainerd(word string, getenv Getenv) (*Container, error) {
	ns, id, ok := strings.Cut(word, "/")
	if !ok {
		ns, id = "default", word
	}
	if id == "" || ns == "" || strings.Contains(id, "/") {
		return nil, fmt.Errorf("containerd:%s: want containerd:[NAMESPACE/]ID", word)
	}
	sock := containerdSockets(getenv)[0]
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("containerd:%s: %s: %v", word, sock, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), ContainerTimeout)
	defer cancel()
	ctx = metadata.AppendToOutgoingContext(ctx, "containerd-namespace", ns)
	req := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), id)
	var resp []byte
	err = conn.Invoke(ctx, "/containerd.services.tasks.v1.Tasks/Get", &req, &resp, grpc.ForceCodec(rawCodec{}), grpc.WaitForReady(false))
	if err != nil {
		switch st, _ := status.FromError(err); st.Code() {
		case codes.NotFound:
			return nil, fmt.Errorf("containerd:%s: %w (or not started; asked %s)", word, ErrNoContainer, sock)
		case codes.Unavailable:
			return nil, fmt.Errorf("containerd:%s: no containerd at %s (is it running? set CONTAINERD_ADDRESS to its socket)", word, sock)
		case codes.DeadlineExceeded:
			return nil, fmt.Errorf("containerd:%s: %s: no answer in %v", word, sock, ContainerTimeout)
		default:
			return nil, fmt.Errorf("containerd:%s: %s: %s", word, sock, st.Message())
		}
	}
	proc := field(resp, 1)
	if proc == nil {
		return nil, fmt.Errorf("containerd:%s: containerd gave no process", word)
	}
	c := &Container{Engine: "containerd", Name: ns + "/" + id, ID: id}
	if v, ok := varint(proc, 3); ok {
		c.PID = int(v)
	}
	if v, ok := varint(proc, 4); ok && int(v) < len(taskStatus) {
		c.State = taskStatus[v]
	}
	return c, nil
}

// field returns the bytes of the first field num of message b.
func field(b []byte, num protowire.Number) []byte {
	for len(b) > 0 {
		n, t, l := protowire.ConsumeTag(b)
		if l < 0 {
			return nil
		}
		b = b[l:]
		if n == num && t == protowire.BytesType {
			v, l := protowire.ConsumeBytes(b)
			if l < 0 {
				return nil
			}
			return v
		}
		l = protowire.ConsumeFieldValue(n, t, b)
		if l < 0 {
			return nil
		}
		b = b[l:]
	}
	return nil
}

// varint returns the first varint field num of message b.
func varint(b []byte, num protowire.Number) (uint64, bool) {
	for len(b) > 0 {
		n, t, l := protowire.ConsumeTag(b)
		if l < 0 {
			return 0, false
		}
		b = b[l:]
		if n == num && t == protowire.VarintType {
			v, l := protowire.ConsumeVarint(b)
			return v, l >= 0
		}
		l = protowire.ConsumeFieldValue(n, t, b)
		if l < 0 {
			return 0, false
		}
		b = b[l:]
	}
	return 0, false
}
