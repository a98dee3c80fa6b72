# Interpreter and JIT frames from perf maps (issue #17): the recorder copies a process's
# /tmp/perf-PID.map into the trace when it ends (PERF_MAP records), lines it cannot read
# left out; the analyzer names frames in no module that fall in an entry's range, module
# '[perf-map]', with the file gone by then. Python >= 3.12 (-X perf) names the function
# that leaks; node (--perf-basic-prof) its JavaScript functions, whose frames libunwind
# walks through by their frame pointers.
. "$TOP/tests/e2e/lib.bash"

# ---- the recorder's reading of a perf map, hostile lines included: a program that
# writes its own map, as a runtime would
cat >writer.py <<'PY'
import os
long_name = "n" * 5000
with open("/tmp/perf-%d.map" % os.getpid(), "w") as f:
    f.write("1000 10 good one\n")
    f.write("0x2000 0x20 with 0x prefix\n")
    f.write("zzzz 10 bad start\n")
    f.write("3000 10\n")
    f.write("4000 10 " + "x" * 20000 + "\n")
    f.write("5000 10 after the long line\n")
    f.write("6000 10 " + long_name + "\n")
    f.write("7000 10 no newline at the end")
PY
"$MTREC" -q -o writer.zst python3 writer.py
pid=$("$TOP/build/mtdump" writer.zst | sed -n 's/^perf_map pid=\([0-9]*\) .*/\1/p' | head -1)
rm -f "/tmp/perf-$pid.map"
check_eq "the map's entries are in the trace; lines that are not entries, and one longer than the reader's buffer, are left out" \
	"$("$TOP/build/mtdump" writer.zst | sed -n 's/^perf_map pid=[0-9]* seq=[0-9]* //p' | cut -c1-60)" \
	"start=0x1000 size=0x10 name=good one
start=0x2000 size=0x20 name=with 0x prefix
start=0x5000 size=0x10 name=after the long line
start=0x6000 size=0x10 name=nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn
start=0x7000 size=0x10 name=no newline at the end"
check_eq "a name is cut at the recorder's string limit (4096)" \
	"$("$TOP/build/mtdump" writer.zst | sed -n 's/^perf_map .* start=0x6000 size=0x10 name=//p' | tr -d '\n' | wc -c)" 4096
"$MTREC" -q -o nomap.zst python3 -c 'pass'
check_eq "a process without a perf map: no PERF_MAP record" "$("$TOP/build/mtdump" nomap.zst | grep -c '^perf_map')" 0
# a map last written before the process started was an earlier process's (same pid)
"$MTREC" -q -o stale.zst python3 -c '
import os
p = "/tmp/perf-%d.map" % os.getpid()
open(p, "w").write("1000 10 stale\n")
os.utime(p, (1000000000, 1000000000))
print(p)' >stale.txt
rm -f "$(cat stale.txt)"
check_eq "a map older than the process: not copied" "$("$TOP/build/mtdump" stale.zst | grep -c '^perf_map')" 0

# ---- Python >= 3.12, -X perf: a function that leaks bytearrays (each kept alive by a
# reference no object holds), named though the map file is gone
py=""
for c in python3.14 python3.13 python3.12 "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3; do
	p=$(command -v "$c" 2>/dev/null) || continue
	"$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { py=$p; break; }
done
if [ -z "$py" ]; then
	echo "skip python -X perf: no Python 3.12 or later here (pyenv install 3.12, or a python3.12 on PATH)"
else
	cat >leak.py <<'PY'
import ctypes
def leak_bytearrays(n):
    for i in range(n):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(bytearray(100000 + i)))
def main():
    leak_bytearrays(5)
main()
PY
	"$MTREC" -q -o py.zst "$py" -X perf leak.py
	pid=$("$TOP/build/mtdump" py.zst | sed -n 's/^perf_map pid=\([0-9]*\) .*/\1/p' | head -1)
	check_ge "python -X perf: its map is in the trace" "$("$TOP/build/mtdump" py.zst | grep -c "^perf_map pid=$pid .*name=py::leak_bytearrays:")" 1
	rm -f "/tmp/perf-$pid.map"
	check_rc "python -X perf: leaks" 0 "$MTAN" leaks --reachable --all-frames --format json py.zst
	check_eq "python -X perf: the leaking Python function names a frame of the bytearrays' stack" \
		"$(json_get "$OUT" "sorted({(s['bytes'], f['function'], f['module']) for s in d for f in s['frames'] if f['function'] and f['function'].startswith('py::leak_bytearrays:')})")" \
		"[[500015, \"py::leak_bytearrays:$PWD/leak.py\", \"[perf-map]\"]]"
	check_eq "python -X perf: frames.module and function in SQL" \
		"$(sqlite3 py.zst.db "SELECT count(*) > 0 FROM frames WHERE module = '[perf-map]' AND function LIKE 'py::leak_bytearrays:%' AND file IS NULL")" 1
fi

# ---- node --perf-basic-prof: JavaScript functions (interpreted ones get code of their
# own with --interpreted-frames-native-stack)
if ! command -v node >/dev/null && ! { "$TOP/tools/deps.sh" nodejs >&2 && command -v node >/dev/null; }; then
	echo "skip node --perf-basic-prof: node is not installed and cannot be installed here (apt-get install nodejs)"
else
	cat >leak.js <<'JS'
const keep = [];
function leakBuffers(n) {
  for (let i = 0; i < n; i++) keep.push(Buffer.alloc(200000 + i));
}
for (let j = 0; j < 3; j++) leakBuffers(4);
process.exit(0);
JS
	"$MTREC" -q -o node.zst node --perf-basic-prof --interpreted-frames-native-stack leak.js
	pid=$("$TOP/build/mtdump" node.zst | sed -n 's/^perf_map pid=\([0-9]*\) .*/\1/p' | head -1)
	[ -n "$pid" ] && rm -f "/tmp/perf-$pid.map"
	check_rc "node --perf-basic-prof: leaks" 0 "$MTAN" leaks --reachable --all-frames --depth 64 --format json node.zst
	check_eq "node --perf-basic-prof: the JavaScript function that allocates, and its caller, name frames of the buffers' stack" \
		"$(json_get "$OUT" "sorted({(s['bytes'], f['function'].split(' ')[0][4:], f['module']) for s in d if s['bytes'] == 2400018 for f in s['frames'] if f['function'].startswith('JS:') and f['function'].endswith(('leak.js:2:21', 'leak.js:1:1'))})")" \
		'[[2400018, "", "[perf-map]"], [2400018, "leakBuffers", "[perf-map]"]]'
fi
