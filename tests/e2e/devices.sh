# Devices and races (issue 14, points 3 and 4): a device's baseline (mtrec_device_ready, else
# the first mark after the open) and the blocks held to its close (meshhold, PIE and
# -no-pie; meshdev: seed 000's system buffers, none held); the late report of a reuse race
# in both forms (racelate: seed 001), repairs that never end before they begin, and the
# stacks of the reports. Each sample's header states the figures.
. "$TOP/tests/e2e/lib.bash"

sql() {
	python3 -c 'import json,sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(json.dumps(c.execute(sys.argv[2]).fetchall()))' "$1" "$2"
}
csv_get() {
	python3 -c 'import csv,json,sys; rows=list(csv.DictReader(open(sys.argv[1], newline=""))); r=eval(sys.argv[2]); print(json.dumps(r))' "$1" "$2"
}
record() { # NAME SAMPLE [ARGS]
	local name=$1; shift
	if ! "$MTREC" -q -o "$name.zst" "$SAMPLES/$@" >/dev/null 2>"$name.err"; then
		fail "mtrec records $*" "$(head -c 600 "$name.err")"
		return 1
	fi
	"$MTAN" load "$name.zst" >/dev/null 2>&1
}
# the frame a site starts at, past the allocator and mtrec.h
SITE='[f["function"] for f in s["frames"] if f["file"] and not f["file"].endswith("mtrec.h")][0]'

# ---------------------------------------------------------------- held to close (meshhold)
record hold meshhold && record holdfix meshhold --fixed && record holdnp meshhold-nopie
check_eq "meshhold: SQLite's integrity check (lifetimes_released holds the blocks a close released)" \
	"$(sqlite3 hold.zst.db 'PRAGMA integrity_check'):$(sqlite3 hold.zst.db "SELECT count(*) FROM lifetimes INDEXED BY lifetimes_released WHERE end_reason = 'device_close' AND pid > 0")" "ok:$(sqlite3 hold.zst.db "SELECT count(*) FROM lifetimes NOT INDEXED WHERE end_reason = 'device_close'")"
check_rc "meshhold: leaks --format json" 0 "$MTAN" leaks hold.zst --format json
cp "$OUT" hold.json
check_eq "meshhold: no leak on any device" "$(json_get hold.json '[s for s in d if s["device"] != -1 and "ended" not in s]')" "[]"
check_eq "meshhold: one site held to close: device 1's tensor, 4 MiB, in keep_tensor" \
	"$(json_get hold.json '[[s["device"], s["space"], s["blocks"], s["bytes"], s["ended"], '"$SITE"'] for s in d if s.get("held_to_close")]')" \
	'[[1, "DRAM", 1, 4194304, "device_close", "keep_tensor"]]'
check_eq "meshhold: the baseline released by close, per device and space, in setup" \
	"$(json_get hold.json 'sorted([s["device"], s["space"], s["blocks"], s["bytes"], '"$SITE"'] for s in d if s.get("ended") == "device_close" and not s["held_to_close"])')" \
	'[[0, "DRAM", 8, 8388608, "setup"], [0, "L1", 2, 32768, "setup"], [1, "DRAM", 8, 8388608, "setup"], [2, "DRAM", 8, 8388608, "setup"], [3, "DRAM", 8, 8388608, "setup"]]'
check_eq "meshhold: where each setup ended (ready for 0 and 1, the mark 'work' for 2 and 3)" \
	"$(sql hold.zst.db "SELECT d.device, d.baseline, d.ready_seq IS NOT NULL, coalesce(m.label, '') FROM devices d LEFT JOIN marks m ON m.seq = d.baseline_seq ORDER BY d.device")" \
	'[[0, "ready", 1, ""], [1, "ready", 1, ""], [2, "mark", 0, "work"], [3, "mark", 0, "work"]]'
check_eq "meshhold: the view device_released: held blocks" \
	"$(sql hold.zst.db 'SELECT device, count(*), sum(size) FROM device_released WHERE held_to_close GROUP BY device')" '[[1, 1, 4194304]]'
check_rc "meshhold: leaks (table)" 0 "$MTAN" leaks hold.zst
check_match "meshhold table: the suspects' section" "^held to close \(suspects: allocated after their device's setup, still live when it closed\)$" "$(cat "$OUT")"
check_match "meshhold table: where device 1's setup ended" "^device 1 \(pid [0-9]+\): setup ended at mtrec_device_ready, seq [0-9]+$" "$(cat "$OUT")"
check_match "meshhold table: the held tensor" "^4,194,304 bytes in 1 block held to close \(pid [0-9]+, device 1 DRAM\)$" "$(cat "$OUT")"
check_match "meshhold table: its stack" "^ +#[0-9]+ keep_tensor \(meshhold\.c:[0-9]+\)" "$(cat "$OUT")"
check_match "meshhold table: the baseline apart" "^8,388,608 bytes in 8 blocks released \(pid [0-9]+, device 3 DRAM\)$" "$(cat "$OUT")"
check_nomatch "meshhold table: no baseline block among the suspects" "blocks held to close" "$(cat "$OUT")"
check_rc "meshhold: leaks --format csv" 0 "$MTAN" leaks hold.zst --format csv
check_eq "meshhold csv: released rows with ended and held_to_close" \
	"$(csv_get "$OUT" '[[r["device"], r["space"], r["bytes"], r["function"], r["ended"], r["held_to_close"]] for r in rows if r["ended"]][:2]')" \
	'[["1", "DRAM", "4194304", "keep_tensor", "device_close", "1"], ["0", "DRAM", "8388608", "setup", "device_close", "0"]]'
