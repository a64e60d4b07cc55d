package sdk

import (
	"context"
	"errors"
	"testing"
)

// A plugin asking an nsh from before the host API gets an error that
// says so, without asking nsh anything (an old nsh would not answer).
func TestOldHost(t *testing.T) {
	h := &remoteHost{s: &server{}, minor: 0, ask: func() (uint32, error) {
		t.Fatal("asked an old host")
		return 0, nil
	}}
	_, err := h.Where(context.Background())
	want := "this nsh is too old for the host API (Where needs plugin protocol 1.2; update nsh)"
	if err == nil || err.Error() != want || !errors.Is(err, ErrOldHost) {
		t.Errorf("got %v, want %q", err, want)
	}
}
