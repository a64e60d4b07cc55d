#!/usr/bin/env bash
# The language's speed and bounds (issue 10), side by side in one run:
# this tree's nsh, an older nsh (OLD=path, optional), dash and bash. All
# timings are medians of runs made round-robin (bench/interleave.py).
# Needs root, iproute2, dash, bash, python3.
#
#   OLD=/tmp/nsh-old-bc210a2 bash bench/lang.sh     # RUNS=15 by default
#
# (1) hops: 10,000 `setns PIN`/`home` pairs, as lines (bench/run.sh's
#     script) and as a loop `setns $P; home` (words that expand); the
#     cost per pair is the script's time less `nsh -c ns`, over 10,000.
# (2) 200 programs in a pinned netns (`spawn /bin/true`) against a plain
#     sh loop of 200 /bin/true; with 200 plain /bin/true lines, a for
#     loop, and the floors a Go program has (bench/spawnfloor:
#     exec.Command, syscall.ForkExec, cgo posix_spawn). ONLY=spawn runs
#     just this part (and the start-up it is measured against).
# (3) 1,000 warm plugin calls in one script (bench/plugins/benchplugin).
# (4) a 10,000-iteration while loop with arithmetic and a function call.
# (5) parsing a 1 MB script: nsh -n, dash -n, bash -n.
# (6) bad input: 100,000 nested ifs, a 10 MB line, $(...) 10,000 deep, a
#     script that sources itself: status, first line of stderr, peak RSS
#     (GNU time's %M: the shell's own process, not the children dash
#     and bash fork for $(...)) and time of one run each, killed at 30 s.
# Writes bench/results/lang.md and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-15}
old=${OLD:-}
work=$(mktemp -d)
name=nshlang-$$
cleanup() { ip netns del "$name" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

go build -o "$work/nsh" ./cmd/nsh
go build -o "$work/plugins/nsh-plugin-bench" ./bench/plugins/benchplugin
go build -o "$work/floor" ./bench/spawnfloor
nsh=$work/nsh
ip netns add "$name"
pin=/run/netns/$name
w=$work

# (1) and (2)
for _ in $(seq 10000); do echo "setns $pin"; echo home; done >"$w/hop.nsh"
printf 'P=%s\nfor i in $(seq 10000); do setns $P; home; done\n' "$pin" >"$w/hopvar.nsh"
{ echo "setns $pin"; for _ in $(seq 200); do echo "spawn /bin/true"; done; } >"$w/spawn.nsh"
echo 'for i in $(seq 200); do /bin/true; done' >"$w/plain.sh"
{ echo "setns $pin"; for _ in $(seq 200); do echo "/bin/true"; done; } >"$w/lines.nsh"
printf 'setns %s\nfor i in $(seq 200); do /bin/true; done\n' "$pin" >"$w/loop200.nsh"
# (3) each binary describes the plugin once into its own cache
for _ in $(seq 1000); do echo bnet; done >"$w/plugin.nsh"
# (4)
cat >"$w/loop.sh" <<'SH'
f() { r=$(( $1 * 3 % 7 )); }
i=0 s=0
while [ "$i" -lt 10000 ]; do
	f "$i"
	s=$((s + r))
	i=$((i + 1))
done
echo "$s"
SH
# (5) a 1 MB script of functions, case, loops, tests, pipes, here-docs
python3 - "$w/big.sh" <<'PY'
import sys
block = '''net_up_%(n)d() {
	ns=$1; dev=${2:-eth0}
	case $ns in
	red|blue) ip -n "$ns" link set "$dev" up ;;
	*) echo "unknown namespace $ns" >&2; return 1 ;;
	esac
	i=0
	while [ "$i" -lt 3 ]; do i=$((i + 1)); done
	for a in $ADDRS; do
		if [ -n "$a" ] && [ "${a%%%%/*}" != "" ]; then
			echo "addr $a" | sed 's/^/  /' >>"$LOG"
		fi
	done
	cat <<END
iface $dev in $ns (%(n)d)
END
}
'''
out, n = [], 0
while sum(map(len, out)) < 1 << 20:
    out.append(block % {"n": n}); n += 1
open(sys.argv[1], "w").write("".join(out))
PY
# (6)
python3 - "$w" <<'PY'
import sys
w = sys.argv[1]
open(f"{w}/nestif.sh", "w").write("if true; then\n" * 100000 + ":\n" + "fi\n" * 100000)
open(f"{w}/longline.sh", "w").write("x=" + "a" * (10 << 20) + "; echo ${#x}\n")
open(f"{w}/deepsubst.sh", "w").write("echo " + "$(" * 10000 + "echo hi" + ")" * 10000 + "\n")
open(f"{w}/selfsrc.sh", "w").write(f". {w}/selfsrc.sh\n")
PY

shells=("nsh" "$nsh")
[ -n "$old" ] && shells+=("old nsh" "$old")
nshs=("${shells[@]}")
shells+=("dash" "dash" "bash" "bash")

il() { python3 bench/interleave.py "$w/$1.json" "$runs" "${@:2}"; }
args=("sh loop /bin/true" "sh $w/plain.sh" "Go exec.Command" "$w/floor exec 200"
	"Go ForkExec" "$w/floor forkexec 200" "cgo posix_spawn" "$w/floor posix_spawn 200")
for ((k = 0; k < ${#nshs[@]}; k += 2)); do
	args+=("${nshs[k]} spawn /bin/true" "${nshs[k+1]} $w/spawn.nsh" "${nshs[k]} /bin/true lines" "${nshs[k+1]} $w/lines.nsh"
		"${nshs[k]} for loop" "${nshs[k+1]} $w/loop200.nsh" "${nshs[k]} -c true" "${nshs[k+1]} -c true")
done
args+=("dash -c true" "dash -c true")
il spawn "${args[@]}"
export ONLY=${ONLY:-}
[ "$ONLY" = spawn ] || {
args=()
for ((k = 0; k < ${#nshs[@]}; k += 2)); do
	args+=("${nshs[k]} -c ns" "${nshs[k+1]} -c ns" "${nshs[k]} 10,000 hop lines" "${nshs[k+1]} $w/hop.nsh" "${nshs[k]} 10,000 hops setns \$P" "${nshs[k+1]} $w/hopvar.nsh")
done
il hop "${args[@]}"
args=()
for ((k = 0; k < ${#nshs[@]}; k += 2)); do
	env XDG_CACHE_HOME="$w/cache$k" NSH_PLUGIN_PATH="$w/plugins" "${nshs[k+1]}" -c 'plugin list' >/dev/null 2>&1 || true
	args+=("${nshs[k]} 1,000 plugin calls" "env XDG_CACHE_HOME=$w/cache$k NSH_PLUGIN_PATH=$w/plugins ${nshs[k+1]} $w/plugin.nsh")
done
il plugin "${args[@]}"
args=()
for ((k = 0; k < ${#shells[@]}; k += 2)); do args+=("${shells[k]}" "${shells[k+1]} $w/loop.sh"); done
il loop "${args[@]}"
args=()
for ((k = 0; k < ${#shells[@]}; k += 2)); do args+=("${shells[k]} -n" "${shells[k+1]} -n $w/big.sh"); done
il parse "${args[@]}"
for ((k = 0; k < ${#shells[@]}; k += 2)); do
	printf '%s\t%s\n' "${shells[k]}" "$("${shells[k+1]}" "$w/loop.sh" 2>&1 | head -1)"
done >"$w/loop.out"
}

mkdir -p bench/results
python3 - "$w" "${shells[@]}" <<'PY' | tee bench/results/lang.md
import json, os, platform, signal, subprocess, sys, threading, time
w, sh = sys.argv[1], sys.argv[2:]
shells = list(zip(sh[0::2], sh[1::2]))
def killpg(g):
    try:
        for _ in range(50):  # a forking shell may have children underway
            os.killpg(g, signal.SIGKILL)
            time.sleep(0.1)
    except ProcessLookupError:
        pass
def load(n):
    return {r["name"]: r for r in json.load(open(f"{w}/{n}.json"))}
def cell(r):
    return f"{r['median']*1e3:.2f} ms" if "median" in r else f"fails (status {r['status']}: {r['stderr'][:70]})"
def table(n, base=None):
    res = load(n)
    print("| command | median | ratio |" if base else "| command | median |")
    print("|---|---|---|" if base else "|---|---|")
    for k, r in res.items():
        if base:
            b = res[base]
            ratio = f"{r['median']/b['median']:.2f}x" if "median" in r and "median" in b else "-"
            print(f"| {k} | {cell(r)} | {ratio} |")
        else:
            print(f"| {k} | {cell(r)} |")
    print()
    return res
print("nproc %s, kernel %s, %s, %d runs each, round-robin, medians\n" % (subprocess.getoutput("nproc"), platform.release(), subprocess.getoutput("date -u +%Y-%m-%dT%H:%MZ"), int(os.environ.get("RUNS", "15"))))
print("(2) 200 programs in a pinned netns\n")
table("spawn", "sh loop /bin/true")
if os.environ.get("ONLY") == "spawn":
    sys.exit(0)
print("(1) hops: 10,000 `setns PIN`/`home` pairs\n")
h = table("hop")
for n, _ in shells:
    if f"{n} -c ns" in h:
        for form in ("10,000 hop lines", "10,000 hops setns $P"):
            r, s = h[f"{n} {form}"], h[f"{n} -c ns"]
            if "median" in r:
                print(f"- {n}, {form}: **{(r['median']-s['median'])/1e4*1e6:.1f} us** a pair")
print()
print("(3) 1,000 warm plugin calls in one script\n")
for k, r in table("plugin").items():
    if "median" in r:
        print(f"- {k}: **{r['median']*1e3:.0f} us** a call (script time / 1,000)")
print()
print("(4) while loop, 10,000 iterations, arithmetic and a function call each\n")
table("loop", "dash")
print("output: " + "; ".join(l.strip().replace("\t", ": ") for l in open(f"{w}/loop.out")) + "\n")
print("(5) parsing a 1 MB script (%d bytes)\n" % os.path.getsize(f"{w}/big.sh"))
table("parse", "dash -n")
print("(6) bad input: one run each, killed at 30 s; peak RSS is GNU time's %M (the shell's own process)\n")
print("| input | shell | status | time | peak RSS | first line of stderr |")
print("|---|---|---|---|---|---|")
for f, what in [("nestif", "100,000 nested if"), ("longline", "a 10 MB line"), ("deepsubst", "$(...) 10,000 deep"), ("selfsrc", "a script sourcing itself")]:
    for n, b in shells:
        # In a session of its own, killed whole after 30 s: dash and bash
        # fork a shell per level of $(...), 10,000 deep.
        t = time.perf_counter()
        p = subprocess.Popen(["/usr/bin/time", "-f", "%x %M", "-o", f"{w}/rss", b, f"{w}/{f}.sh"], stdout=subprocess.DEVNULL, stderr=open(f"{w}/err", "w"), start_new_session=True)
        timer = threading.Timer(30, killpg, [p.pid])
        timer.start()
        os.waitpid(p.pid, 0)
        timer.cancel()
        dt = time.perf_counter() - t
        killpg(p.pid)
        err = open(f"{w}/err", errors="replace").read().strip().splitlines()
        # GNU time, a small program, so that the peak is not python's
        # own before exec: "%x %M", after "Command terminated by signal N"
        tl = open(f"{w}/rss").read().split("\n")
        sig = [l.split()[-1] for l in tl if "terminated by signal" in l]
        x, rss = (tl[-2].split() + ["0", "0"])[:2] if len(tl) > 1 else ("0", "0")
        status = f"signal {sig[0]}" if sig else x
        mem = f"{int(rss)/1024:.1f} MiB"
        if dt >= 30:
            status, mem = "killed at 30 s", "-"
        line = (err[0] if err else "").replace(w + "/", "").replace("|", "\\|")[:90]
        print(f"| {what} | {n} | {status} | {dt:.2f} s | {mem} | {line} |")
PY
