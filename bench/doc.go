// Package bench holds nsh's side-by-side benchmarks: nsh against plain sh,
// nsenter and ip netns exec, measured in one run so the machine's noise hits
// them alike. Run them with
//
//	go test -run XXX -bench . -count 10 ./bench | tee new.txt; benchstat new.txt
//
// or the hyperfine script bench/run.sh; bench/lang.sh is the language's
// (ONLY=spawn: 200 programs against the floors a Go program has, from
// bench/spawnfloor). Figures are in docs/benchmarks.md.
package bench
