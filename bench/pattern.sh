#!/usr/bin/env bash
# nsh's own patterns (lang/pattern.go, lang/glob.go) against an older nsh
# (OLD=path) and dash, side by side: medians of runs made round-robin
# (bench/interleave.py). Each script runs with +e.
#
#   OLD=/tmp/nsh-base bash bench/pattern.sh     # RUNS=15 by default
#
# case:  a 10,000-round while loop with a case of four patterns per round
#        (a literal, a bracket expression, *, a quoted part).
# param: 10,000 rounds of ${x#[a-c]*} and ${x%"."*}.
# glob:  1,000 rounds of echo [a-c]*.txt in a directory of 100 files.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-15}
old=${OLD:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/nsh" ./cmd/nsh
cat >"$work/case.sh" <<'X'
i=0 n=0
while [ $i -lt 10000 ]; do
	case $i in
	net) ;;
	*[05]) n=$((n+1)) ;;
	"1"*) ;;
	*) ;;
	esac
	i=$((i+1))
done
X
cat >"$work/param.sh" <<'X'
i=0 x=abc.def.tar
while [ $i -lt 10000 ]; do
	a=${x#[a-c]*} b=${x%"."*}
	i=$((i+1))
done
X
mkdir "$work/d"
for f in $(seq 100); do : >"$work/d/$(printf '%s%03d.txt' "$(echo abcdef | cut -c$((f % 6 + 1)))" "$f")"; done
cat >"$work/glob.sh" <<X
cd $work/d
i=0
while [ \$i -lt 1000 ]; do
	echo [a-c]*.txt >/dev/null
	i=\$((i+1))
done
X
args=()
for s in case param glob; do
	args+=("nsh-$s" "$work/nsh +e $work/$s.sh")
	[ -n "$old" ] && args+=("old-$s" "$old +e $work/$s.sh")
	args+=("dash-$s" "/bin/dash $work/$s.sh")
done
python3 bench/interleave.py "$work/out.json" "$runs" "${args[@]}"
python3 - "$work/out.json" <<'X'
import json, sys
for r in json.load(open(sys.argv[1])):
    print(f"{r['name']:12} {r.get('median', r.get('status'))}")
X