check_rc "meshhold: check --fail-held fails" 1 "$MTAN" check hold.zst --fail-held --no-growth
check_eq "meshhold: check says what was held" "$(cat "$OUT")" "held_to_close: 4,194,304 bytes in 1 block held to device close past its setup"
check_rc "meshhold: check without --fail-held passes" 0 "$MTAN" check hold.zst --no-growth
check_rc "meshhold: check --fail-held --format json" 1 "$MTAN" check hold.zst --fail-held --no-growth --format json
check_eq "meshhold: the held_to_close check row" "$(json_get "$OUT" '[[r["failed"], r["value"]] for r in d if r["check"] == "held_to_close"]')" '[[1, 1]]'
check_rc "meshhold --device 2: nothing held there" 0 "$MTAN" check hold.zst --fail-held --no-growth --device 2
check_rc "meshhold --fixed: check --fail-held passes" 0 "$MTAN" check holdfix.zst --fail-held --no-growth
check_eq "meshhold --fixed: nothing held, the same baseline" \
	"$(sql holdfix.zst.db 'SELECT coalesce(sum(held_to_close), -1), count(*), sum(size) FROM device_released')" '[[0, 34, 33587200]]'
check_rc "meshhold --fixed: leaks (table)" 0 "$MTAN" leaks holdfix.zst
check_nomatch "meshhold --fixed: no suspects' section" "^held to close" "$(cat "$OUT")"
check_eq "meshhold -no-pie: mtrec_device_ready resolves (dlsym)" \
	"$(sql holdnp.zst.db 'SELECT group_concat(baseline) FROM (SELECT baseline FROM devices ORDER BY device)')" '[["ready,ready,mark,mark"]]'
check_eq "meshhold -no-pie: the same tensor held" \
	"$(sql holdnp.zst.db 'SELECT device, size FROM device_released WHERE held_to_close')" '[[1, 4194304]]'
check_eq "DEVICE_READY in the trace (mtdump)" "$("$TOP/build/mtdump" hold.zst 2>/dev/null | grep -c ' ready dev=')" 2

# ---------------------------------------------------------------- seed 000 (meshdev): none held
record mesh meshdev
"$MTAN" leaks mesh.zst --format json >mesh.json
check_eq "meshdev: every device block ended by close, none held (setup ends at the mark 'work')" \
	"$(json_get mesh.json 'sorted(set((s.get("ended"), s.get("held_to_close")) for s in d if s["device"] != -1))')" '[["device_close", false]]'
check_eq "meshdev: the baselines are the marks" "$(sql mesh.zst.db 'SELECT DISTINCT baseline FROM devices')" '[["mark"]]'
check_rc "meshdev: check --fail-held passes" 0 "$MTAN" check mesh.zst --fail-held --no-growth

# ---------------------------------------------------------------- races (racelate: seed 001)
record late racelate && record latefix racelate --fixed
check_rc "racelate: races --format json" 0 "$MTAN" races late.zst --format json
cp "$OUT" late.json
t1=$(sql late.zst.db 'SELECT DISTINCT tid FROM lifetimes WHERE device = 0 AND size = 256' | tr -d '[] ')
t2=$(sql late.zst.db 'SELECT DISTINCT tid FROM lifetimes WHERE device = 0 AND size = 512' | tr -d '[] ')
check_eq "racelate: six races, three of each form, at the planted addresses" \
	"$(json_get late.json '[[r["form"], r["address"]] for r in d]')" \
	'[["late_alloc", "0x1000"], ["late_alloc", "0x2000"], ["late_alloc", "0x3000"], ["late_free", "0x11000"], ["late_free", "0x12000"], ["late_free", "0x13000"]]'
check_eq "racelate late_alloc: T1's allocation is the late report, T2's the reuse and the free" \
	"$(json_get late.json '[[r["late_tid"], r["alloc_tid"], r["free_tid"]] for r in d if r["form"] == "late_alloc"]')" \
	"[[$t1, $t2, $t2], [$t1, $t2, $t2], [$t1, $t2, $t2]]"
check_eq "racelate late_alloc: numbered free < reuse < late, late_seq the 256-byte block's" \
	"$(json_get late.json 'all(r["free_seq"] < r["alloc_seq"] < r["late_seq"] for r in d if r["form"] == "late_alloc")')" true
