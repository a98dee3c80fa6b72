# mtan export --as pprof, speedscope and chrome, each checked against the format's
# published definition or a real reader, their figures against mtan's own: pprof decoded
# by protoc (tests/tools/profile.proto), speedscope validated by ajv against speedscope's
# own file-format-schema.json, the Chrome trace parsed by node; --as folded is --folded.
. "$TOP/tests/e2e/lib.bash"
"$MTREC" -q -o leaky.zst "$SAMPLES/leaky" >/dev/null
"$MTREC" -q -o mesh.zst "$SAMPLES/meshdev" >/dev/null
"$MTREC" -q -o stress.zst "$SAMPLES/stress" 2 50 >/dev/null
"$MTAN" summary leaky.zst --format json >sum.json
leaked=$(json_get sum.json 'd["leaked_bytes"]')
peak=$(json_get sum.json 'd["peak_bytes"]')
allocs=$(json_get sum.json 'd["allocs"]')
allocated=$(json_get sum.json 'd["bytes_allocated"]')
check_eq "leaky: the figures to match (leaked, peak)" "$leaked $peak" "3240 7336"

# ---- --as folded is --folded
check_rc "export --as folded" 0 "$MTAN" export leaky.zst --as folded --of peak
cp "$OUT" folded-as.txt
"$MTAN" export leaky.zst --folded --of peak >folded.txt
check_eq "--as folded: the same as --folded" "$(cat folded-as.txt)" "$(cat folded.txt)"
check_eq "--as folded --of peak: adds up to the peak" "$(awk '{s += $NF} END {print s}' folded-as.txt)" "$peak"

