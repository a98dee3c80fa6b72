# mtan check, the CI verdict: exit codes and lines on the leaky and clean samples with and
# without suppressions (LeakSanitizer's format), --max-leaked, anomalies on a synthetic
# trace, address-reuse races on racyalloc and growth on peers.
. "$TOP/tests/e2e/lib.bash"

"$MTREC" -q -o leaky.zst "$SAMPLES/leaky" >/dev/null
"$MTREC" -q -o clean.zst "$SAMPLES/clean" >/dev/null

# ---- the clean program passes (glibc's stdio buffer is suppressed by default)
check_rc "clean: exit 0" 0 "$MTAN" check clean.zst
check_eq "clean: ok" "$(cat "$OUT")" "ok"
check_eq "clean: the built-in suppression is noted" "$(cat "$ERR")" \
	"mtan: note: suppressed by 'leak:_IO_file_doallocate' (built in): 4,096 bytes in 1 block at 1 site"
check_rc "clean -q: exit 0" 0 "$MTAN" check -q clean.zst
check_eq "clean -q: nothing on stderr" "$(cat "$ERR")" ""
# without the suppressions the buffer is still reachable (FILE points to it): not lost,
# judged by --max-reachable only
check_rc "clean --no-default-suppressions: still reachable, exit 0" 0 "$MTAN" check clean.zst --no-default-suppressions --no-growth
check_rc "clean --no-default-suppressions --max-reachable 4K: exit 0" 0 "$MTAN" check -q clean.zst --no-default-suppressions --max-reachable 4K --no-growth
check_rc "clean --no-default-suppressions --max-reachable 4095: exit 1" 1 "$MTAN" check -q clean.zst --no-default-suppressions --max-reachable 4095 --no-growth
check_eq "clean --no-default-suppressions --max-reachable 4095: stdio's buffer counts" "$(cat "$OUT")" \
	"reachable: 4,096 bytes in 1 block, over --max-reachable 4095"

# ---- C++: libstdc++'s emergency exception pool (allocated by its constructor before main,
# kept for the whole process) is built in; the program's own leaks are judged
cat >cxxclean.cpp <<'CXX'
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>
int main()
{
	std::vector<std::string> v;
	for (int i = 0; i < 100; i++)
		v.push_back(std::string(40, 'a' + i % 26));
	std::map<int, std::unique_ptr<int>> m;
	for (int i = 0; i < 50; i++)
		m[i] = std::make_unique<int>(i);
	try {
		throw std::runtime_error("thrown and caught");
	} catch (const std::exception &) {
	}
	return v.size() == 100 ? 0 : 1;
}
CXX
g++ -O1 -o cxxclean cxxclean.cpp
"$MTREC" -q -o cxxclean.zst ./cxxclean
check_rc "C++ clean: exit 0" 0 "$MTAN" check cxxclean.zst
check_eq "C++ clean: the exception pool's suppression is noted" "$(grep _dl_start_user "$ERR")" \
	"mtan: note: suppressed by 'leak:_dl_start_user' (built in): 72,704 bytes in 1 block at 1 site"
check_rc "C++ clean --no-default-suppressions: still reachable, exit 0" 0 "$MTAN" check -q cxxclean.zst --no-default-suppressions --no-growth
check_rc "C++ clean --no-default-suppressions --max-reachable 0: exit 1" 1 "$MTAN" check -q cxxclean.zst --no-default-suppressions --max-reachable 0 --no-growth
check_match "C++ clean --no-default-suppressions --max-reachable 0: the pool counts" \
	"^reachable: [0-9,]+ bytes in [0-9]+ blocks?, over --max-reachable 0$" "$(cat "$OUT")"
"$MTAN" leaks -q cxxclean.zst --no-default-suppressions --reachable --format json >pool.json
check_eq "C++ clean: the 72,704-byte pool is still reachable" \
	"$(json_get pool.json '[[s["kind"], s["bytes"]] for s in d if s["bytes"] == 72704]')" '[["still_reachable", 72704]]'
"$MTREC" -q -o cxxleak.zst "$SAMPLES/cxxleak" >/dev/null
check_rc "cxxleak: exit 1" 1 "$MTAN" check -q cxxleak.zst
check_eq "cxxleak: only its planted leaks (4 x 64 and 2 x 40 bytes)" "$(cat "$OUT")" \
	"leaks: 336 bytes in 6 blocks at 2 sites, over --max-leaked 0"
