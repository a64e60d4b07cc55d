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
#     against none.
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
hf startup -n "20 plugins" "env NSH_PLUGIN_PATH=$tmp/twenty $nsh -c ns" -n "no plugins" "env NSH_PLUGIN_PATH=$tmp/none $nsh -c ns"

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
PY
echo "(medians of $runs runs each, hyperfine -N --warmup 3)"
echo
go test -run '^$' -bench . -count 5 ./bench/plugins/ | grep -E '^Benchmark'
