# Leak kinds against the oracle: for samples and real programs, the four figures of mtan
# (definitely, indirectly, possibly lost, still reachable: bytes and blocks of the host heap)
# equal the LEAK SUMMARY of valgrind --leak-check=full --show-leak-kinds=all
# --run-libc-freeres=no --run-cxx-freeres=no on the same command. The one difference allowed
# is glibc's TLS vector (DTV): 16 bytes per thread per preloaded library using TLS (README,
# "Limits"), recognised by its stack (allocate_dtv) on both sides. And one that follows from
# where the allocator puts a block rather than from the scan: ld.so's _dl_find_object
# segment (dlopen), which ld.so reaches through a pointer it aligned to 64 bytes: a pointer to
# the block's start when the block itself is 64-byte aligned (glibc's malloc, under mtrec,
# may place it so), an interior one otherwise (valgrind's allocator): still reachable
# under mtrec and possibly lost under memcheck, for the same program; mtan's block is moved
# to possibly lost only when its address is a multiple of 64 and valgrind has it possibly lost.
# ORACLE_TABLE=FILE writes the comparison as a Markdown table; ORACLE_ONLY=REGEX runs the
# programs whose name matches. Runs on its own too: bash tests/e2e/oracle.sh (after make all samples).
set -u
if [ -z "${MTREC:-}" ]; then
	# standalone (tests/run.sh sets MTREC and runs us in a scratch directory): make one
	TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd) || exit 2
	MTREC=$TOP/build/mtrec MTAN_PLAIN=$TOP/build/mtan SAMPLES=$TOP/build/samples
	scratch=$(mktemp -d) && cd "$scratch" || exit 2
	trap 'rm -rf "$scratch"' EXIT
fi
. "$TOP/tests/e2e/lib.bash"

# the Debian wrapper exports LD_LIBRARY_PATH and GLIBCXX_FORCE_NEW to the program: the
# binary behind it runs the program in the very environment mtrec's run gets
VALGRIND=$(command -v valgrind || true)
if [ -z "$VALGRIND" ]; then
	"$TOP/tools/deps.sh" valgrind >&2 && VALGRIND=$(command -v valgrind || true)
	[ -n "$VALGRIND" ] || { fail "valgrind is not installed and cannot be installed: no oracle"; exit 0; }
fi
[ -x "$VALGRIND.bin" ] && VALGRIND=$VALGRIND.bin
VG_FLAGS=(--leak-check=full --show-leak-kinds=all --run-libc-freeres=no --run-cxx-freeres=no)
# perl's and python's hashes are seeded at random; fixed, both runs make the same calls
export PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0 PYTHONHASHSEED=0
KINDS="definitely_lost indirectly_lost possibly_lost still_reachable"
declare -A LABEL=([definitely_lost]="definitely lost" [indirectly_lost]="indirectly lost"
	[possibly_lost]="possibly lost" [still_reachable]="still reachable")
# glibc's TLS vector: allocated by allocate_dtv, grown by _dl_resize_dtv
DTV_FUNCS="allocate_dtv _dl_allocate_tls _dl_resize_dtv"
DLFO_FUNC=_dlfo_mappings_segment_allocate

if [ -n "${ORACLE_TABLE:-}" ]; then
	{
		echo "| program | definitely lost (mtan / valgrind) | indirectly lost | possibly lost | still reachable | notes |"
		echo "|---|--:|--:|--:|--:|---|"
	} >"$ORACLE_TABLE"
fi

# mtrec's run has one variable more in its environment (MTREC_SHM) than valgrind's: a
# program that copies its environment (git's setenv copies environ, 8 bytes a variable)
# would allocate more under mtrec. valgrind's run gets one too, of the same length.
VG_ENV=(env "MTREC_SHM=/dev/shm/mtrec-$(id -u)-$(printf %05d $$)-00000000")

# elf_of NAME: the ELF file NAME runs (the first in PATH that is one)
elf_of() {
	local f
	for f in $(type -ap "$1") "$1"; do
		[ -f "$f" ] && [ "$(head -c 4 "$f" | tr -d '\0')" = $'\x7fELF' ] && { echo "$f"; return 0; }
	done
	return 1
}

