# SPDX-License-Identifier: LGPL-2.1-or-later
# pl-lib.sh: helpers for the preload's transparency tests (t15xx), sourced
# after test-lib.sh.  They run a command twice in the same directory, once
# plainly and once with LD_PRELOAD=libfnaccel.so, and compare everything
# the command leaves behind: its output files (every path under the
# working directory), stdout, stderr and exit
# status.  The run with the library appends its statistics (FNACCEL_STATS)
# to a file, which fn_stat (test-lib.sh) sums over the processes of the
# run.
#
# Without a built library the tests skip, unless FN_PL_NOLIB=1 asks for a
# dry run in which both runs are plain (to develop the tests themselves).

PL_LIB=${FN_PL_LIB:-$FN_BUILDDIR/preload/.libs/libfnaccel.so}
if [ "${FN_PL_NOLIB:-0}" = 1 ]; then
	PL_LIB=
	# nothing is counted in a dry run: no count is checked
	fn_expect_stat() { :; }
	fn_expect_stat_0_or_absent() { :; }
elif [ ! -f "$PL_LIB" ]; then
	skip_all "preload/.libs/libfnaccel.so not built"
fi
PL_HELPERS=$FN_BUILDDIR/tests/helpers
PL_PY=python3
[ -x /usr/bin/python3 ] && PL_PY=/usr/bin/python3
export PL_PY PL_HELPERS

# pl_with ENV... -- CMD...: run CMD under the library with the FNACCEL_*
# assignments ENV (FNACCEL_STATS included by the caller)
pl_with()
{
	local preload=$PL_LIB

	if [ -n "${LD_PRELOAD:-}" ] && [ -n "$preload" ]; then
		preload="$preload:$LD_PRELOAD"
	fi
	env ${preload:+LD_PRELOAD="$preload"} "$@"
}

# Normalise what legitimately differs between two runs: dd's transfer
# time and rate.
pl_normalize()
{
	sed -e 's/ copied, [0-9.e+-]* s\(econds\)\{0,1\}, .*/ copied/' "$1"
}

# pl_outputs DIR: every path under DIR with type, size and mode (and
# st_blocks of regular files when PL_BLOCKS=1), one a line
pl_outputs()
{
	(cd "$1" && find . -mindepth 1 -printf '%p %y %s %m\n' | sort) ||
		return 1
	if [ "${PL_BLOCKS:-0}" = 1 ]; then
		(cd "$1" && find . -type f -printf '%p blocks %b\n' | sort)
	fi
}

# pl_cmp_outputs REFDIR DIR: the same paths, and files with the same bytes
# (compared by $PL_CMP, default cmp)
pl_cmp_outputs()
{
	local f

	pl_outputs "$1" >"${PL_CASE}ls.ref" &&
	pl_outputs "$2" >"${PL_CASE}ls.new" &&
	diff -u "${PL_CASE}ls.ref" "${PL_CASE}ls.new" || return 1
	for f in $(cd "$1" && find . -type f | sort); do
		${PL_CMP:-cmp} "$1/$f" "$2/$f" || return 1
	done
}

