// Package nsfs is namespace identity, the leaf every other nsh package
// builds on: a namespace's Kind, its ID (the device and inode of its nsfs
// file), and a Handle (an open namespace file, always O_CLOEXEC) with
// Equal, String and Close, as vishvananda/netns keeps its handle. It also
// reads what names namespaces: /proc/PID/ns files, mountinfo lines (nsfs
// mounts are pins), and iproute2's /run/netns names.
//
// It holds no policy and imports no other nsh package: which namespaces a
// shell is in, and how it moves, is package nsctx.
package nsfs
