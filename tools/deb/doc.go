// Command deb builds nsh's Debian package from the checkout it runs in:
//
//	go run ./tools/deb [-o DIR] [-version VERSION]
//
// The package holds /usr/bin/nsh, the man page nsh(1) (docs/nsh.1), the
// example plugins in /usr/lib/nsh/plugins, and the README and docs/ in
// /usr/share/doc/nsh; it depends on util-linux and iproute2 (the tools
// nsh's users reach for beside it) and libc6 (the cgo helper).
//
// The build is reproducible: the same commit gives the same bytes. Every
// time stamp is the commit's time (SOURCE_DATE_EPOCH, if set, wins), the
// Go builds use -trimpath with the version and revision passed as -X
// stamps rather than read from VCS by the toolchain (which records none
// in a git worktree), files are root-owned with fixed modes, and
// dpkg-deb (Debian's own tool, present wherever a .deb can be installed)
// writes the archive with sorted members, compressed with gzip (whose
// output depends on the input alone; xz's multi-threaded blocks, and its
// minutes on a busy machine, were the reasons not to use it).
package main