# ---- pprof: protoc decodes it against profile.proto
check_rc "export --as pprof" 0 "$MTAN" export leaky.zst --as pprof -o leaky.pb.gz
check_eq "pprof: gzip-compressed" "$(gzip -t leaky.pb.gz 2>&1 && echo gzip)" "gzip"
# pb FILE: the decoded profile as JSON (protoc's text format read into lists per field)
pb() {
	zcat "$1" | protoc --proto_path="$TOP/tests/tools" --decode=perftools.profiles.Profile \
		"$TOP/tests/tools/profile.proto" >"$1.txt" || return 1
	python3 - "$1.txt" >"$1.json" <<'PY'
import ast, json, sys
stack = [{}]
for line in open(sys.argv[1]):
    line = line.strip()
    if line.endswith("{"):
        m = {}
        stack[-1].setdefault(line[:-1].strip(), []).append(m)
        stack.append(m)
    elif line == "}":
        stack.pop()
    elif line:
        k, v = line.split(":", 1)
        v = v.strip()
        # protoc writes strings C-escaped in double quotes: octal escapes of UTF-8 bytes
        v = ast.literal_eval("b" + v).decode() if v.startswith('"') else int(v) if v.lstrip("-").isdigit() else v
        stack[-1].setdefault(k, []).append(v)
print(json.dumps(stack[0]))
PY
}
if command -v protoc >/dev/null; then
	check_rc "pprof: protoc decodes it as perftools.profiles.Profile" 0 pb leaky.pb.gz
	P=leaky.pb.gz.json
	# the values by sample type: s = strings, sums of each type's column
	sums='(lambda s: {s[t["type"][0]] + "/" + s[t["unit"][0]]: sum(x["value"][i] for x in d["sample"]) for i, t in enumerate(d["sample_type"])})(d["string_table"])'
	check_eq "pprof: the sample types and their totals (leaks, peak, allocations)" "$(json_get $P "$sums")" \
		"{\"alloc_objects/count\": $allocs, \"alloc_space/bytes\": $allocated, \"inuse_space/bytes\": $peak, \"leaked_space/bytes\": $leaked}"
	check_eq "pprof: string_table[0] is empty, leaked_space the default" \
		"$(json_get $P '[d["string_table"][0], d["string_table"][d["default_sample_type"][0]]]')" '["", "leaked_space"]'
	# every id a sample or a location names is there
	check_eq "pprof: samples name locations, locations functions and mappings that exist" \
		"$(json_get $P '[all(l in {x["id"][0] for x in d["location"]} for s in d["sample"] for l in s["location_id"]), all(ln["function_id"][0] in {f["id"][0] for f in d["function"]} for x in d["location"] for ln in x["line"]), all(x.get("mapping_id", [1])[0] in {m["id"][0] for m in d["mapping"]} for x in d["location"])]')" \
		"[true, true, true]"
	# a location of leak_buffers: function, file and line; its mapping the sample with its build id
	fn='(lambda s, F, M: [[s[F[ln["function_id"][0]]["name"][0]], s[F[ln["function_id"][0]].get("filename", [0])[0]], ln.get("line", [0])[0] > 0, s[M[x["mapping_id"][0]]["filename"][0]].rsplit("/", 1)[-1], s[M[x["mapping_id"][0]]["build_id"][0]]] for x in d["location"] for ln in x["line"] if s[F[ln["function_id"][0]]["name"][0]] == "leak_buffers"][0])(d["string_table"], {f["id"][0]: f for f in d["function"]}, {m["id"][0]: m for m in d["mapping"]})'
	bid=$(readelf -n "$SAMPLES/leaky" | sed -n 's/.*Build ID: //p')
	check_eq "pprof: a location with its function, file and line, in a mapping with the build id" \
		"$(json_get $P "$fn")" "[\"leak_buffers\", \"samples/leaky.c\", true, \"leaky\", \"$bid\"]"
	check_eq "pprof: a leak's stack, leaf first: leak_buffers, then main" \
		"$(json_get $P '(lambda s, F, L: [[s[F[ln["function_id"][0]]["name"][0]] for l in x["location_id"] for ln in L[l]["line"]] for x in d["sample"] if x["value"][3] == 3000][0])(d["string_table"], {f["id"][0]: f for f in d["function"]}, {l["id"][0]: l for l in d["location"]})' | grep -o '"leak_buffers", "main"')" \
		'"leak_buffers", "main"'
	check_eq "pprof: samples labelled with pid, device and space" \
		"$(json_get $P '(lambda s: sorted({s[l["key"][0]] + "=" + (s[l["str"][0]] if "str" in l else "num") for x in d["sample"] for l in x["label"]}))(d["string_table"])')" \
		'["device=host", "pid=num", "space=heap"]'
	# devices: the leaked and peak bytes by device label, against mtan's own
	"$MTAN" export mesh.zst --as pprof -o mesh.pb.gz && pb mesh.pb.gz
	mpeak=$("$MTAN" sql mesh.zst 'SELECT peak_bytes FROM peaks WHERE pid IS NULL AND device IS NULL AND space IS NULL' --format csv | tail -1)
	check_eq "pprof: meshdev's inuse_space adds up to its peak, over 9 devices" \
		"$(json_get mesh.pb.gz.json '(lambda s: [sum(x["value"][2] for x in d["sample"]), len({s[l["str"][0]] for x in d["sample"] for l in x["label"] if s[l["key"][0]] == "device"})])(d["string_table"])')" \
		"[$mpeak, 9]"
	check_rc "pprof: --pid of a process not in the trace: exit 1" 1 "$MTAN" export leaky.zst --as pprof -o x.pb.gz --pid 1
	check_eq "pprof: nothing half written" "$(ls x.pb.gz 2>&1 | grep -c 'No such')" 1
else
	skip "pprof: protoc decodes it" "protoc not installed and it cannot be (apt-get install protobuf-compiler)"
fi
check_rc "pprof to a terminal-less stdout" 0 "$MTAN" export leaky.zst --as pprof
check_eq "pprof: stdout the same bytes once uncompressed" "$(zcat <"$OUT" | md5sum)" "$(zcat leaky.pb.gz | md5sum)"
if command -v script >/dev/null; then
	script -qec "$MTAN export leaky.zst --as pprof" /dev/null >tty.txt 2>&1
	check_match "pprof: refused on a terminal" "a pprof profile is binary: give -o FILE or redirect stdout" "$(cat tty.txt)"
fi

