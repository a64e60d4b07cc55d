#!/usr/bin/env python3
"""Run commands round-robin (A B C A B C ...) so the machine's noise hits
each alike, and write their medians as JSON. A command that fails on its
first run is run no more: its status and first line of stderr are kept.

    interleave.py OUT.json RUNS NAME CMD [NAME CMD ...]

CMD is split as sh would split it (shlex), and run without a shell.
"""
import json, shlex, subprocess, sys, time

out, runs, pairs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
names, argvs = pairs[0::2], [shlex.split(c) for c in pairs[1::2]]
times = {n: [] for n in names}
failed = {}
warmup = 2
for i in range(warmup + runs):
    for n, argv in zip(names, argvs):
        if n in failed:
            continue
        t = time.perf_counter()
        p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        dt = time.perf_counter() - t
        if p.returncode != 0:
            err = p.stderr.decode(errors="replace").strip().splitlines()
            failed[n] = {"status": p.returncode, "stderr": err[0] if err else ""}
            continue
        if i >= warmup:
            times[n].append(dt)
res = []
for n, c in zip(names, pairs[1::2]):
    ts = sorted(times[n])
    r = {"name": n, "command": c, "runs": len(ts)}
    if n in failed:
        r.update(failed[n])
    else:
        r["median"] = ts[len(ts) // 2]
    res.append(r)
json.dump(res, open(out, "w"), indent=1)