# vg_figures LOG: "KIND BYTES BLOCKS DTV_BYTES DTV_BLOCKS DLFO_BYTES DLFO_BLOCKS" for the
# four kinds, then "suppressed BYTES BLOCKS" and "heuristic TEXT" lines, from valgrind's log:
# the LEAK SUMMARY and, for the TLS vector and the _dl_find_object segment, the loss records
# whose stack goes through their functions
vg_figures() {
	python3 - "$1" "$DTV_FUNCS" "$DLFO_FUNC" <<'PY'
import re, sys
lines = [re.sub(r'^==\d+== ?', '', l.rstrip('\n')) for l in open(sys.argv[1], errors='replace')]
dtv_funcs, dlfo_func = sys.argv[2].split(), sys.argv[3]
num = lambda s: int(s.replace(',', ''))
kinds = {'definitely lost': 'definitely_lost', 'indirectly lost': 'indirectly_lost',
         'possibly lost': 'possibly_lost', 'still reachable': 'still_reachable'}
fig = {k: [0, 0, 0, 0, 0, 0] for k in kinds.values()}
has = lambda stack, f: any(re.search(r': %s[ (]' % re.escape(f), s) for s in stack)
supp = [0, 0]
heur = []
rec = re.compile(r'^([\d,]+) (?:\(([\d,]+) direct, [\d,]+ indirect\) )?bytes in ([\d,]+) blocks are '
                 r'(definitely lost|indirectly lost|possibly lost|still reachable) in loss record')
summ = re.compile(r'^\s*(definitely lost|indirectly lost|possibly lost|still reachable|suppressed): '
                  r'([\d,]+) bytes in ([\d,]+) blocks')
i, in_summary = 0, False
while i < len(lines):
    l = lines[i]
    m = rec.match(l)
    if m:
        size = num(m.group(2) or m.group(1))
        blocks, kind = num(m.group(3)), kinds[m.group(4)]
        i += 1
        stack = []
        while i < len(lines) and re.match(r'^\s+(at|by) 0x', lines[i]):
            stack.append(lines[i]); i += 1
        if any(has(stack, f) for f in dtv_funcs):
            fig[kind][2] += size; fig[kind][3] += blocks
        if has(stack, dlfo_func):
            fig[kind][4] += size; fig[kind][5] += blocks
        continue
    if l.startswith('LEAK SUMMARY:'):
        in_summary = True
    m = summ.match(l)
    if in_summary and m:
        if m.group(1) == 'suppressed':
            supp = [num(m.group(2)), num(m.group(3))]
        else:
            fig[kinds[m.group(1)]][0:2] = [num(m.group(2)), num(m.group(3))]
    elif in_summary and re.match(r'^\s+\w+\s+: [\d,]+ bytes in', l):
        heur.append(' '.join(l.split()))
    i += 1
for k in kinds.values():
    print(k, *fig[k])
print('suppressed', *supp)
for h in heur:
    print('heuristic', h)
PY
}

# mtan_figures TRACE: the same lines from mtan's database (not_scanned too, when there is
# any), each with two more figures: the _dl_find_object segment's at 64-byte aligned addresses
mtan_figures() {
	local dtv_in q
	dtv_in=$(printf "'%s'," $DTV_FUNCS)
	dtv_in=${dtv_in%,}
	q="SELECT l.leak_kind AS kind, sum(l.size) AS bytes, count(*) AS blocks,
		sum(l.dtv * l.size) AS dtv_bytes, sum(l.dtv) AS dtv_blocks,
		sum(l.dlfo * l.size) AS dlfo_bytes, sum(l.dlfo) AS dlfo_blocks,
		sum(l.dlfo * l.aligned * l.size) AS dlfo_aligned_bytes, sum(l.dlfo * l.aligned) AS dlfo_aligned_blocks
		FROM (SELECT leak_kind, size, address % 64 = 0 AS aligned,
			EXISTS (SELECT 1 FROM stack_symbols s WHERE s.stack_id = alloc_stack AND s.function IN ($dtv_in)) AS dtv,
			EXISTS (SELECT 1 FROM stack_symbols s WHERE s.stack_id = alloc_stack AND s.function = '$DLFO_FUNC') AS dlfo
			FROM leaks WHERE device = -1 AND space = 0) l GROUP BY l.leak_kind"
	"$MTAN_PLAIN" sql "$1" "$q" --format csv -q >mtan.csv 2>mtan.err || return 1
	awk -F, 'NR > 1 { gsub(/"/, ""); print $1, $2, $3, $4, $5, $6, $7, $8, $9 }' mtan.csv
}

fmt_fig() { # BYTES BLOCKS
	LC_ALL=C printf "%'d bytes in %'d blocks" "$1" "$2" 2>/dev/null || echo "$1 bytes in $2 blocks"
}