# ---- speedscope: ajv against speedscope's published schema
check_rc "export --as speedscope" 0 "$MTAN" export leaky.zst --as speedscope -o leaky.speedscope.json
S=leaky.speedscope.json
NODE_MODULES=$TOP/build/node/node_modules
if command -v node >/dev/null && [ -f "$NODE_MODULES/ajv/package.json" ] &&
	[ -f "$NODE_MODULES/speedscope/dist/release/file-format-schema.json" ]; then
	validate() {
		NODE_PATH=$NODE_MODULES node -e '
			const Ajv = require("ajv"), fs = require("fs");
			const schema = JSON.parse(fs.readFileSync(process.argv[1]));
			const ajv = new Ajv({strict: false});
			const ok = ajv.validate(schema, JSON.parse(fs.readFileSync(process.argv[2])));
			console.log(ok ? "valid" : JSON.stringify(ajv.errors).slice(0, 600));' \
			"$NODE_MODULES/speedscope/dist/release/file-format-schema.json" "$1"
	}
	check_eq "speedscope: valid by its published schema (ajv)" "$(validate $S)" "valid"
	echo '{"$schema": "https://www.speedscope.app/file-format-schema.json", "shared": {"frames": []}, "profiles": [{"type": "sampled"}]}' >bad.json
	check_nomatch "speedscope: the schema check does fail a broken file" '^valid$' "$(validate bad.json)"
	"$MTAN" export mesh.zst --as speedscope -o mesh.speedscope.json
	check_eq "speedscope: meshdev's (devices, no leaks) valid too" "$(validate mesh.speedscope.json)" "valid"
else
	skip "speedscope: valid by its published schema" "node, ajv or the speedscope package not installed (make npm-test-pkgs)"
fi
check_eq "speedscope: \$schema, and the profiles' totals: leaked, live at the peak" \
	"$(json_get $S '[d["$schema"], [[p["name"], p["unit"], sum(p["weights"]), p["endValue"]] for p in d["profiles"]]]')" \
	"[\"https://www.speedscope.app/file-format-schema.json\", [[\"leaked bytes\", \"bytes\", $leaked, $leaked], [\"bytes live at the peak\", \"bytes\", $peak, $peak]]]"
check_eq "speedscope: a sample per stack, outermost first, to leak_buffers in leaky.c" \
	"$(json_get $S '(lambda F: [[F[s[-1]]["name"], F[s[-1]]["file"], F[s[-1]]["line"] > 0] for s, w in zip(d["profiles"][0]["samples"], d["profiles"][0]["weights"]) if w == 3000])(d["shared"]["frames"])')" \
	'[["leak_buffers", "samples/leaky.c", true]]'
check_eq "speedscope: the same samples as folded stacks" \
	"$(json_get $S '"|".join(sorted(";".join(d["shared"]["frames"][i]["name"] for i in s) + " " + str(w) for s, w in zip(d["profiles"][1]["samples"], d["profiles"][1]["weights"])))')" \
	"$(sort folded.txt | paste -sd'|')"

# ---- chrome: node parses it; the counters against the timeline and the peaks
check_rc "export --as chrome" 0 "$MTAN" export mesh.zst --as chrome -o mesh.trace.json
C=mesh.trace.json
if command -v node >/dev/null; then
	check_eq "chrome: node parses it" "$(node -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1])); console.log(Array.isArray(d.traceEvents) && d.traceEvents.length > 0)' $C)" "true"
else
	skip "chrome: node parses it" "node not installed and it cannot be (apt-get install nodejs)"
fi
check_eq "chrome: every event has a name, a phase, a pid; counters and instants a time" \
	"$(json_get $C 'all("name" in e and e["ph"] in "CiM" and "pid" in e and (e["ph"] == "M" or isinstance(e["ts"], float)) for e in d["traceEvents"])')" "true"
