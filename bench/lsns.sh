#!/usr/bin/env bash
# Benchmark: nsh's ns -a against util-linux lsns, side by side (ROUNDS
# hyperfine runs of all four commands, RUNS runs of each in all), on a
# host with N network namespaces pinned under /run/netns and P sleeping
# processes spread over them (one in every N/P-th netns).
#
#   sudo bench/lsns.sh                 # N=100,P=50 and N=1000,P=500
#   sudo bench/lsns.sh 1000:500        # one size
#   sudo RUNS=40 ROUNDS=5 bench/lsns.sh
#
# Every namespace and process it makes is named nshlsns-* and removed on
# exit, also when interrupted. Results: bench/results/lsns-N.json (the
# runs of all rounds pooled) and lsns-N-go.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100:50 1000:500)
mkdir -p bench/results
nsh=$(mktemp -d)/nsh
go build -o "$nsh" ./cmd/nsh

# The sleepers should look like ordinary processes (fds 0, 1, 2), not
# carry whatever fds the shell that runs this script leaked to it.
for fd in /proc/$$/fd/*; do
	fd=${fd##*/}
	case $fd in 0 | 1 | 2 | 255) ;; *) eval "exec $fd>&-" 2>/dev/null || true ;; esac
done

pids=()
names=()
cleanup() {
	((${#pids[@]})) && kill "${pids[@]}" 2>/dev/null || true
	wait 2>/dev/null || true
	for n in "${names[@]}"; do ip netns del "$n" 2>/dev/null || true; done
	pids=() names=()
}
trap cleanup EXIT INT TERM

for size in "${sizes[@]}"; do
	n=${size%%:*} p=${size##*:}
	echo "== $n netns, $p processes"
	for i in $(seq 1 "$n"); do
		names+=("nshlsns-$i")
	done
	printf 'netns add %s\n' "${names[@]}" | ip -batch -
	step=$((n / p))
	for i in $(seq 1 "$p"); do
		# nsenter (unlike ip netns exec) adds no mount namespace per process.
		nsenter --net=/run/netns/nshlsns-$(((i - 1) * step + 1)) sleep 3600 </dev/null >/dev/null 2>&1 &
		pids+=($!)
	done
	sleep 1
	# lsns stops with status 1 when a process it reads goes away in
	# between (other work on the host); count how often, and let hyperfine
	# go on (-i) rather than abort.
	fails=0
	for _ in $(seq 20); do lsns --json >/dev/null 2>>bench/results/lsns-$n.stderr || fails=$((fails + 1)); done
	echo "lsns --json failed $fails of 20 runs; ns -a --json: $(for _ in $(seq 20); do "$nsh" -c 'ns -a --json' >/dev/null || echo x; done | wc -l) of 20"
	echo "lsns -t net rows: $(lsns -n -t net | wc -l); ns -a -t net rows: $(($("$nsh" -c 'ns -a -t net' | wc -l) - 1))"
	# hyperfine runs all runs of one command, then the next: a burst of
	# other load on the host lands on one command only. So the runs are
	# split into ROUNDS hyperfine runs, and the rounds' times are pooled.
	rounds=${ROUNDS:-5}
	per=$(((${RUNS:-30} + rounds - 1) / rounds))
	for r in $(seq "$rounds"); do
		hyperfine -N -i --warmup 2 --runs "$per" --style none \
			--export-json "bench/results/lsns-$n-round$r.json" \
			-n "nsh ns -a --json" "$nsh -c 'ns -a --json'" \
			-n "lsns --json" "lsns --json" \
			-n "nsh ns -a -t net" "$nsh -c 'ns -a -t net'" \
			-n "lsns -t net" "lsns -t net"
	done
	python3 - "bench/results/lsns-$n.json" bench/results/lsns-$n-round*.json <<'EOF'
import json, statistics, sys
pooled = {}
for f in sys.argv[2:]:
    for x in json.load(open(f))["results"]:
        p = pooled.setdefault(x["command"], {"command": x["command"], "times": [], "user_sum": 0, "system_sum": 0})
        p["times"] += x["times"]
        p["user_sum"] += x["user"] * len(x["times"])
        p["system_sum"] += x["system"] * len(x["times"])
for p in pooled.values():
    n = len(p["times"])
    p.update(median=statistics.median(p["times"]), mean=statistics.mean(p["times"]),
             user=p.pop("user_sum") / n, system=p.pop("system_sum") / n, runs=n)
json.dump({"results": list(pooled.values())}, open(sys.argv[1], "w"), indent=1)
r = pooled
print(f"{len(sys.argv) - 2} rounds, {r['lsns --json']['runs']} runs of each command")
for a, b in (("nsh ns -a --json", "lsns --json"), ("nsh ns -a -t net", "lsns -t net")):
    ma, mb = r[a]["median"] * 1e3, r[b]["median"] * 1e3
    print(f"{a:18} median {ma:8.2f} ms   {b:12} median {mb:8.2f} ms   lsns/nsh = {mb/ma:.2f}x")
# CPU time (user + system, means) is less at the mercy of other load on
# the host than wall time.
for c, x in r.items():
    print(f"{c:18} cpu {(x['user'] + x['system']) * 1e3:8.2f} ms (user {x['user'] * 1e3:.2f}, system {x['system'] * 1e3:.2f})")
EOF
	rm -f bench/results/lsns-$n-round*.json
	# The Go benchmarks of nsinfo.Scan on the same host state (in-process,
	# no nsh start-up).
	go test -run XXX -bench . -benchtime 20x ./nsinfo ./nsfs | grep -E '^Benchmark' | tee "bench/results/lsns-$n-go.txt"
	cleanup
done
