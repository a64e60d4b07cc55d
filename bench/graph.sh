#!/usr/bin/env bash
# Benchmark: nsh's ns graph --json against the loop a user would script,
# `for n in $(ip netns list); do ip -n $n -j link; done`, side by side
# (hyperfine, both commands in one run), on a host with N network
# namespaces pinned under /run/netns and N/2 veth pairs between them
# (each namespace holds one end).
#
#   sudo bench/graph.sh                  # N = 100 250 500 1000
#   sudo bench/graph.sh 1000             # one size
#   sudo RUNS=20 bench/graph.sh
#
# ip netns list prints "NAME (id: N)" for a namespace that has a netnsid
# (every end of a veth pair does): the loop takes the first word of each
# line. Every namespace is named nshgraph-* and removed on exit, also when
# interrupted; the veths go with them. Results: bench/results/graph-N.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
RUNS=${RUNS:-10}

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100 250 500 1000)
mkdir -p bench/results
nsh=$(mktemp -d)/nsh
go build -o "$nsh" ./cmd/nsh

names=()
cleanup() {
	((${#names[@]})) && printf 'netns del %s\n' "${names[@]}" | ip -force -batch - 2>/dev/null || true
	names=()
}
trap cleanup EXIT INT TERM

for n in "${sizes[@]}"; do
	echo "== $n netns, $((n / 2)) veth pairs"
	for i in $(seq 1 "$n"); do names+=("nshgraph-$i"); done
	printf 'netns add %s\n' "${names[@]}" | ip -batch -
	for i in $(seq 1 2 "$n"); do
		echo "link add a$i netns nshgraph-$i type veth peer name b$i netns nshgraph-$((i + 1))"
	done | ip -batch -
	# The graph must find every pair: a check, not a timing.
	pairs=$("$nsh" -c 'ns graph' | grep -c '^  nshgraph-[0-9]*:[ab][0-9]* <-> nshgraph-[0-9]*:[ab][0-9]*$' || true)
	[ "$pairs" -eq $((n / 2)) ] || { echo "ns graph found $pairs pairs, want $((n / 2))"; exit 1; }
	hyperfine -N --warmup 2 --runs "$RUNS" --export-json "bench/results/graph-$n.json" \
		-n "ns graph --json" "$nsh -c 'ns graph --json >/dev/null'" \
		-n "ip loop" "bash -c 'for n in \$(ip netns list | cut -d\" \" -f1); do ip -n \$n -j link; done >/dev/null'"
	cleanup
done