# oracle NAME CMD...: records CMD with mtrec while valgrind runs it, and compares
oracle() {
	local name=$1
	shift
	[ -n "${ORACLE_ONLY:-}" ] && ! [[ $name =~ $ORACLE_ONLY ]] && return
	# the program itself, not a wrapper script (pyenv's shims): valgrind does not follow exec
	local prog
	prog=$(elf_of "$1") || { fail "oracle $name: no ELF program '$1' found in PATH"; return; }
	shift
	set -- "$prog" "$@"
	local vglog=$name.vg
	"${VG_ENV[@]}" "$VALGRIND" "${VG_FLAGS[@]}" --log-file="$vglog" "$@" >"$name.vg.out" 2>"$name.vg.err" </dev/null &
	local vgpid=$!
	"$MTREC" -q -o "$name.zst" -- "$@" >"$name.out" 2>"$name.err" </dev/null
	local rc=$?
	wait "$vgpid"
	local vrc=$?
	if [ "$rc" -ne "$vrc" ]; then
		fail "oracle $name: exit status: mtrec $rc, valgrind $vrc" "mtrec: $(tail -c 300 "$name.err")" \
			"valgrind: $(tail -c 300 "$name.vg.err")"
		return
	fi
	if ! grep -q 'LEAK SUMMARY\|no leaks are possible' "$vglog"; then
		fail "oracle $name: valgrind gave no leak summary" "$(tail -n 5 "$vglog")"
		return
	fi
	local -A V M
	local k b n rest note="" compared="valgrind ${VG_FLAGS[*]}"
	while read -r k b n rest; do V[$k]="$b $n $rest"; done < <(vg_figures "$vglog")
	read -r b n <<<"${V[suppressed]}"
	if [ "$b" != 0 ] || [ "$n" != 0 ]; then
		# its default suppressions hid some blocks: their kinds come from a run without them
		note="valgrind suppressed $(fmt_fig "$b" "$n") by default: compared with --default-suppressions=no"
		compared="$compared --default-suppressions=no"
		"${VG_ENV[@]}" "$VALGRIND" "${VG_FLAGS[@]}" --default-suppressions=no --log-file="$vglog" "$@" >/dev/null 2>&1 </dev/null
		V=()
		while read -r k b n rest; do V[$k]="$b $n $rest"; done < <(vg_figures "$vglog")
	fi
	for k in $KINDS; do M[$k]="0 0 0 0 0 0 0 0"; done
	local out
	if ! out=$(mtan_figures "$name.zst"); then
		fail "oracle $name: mtan sql failed" "$(head -c 400 mtan.err)"
		return
	fi
	while read -r k b n rest; do [ -n "$k" ] && M[$k]="$b $n $rest"; done <<<"$out"
	local shown
	shown=$(printf '%s ' "$@" | tr '\n\t' '  ' | tr -s ' ' | sed -e "s#$SAMPLES/#samples/#g" -e 's/ $//' -e 's/|/\\|/g')
	echo "# $name: $shown"
	echo "#   compared with: $compared"
	local h
	h=$(grep '^heuristic' < <(vg_figures "$vglog") | cut -d' ' -f2- | paste -sd';' -)
	[ -n "$h" ] && note="${note:+$note; }valgrind's heuristics: $h"
	# the _dl_find_object segment: mtan's still reachable ones at 64-byte aligned addresses
	# count as possibly lost where valgrind has as many more of them possibly lost
	local rb rn ab an vpn mpn moved="" k2
	local -A R
	for k2 in "${!M[@]}"; do R[$k2]=${M[$k2]}; done
	read -r rb rn _ _ _ _ ab an <<<"${M[still_reachable]}"
	read -r _ _ _ _ _ vpn <<<"${V[possibly_lost]}"
	read -r _ _ _ _ _ mpn _ <<<"${M[possibly_lost]}"
	if [ "$an" -gt 0 ] && [ $((vpn - mpn)) -ge "$an" ]; then
		local -a r p
		read -ra r <<<"${M[still_reachable]}"
		read -ra p <<<"${M[possibly_lost]}"
		M[still_reachable]="$((r[0] - ab)) $((r[1] - an)) ${r[*]:2}"
		M[possibly_lost]="$((p[0] + ab)) $((p[1] + an)) ${p[*]:2}"
		moved="$ab bytes in $an blocks of ld.so's _dl_find_object segment at 64-byte aligned addresses"
		note="${note:+$note; }ld.so's _dl_find_object segment, $ab B: still reachable under mtrec (its block 64-byte aligned), possibly lost under valgrind"
	fi
	local -a cells=()
	for k in $KINDS; do
		local mb mn mdb mdn vb vn vdb vdn
		read -r mb mn mdb mdn _ <<<"${M[$k]}"
		read -r vb vn vdb vdn _ <<<"${V[$k]}"
		local what="$name: ${LABEL[$k]}: mtan $(fmt_fig "$mb" "$mn"), valgrind $(fmt_fig "$vb" "$vn")"
		if [ -n "$moved" ] && [[ $k == still_reachable || $k == possibly_lost ]]; then
			what="$what (allowed: $moved judged as valgrind judges them)"
		fi
		# the table shows mtan's own figures
		local rmb rmn
		read -r rmb rmn _ <<<"${R[$k]}"
		local cell="$rmb / $vb B, $rmn / $vn blocks"
		[ "$rmb $rmn" == "$vb $vn" ] && cell="$rmb B in $rmn (both)"
		if [ "$mb $mn" == "$vb $vn" ]; then
			ok "$what"
		elif [ "$mn" = "$vn" ] && [ "$mdn" = "$vdn" ] && [ "$mdn" -gt 0 ] &&
			[ $((mb - mdb)) -eq $((vb - vdb)) ] && [ $((mdb - vdb)) -gt 0 ] && [ $(((mdb - vdb) % (16 * mdn))) -eq 0 ]; then
			ok "$what (allowed: glibc's TLS vector, $mdn blocks, $((mdb - vdb)) bytes more under mtrec)"
			cell="$cell (TLS vector +$((mdb - vdb)) B)"
		else
			fail "$what" "TLS vector (allocate_dtv) among them: mtan $(fmt_fig "$mdb" "$mdn"), valgrind $(fmt_fig "$vdb" "$vdn")" \
				"valgrind's loss records: $PWD/$vglog; mtan: $MTAN_PLAIN leaks --reachable $PWD/$name.zst"
			cell="**$cell**"
		fi
		cells+=("$cell")
	done
	if [ -n "${M[not_scanned]:-}" ]; then
		read -r mb mn _ <<<"${M[not_scanned]}"
		fail "$name: not scanned: mtan $(fmt_fig "$mb" "$mn"), valgrind scans every block of a process that exits"
		note="${note:+$note; }**not scanned: $mb B in $mn**"
	fi
	local other
	other=$(grep -v -E "^(${KINDS// /|}|not_scanned) " <<<"$out" | grep -v '^$' | paste -sd';' -)
	[ -n "$other" ] && fail "$name: unknown leak_kind rows: $other"
	if [ -n "${ORACLE_TABLE:-}" ]; then
		local cut=$shown
		[ ${#cut} -gt 70 ] && cut="${cut:0:67}..."
		echo "| \`$cut\` | ${cells[0]} | ${cells[1]} | ${cells[2]} | ${cells[3]} | $note |" >>"$ORACLE_TABLE"
	fi
}

# need CMD PACKAGE: the command, installed if it is missing (skipped only when it cannot be)
need() {
	command -v "$1" >/dev/null && return 0
	"$TOP/tools/deps.sh" "$2" >&2 && command -v "$1" >/dev/null && return 0
	echo "skip $1: not installed, and it cannot be installed here (apt-get install $2)"
	return 1
}

# --- the samples: planted figures
oracle leakkinds "$SAMPLES/leakkinds"
# blocks reached only by interior pointers that memcheck's heuristics explain (the scan's HEADS)
oracle heuristics "$SAMPLES/heuristics"
oracle leaky "$SAMPLES/leaky"
oracle cxxleak "$SAMPLES/cxxleak"
oracle clean "$SAMPLES/clean"
oracle inlined "$SAMPLES/inlined"
oracle dlopener "$SAMPLES/dlopener" "$SAMPLES/plugin.so"
# threads that ended: their stacks are cached by glibc with their TLS vectors
oracle stress "$SAMPLES/stress" 4 200

# --- real programs, small workloads (valgrind runs them 20-50 times slower)
seq 1 3000 | awk '{print ($1 * 7919) % 30011}' >in.txt
cat >w.sql <<'SQL'
CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<500) INSERT INTO t SELECT x, printf('row %d', x) FROM c;
CREATE INDEX tb ON t(b);
SELECT count(*), sum(length(b)) FROM t WHERE b LIKE 'row 1%';
SQL
need git git && oracle git git --version
need python3 python3 && oracle python3 python3 -c 'import json; print(json.dumps({"a": [1, 2, 3]}))'
need sqlite3 sqlite3 && oracle sqlite3 sqlite3 :memory: ".read w.sql"
# perl copies its environment into %ENV, and mtrec's variables are not valgrind's: emptied
# first, the environments leave nothing behind
need perl perl && oracle perl perl -e '%ENV = (); my %h; $h{$_} = "v" x ($_ % 50) for 1 .. 2000;
	my @s = sort { $h{$a} cmp $h{$b} } keys %h; print scalar(@s), "\n"'
need gzip gzip && oracle gzip gzip -c in.txt
need sort coreutils && oracle sort sort -n in.txt
need tar tar && oracle tar tar -cf - in.txt w.sql
