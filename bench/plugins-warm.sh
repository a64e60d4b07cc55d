#!/usr/bin/env bash
# The warm plugin call (issue 12), before and after, side by side in one
# run: nsh and the benchmark plugin built from BASE (default: where this
# branch left main, so that only its own changes are compared) and from
# this tree, measured round-robin (old, new, old, new ...) so that the
# machine's load hits both alike:
#  1. 1,000 calls of bnet in one script, and the same script of one call:
#     wall and CPU time (perf stat's task-clock, nsh and its plugin
#     processes), per call = (1,000 calls - 1 call) / 999;
#  2. BenchmarkWarmCall (the host API without the shell), this tree's
#     benchmark built against both trees: ns/op and cpu-us/op (both
#     processes' CPU time);
#  3. BenchmarkSocketRoundTrip in the same minutes: the floor (a unix
#     socket's round trip between two Go processes), since these machines
#     are not all the same CPU.
# Medians. Needs root and perf. Usage: bench/plugins-warm.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20} tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
base=${BASE:-$(git merge-base main HEAD)}

mkdir -p "$tmp/src-old"
git archive "$base" | tar -x -C "$tmp/src-old"
cp bench/plugins/plugins_test.go "$tmp/src-old/bench/plugins/" # the same benchmark
for v in old new; do
	src=$PWD
	[ $v = old ] && src=$tmp/src-old
	(cd "$src" && go build -o "$tmp/$v/nsh" ./cmd/nsh &&
		go build -o "$tmp/$v/one/nsh-plugin-bench" ./bench/plugins/benchplugin)
	# A BASE from before the host's present API (69caccc^, where issue 12
	# was filed) cannot build today's benchmark: its scripts still run.
	(cd "$src" && go test -c -o "$tmp/$v/bench.test" ./bench/plugins/ 2>/dev/null) ||
		echo "($v: BenchmarkWarmCall does not build at $base; scripts only)"
	XDG_CACHE_HOME=$tmp/$v/cache NSH_PLUGIN_PATH=$tmp/$v/one "$tmp/$v/nsh" -c 'plugin list' >/dev/null
done
for i in $(seq 1000); do echo bnet; done >"$tmp/warm.nsh"
echo bnet >"$tmp/one.nsh"

python3 - "$tmp" "$rounds" "$PWD/bench/plugins" <<'PY'
import os, re, statistics, subprocess, sys, time
tmp, rounds, benchdir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
med = statistics.median
def script(v, name):
    env = dict(os.environ, XDG_CACHE_HOME=f"{tmp}/{v}/cache", NSH_PLUGIN_PATH=f"{tmp}/{v}/one")
    out = f"{tmp}/perf.txt"
    t = time.perf_counter()
    subprocess.run(["perf", "stat", "-x,", "-e", "task-clock", "-o", out, "--", f"{tmp}/{v}/nsh", f"{tmp}/{name}.nsh"],
                   env=env, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t
    cpu = float(next(l for l in open(out) if "task-clock" in l).split(",")[0]) / 1e3  # ms -> s
    return wall, cpu
r = {(v, n): ([], []) for v in ("old", "new") for n in ("warm", "one")}
for i in range(rounds + 2):
    for n in ("warm", "one"):
        for v in ("old", "new"):
            w, c = script(v, n)
            if i >= 2:
                r[v, n][0].append(w); r[v, n][1].append(c)
per_script, per_script_old = {}, {}
for k, what in ((0, "wall"), (1, "CPU ")):
    per = {v: (med(r[v, "warm"][k]) - med(r[v, "one"][k])) / 999 * 1e6 for v in ("old", "new")}
    per_script[k], per_script_old[k] = per["new"], per["old"]
    print(f"script, 1,000 calls  {what}  old {per['old']:6.1f} us/call   new {per['new']:6.1f} us/call   new/old {per['new']/per['old']:.2f}")
g = {v: ([], []) for v in ("old", "new", "rtt")}
for i in range(max(rounds // 4, 3)):
    # the floor, in the same minutes: a unix-socket round trip between two
    # Go processes (BenchmarkSocketRoundTrip, this tree's)
    p = subprocess.run([f"{tmp}/new/bench.test", "-test.run", "^$", "-test.bench", "SocketRoundTrip$", "-test.benchtime", "20000x"],
                       cwd=benchdir, capture_output=True, text=True, check=True)
    m = re.search(r"BenchmarkSocketRoundTrip\S*\s+\d+\s+(\d+) ns/op\s+([\d.]+) cpu-us/op", p.stdout)
    g["rtt"][0].append(int(m.group(1)) / 1e3); g["rtt"][1].append(float(m.group(2)))
    for v in ("old", "new"):
        if not os.path.exists(f"{tmp}/{v}/bench.test"):
            g[v][0].append(float("nan")); g[v][1].append(float("nan"))
            continue
        p = subprocess.run([f"{tmp}/{v}/bench.test", "-test.run", "^$", "-test.bench", "WarmCall$", "-test.benchtime", "3000x"],
                           cwd=benchdir, capture_output=True, text=True, check=True)
        m = re.search(r"BenchmarkWarmCall\S*\s+\d+\s+(\d+) ns/op\s+([\d.]+) cpu-us/op", p.stdout)
        g[v][0].append(int(m.group(1)) / 1e3); g[v][1].append(float(m.group(2)))
for k, what in ((0, "wall"), (1, "CPU ")):
    print(f"socket round trip    {what}  {med(g['rtt'][k]):6.1f} us: script's warm call new {per_script[k]/med(g['rtt'][k]):.1f}x it, old {per_script_old[k]/med(g['rtt'][k]):.1f}x")
for k, what in ((0, "wall"), (1, "CPU ")):
    o, n = med(g["old"][k]), med(g["new"][k])
    print(f"BenchmarkWarmCall    {what}  old {o:6.1f} us/call   new {n:6.1f} us/call   new/old {n/o:.2f}   (runs: old {sorted(round(x) for x in g['old'][k] if x == x)}, new {sorted(round(x) for x in g['new'][k])})")
print(f"(medians: scripts of {rounds} rounds, benchmarks of {max(rounds // 4, 3)}; load: {open('/proc/loadavg').read().split()[:3]})")
PY
echo "(BASE=$base)"
