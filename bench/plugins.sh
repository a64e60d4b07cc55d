#!/usr/bin/env bash
# Plugin benchmarks, measured side by side in one run (issue 4):
#  1. warm calls: 1,000 calls of a trivial plugin command (bnet: print the
#     net namespace) in one nsh script, against 1,000 spawns of a small Go
#     program doing the same;
#  2. cold start: the first plugin call after `unshare net` (a process is
#     started in the new context), as the difference between
#     `unshare net; bnet` and `unshare net; spawn true` (the spawn keeps the
#     same shape: one fork for the new namespace's command);
#  3. start-up: `nsh -c ns` with 20 plugins installed (described, cached)
#     against none; and `nsh -c true`, whose first word is no builtin, so
#     that discovery (directories, trust check, describe cache) is paid.
# Then the Go benchmarks (go test -bench) of the same things without the
# shell around them. Needs root and hyperfine. Usage: bench/plugins.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/nsh" ./cmd/nsh
mkdir -p "$tmp/one" "$tmp/twenty" "$tmp/none"
go build -o "$tmp/one/nsh-plugin-bench" ./bench/plugins/benchplugin
go build -o "$tmp/benchspawn" ./bench/plugins/benchspawn
go build -o "$tmp/testplugin" ./plugins/internal/testplugin
for i in $(seq -w 1 20); do cp "$tmp/testplugin" "$tmp/twenty/nsh-plugin-p$i"; done
for i in $(seq 1000); do echo bnet; done >"$tmp/plugin.nsh"
for i in $(seq 1000); do echo "spawn $tmp/benchspawn"; done >"$tmp/spawn.nsh"

export XDG_CACHE_HOME=$tmp/cache
nsh=$tmp/nsh
# Describe every plugin once, so start-up reads the cache as a user's would.
NSH_PLUGIN_PATH=$tmp/one "$nsh" -c 'plugin list' >/dev/null
NSH_PLUGIN_PATH=$tmp/twenty "$nsh" -c 'plugin list' >/dev/null

hf() { hyperfine -N --warmup 3 --runs "$runs" --export-json "$tmp/$1.json" "${@:2}" >/dev/null; }
export NSH_PLUGIN_PATH=$tmp/one
hf warm -n "plugin x1000" "$nsh $tmp/plugin.nsh" -n "spawn x1000" "$nsh $tmp/spawn.nsh"
hf cold -n "unshare net; bnet" "$nsh -c 'unshare net; bnet'" -n "unshare net; spawn true" "$nsh -c 'unshare net; spawn true'"
# Start-up differences are small against this machine's noise: the two
# sides run alternately (A B A B ...), 10x as many runs, medians compared.
interleave() {
	python3 - "$tmp/$1.json" "$((runs * 10))" "${@:2}" <<'PY'
import json, subprocess, sys, time
out, n, cmds = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
names, argvs = cmds[0::2], [c.split() for c in cmds[1::2]]
times = [[] for _ in argvs]
for i in range(n + 3):
    for j, argv in enumerate(argvs):
        t = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
        if i >= 3:
            times[j].append(time.perf_counter() - t)
med = lambda xs: sorted(xs)[len(xs) // 2]
json.dump({"results": [{"command": nm, "median": med(ts)} for nm, ts in zip(names, times)]}, open(out, "w"))
PY
}
interleave startup "20 plugins" "env NSH_PLUGIN_PATH=$tmp/twenty $nsh -c ns" "no plugins" "env NSH_PLUGIN_PATH=$tmp/none $nsh -c ns"
interleave startup2 "20 plugins" "env NSH_PLUGIN_PATH=$tmp/twenty $nsh -c true" "no plugins" "env NSH_PLUGIN_PATH=$tmp/none $nsh -c true"

python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
def med(name):
    r = json.load(open(f"{d}/{name}.json"))["results"]
    return [x["median"] for x in r]
p, s = med("warm")
print(f"warm call   plugin x1000 {p*1e3:8.1f} ms  ({p*1e3:.0f} us/call)   spawn x1000 {s*1e3:8.1f} ms  ({s*1e3:.0f} us/call)   spawn/plugin {s/p:.2f}x")
c, t = med("cold")
print(f"cold start  unshare net; bnet {c*1e3:.2f} ms   unshare net; spawn true {t*1e3:.2f} ms   first call costs {(c-t)*1e3:.2f} ms more")
a, b = med("startup")
print(f"start-up    nsh -c ns: 20 plugins {a*1e3:.2f} ms   none {b*1e3:.2f} ms   ratio {a/b:.3f}x")
a, b = med("startup2")
print(f"start-up    nsh -c true: 20 plugins {a*1e3:.2f} ms   none {b*1e3:.2f} ms   ratio {a/b:.3f}x")
PY
echo "(medians: warm and cold of $runs runs each with hyperfine -N --warmup 3; start-up of $((runs * 10)) alternating runs each)"
echo
go test -run '^$' -bench . -count 5 ./bench/plugins/ | grep -E '^Benchmark'