# pl_case NAME WORKDIR ENV CMD [PREP]: run CMD (sh -c, in WORKDIR) without
# and with the library and compare everything CMD leaves in WORKDIR.
# ENV: space-separated FNACCEL_* assignments for the run with the
# library; PREP: shell commands run in WORKDIR before each run (e.g. to put
# an existing output in place).
# The outputs of the run without the library move to $PL_REFDIR (default
# WORKDIR.ref) before the second run.
# Leaves the stats dump in ${PL_CASE}stats, where PL_CASE is
# $fn_trash/case.NAME; returns 1 and says what differs on a difference.
pl_case()
{
	local name=$1 wd=$2 envs=$3 cmd=$4 prep=${5:-}
	local ref=${PL_REFDIR:-$wd.ref} rc_ref rc_new bad=0

	PL_CASE=$fn_trash/cases/$name/
	rm -rf "$wd" "$ref" "$PL_CASE" && mkdir -p "$wd" "$PL_CASE" || return 1
	(cd "$wd" && eval "$prep") || return 1
	(cd "$wd" && sh -c "$cmd") >"${PL_CASE}out.ref" 2>"${PL_CASE}err.ref"
	rc_ref=$?
	mv "$wd" "$ref" && mkdir -p "$wd" || return 1
	(cd "$wd" && eval "$prep") || return 1
	# shellcheck disable=SC2086
	(cd "$wd" && pl_with FNACCEL_STATS="${PL_CASE}stats" $envs \
		sh -c "$cmd") >"${PL_CASE}out.new" 2>"${PL_CASE}err.new"
	rc_new=$?
	if [ "$rc_ref" != "$rc_new" ]; then
		echo "$name: exit status $rc_ref without, $rc_new with"
		bad=1
	fi
	if ! cmp -s "${PL_CASE}out.ref" "${PL_CASE}out.new"; then
		echo "$name: stdout differs"
		diff -u "${PL_CASE}out.ref" "${PL_CASE}out.new" | head -20
		bad=1
	fi
	pl_normalize "${PL_CASE}err.ref" >"${PL_CASE}err.ref.n"
	pl_normalize "${PL_CASE}err.new" >"${PL_CASE}err.new.n"
	if ! cmp -s "${PL_CASE}err.ref.n" "${PL_CASE}err.new.n"; then
		echo "$name: stderr differs"
		diff -u "${PL_CASE}err.ref.n" "${PL_CASE}err.new.n" | head -20
		bad=1
	fi
	if ! pl_cmp_outputs "$ref" "$wd" >"${PL_CASE}cmp" 2>&1; then
		echo "$name: output files differ"
		head -20 "${PL_CASE}cmp"
		bad=1
	fi
	[ -s "${PL_CASE}stats" ] || [ -z "$PL_LIB" ] || {
		echo "$name: no statistics dumped"
		bad=1
	}
	return $bad
}

# pl_accelerated STATS: whether the run moved data through the engine
# (a substituted write or a sendfile done as an engine copy)
pl_accelerated()
{
	[ -n "$PL_LIB" ] || return 1
	[ "$(fn_stat preload_write_substituted_ops "$1")" -gt 0 ] ||
	[ "$(fn_stat preload_sendfile_ops "$1")" -gt 0 ]
}

# pl_breakdown STATS: the preload's non-zero keys on one line, for diag
pl_breakdown()
{
	awk '$1 ~ /^preload_/ && $2 != 0 { s[$1] += $2 }
		END { for (k in s) printf "%s=%s ", k, s[k]; print "" }' \
		"$1" 2>/dev/null || true
}

# pl_ge STATS KEY MIN: the summed KEY is at least MIN
pl_ge()
{
	local got

	[ -n "$PL_LIB" ] || return 0
	got=$(fn_stat "$2" "$1") || return 1
	[ "$got" -ge "$3" ] && return 0
	echo "$2 = $got, want at least $3"
	return 1
}

# pl_sum_is STATS WANT KEY...: the KEYs add up to WANT (prints them)
pl_sum_is()
{
	local st=$1 want=$2 k v sum=0

	[ -n "$PL_LIB" ] || return 0
	shift 2
	for k; do
		fn_have_stat "$k" "$st" || return 1
		v=$(fn_stat "$k" "$st") || return 1
		echo "$k = $v"
		sum=$((sum + v))
	done
	[ "$sum" = "$want" ] && return 0
	echo "sum $sum, want $want"
	return 1
}

# pl_sparse_cmp A B: A and B have the same size, the same data/hole map
# (SEEK_DATA/SEEK_HOLE) and the same bytes in each data segment; reads
# only the data, so a sparse file of many GiB compares in no time
pl_sparse_cmp()
{
	local map_a map_b off len

	[ "$(stat -c %s "$1")" = "$(stat -c %s "$2")" ] || {
		echo "sizes differ"
		return 1
	}
	map_a=$(xfs_io -r -c 'seek -a -r 0' "$1" | awk 'NR > 1') &&
	map_b=$(xfs_io -r -c 'seek -a -r 0' "$2" | awk 'NR > 1') || return 1
	[ "$map_a" = "$map_b" ] || {
		echo "data/hole maps differ: $map_a / $map_b"
		return 1
	}
	echo "$map_a" | awk -v size="$(stat -c %s "$1")" '
		$1 == "DATA" { if (start != "") print start, $2 - start
			start = $2 }
		$1 == "HOLE" { if (start != "") print start, $2 - start
			start = "" }
		END { if (start != "") print start, size - start }' |
	while read -r off len; do
		[ "$len" -gt 0 ] || continue
		cmp -i "$off:$off" -n "$len" "$1" "$2" || return 1
	done
}
