// Package sdktest runs a plugin's commands in a test, in the test's own
// process, against buffers: no nsh, no plugin process, no root needed.
//
//	func TestHello(t *testing.T) {
//		r := sdktest.Run(hello, sdktest.Call{Args: []string{"hello", "-loud"}})
//		if r.Status != 0 || r.Stdout != "hello from HOST\n" { ... }
//	}
//
// The command runs as nsh runs it (errors become statuses and messages,
// a panic is status 70), but in the test's namespaces; Call.Where is what
// the host API answers. The second half runs the real plugin binary
// through nsh's own plugin host, still without nsh installed:
//
//	path := sdktest.Build(t, "hello", ".")
//	r := sdktest.RunBinary(t, path, sdktest.Call{Args: []string{"hello", "-loud"}})
package sdktest
