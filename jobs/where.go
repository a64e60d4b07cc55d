package jobs

import (
	"fmt"
	"strings"

	"github.com/nsh-dev/nsh/command"
	"github.com/nsh-dev/nsh/nsfs"
	"github.com/nsh-dev/nsh/nsinfo"
)

// Where describes the context for job listings and traces: the kinds
// that differ from home with their inodes (net=NAME for an ip netns one,
// as the prompt shows it), or "home".
func Where(ctx command.Viewer) string {
	netnsName := func(k nsfs.Kind, id nsfs.ID) string {
		if k != nsfs.Net {
			return ""
		}
		return nsinfo.NetnsOrContainer(id) // red, podman:web: as the prompt says it
	}
	st, err := ctx.Status()
	if err != nil {
		return "?"
	}
	var ks []string
	for _, k := range nsfs.Kinds() {
		if st.Differs(k) {
			if st.Pending(k) {
				ks = append(ks, k.String()+":new")
			} else if n := netnsName(k, st.Cur[k]); n != "" {
				ks = append(ks, k.String()+"="+n) // as the prompt says it
			} else {
				ks = append(ks, fmt.Sprintf("%s:%d", k, st.Cur[k].Ino))
			}
		}
	}
	if len(ks) == 0 {
		return "home"
	}
	return strings.Join(ks, " ")
}