check_eq "racelate late_alloc: late_seq is T1's block's allocation" \
	"$(sql late.zst.db "SELECT count(*) FROM races r JOIN lifetimes l ON l.id = r.freed_lifetime_id WHERE r.form = 'late_alloc' AND l.alloc_seq = r.late_seq AND l.tid = r.late_tid AND l.size = 256")" '[[3]]'
check_eq "racelate late_free: T1's free is the late report" \
	"$(json_get late.json '[[r["late_tid"], r["late_seq"] == r["free_seq"], r["alloc_tid"]] for r in d if r["form"] == "late_free"]')" \
	"[[$t1, true, $t2], [$t1, true, $t2], [$t1, true, $t2]]"
check_eq "racelate: no lifetime ends before it begins" \
	"$(sql late.zst.db 'SELECT count(*) FROM lifetimes WHERE end_seq < alloc_seq OR end_ns < alloc_ns')" '[[0]]'
check_eq "racelate late_alloc: T1's block ends where its report put it, freed by T2's free" \
	"$(sql late.zst.db "SELECT count(*) FROM races r JOIN lifetimes l ON l.id = r.freed_lifetime_id WHERE r.form = 'late_alloc' AND l.end_seq = l.alloc_seq AND l.free_seq = r.free_seq AND l.free_tid = $t2 AND l.generation = 1")" '[[3]]'
check_eq "racelate late_free: T1's block ends where T2's begins" \
	"$(sql late.zst.db "SELECT count(*) FROM races r JOIN lifetimes a ON a.id = r.freed_lifetime_id JOIN lifetimes b ON b.id = r.reuse_lifetime_id WHERE r.form = 'late_free' AND a.end_seq = b.alloc_seq")" '[[3]]'
check_eq "racelate: the stacks of the reports (free, late, reuse)" \
	"$(json_get late.json 'sorted(set((r["form"],) + tuple([f["function"] for f in x["frames"] if f["file"] and not f["file"].endswith("mtrec.h")][0] for x in (r["stacks"]["free"], r["stacks"]["late"], r["stacks"]["reuse"])) for r in d))')" \
	'[["late_alloc", "t2_report_free", "t1_report_alloc", "t2_report_alloc"], ["late_free", "t1_report_free", "t1_report_free", "t2_report_alloc"]]'
check_rc "racelate: summary --format json" 0 "$MTAN" summary late.zst --format json
check_eq "racelate: repaired: six reuse races, no other anomaly" \
	"$(json_get "$OUT" 'd["anomalies"]')" '{"unmatched_free": 0, "double_free": 0, "alloc_over_live": 0, "reuse_race": 6}'
check_eq "racelate: the anomaly's event is the reuse (T2's allocation)" \
	"$(sql late.zst.db "SELECT count(*) FROM anomalies a JOIN races r ON r.anomaly_id = a.id WHERE a.seq = r.reuse_seq AND a.tid = $t2 AND a.size = 512")" '[[6]]'
"$MTAN" leaks late.zst --format json >leaks.json
check_eq "racelate: no leak on the device" "$(json_get leaks.json '[s for s in d if s["device"] != -1]')" "[]"
check_eq "racelate: peak of the device: one block at a time" \
	"$(sql late.zst.db 'SELECT peak_bytes FROM peaks WHERE pid IS NOT NULL AND device = 0')" '[[512]]'
check_rc "racelate: races (table)" 0 env COLUMNS=200 "$MTAN" races late.zst
check_match "racelate table: the late report's thread" "^late_alloc +[0-9]+ +0 +DRAM +0x1000 +[0-9]+ +$t2 +[0-9]+ +$t1 +[0-9]+ +$t2 " "$(cat "$OUT")"
check_match "racelate table: a race's reports" "^race 1 at 0x1000 \(late_alloc\)$" "$(cat "$OUT")"
check_match "racelate table: the late allocation, with its stack" "allocation, the late report .*by thread $t1" "$(cat "$OUT")"
check_match "racelate table: T1's frame" "^ +#[0-9]+ t1_report_alloc \(racelate\.c:[0-9]+\)" "$(cat "$OUT")"
check_rc "racelate --fixed: races" 0 "$MTAN" races latefix.zst --format json
check_eq "racelate --fixed: no race" "$(cat "$OUT")" "[]"
"$MTAN" summary latefix.zst --format json >sum.json
check_eq "racelate --fixed: no anomaly" "$(json_get sum.json 'sum(d["anomalies"].values())')" 0

# racyalloc (late free only): the late report is A's free
record racy racyalloc
"$MTAN" races racy.zst --format json >racy.json
check_eq "racyalloc: late_tid and late_seq name A's free" \
	"$(json_get racy.json 'all(r["late_tid"] == r["free_tid"] and r["late_seq"] == r["free_seq"] for r in d) and len(d) == 10')" true
