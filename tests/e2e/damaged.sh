# Damaged traces end to end: a real multi-thread trace cut short at hundreds of places and
# with hundreds of single bytes changed, then files that are not traces at all. mtan never
# dies by a signal, hangs, or says more than one line: it loads what came before the damaged
# frame (all of it: counted independently by mtdump) with one warning naming the file and
# how much it recovered, or refuses with one line naming the file and the offset.
. "$TOP/tests/e2e/lib.bash"
DUMP=$TOP/build/mtdump

"$MTREC" -q -o t.zst "$SAMPLES/stress" 4 20000 >/dev/null
check_rc "the trace reads to its end" 0 "$DUMP" -c t.zst
"$MTAN_PLAIN" summary t.zst --format json --db t.db -q >clean.json

# The sweep: cases run on the plain build in parallel (every 20th also under ASan), each
# checked against the frame boundaries and mtdump's event count of each prefix.
python3 - "$MTAN_PLAIN" "$MTAN" "$DUMP" <<'EOF'
import concurrent.futures as cf, json, os, re, subprocess, sys
mtan, mtan_asan, dump = sys.argv[1:4]
data = open("t.zst", "rb").read()
size = len(data)

def frames(d):
    """(start, end) of each zstd frame (RFC 8878 layout: header, blocks, checksum)."""
    out, off = [], 0
    while off < len(d):
        magic = int.from_bytes(d[off:off + 4], "little")
        assert magic == 0xFD2FB528, "a data frame at %d" % off
        fhd = d[off + 4]
        single, fcs, did = (fhd >> 5) & 1, fhd >> 6, fhd & 3
        p = off + 5 + (0 if single else 1) + [0, 1, 2, 4][did] + [single, 2, 4, 8][fcs]
        while True:
            bh = int.from_bytes(d[p:p + 3], "little")
            p += 3 + (1 if (bh >> 1) & 3 == 1 else bh >> 3)
            if bh & 1:
                break
        p += 4 if (fhd >> 2) & 1 else 0
        out.append((off, p))
        off = p
    return out

fr = frames(data)
bounds = [0] + [e for _, e in fr]
assert bounds[-1] == size and len(fr) >= 3, (len(fr), bounds)

def events_upto(b):
    """Events in the first b bytes, by mtdump (independent of mtan's loader)."""
    if b == 0:
        return 0
    with open("prefix.zst", "wb") as f:
        f.write(data[:b])
    out = subprocess.run([dump, "-c", "prefix.zst"], capture_output=True, text=True).stdout.split()
    return int(out[1]) + int(out[3]) + int(out[7])
oracle = {b: events_upto(b) for b in bounds}
os.unlink("prefix.zst")

def floor_bound(x):
    return max(b for b in bounds if b <= x)

