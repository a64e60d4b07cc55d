#!/bin/sh
# topology.sh SUFFIX: a lab of three network namespaces, each name ending
# in SUFFIX: hub, with a bridge, and left and right, each joined to the
# bridge by a veth pair. It pings across, prints what it built and takes
# it all down again on exit, also when something failed.
#
# Written for sh and bash, running commands with ip netns exec NAME; nsh
# runs it as it is once setns NAME stands for every ip netns exec NAME
# (docs/usage.md, "A worked example").
set -e
S=${1:?usage: topology.sh SUFFIX}
HUB=hub$S
NET=10.211.7
fails=0

cleanup() {
	for ns in "$HUB" "left$S" "right$S"; do
		ip netns del "$ns" 2>/dev/null || :
	done
}
trap cleanup EXIT

# node NAME INDEX: a namespace with its end of a veth pair, eth0, at
# $NET.(INDEX*10); the other end goes to the hub's bridge.
node() {
	name=$1$S
	ip netns add "$name"
	ip netns exec "$name" ip link set lo up
	ip netns exec "$name" ip link add eth0 type veth peer name "to$1" netns "$HUB"
	ip netns exec "$name" ip addr add "$NET.$(($2 * 10))/24" dev eth0
	ip netns exec "$name" ip link set eth0 up
	ip netns exec "$HUB" ip link set "to$1" master br0 up
}

# ping_ok FROM ADDR: one ping from node FROM, counted if it fails.
ping_ok() {
	if ip netns exec "$1$S" ping -c 1 -W 2 "$2" >/dev/null; then
		echo "ping $1 -> $2: ok"
	else
		echo "ping $1 -> $2: FAILED"
		fails=$((fails + 1))
	fi
}

ip netns add "$HUB"
ip netns exec "$HUB" ip -batch - <<EOF
link set lo up
link add br0 type bridge
link set br0 up
addr add $NET.1/24 dev br0
EOF

while read -r name idx; do
	case $name in
	'#'* | '') continue ;;
	esac
	node "$name" "$idx" </dev/null
done <<'EOF'
# name index
left 1

right 2
EOF

echo "bridge ports: $(ip netns exec "$HUB" ip -o link show master br0 | wc -l)"
for ns in "$HUB" "left$S" "right$S"; do
	ip netns exec "$ns" ip -o -4 addr show | while read -r _ dev _ addr _; do
		case $dev in
		lo) ;;
		*) echo "${ns%"$S"} $dev $addr" ;;
		esac
	done
done

for pair in left:$NET.20 right:$NET.10 left:$NET.1 right:$NET.1; do
	ping_ok "${pair%%:*}" "${pair#*:}"
done
echo "$fails failed"
[ "$fails" -eq 0 ]
