# scripts/lib.sh: what the scripts share. Source it from a bash script:
#   . "$(dirname "$0")/lib.sh"

# need CMD PACKAGE...: queues the Debian PACKAGEs when CMD (a command name,
# or a path to test) is missing; install_needed installs what is queued.
needed=()
need() {
	local cmd=$1
	shift
	if [[ $cmd == /* ]]; then
		ls $cmd >/dev/null 2>&1 && return 0
	elif command -v "$cmd" >/dev/null; then
		return 0
	fi
	needed+=("$@")
}

# install_needed installs the packages need queued, with apt, quietly,
# saying which on stderr.
install_needed() {
	[ ${#needed[@]} -gt 0 ] || return 0
	echo "$(basename "$0"): installing ${needed[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
	needed=()
}

# median prints the median of the numbers on stdin, one a line.
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# measure ERRFILE CMD...: runs CMD, its stdout thrown away and its stderr
# into ERRFILE, and prints "WALL CPU RSS": the wall time in seconds (to the
# microsecond), the user and system CPU seconds of CMD and the children it
# waited for, and its peak RSS in KiB (GNU time). Returns CMD's status.
measure() {
	local err=$1 stats status=0 t0 t1
	shift
	stats=$(mktemp)
	t0=$EPOCHREALTIME
	/usr/bin/time -f '%U %S %M' -o "$stats" "$@" >/dev/null 2>"$err" || status=$?
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" '{ printf "%.6f %.2f %d\n", b - a, $1 + $2, $3 }' "$stats"
	rm -f "$stats"
	return $status
}

# shared is the directory beside the checkout that holds the corpus of
# strace captures (../shared/corpus); has_shared says whether it is there.
shared=../shared
has_shared() { [ -d "$shared/corpus" ]; }
