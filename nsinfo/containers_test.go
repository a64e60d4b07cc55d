package nsinfo

import (
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// get speaks HTTP/1.1 itself on the socket (no http.Transport): a chunked
// answer as podman sends, a 404, an error with the engine's message, a
// server that never answers (bounded by the timeout, named in one line),
// and the request line and headers the engines see.
func TestGetFraming(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "engine.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang); l.Close() })
	seen := make(chan string, 10)
	mux := http.NewServeMux()
	mux.HandleFunc("/containers/web/json", func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Method + " " + r.URL.RequestURI() + " " + r.Header.Get("Connection")
		w.Write([]byte(`{"Id":"abc","Name":"/web",`))
		w.(http.Flusher).Flush() // chunked from here
		w.Write([]byte(`"State":{"Status":"running","Pid":42}}`))
	})
	mux.HandleFunc("/containers/bad/json", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"message":"database is locked"}`))
	})
	mux.HandleFunc("/containers/slow/json", func(w http.ResponseWriter, r *http.Request) { <-hang })
	go http.Serve(l, mux)

	var j inspectJSON
	if _, err := get(sock, "/containers/web/json?size=false", &j, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if c := j.container("docker"); *c != (Container{Engine: "docker", Name: "web", ID: "abc", PID: 42, State: "running"}) {
		t.Errorf("decoded %+v", c)
	}
	if got := <-seen; got != "GET /containers/web/json?size=false close" {
		t.Errorf("the engine saw %q", got)
	}
	if _, err := get(sock, "/containers/none/json", &j, 2*time.Second); !errors.Is(err, ErrNoContainer) {
		t.Errorf("404: %v", err)
	}
	if _, err := get(sock, "/containers/bad/json", &j, 2*time.Second); err == nil || !strings.Contains(err.Error(), "500 Internal Server Error: database is locked") {
		t.Errorf("500: %v", err)
	}
	start := time.Now()
	_, err = get(sock, "/containers/slow/json", &j, 200*time.Millisecond)
	if err == nil || err.Error() != sock+": no answer within 200ms" || time.Since(start) > 2*time.Second {
		t.Errorf("hung engine, after %v: %v", time.Since(start), err)
	}
	if _, err := get(filepath.Join(t.TempDir(), "none.sock"), "/x", &j, time.Second); !unreachable(err) {
		t.Errorf("no socket: %v is not unreachable", err)
	}
}