# truncations: spread over the whole file, every byte of the first 24, and every 2 bytes
# within 10 of each frame boundary
cuts = set(range(1, 24)) | {1 + i * (size - 2) // 149 for i in range(150)}
for b in bounds[1:]:
    cuts |= {b + d for d in range(-10, 11, 2)}
cuts = sorted(c for c in cuts if 0 < c < size)
# flips: positions and masks from a fixed LCG, plus every byte of each frame's header and
# checksum (the parts zstd's own check does not cover)
x, flips = 12345, {}
for i in range(150):
    x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
    flips[(x >> 33) % size] = 1 + (x >> 20) % 255
for s, e in fr:
    for p in list(range(s, s + 14)) + list(range(e - 4, e)):
        flips.setdefault(p, 0xFF)

cases = [("cut-%06d.zst" % c, "cut", c, data[:c]) for c in cuts]
cases += [("flip-%06d-%02x.zst" % (p, m), "flip", p,
           data[:p] + bytes([data[p] ^ m]) + data[p + 1:]) for p, m in sorted(flips.items())]

def run(exe, name):
    try:
        r = subprocess.run(["timeout", "10", exe, "summary", name, "--format", "json", "--db", name + ".db"],
                           capture_output=True, text=True, timeout=30)
        return r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired:
        return 124, "", ""

WARN = re.compile(r"^mtan: warning: '(.+)': (.+) at offset (\d+); loaded (\d+) events from the first (\d+) of (\d+) bytes$")
NOEND = re.compile(r"^mtan: warning: '(.+)': trace has no end record \(the recorder was stopped before finishing\); loaded (\d+) events$")
ERR = re.compile(r"^mtan: '(.+)': (.+) at offset (\d+)$")
VERDICT = re.compile(r"^mtan: '(.+)': (not a zstd-compressed file|not an mtrec trace)$")
clean = open("clean.json").read()

def judge(case, rc, out, err):
    """None when the outcome is right, else why not."""
    name, kind, pos, _ = case
    lines = err.splitlines()
    if rc not in (0, 1):
        return "exit %d (signal or timeout)" % rc
    if "AddressSanitizer" in err or "runtime error" in err:
        return "a sanitizer report"
    if len(lines) > 1:
        return "%d lines on stderr" % len(lines)
    if os.path.exists(name + ".db") != (rc == 0):
        return "a database left behind" if rc else "no database"
    good = floor_bound(pos)  # everything before the damaged frame must come back
    if rc == 0 and not lines:  # a change zstd's checks cannot see, and that changes nothing
        return None if kind == "flip" and out == clean else "exit 0, silently"
    try:
        got = json.loads(out) if rc == 0 else None
    except ValueError:
        return "stdout is not JSON"
    line = lines[0]
    m = WARN.match(line)
    if rc == 0 and m:
        f, _, off, ev, rec, total = m.groups()
        off, ev, rec, total = int(off), int(ev), int(rec), int(total)
        if f != name or total != len(case[3]):
            return "the warning names another file or size"
        if off != good or rec != good:
            return "recovered %d bytes, error at %d; the frame before the damage ends at %d" % (rec, off, good)
        if ev != oracle[good] or got["events"] != ev:
            return "loaded %d events (summary %d), mtdump counts %d before the damage" % (ev, got["events"], oracle[good])
        return None
    m = NOEND.match(line)
    if rc == 0 and m:
        if m.group(1) != name or kind != "cut" or pos != good:
            return "'no end record' where a frame was damaged"
        ev = int(m.group(2))
        return None if ev == oracle[good] == got["events"] else "loaded %d events, mtdump counts %d" % (ev, oracle[good])
    m = ERR.match(line)
    if rc == 1 and m:
        if m.group(1) != name:
            return "the error names another file"
        return None if good == 0 and int(m.group(3)) == 0 else "refused although frames before the damage were good"
    m = VERDICT.match(line)
    if rc == 1 and m:
        ok = m.group(1) == name and ((kind == "cut" and pos < 4) or (kind == "flip" and pos < fr[0][0] + 14))
        return None if ok else "a verdict on the whole file from damage at %d" % pos
    return "unexpected: exit %d: %s" % (rc, line)

def one(i):
    case = cases[i]
    name = case[0]
    with open(name, "wb") as f:
        f.write(case[3])
    rc, out, err = run(mtan, name)
    why = judge(case, rc, out, err)
    asan = None
    if i % 20 == 0:  # a sample under ASan+UBSan too: the same outcome, no report
        if os.path.exists(name + ".db"):
            os.unlink(name + ".db")
        arc, aout, aerr = run(mtan_asan, name)
        asan = judge(case, arc, aout, aerr) or ("" if (arc, aerr) == (rc, err) else
                                                "ASan build: exit %d: %s" % (arc, aerr.strip()[:300]))
    for p in (name, name + ".db"):
        if os.path.exists(p):
            os.unlink(p)
    return case, rc, err.strip(), why, asan

with cf.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
    results = list(ex.map(one, range(len(cases))))

def report(desc, rows):
    bad = [r for r in rows if r[3]]
    if not bad:
        print("ok " + desc)
    else:
        print("FAIL " + desc)
        for case, rc, err, why, _ in bad[:8]:
            print("    %s: %s (exit %d: %s)" % (case[0], why, rc, err[:200]))

for kind, what in (("cut", "truncations"), ("flip", "single-byte changes")):
    rows = [r for r in results if r[0][1] == kind]
    warned = sum(1 for r in rows if r[1] == 0 and r[2])
    refused = sum(1 for r in rows if r[1] == 1)
    silent = sum(1 for r in rows if r[1] == 0 and not r[2])
    report("%d %s of a %d-byte trace of %d frames: %d loaded with one warning, %d refused with one line, "
           "%d harmless; none crashed, hung or lost a frame before the damage"
           % (len(rows), what, size, len(fr), warned, refused, silent), rows)
    sampled = [(r[0], r[1], r[2], r[4], None) for r in rows if r[4] is not None]
    report("%s: %d of them under ASan+UBSan too, with the same outcome" % (what, len(sampled)), sampled)
EOF

# ---- files that are not (whole) traces: one line each, exit 1, no database left
zstd -q -d -c t.zst >raw
python3 - <<'EOF'
d = bytearray(open("raw", "rb").read())
i = 1
while d[i] & 0x80:  # HEADER: type, varint length, "MTRACE", then the version varint
    i += 1
assert d[i + 1:i + 7] == b"MTRACE" and d[i + 7] == 1
d[i + 7] = 2
open("raw2", "wb").write(d)
EOF
zstd -q --content-size -c raw2 >v2.zst  # one frame with content size and checksum, as readers need
echo "hello, I am a text file" >text.txt
echo hello | zstd -q >hello.zst
: >empty.zst
mkdir adir
mkfifo fifo.zst
refused() { # DESC FILE MESSAGE
	check_rc "$1: exit 1" 1 timeout 10 "$MTAN" summary "$2" --format json --db refused.db
	check_eq "$1: one line" "$(cat "$ERR")" "$3"
	check_eq "$1: no database" "$(ls refused.db* 2>/dev/null)" ""
}
refused "a newer format version" v2.zst "mtan: 'v2.zst': trace written by a newer format version"
refused "a text file" text.txt "mtan: 'text.txt': not a zstd-compressed file"
refused "another zstd file" hello.zst "mtan: 'hello.zst': not an mtrec trace"
refused "an empty file" empty.zst "mtan: 'empty.zst': not a zstd-compressed file"
refused "a directory" adir "mtan: cannot open 'adir': Is a directory"
refused "/dev/null" /dev/null "mtan: '/dev/null': not a zstd-compressed file"
refused "a FIFO (no waiting for a writer)" fifo.zst "mtan: 'fifo.zst': not a zstd-compressed file"
refused "a missing file" missing.zst "mtan: cannot open 'missing.zst': No such file or directory"

# ---- traces concatenated (cat a.zst b.zst): every frame is good zstd, so only the second
# HEADER tells; refused (loading the first alone would lose a whole run behind a warning)
# with the offset the second starts at and how to split there, which gives both back whole
"$MTREC" -q -o a.zst "$SAMPLES/leaky" >/dev/null
cat a.zst t.zst >cat.zst
a=$(stat -c %s a.zst)
refused "two traces concatenated" cat.zst \
	"mtan: 'cat.zst': a second trace starts at offset $a (traces concatenated); load each alone: 'head -c $a' gives the first, 'tail -c +$((a + 1))' the rest"
check_rc "concatenated: mtan check fails rather than judge one run" 1 "$MTAN" check cat.zst
check_eq "concatenated: check says why, and no verdict" "$(grep -c 'second trace starts' "$ERR") $(cat "$OUT")" "1 "
head -c "$a" cat.zst >first.zst
tail -c +$((a + 1)) cat.zst >rest.zst
check_eq "concatenated: split as the message says, both traces come back whole" \
	"$(cmp -s first.zst a.zst && cmp -s rest.zst t.zst && echo same)" same
check_rc "concatenated: the second half loads" 0 "$MTAN" summary rest.zst --format json
check_eq "concatenated: the second half is the second trace" "$(json_get "$OUT" 'd["events"]')" "$(json_get clean.json 'd["events"]')"
cat a.zst a.zst >twice.zst
refused "a trace concatenated with itself" twice.zst \
	"mtan: 'twice.zst': a second trace starts at offset $a (traces concatenated); load each alone: 'head -c $a' gives the first, 'tail -c +$((a + 1))' the rest"