check_eq "chrome: the process named" "$(json_get $C '[e["args"]["name"] for e in d["traceEvents"] if e["name"] == "process_name"]')" '["meshdev"]'
# the counter of each process's device and space: its last value is live at the end, its most the peak
"$MTAN" sql mesh.zst "SELECT s.device, s.name, s.end_bytes, p.peak_bytes FROM space_stats s JOIN peaks p ON p.pid = s.pid AND p.device = s.device AND p.space = s.name ORDER BY s.device, s.name" --format csv | tail -n +2 | tr -d '"' >want.csv
check_eq "chrome: meshdev has 10 spaces (host heap, 8 DRAM, an L1)" "$(wc -l <want.csv)" 10
series='(lambda c: "\n".join(sorted(",".join(map(str, [k.split(" ")[3] if k.startswith("live bytes device") else -1, k.rsplit(" ", 1)[1], v[-1], max(v)])) for k, v in c.items())))((lambda c: [c.setdefault(e["name"], []).append(e["args"]["bytes"]) for e in sorted([e for e in d["traceEvents"] if e["ph"] == "C"], key=lambda e: e["ts"])] and c)({}))'
check_eq "chrome: each counter's last value is live at the end, its most the peak" "$(json_get $C "$series")" "$(sort want.csv)"
check_eq "chrome: a counter per device, named by it" \
	"$(json_get $C 'sorted({e["name"] for e in d["traceEvents"] if e["ph"] == "C"})[:3]')" \
	'["live bytes device 0 (mesh0) DRAM", "live bytes device 0 (mesh0) L1", "live bytes device 1 (mesh1) DRAM"]'
check_eq "chrome: the marks as instant events on their thread" \
	"$(json_get $C '[[e["name"], e["s"], e["tid"] == e["pid"]] for e in d["traceEvents"] if e["ph"] == "i"]')" \
	"$("$MTAN" sql mesh.zst 'SELECT label FROM marks ORDER BY seq' --format csv | tail -n +2 | python3 -c 'import sys, json; print(json.dumps([[l.strip().strip("\""), "t", True] for l in sys.stdin]))')"
"$MTAN" export stress.zst --as chrome -o stress.trace.json
check_eq "chrome: the threads named" \
	"$(json_get stress.trace.json 'sorted(e["args"]["name"] for e in d["traceEvents"] if e["name"] == "thread_name")')" \
	'["stress", "worker-0", "worker-1"]'
check_eq "chrome: times in microseconds from the trace's start (the last counter: the timeline's last bucket)" \
	"$(json_get $C 'round(max(e["ts"] for e in d["traceEvents"] if e["ph"] == "C") * 1000)')" \
	"$("$MTAN" sql mesh.zst 'SELECT max(time_ns) FROM timeline WHERE pid IS NOT NULL' --format csv | tail -1)"

# ---- a failed write: told, exit 1; a device given as -o is left as it is (a half-written
# file is removed). As root, a /dev/full of our own here: nothing outside is at stake.
mknod full c 1 7 2>/dev/null && dev=$PWD/full || dev=/dev/full
for as in pprof speedscope chrome; do
	check_rc "--as $as to a full device: exit 1" 1 "$MTAN" export leaky.zst --as $as -o "$dev"
	check_eq "--as $as to a full device: the message, the device left" "$(cat "$ERR")|$(test -c "$dev" && echo device)" \
		"mtan: cannot write '$dev': No space left on device|device"
done

# ---- usage
check_rc "--as nonsense: exit 2" 2 "$MTAN" export leaky.zst --as svg
check_eq "--as nonsense: the message" "$(head -1 "$ERR")" "mtan: export: invalid value 'svg' for '--as'"
check_rc "--folded with --as pprof: exit 2" 2 "$MTAN" export leaky.zst --folded --as pprof
check_eq "--folded with --as pprof: the message" "$(head -1 "$ERR")" "mtan: export: --folded and --as pprof: give one"
check_rc "--of with --as speedscope: exit 2" 2 "$MTAN" export leaky.zst --as speedscope --of peak
check_rc "--limit with --as chrome: exit 2" 2 "$MTAN" export leaky.zst --as chrome --limit 3
check_eq "--limit with --as chrome: the message" "$(head -1 "$ERR")" "mtan: export: '--limit' does not apply to --as chrome"
check_rc "--what with --as: exit 2" 2 "$MTAN" export leaky.zst --what events --as chrome