# a library's constructor keeping a block: suppressed (built in) when the library is loaded
# before main; judged when it is dlopen'ed: kept in a global, still reachable
cat >keeper.c <<'C'
#include <stdlib.h>
void *kept;
__attribute__((constructor)) static void keep(void) { kept = malloc(777); }
C
cat >loads.c <<'C'
#include <dlfcn.h>
int main(int argc, char **argv) { return argc > 1 && !dlopen(argv[1], RTLD_NOW); }
C
gcc -shared -fPIC -o libkeeper.so keeper.c
gcc -o linked loads.c -L. -lkeeper -Wl,-rpath,"$PWD" -Wl,--no-as-needed -ldl
gcc -o opener loads.c -ldl
"$MTREC" -q -o linked.zst ./linked
check_rc "a linked library's constructor block: exit 0" 0 "$MTAN" check -q linked.zst
"$MTREC" -q -o opener.zst ./opener "$PWD/libkeeper.so"
check_rc "a dlopen'ed library's constructor block in a global: still reachable, exit 0" 0 "$MTAN" check -q opener.zst --no-growth
check_rc "... with --max-reachable 0: exit 1" 1 "$MTAN" check -q opener.zst --format json --max-reachable 0 --no-growth
reach=$(json_get "$OUT" '[c["value"] for c in d if c["check"] == "reachable"][0]')
printf 'leak:keep\n' >keep.supp
"$MTAN" check -q opener.zst --format json --max-reachable 0 --suppressions keep.supp >keep.json
check_eq "... the block counts (777 bytes fewer when suppressed by name)" \
	"$((reach - $(json_get keep.json '[c["value"] for c in d if c["check"] == "reachable"][0]')))" 777

# ---- the leaky program fails, with its planted leaks exactly
check_rc "leaky: exit 1" 1 "$MTAN" check -q leaky.zst
check_eq "leaky: one line for the leaks" "$(cat "$OUT")" "leaks: 3,240 bytes in 8 blocks at 2 sites, over --max-leaked 0"
printf '# the planted leaks\nleak:leak_buffers\n\n  leak:leak_config  \n' >both.supp
check_rc "leaky with both sites suppressed: exit 0" 0 "$MTAN" check leaky.zst --suppressions both.supp
check_eq "leaky with both suppressed: ok" "$(cat "$OUT")" "ok"
check_match "leaky: each suppression's share is noted" \
	"^mtan: note: suppressed by 'leak:leak_buffers' \('both.supp'\): 3,000 bytes in 3 blocks at 1 site$" "$(cat "$ERR")"
check_match "leaky: the other's too" \
	"^mtan: note: suppressed by 'leak:leak_config' \('both.supp'\): 240 bytes in 5 blocks at 1 site$" "$(cat "$ERR")"
echo 'leak:leak_buffers' >one.supp
check_rc "leaky with one site suppressed: exit 1" 1 "$MTAN" check -q leaky.zst --suppressions one.supp
check_eq "leaky with one suppressed: the other remains" "$(cat "$OUT")" "leaks: 240 bytes in 5 blocks at 1 site, over --max-leaked 0"
echo 'leak:leak_config' >two.supp
check_rc "two suppression files add up: exit 0" 0 "$MTAN" check -q leaky.zst --suppressions one.supp --suppressions two.supp
echo 'leak:leak_*' >glob.supp
check_rc "a glob over function names: exit 0" 0 "$MTAN" check -q leaky.zst --suppressions glob.supp
echo 'leak:^leak_b' >anchor.supp
check_rc "an anchored pattern suppresses one site: exit 1" 1 "$MTAN" check -q leaky.zst --suppressions anchor.supp
check_eq "an anchored pattern: leak_config remains" "$(cat "$OUT")" "leaks: 240 bytes in 5 blocks at 1 site, over --max-leaked 0"
echo 'leak:leaky.c' >file.supp
check_rc "a pattern over source files: exit 0" 0 "$MTAN" check -q leaky.zst --suppressions file.supp
echo 'leak:/leaky' >module.supp
check_rc "a pattern over module paths: exit 0" 0 "$MTAN" check -q leaky.zst --suppressions module.supp
echo 'leak:leak_nothing' >none.supp
check_rc "a pattern that matches nothing: exit 1" 1 "$MTAN" check -q leaky.zst --suppressions none.supp

# ---- --max-leaked
check_rc "--max-leaked 3240 (the leaks exactly): exit 0" 0 "$MTAN" check -q leaky.zst --max-leaked 3240
check_rc "--max-leaked 3239: exit 1" 1 "$MTAN" check -q leaky.zst --max-leaked 3239
check_eq "--max-leaked 3239: the line says so" "$(cat "$OUT")" "leaks: 3,240 bytes in 8 blocks at 2 sites, over --max-leaked 3239"
check_rc "--max-leaked 4K: exit 0" 0 "$MTAN" check -q leaky.zst --max-leaked 4K
check_rc "--max-leaked 3KiB: exit 1" 1 "$MTAN" check -q leaky.zst --max-leaked 3KiB
check_rc "--max-leaked with one suppressed: exit 0" 0 "$MTAN" check -q leaky.zst --suppressions one.supp --max-leaked 240
check_rc "--max-leaked nonsense: exit 2" 2 "$MTAN" check leaky.zst --max-leaked lots

# ---- bad suppression files: exit 1, the file and line named
printf 'leak:ok\nrace:foo\n' >bad.supp
check_rc "an unknown suppression type: exit 1" 1 "$MTAN" check leaky.zst --suppressions bad.supp
check_eq "an unknown suppression type: the message" "$(cat "$ERR")" \
	"mtan: 'bad.supp' line 2: unknown suppression type 'race' (only leak: suppresses leaks)"
