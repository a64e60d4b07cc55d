package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func main() {
	out := flag.String("o", "dist", "directory to write the .deb into")
	version := flag.String("version", "", "the module version, such as v1.2.0 (default: a pseudo-version of HEAD)")
	flag.Parse()
	path, err := build(*out, *version)
	if err != nil {
		fmt.Fprintf(os.Stderr, "deb: %v\n", err)
		os.Exit(1)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "deb: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%x  %s\n", sha256.Sum256(data), path)
}

// source is what the package is made of: the commit and its time.
type source struct {
	root     string // the module's directory
	revision string // with "+dirty" if the tree differs from it
	epoch    time.Time
	version  string // the Go module version, v...
}

func readSource(version string) (source, error) {
	var s source
	root, err := run("", "go", "list", "-m", "-f", "{{.Dir}}")
	if err != nil {
		return s, err
	}
	s.root = root
	if s.revision, err = run(root, "git", "rev-parse", "HEAD"); err != nil {
		return s, err
	}
	status, err := run(root, "git", "status", "--porcelain", "--untracked-files=no")
	if err != nil {
		return s, err
	}
	if status != "" {
		s.revision += "+dirty"
	}
	secs := os.Getenv("SOURCE_DATE_EPOCH")
	if secs == "" {
		if secs, err = run(root, "git", "log", "-1", "--format=%ct"); err != nil {
			return s, err
		}
	}
	n, err := strconv.ParseInt(secs, 10, 64)
	if err != nil {
		return s, fmt.Errorf("SOURCE_DATE_EPOCH %q: %v", secs, err)
	}
	s.epoch = time.Unix(n, 0).UTC()
	s.version = version
	if s.version == "" {
		// What go would call HEAD without a tag.
		s.version = "v0.0.0-" + s.epoch.Format("20060102150405") + "-" + s.revision[:12]
	}
	if !strings.HasPrefix(s.version, "v") {
		return s, fmt.Errorf("version %q: a Go module version starts with v", s.version)
	}
	return s, nil
}

// debVersion turns a module version into a Debian one: v1.2.0 is 1.2.0,
// a pseudo-version v0.0.0-DATE-REV is 0.0.0~gitDATE.REV (~ sorts before
// the release it precedes), and a pre-release's - becomes ~.
func debVersion(v string) string {
	v = strings.TrimPrefix(v, "v")
	if base, rest, ok := strings.Cut(v, "-"); ok {
		if date, rev, ok := strings.Cut(rest, "-"); ok && len(date) == 14 {
			return base + "~git" + date + "." + rev
		}
		return base + "~" + strings.ReplaceAll(rest, "-", ".")
	}
	return v
}

func build(outDir, version string) (string, error) {
	src, err := readSource(version)
	if err != nil {
		return "", err
	}
	stage, err := os.MkdirTemp("", "nsh-deb-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(stage)

	// -s -w: no symbol table or DWARF, as Debian strips its binaries.
	ldflags := "-s -w -X github.com/nsh-dev/nsh/repl.stampVersion=" + src.version +
		" -X github.com/nsh-dev/nsh/repl.stampRevision=" + src.revision
	bins := map[string]string{
		"usr/bin/nsh": "./cmd/nsh",
	}
	examples, err := filepath.Glob(filepath.Join(src.root, "plugins/examples/*/main.go"))
	if err != nil {
		return "", err
	}
	for _, m := range examples {
		name := filepath.Base(filepath.Dir(m))
		bins["usr/lib/nsh/plugins/nsh-plugin-"+name] = "./plugins/examples/" + name
	}
	for dst, pkg := range bins {
		if _, err := run(src.root, "go", "build", "-trimpath", "-buildvcs=false",
			"-ldflags", ldflags, "-o", filepath.Join(stage, dst), pkg); err != nil {
			return "", err
		}
	}

	man, err := os.ReadFile(filepath.Join(src.root, "docs/nsh.1"))
	if err != nil {
		return "", err
	}
	if err := writeFile(stage, "usr/share/man/man1/nsh.1.gz", gzipped(man)); err != nil {
		return "", err
	}
	docs, err := filepath.Glob(filepath.Join(src.root, "docs/*.md"))
	if err != nil {
		return "", err
	}
	for _, d := range append(docs, filepath.Join(src.root, "README.md")) {
		data, err := os.ReadFile(d)
		if err != nil {
			return "", err
		}
		if err := writeFile(stage, "usr/share/doc/nsh/"+filepath.Base(d), data); err != nil {
			return "", err
		}
	}

	arch := runtime.GOARCH // Debian's names agree for amd64, arm64, riscv64, ppc64le, s390x
	size, err := installedKiB(stage)
	if err != nil {
		return "", err
	}
	control := fmt.Sprintf(`Package: nsh
Version: %s
Architecture: %s
Maintainer: nsh developers <https://github.com/nsh-dev/nsh/issues>
Installed-Size: %d
Depends: libc6, util-linux, iproute2
Section: shells
Priority: optional
Homepage: https://github.com/nsh-dev/nsh
Description: the namespace shell
 nsh is an interactive, scriptable, plugin-extensible POSIX shell for
 Linux namespaces. One session holds a current namespace context: builtins
 (unshare, setns, pin, push, pop, home) change it and every program runs
 inside it, in place of juggling unshare, nsenter, ip netns exec and lsns.
`, debVersion(src.version), arch, size)
	if err := writeFile(stage, "DEBIAN/control", []byte(control)); err != nil {
		return "", err
	}
	if err := normalize(stage, src.epoch); err != nil {
		return "", err
	}

	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", err
	}
	deb := filepath.Join(outDir, fmt.Sprintf("nsh_%s_%s.deb", debVersion(src.version), arch))
	cmd := exec.Command("dpkg-deb", "--root-owner-group", "-Zgzip", "-z9", "--build", stage, deb)
	cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH="+strconv.FormatInt(src.epoch.Unix(), 10))
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("dpkg-deb: %v\n%s", err, out)
	}
	return deb, nil
}

// gzipped compresses as Debian wants man pages, with no name or time in
// the header so that the bytes depend on the content alone.
func gzipped(data []byte) []byte {
	var b bytes.Buffer
	z, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	z.Write(data)
	z.Close()
	return b.Bytes()
}

func writeFile(stage, rel string, data []byte) error {
	p := filepath.Join(stage, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}

// normalize gives every file and directory a fixed mode and the commit's
// time, whatever the umask and the clock were.
func normalize(stage string, t time.Time) error {
	return filepath.WalkDir(stage, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		mode := fs.FileMode(0o644)
		if d.IsDir() || info.Mode()&0o100 != 0 {
			mode = 0o755
		}
		if err := os.Chmod(p, mode); err != nil {
			return err
		}
		return os.Chtimes(p, t, t)
	})
}

// installedKiB is the Installed-Size field: the files' sizes in KiB.
func installedKiB(stage string) (int64, error) {
	var n int64
	err := filepath.WalkDir(stage, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		n += (info.Size() + 1023) / 1024
		return err
	})
	return n, err
}

// run runs a command in dir and returns its output, trimmed.
func run(dir, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}
