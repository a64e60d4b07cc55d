#!/usr/bin/env bash
# Side-by-side benchmarks of nsh against the tools people use today, all in
# one hyperfine run per question so the machine's noise hits every command
# alike. Needs root, hyperfine, iproute2 and util-linux.
#
#   bash bench/run.sh            # writes bench/results/core.md and prints it
#
# (a) 200 programs in a pinned net namespace: one nsh script of 200
#     `spawn /bin/true` against sh loops of 200 /bin/true, of 200
#     `nsenter --net=PIN /bin/true` and of 200 `ip netns exec NAME /bin/true`.
# (b) a hop: `setns PIN` then `home`, 10,000 times in one nsh script; the
#     cost per pair is the script's time less nsh's start-up, over 10,000.
# (c) start-up: `nsh -c ns` against `nsenter --net=PIN true`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }

runs=${RUNS:-15}
work=$(mktemp -d)
name=nshbench-$$
cleanup() { ip netns del "$name" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/nsh" ./cmd/nsh
nsh=$work/nsh
ip netns add "$name"
pin=/run/netns/$name

{ echo "setns $pin"; for _ in $(seq 200); do echo "spawn /bin/true"; done; } >"$work/spawn.nsh"
echo 'for i in $(seq 200); do /bin/true; done' >"$work/plain.sh"
echo "for i in \$(seq 200); do nsenter --net=$pin /bin/true; done" >"$work/nsenter.sh"
echo "for i in \$(seq 200); do ip netns exec $name /bin/true; done" >"$work/ipnetns.sh"
for _ in $(seq 10000); do echo "setns $pin"; echo home; done >"$work/hop.nsh"

mkdir -p bench/results
hf() { hyperfine -N --style basic --warmup 2 --runs "$runs" --export-json "$work/$1.json" "${@:2}" >/dev/null; }

hf spawn -n "sh loop /bin/true" "sh $work/plain.sh" \
	-n "nsh spawn /bin/true" "$nsh $work/spawn.nsh" \
	-n "sh loop nsenter" "sh $work/nsenter.sh" \
	-n "sh loop ip netns exec" "sh $work/ipnetns.sh"
hf hop -n "nsh -c ns" "$nsh -c ns" \
	-n "nsh 10,000 hops" "$nsh $work/hop.nsh"
hf start -n "nsenter --net=PIN true" "nsenter --net=$pin true" \
	-n "nsh -c ns" "$nsh -c ns"

python3 - "$work" <<'PY' | tee bench/results/core.md
import json, sys, statistics, platform, subprocess
w = sys.argv[1]
def load(n):
    return {r["command"]: statistics.median(r["times"]) for r in json.load(open(f"{w}/{n}.json"))["results"]}
def table(n, base):
    res = load(n)
    print("| command | median | ratio to %s |" % base)
    print("|---|---|---|")
    for c, t in res.items():
        print(f"| {c} | {t*1e3:.2f} ms | {t/res[base]:.2f}x |")
    print()
    return res
print("nproc %s, kernel %s, %s\n" % (subprocess.getoutput("nproc"), platform.release(), subprocess.getoutput("date -u +%Y-%m-%dT%H:%MZ")))
print("(a) 200 programs in a pinned net namespace\n")
table("spawn", "sh loop /bin/true")
print("(b) hop: setns PIN + home, 10,000 pairs in one script\n")
h = table("hop", "nsh -c ns")
per = (h["nsh 10,000 hops"] - h["nsh -c ns"]) / 10000
print(f"per pair (script time less start-up, / 10,000): **{per*1e6:.1f} us**\n")
print("(c) start-up\n")
table("start", "nsenter --net=PIN true")
PY
