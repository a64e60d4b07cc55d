package builtins

import (
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// . and source: one builtin; a FILE without a slash is looked for in
// PATH, then taken as it is (the working directory).
func TestDotLang(t *testing.T) {
	a, b := bin(t)
	for _, c := range []struct {
		line, want string
	}{
		{". lib x y", a + "/lib x y"},
		{"source lib", a + "/lib"},
		{". prog", b + "/prog"},
		{". ./lib", "./lib"},
		{". nowhere a", "nowhere a"},
		{". dir", "dir"},
		{". -- lib", a + "/lib"},
	} {
		f := newFakeLang()
		f.Assign("PATH", b+":"+a)
		if out, errs := f.script(c.line); out != "" || errs != "" {
			t.Errorf("%s: %q %q", c.line, out, errs)
		}
		if len(f.sourced) != 1 || strings.Join(f.sourced[0], " ") != c.want {
			t.Errorf("%s: sourced %q, want %q", c.line, f.sourced, c.want)
		}
	}
	runLangCases(t, []langCase{
		{"no file", ".", "? 2\n", "no file given"},
		{"source no file", "source", "? 2\n", "no file given"},
	}, nil)
	dot, _ := Lookup(".")
	src, _ := Lookup("source")
	if !dot.Special || src.Special || !dot.Moves || !src.Moves {
		t.Errorf(". is a special builtin, source is not; both move the context")
	}
}

// times prints getrusage's figures for nsh and its children: what it
// prints lies between what getrusage says before and after.
func TestTimes(t *testing.T) {
	// A child waited for, so that the children's line has one.
	if err := exec.Command("sh", "-c", "i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done").Run(); err != nil {
		t.Fatal(err)
	}
	var before, after [2]unix.Rusage
	for i, who := range []int{unix.RUSAGE_SELF, unix.RUSAGE_CHILDREN} {
		unix.Getrusage(who, &before[i])
	}
	f := newFakeLang()
	out, errs := f.script("times")
	for i, who := range []int{unix.RUSAGE_SELF, unix.RUSAGE_CHILDREN} {
		unix.Getrusage(who, &after[i])
	}
	re := regexp.MustCompile(`^([0-9]+m[0-9]+\.[0-9]{3}s) ([0-9]+m[0-9]+\.[0-9]{3}s)\n([0-9]+m[0-9]+\.[0-9]{3}s) ([0-9]+m[0-9]+\.[0-9]{3}s)\n$`)
	m := re.FindStringSubmatch(out)
	if m == nil || errs != "" {
		t.Fatalf("times: %q %q", out, errs)
	}
	ms := func(tv unix.Timeval) int64 { return tv.Sec*1000 + int64(tv.Usec)/1000 }
	for i, got := range m[1:] {
		b, a := before[i/2].Utime, after[i/2].Utime
		if i%2 == 1 {
			b, a = before[i/2].Stime, after[i/2].Stime
		}
		var min, sec, frac int64
		fmt.Sscanf(got, "%dm%d.%ds", &min, &sec, &frac)
		if v := min*60000 + sec*1000 + frac; v < ms(b) || v > ms(a) {
			t.Errorf("times field %d: %s, not between %dms and %dms", i, got, ms(b), ms(a))
		}
	}
	for _, c := range []struct {
		tv   unix.Timeval
		want string
	}{
		{unix.Timeval{Sec: 0, Usec: 0}, "0m0.000s"},
		{unix.Timeval{Sec: 1, Usec: 2500}, "0m1.002s"},
		{unix.Timeval{Sec: 62, Usec: 345678}, "1m2.345s"},
		{unix.Timeval{Sec: 3600, Usec: 999999}, "60m0.999s"},
	} {
		if got := minutes(c.tv); got != c.want {
			t.Errorf("minutes(%v) = %s, want %s", c.tv, got, c.want)
		}
	}
}
