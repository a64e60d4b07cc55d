#!/usr/bin/env bash
# Makes docs/graph-example.svg: docs/usage.md's example topology (a bridge
# in green, veth pairs from it to red and blue, a macvlan on red's veth,
# a veth from the host to blue) drawn by ns graph --svg.
#
#   sudo docs/graph-example.sh
#
# The namespaces red, green and blue must not exist yet; they and the
# host's veth are removed on exit, also when interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"
nsh=$(mktemp -d)/nsh
go build -o "$nsh" ./cmd/nsh
trap 'ip link del toblue0 2>/dev/null; for n in red green blue; do ip netns del $n 2>/dev/null; done; true' EXIT INT TERM
ip -batch - <<'IP'
netns add red
netns add green
netns add blue
link add br0 netns green type bridge
link add veth0 netns red type veth peer name tored netns green
link add veth0 netns blue type veth peer name toblue netns green
link add toblue0 type veth peer name eth1 netns blue
IP
ip -n green link set tored master br0
ip -n green link set toblue master br0
ip -n red link add link veth0 name mv0 type macvlan
ip -n red addr add 10.0.0.1/24 dev veth0
ip -n blue addr add 10.0.0.2/24 dev veth0
ip -n red addr add 10.0.1.1/24 dev mv0
ip -n blue addr add 192.168.9.2/24 dev eth1
ip addr add 192.168.9.1/24 dev toblue0
for l in "green br0" "green tored" "green toblue" "red veth0" "red mv0" "blue veth0" "blue eth1" "red lo"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
ip link set toblue0 up
# IPv6 link-local addresses would differ on every run.
for n in red green blue; do
	ip netns exec $n sh -c 'for f in /proc/sys/net/ipv6/conf/*/disable_ipv6; do echo 1 >$f; done' 2>/dev/null || true
done
"$nsh" -c 'ns graph red green blue; ns graph --svg docs/graph-example.svg red green blue'
