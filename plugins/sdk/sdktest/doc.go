// Package sdktest runs a plugin's commands in a test, in the test's own
// process, against buffers: no nsh, no plugin process, no root needed.
//
//	func TestHello(t *testing.T) {
//		r := sdktest.Run(hello, sdktest.Call{Args: []string{"hello", "-loud"}})
//		if r.Status != 0 || r.Stdout != "hello from HOST\n" { ... }
//	}
//
// The command runs as nsh runs it (errors become statuses and messages,
// a panic is status 70), but in the test's namespaces. To run the built
// plugin binary through nsh's own host, see docs/plugins.md ("Testing").
package sdktest
