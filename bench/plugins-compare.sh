#!/usr/bin/env bash
# Plugin costs before and after issue 12, side by side in one run: nsh and
# its plugins built from BASE (default main) and from this tree.
#  1. warm call: 1,000 calls of bnet (print the net namespace) in a script;
#  2. first call with no describe cache and 6 plugins installed (old: all
#     described one after the other; new: in parallel);
#  3. RSS of the plugin processes once 3 plugins were used in 3 contexts
#     (new: at most 6 idle processes in all).
# Needs root and hyperfine. Usage: bench/plugins-compare.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
base=${BASE:-main}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

build() { # build TREE OUT
	(cd "$1" && go build -o "$2/nsh" ./cmd/nsh &&
		mkdir -p "$2/six" "$2/three" &&
		go build -o "$2/six/nsh-plugin-bench" ./bench/plugins/benchplugin &&
		go build -o "$2/tp" ./plugins/internal/testplugin &&
		go build -o "$2/three/nsh-plugin-whereami" ./plugins/examples/whereami &&
		go build -o "$2/three/nsh-plugin-netinfo" ./plugins/examples/netinfo)
	for i in 1 2 3 4 5; do cp "$2/tp" "$2/six/nsh-plugin-p$i"; done
	cp "$2/six/nsh-plugin-bench" "$2/three/"
}
mkdir -p "$tmp/src-old"
git archive "$base" | tar -x -C "$tmp/src-old"
build "$tmp/src-old" "$tmp/old"
build "$PWD" "$tmp/new"
for i in $(seq 1000); do echo bnet; done >"$tmp/warm.nsh"
cat >"$tmp/rss.nsh" <<'NSH'
bnet >/dev/null; nsinode net >/dev/null; netinfo lo >/dev/null
unshare net
bnet >/dev/null; nsinode net >/dev/null; netinfo lo >/dev/null
unshare uts
bnet >/dev/null; nsinode net >/dev/null; netinfo lo >/dev/null
spawn sh -c 'n=0; kb=0; for s in /proc/[0-9]*/status; do
  if grep -q "^PPid:[[:space:]]*$PPID\$" "$s" 2>/dev/null && grep -q "^Name:[[:space:]]*nsh-plugin" "$s"; then
    n=$((n+1)); kb=$((kb + $(awk "/^VmRSS/ {print \$2}" "$s"))); fi; done; echo "$n $kb"'
NSH

export XDG_CACHE_HOME=$tmp/cache XDG_STATE_HOME=$tmp/state
for v in old new; do NSH_PLUGIN_PATH=$tmp/$v/six "$tmp/$v/nsh" -c 'plugin list' >/dev/null; done
hyperfine -N --warmup 3 --runs "$runs" --export-json "$tmp/warm.json" \
	-n "old warm x1000" "env NSH_PLUGIN_PATH=$tmp/old/six $tmp/old/nsh $tmp/warm.nsh" \
	-n "new warm x1000" "env NSH_PLUGIN_PATH=$tmp/new/six $tmp/new/nsh $tmp/warm.nsh" >/dev/null
# No cache: XDG_CACHE_HOME names a directory that cannot be made.
hyperfine -N --warmup 2 --runs "$runs" --export-json "$tmp/cold.json" \
	-n "old first call" "env XDG_CACHE_HOME=/dev/null/x NSH_PLUGIN_PATH=$tmp/old/six $tmp/old/nsh -c bnet" \
	-n "new first call" "env XDG_CACHE_HOME=/dev/null/x NSH_PLUGIN_PATH=$tmp/new/six $tmp/new/nsh -c bnet" >/dev/null

python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
def med(name):
    return [x["median"] for x in json.load(open(f"{d}/{name}.json"))["results"]]
o, n = med("warm")
print(f"warm call       old {o*1e3:7.1f} us/call   new {n*1e3:7.1f} us/call   new/old {n/o:.2f}")
o, n = med("cold")
print(f"first call, 6   old {o*1e3:7.1f} ms        new {n*1e3:7.1f} ms        new/old {n/o:.2f}")
PY
for v in old new; do
	read -r n kb < <(NSH_PLUGIN_PATH=$tmp/$v/three "$tmp/$v/nsh" "$tmp/rss.nsh")
	echo "rss, 3 plugins x 3 contexts  $v: $n processes, $((kb / 1024)) MB"
done
ls -l "$tmp/new/six/nsh-plugin-bench" "$tmp/old/six/nsh-plugin-bench" | awk '{print "binary", $5, $9}'
echo "(medians of $runs runs, hyperfine -N; BASE=$base)"
