#!/usr/bin/env bash
# Peak memory of a big $(...): nsh against bash and dash running the same
# script, for outputs of each SIZE in MiB. The peak is the resident set's
# high-water mark (GNU time's %M, the kernel's ru_maxrss) of the shell; the
# head and tr inside are small. Three forms, all in the three shells:
#
#   assign  x=$(head -c N /dev/zero | tr '\0' a)
#   quoted  : "$(head -c N /dev/zero | tr '\0' a)"
#   split   : $(head -c N /dev/zero | tr '\0' a)     (one word, split)
#
#   bench/subst.sh               # 64 and 256 MiB, this tree's nsh
#   OLD=/path/to/nsh bench/subst.sh 64 256   # and another nsh beside it
#
# nsh runs with NSH_SUBST_MAX=1G, so the sizes may pass its default limit.
# Prints a Markdown table (MiB; ratio to the output's size).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(64 256)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/nsh" ./cmd/nsh

shells=("nsh=$work/nsh")
[ -n "${OLD:-}" ] && shells=("old nsh=$OLD" "${shells[@]}")
shells+=("bash=$(command -v bash)" "dash=$(command -v dash)")

peak() { # SHELL SCRIPT: peak RSS in MiB
	NSH_SUBST_MAX=1G /usr/bin/time -f %M "$1" -c "$2" 2>&1 >/dev/null | tail -1 | awk '{printf "%.0f", $1/1024}'
}

echo "| form | MiB out | $(for s in "${shells[@]}"; do printf '%s | ' "${s%%=*}"; done)"
echo "|---|---|$(for _ in "${shells[@]}"; do printf -- '---|'; done)"
for mib in "${sizes[@]}"; do
	n=$((mib * 1024 * 1024))
	gen="head -c $n /dev/zero | tr '\\0' a"
	for form in assign quoted split; do
		case $form in
		assign) script="x=\$($gen)" ;;
		quoted) script=": \"\$($gen)\"" ;;
		split) script=": \$($gen)" ;;
		esac
		row="| $form | $mib |"
		for s in "${shells[@]}"; do
			m=$(peak "${s#*=}" "$script")
			row+=" $m ($(awk "BEGIN{printf \"%.2f\", $m/$mib}")x) |"
		done
		echo "$row"
	done
done
