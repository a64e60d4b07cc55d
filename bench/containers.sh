#!/usr/bin/env bash
# Benchmark: container targets, side by side in one hyperfine run each.
#  (a) setns podman:NAME through the API socket, against the usual
#      nsenter -t $(podman inspect -f '{{.State.Pid}}' NAME) -n true, with
#      and without nsh's /sys view, and nsh built at BASE
#  (b) ns -a with the CONTAINER column (N containers), without it (nsh
#      built at BASE, default where this branch left main), and lsns
#  (c) 20 setns podman:NAME net; home in one nsh, against 20 of the pair
#
#   sudo bench/containers.sh            # N=50
#   sudo N=10 RUNS=20 bench/containers.sh
#
# Everything it makes (image, containers, service) is named nshbench-*
# and removed on exit. Results: bench/results/containers-*.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
n=${N:-50} runs=${RUNS:-30}
mkdir -p bench/results
tmp=$(mktemp -d)
nsh=$tmp/nsh
go build -o "$nsh" ./cmd/nsh
# ns -a without the column: nsh as of BASE (default: where this branch
# left main), built from git.
base=${BASE:-$(git merge-base HEAD main)}
mkdir "$tmp/base" && git archive "$base" | tar -x -C "$tmp/base"
(cd "$tmp/base" && go build -o "$tmp/nsh-base" ./cmd/nsh)
img=localhost/nshbench-bb:latest
svc=
cleanup() {
	podman ps -a --format '{{.Names}}' | grep '^nshbench-' | xargs -r podman rm -f -t 0 >/dev/null || true
	podman rmi -f "$img" >/dev/null 2>&1 || true
	[ -n "$svc" ] && kill "$svc" 2>/dev/null && wait "$svc" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

mkdir -p "$tmp/root/bin" "$tmp/root/proc" "$tmp/root/sys" "$tmp/root/dev" "$tmp/root/etc"
cp "$(command -v busybox)" "$tmp/root/bin/busybox"
ln -s busybox "$tmp/root/bin/sleep"
tar -C "$tmp/root" -c . | podman import - "$img" >/dev/null
for i in $(seq 1 "$n"); do
	podman run -d --name "nshbench-$i" --runtime runc --network none \
		--ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$img" /bin/sleep 3600 >/dev/null
done
sock=$tmp/podman.sock
podman system service --time=0 "unix://$sock" &
svc=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
export CONTAINER_HOST=unix://$sock DOCKER_HOST=unix://$tmp/none.sock
echo "== $n containers; podman $(podman --version | awk '{print $3}')"
"$nsh" -c 'setns podman:nshbench-1 net; ip -o link' | head -1

# --no-sys: the program sees the /sys of the mount namespace it is in, as
# under nsenter -n; without it nsh also gives it the container's /sys (a
# companion mount namespace, as ip netns exec does), which the pair does not.
hyperfine -N --warmup 3 --runs "$runs" --style none --export-json bench/results/containers-setns.json \
	-n "nsh setns podman:NAME (API)" "$nsh -c 'setns podman:nshbench-1 net; /bin/true'" \
	-n "nsenter -t \$(podman inspect ...) -n true" "sh -c 'unset CONTAINER_HOST; nsenter -t \$(podman inspect -f {{.State.Pid}} nshbench-1) -n true'" \
	-n "nsh setns --no-sys podman:NAME (API; the pair's /sys)" "$nsh -c 'setns --no-sys podman:nshbench-1 net; /bin/true'" \
	-n "nsh at ${base:0:7}: setns podman:NAME (API)" "$tmp/nsh-base -c 'setns podman:nshbench-1 net; /bin/true'" \
	-n "nsh setns podman:NAME (podman inspect, no service)" "env CONTAINER_HOST=unix://$tmp/none.sock $nsh -c 'setns podman:nshbench-1 net; /bin/true'" \
	-n "nsh -c true" "$nsh -c true" \
	-n "nsh at ${base:0:7}: -c true" "$tmp/nsh-base -c true"

# The headline again, round-robin (nsh, pair, nsh, pair, ...), so that the
# machine's drift from minute to minute hits both alike.
pair="sh -c 'unset CONTAINER_HOST; nsenter -t \$(podman inspect -f {{.State.Pid}} nshbench-1) -n true'"
python3 bench/interleave.py bench/results/containers-interleaved.json "$((runs * 2))" \
	"nsh setns podman:NAME (API), interleaved" "$nsh -c 'setns podman:nshbench-1 net; /bin/true'" \
	"nsenter -t \$(podman inspect ...) -n true, interleaved" "$pair"

# Inside a running shell: 20 hops in one nsh against 20 of the pair in one sh.
printf 'setns podman:nshbench-1 net; home\n%.0s' $(seq 20) >"$tmp/hops.nsh"
hyperfine -N --warmup 2 --runs "$(((runs + 2) / 3))" --style none --export-json bench/results/containers-hops.json \
	-n "nsh: 20 x setns podman:NAME net; home" "$nsh $tmp/hops.nsh" \
	-n "sh: 20 x nsenter -t \$(podman inspect ...) -n true" "sh -c 'unset CONTAINER_HOST; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do nsenter -t \$(podman inspect -f {{.State.Pid}} nshbench-1) -n true; done'"

hyperfine -N --warmup 3 --runs "$runs" --style none --export-json bench/results/containers-nsa.json \
	-n "ns -a (CONTAINER column, $n containers)" "$nsh -c 'ns -a'" \
	-n "ns -a without the column (nsh at ${base:0:7})" "$tmp/nsh-base -c 'ns -a'" \
	-n "lsns" "lsns"

python3 - bench/results/containers-setns.json bench/results/containers-hops.json bench/results/containers-nsa.json <<'PY'
import json, statistics, sys
for f in sys.argv[1:]:
    rs = json.load(open(f))["results"]
    base = statistics.median(rs[0]["times"])
    print("\n| command | median | ratio to first |\n|---|---|---|")
    for r in rs:
        m = statistics.median(r["times"])
        print(f"| {r['command']} | {m*1000:.2f} ms | {m/base:.2f}x |")
rs = json.load(open("bench/results/containers-interleaved.json"))
print("\n| command (round-robin) | median | ratio to first |\n|---|---|---|")
for r in rs:
    if "median" not in r:
        print(f"| {r['name']} | failed: {r.get('stderr', '')} | |")
        continue
    print(f"| {r['name']} | {r['median']*1000:.2f} ms | {r['median']/rs[0]['median']:.2f}x |")
PY
