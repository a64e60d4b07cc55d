// Package nsinfo finds every namespace on the host, the way lsns does and
// further: namespaces that processes or single threads are in
// (/proc/PID/task/TID/ns/*), namespaces held only by nsfs bind mounts (pins,
// ip netns names), also in other mount namespaces (/proc/PID/mountinfo), and
// namespaces held only by open file descriptors (/proc/PID/fd/*). For each
// it finds the owning user namespace and, for pid and user namespaces, the
// parent (NS_GET_USERNS, NS_GET_PARENT), and for network namespaces the
// netnsid the home network namespace gives it.
//
// Scan must not run on the nsctx context thread: it reads /proc and the
// mount table as nsh's home namespaces see them.
//
// Processes come and go while /proc is read. A process that exits (or is a
// zombie) while it is read is left out as a whole, never counted for some
// kinds only; a process whose namespace files cannot be read (EACCES, as
// /proc/1 in some sandboxes) is left out and reported in Unreadable.
package nsinfo