check_rc "a missing suppression file: exit 1" 1 "$MTAN" check leaky.zst --suppressions nope.supp
check_eq "a missing suppression file: the message" "$(cat "$ERR")" "mtan: cannot open 'nope.supp': No such file or directory"

# ---- anomalies: one line per kind that occurred
"$TOP/build/mktrace" basic basic.zst
check_rc "unmatched and double frees: exit 1" 1 "$MTAN" check -q basic.zst --max-leaked 1M --no-growth
check_eq "unmatched and double frees: a line each" "$(cat "$OUT")" \
	"unmatched_free: 1 free of an address that was not live
double_free: 1 second free of a block"
check_rc "check --format json" 1 "$MTAN" check -q basic.zst --format json
check_eq "json: every check, failed or not" \
	"$(json_get "$OUT" '[[c["check"], c["failed"], c["value"], c["limit"]] for c in d]')" \
	'[["leaks", 1, 2330, 0], ["suppressed", 0, 0, null], ["reachable", 0, 0, null], ["unmatched_free", 1, 1, 0], ["double_free", 1, 1, 0], ["alloc_over_live", 0, 0, 0], ["reuse_race", 0, 0, 0], ["growth", 1, 1, 0]]'
check_rc "check --format csv" 1 "$MTAN" check -q basic.zst --format csv
check_eq "csv: a head and a row per check" "$(head -2 "$OUT")" \
	'"check","failed","value","limit","message"
"leaks",1,2330,0,"2,330 bytes in 4 blocks at 3 sites, over --max-leaked 0"'

# a short run: whether its start-up counts as growth depends on timing, so not judged here
"$MTREC" -q -o racy.zst "$SAMPLES/racyalloc" >/dev/null
check_rc "racyalloc: exit 1" 1 "$MTAN" check -q racy.zst --no-growth
check_eq "racyalloc: its 10 races, nothing else" "$(cat "$OUT")" "reuse_race: 10 address-reuse races"
"$MTREC" -q -o racyf.zst "$SAMPLES/racyalloc" --fixed >/dev/null
check_rc "racyalloc --fixed: exit 0" 0 "$MTAN" check -q racyf.zst --no-growth
check_eq "racyalloc --fixed: ok" "$(cat "$OUT")" "ok"

# ---- growth: peers' address book grows all run long (freed only at shutdown); --fixed evicts
"$MTREC" -q -o peers.zst "$SAMPLES/peers" >/dev/null
check_rc "peers: exit 1" 1 "$MTAN" check -q peers.zst
check_match "peers: one line, the host heap grows" "^growth: host heap grows at [0-9.]+ [KM]iB/s$" "$(cat "$OUT")"
check_eq "peers: nothing else fails" "$(wc -l <"$OUT")" 1
check_rc "peers --no-growth: exit 0" 0 "$MTAN" check -q peers.zst --no-growth
check_eq "peers --no-growth: ok" "$(cat "$OUT")" "ok"
"$MTREC" -q -o peersf.zst "$SAMPLES/peers" --fixed >/dev/null
check_rc "peers --fixed: exit 0" 0 "$MTAN" check -q peersf.zst
check_eq "peers --fixed: ok (a plateau)" "$(cat "$OUT")" "ok"

# ---- --device and --space: judge one device or space only
check_rc "racyalloc --device 0: exit 1" 1 "$MTAN" check -q racy.zst --no-growth --device 0
check_eq "racyalloc --device 0: its races are on the device" "$(cat "$OUT")" "reuse_race: 10 address-reuse races"
check_rc "racyalloc --device host: exit 0" 0 "$MTAN" check -q racy.zst --no-growth --device host
check_eq "racyalloc --device host: ok" "$(cat "$OUT")" "ok"
check_rc "racyalloc --space heap: exit 0" 0 "$MTAN" check -q racy.zst --no-growth --space heap
"$MTREC" -q -o pool.zst "$SAMPLES/bufpool" >/dev/null
check_rc "bufpool --device 0: exit 1" 1 "$MTAN" check -q pool.zst --device 0
check_eq "bufpool --device 0: the pool's leak and growth" "$(cat "$OUT")" "leaks: 1,945,600 bytes in 19 blocks at 1 site, over --max-leaked 0
growth: device 0 pool:instances grows at $(sed -n 's/.*grows at //p' "$OUT")"
check_match "bufpool --device 0: growth at a rate" "^growth: device 0 pool:instances grows at [0-9.]+ [KM]iB/s$" "$(tail -1 "$OUT")"
check_rc "bufpool --space pool:instances --format json" 1 "$MTAN" check -q pool.zst --space pool:instances --format json
check_eq "bufpool --space pool:instances: leaks and growth failed, nothing else" \
	"$(json_get "$OUT" '[[c["check"], c["value"]] for c in d if c["failed"] and c["check"] != "growth"] + [c["check"] for c in d if c["failed"] and c["check"] == "growth"]')" \
	'[["leaks", 1945600], "growth"]'
check_rc "bufpool --device host: exit 0 (the heap neither leaks past stdio nor grows)" 0 "$MTAN" check -q pool.zst --device host
check_eq "bufpool --device host: ok" "$(cat "$OUT")" "ok"
