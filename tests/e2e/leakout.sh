# Leaks as people know them from valgrind (issue 13, points 2-4): kinds and the LEAK
# SUMMARY, --reachable and check --max-reachable; one suppression set for every command
# (built in, --suppressions, --no-default-suppressions) and the suppressed line; glibc's
# process-long state suppressed where LeakSanitizer reports nothing; sites grouped by their
# symbolized frames (an unrolled loop is one site), frames below main hidden, --depth.
. "$TOP/tests/e2e/lib.bash"

# ---- one block of the kinds a test can plant without depending on stack garbage: the
# pointers live in globals, so the kinds do not depend on what exit's frames overwrite
cat >kinds.c <<'C'
#include <stdlib.h>
#include <string.h>
struct node { struct node *next; char pad[40]; };
void *volatile keep;          /* still reachable: 64 bytes */
char *volatile middle;        /* possibly lost: points 16 bytes into a 200-byte block */
struct node *volatile head;   /* dropped: a 48-byte node definitely lost, holding a 32-byte block indirectly */
/* (valgrind gives the same four figures) */
__attribute__((noinline)) static void plant(void)
{
	keep = malloc(64);
	middle = (char *)malloc(200) + 16;
	head = malloc(sizeof(struct node));
	head->next = malloc(32);
}
int main(void)
{
	plant();
	head = NULL;
	return 0;
}
C
gcc -g -O1 -o kinds kinds.c
"$MTREC" -q -o kinds.zst ./kinds
check_rc "kinds: leaks" 0 "$MTAN" leaks -q kinds.zst
check_eq "kinds: the LEAK SUMMARY ends the table" "$(sed -n '/^LEAK SUMMARY:/,$p' "$OUT")" "LEAK SUMMARY:
   definitely lost: 48 bytes in 1 blocks
   indirectly lost: 32 bytes in 1 blocks
     possibly lost: 200 bytes in 1 blocks
   still reachable: 64 bytes in 1 blocks"
check_match "kinds: the lost total, before the summary" "^leaked: 280 bytes in 3 blocks at 3 sites$" "$(cat "$OUT")"
check_match "kinds: each site says its kind" "^48 bytes in 1 block definitely lost \(pid [0-9]+, host heap\)$" "$(cat "$OUT")"
check_match "kinds: the indirectly lost block" "^32 bytes in 1 block indirectly lost \(pid" "$(cat "$OUT")"
check_nomatch "kinds: still reachable is not listed by default" "still reachable \(pid" "$(cat "$OUT")"
check_rc "kinds: leaks --format json" 0 "$MTAN" leaks -q kinds.zst --format json
check_eq "kinds: json, biggest first, every entry with its kind" \
	"$(json_get "$OUT" '[[s["kind"], s["bytes"], s["blocks"]] for s in d]')" \
	'[["possibly_lost", 200, 1], ["definitely_lost", 48, 1], ["indirectly_lost", 32, 1]]'
check_rc "kinds: leaks --reachable --format json" 0 "$MTAN" leaks -q kinds.zst --reachable --format json
check_eq "kinds: --reachable adds the still reachable site" \
	"$(json_get "$OUT" '[[s["kind"], s["bytes"]] for s in d if s["kind"] == "still_reachable"]')" '[["still_reachable", 64]]'
check_rc "kinds: leaks --reachable --format csv" 0 "$MTAN" leaks -q kinds.zst --reachable --format csv
check_eq "kinds: csv, a kind per row" "$(csv_get "$OUT" '[[r["kind"], r["bytes"]] for r in rows]')" \
	'[["possibly_lost", "200"], ["still_reachable", "64"], ["definitely_lost", "48"], ["indirectly_lost", "32"]]'
check_rc "kinds: leaks --reachable (table)" 0 "$MTAN" leaks -q kinds.zst --reachable
check_match "kinds: the still reachable site in the table" "^64 bytes in 1 block still reachable \(pid" "$(cat "$OUT")"
check_match "kinds: the total stays the lost one" "^leaked: 280 bytes in 3 blocks at 3 sites$" "$(cat "$OUT")"

# summary shows the four figures; the same leaked figure as leaks, check and report
check_rc "kinds: summary" 0 "$MTAN" summary -q kinds.zst
check_match "kinds: summary's leaked is the lost total" "^leaked       280 B in 3 blocks$" "$(cat "$OUT")"
check_eq "kinds: summary's LEAK SUMMARY" "$(sed -n '/^LEAK SUMMARY:/,/^$/p' "$OUT" | sed '$d')" "LEAK SUMMARY:
   definitely lost: 48 bytes in 1 blocks
   indirectly lost: 32 bytes in 1 blocks
     possibly lost: 200 bytes in 1 blocks
   still reachable: 64 bytes in 1 blocks"
"$MTAN" summary -q kinds.zst --format json >sum.json
check_eq "kinds: summary json, leak_summary" \
	"$(json_get sum.json '[d["leaked_bytes"], d["leaked_blocks"]] + [[k, v["blocks"], v["bytes"]] for k, v in d["leak_summary"].items()]')" \
	'[280, 3, ["definitely_lost", 1, 48], ["indirectly_lost", 1, 32], ["possibly_lost", 1, 200], ["still_reachable", 1, 64], ["not_scanned", 0, 0], ["suppressed", 0, 0]]'
check_rc "kinds: check fails on lost bytes" 1 "$MTAN" check -q kinds.zst --no-growth
check_eq "kinds: check's line" "$(cat "$OUT")" "leaks: 280 bytes in 3 blocks at 3 sites, over --max-leaked 0"
check_rc "kinds: --max-leaked 280, reachable not judged: exit 0" 0 "$MTAN" check -q kinds.zst --no-growth --max-leaked 280
check_rc "kinds: --max-reachable 63: exit 1" 1 "$MTAN" check -q kinds.zst --no-growth --max-leaked 280 --max-reachable 63
check_eq "kinds: --max-reachable's line" "$(cat "$OUT")" "reachable: 64 bytes in 1 block, over --max-reachable 63"
check_rc "kinds: --max-reachable 64: exit 0" 0 "$MTAN" check -q kinds.zst --no-growth --max-leaked 280 --max-reachable 64
"$MTAN" check -q kinds.zst --no-growth --format json --max-reachable 64 >check.json
check_eq "kinds: check json, leaks and reachable" \
	"$(json_get check.json '[[c["check"], c["failed"], c["value"], c["limit"]] for c in d if c["check"] in ("leaks", "reachable", "suppressed")]')" \
	'[["leaks", 1, 280, 0], ["suppressed", 0, 0, null], ["reachable", 0, 64, 64]]'
"$MTAN" report -q kinds.zst -o kinds.html
check_match "kinds: report's leaked is the same" "<td>leaked</td><td class=bad>280 B in 3 blocks</td>" "$(cat kinds.html)"
check_match "kinds: report's four figures" "<tr><td>possibly lost</td><td>200 B in 1 block</td></tr>" "$(cat kinds.html)"
check_match "kinds: report's sites say their kind" "<summary>32 bytes in 1 block indirectly lost \(pid" "$(cat kinds.html)"
"$MTAN" top -q kinds.zst --format json >top.json
check_eq "kinds: top's leaked column sums to the lost total" "$(json_get top.json 'sum(s["leaked_bytes"] for s in d["by_bytes"])')" 280
check_eq "kinds: folded leaked stacks add up to it" "$("$MTAN" export -q kinds.zst --folded | awk '{s += $NF} END {print s}')" 280

# ---- a process killed by a signal: not scanned, counted as lost, the summary says why
cat >killed.c <<'C'
#include <signal.h>
#include <stdlib.h>
void *volatile keep;
int main(void) { keep = malloc(4000); raise(SIGKILL); return 0; }
C
gcc -g -O1 -o killed killed.c
"$MTREC" -q -o killed.zst ./killed
check_rc "killed: leaks" 0 "$MTAN" leaks -q killed.zst
check_match "killed: not scanned, with the process and its signal" \
	"^       not scanned: 4,000 bytes in 1 blocks \(pid [0-9]+ killed by SIGKILL\)$" "$(cat "$OUT")"
check_match "killed: the site says so" "^4,000 bytes in 1 block not scanned \(pid" "$(cat "$OUT")"
check_rc "killed: check fails (not scanned is lost)" 1 "$MTAN" check -q killed.zst --no-growth
check_eq "killed: check's line" "$(cat "$OUT")" "leaks: 4,000 bytes in 1 block at 1 site, over --max-leaked 0"
check_rc "killed: summary" 0 "$MTAN" summary -q killed.zst
check_match "killed: summary names the process and the signal" "not scanned: 4,000 bytes in 1 blocks \(pid [0-9]+ killed by SIGKILL\)" "$(cat "$OUT")"

# ---- glibc's process-long state: LeakSanitizer reports nothing, nor does check
cat >state.c <<'C'
#include <dlfcn.h>
#include <execinfo.h>
#include <iconv.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static void handler(void) {}
int main(int argc, char **argv)
{
	const char *w = argc > 1 ? argv[1] : "";
	if (!strcmp(w, "tz")) { time_t t = 0; if (!localtime(&t)) return 1; }
	if (!strcmp(w, "backtrace")) { void *b[8]; if (backtrace(b, 8) <= 0) return 1; }
	if (!strcmp(w, "nss")) { if (!getpwuid(0)) return 1; }
	if (!strcmp(w, "iconv")) { iconv_t c = iconv_open("UTF-16", "ISO-8859-1"); if (c == (iconv_t)-1) return 1; iconv_close(c); }
	if (!strcmp(w, "atexit")) for (int i = 0; i < 100; i++) atexit(handler);
	if (!strcmp(w, "dlopen")) { if (!dlopen("libz.so.1", RTLD_NOW) && !dlopen("libm.so.6", RTLD_NOW)) return 1; }
	return 0;
}
C
gcc -g -O0 -o state state.c -ldl
lsan=
if clang -g -fsanitize=leak -o state_lsan state.c -ldl 2>/dev/null && ./state_lsan tz 2>/dev/null; then
	lsan=1
fi
for w in tz backtrace nss iconv atexit dlopen; do
	if [ -n "$lsan" ]; then
		check_eq "$w: LeakSanitizer reports nothing" "$(./state_lsan $w 2>&1 | grep -c 'LeakSanitizer')" 0
	fi
	"$MTREC" -q -o $w.zst ./state $w
	check_rc "$w: check passes" 0 "$MTAN" check -q $w.zst --no-growth
	"$MTAN" leaks -q $w.zst --format json >$w.json
	check_eq "$w: no leak site" "$(json_get $w.json 'len(d)')" 0
done
# what the built-in list took out is said, never dropped silently
check_rc "tz: leaks" 0 "$MTAN" leaks -q tz.zst
check_match "tz: the suppressed line" "^        suppressed: [0-9,]+ bytes in [0-9]+ blocks$" "$(cat "$OUT")"
# (without the list they are still reachable: tzset keeps them in its statics)
check_rc "tz --no-default-suppressions --max-reachable 0: check fails" 1 "$MTAN" check -q tz.zst --no-growth --no-default-suppressions --max-reachable 0
check_match "tz --no-default-suppressions: tzset's blocks count" "^reachable: [0-9,]+ bytes in [0-9]+ blocks?, over --max-reachable 0$" "$(cat "$OUT")"
"$MTAN" leaks -q tz.zst --no-default-suppressions --reachable --format json >tzall.json
check_eq "tz --no-default-suppressions --reachable: tzset's sites" \
	"$(json_get tzall.json 'sorted(set(s["kind"] for s in d if any(f["function"] == "tzset_internal" for f in s["frames"])))')" '["still_reachable"]'

check_rc "nss: check notes its suppressions" 0 "$MTAN" check nss.zst --no-growth
check_match "nss: a note names the rule" "^mtan: note: suppressed by 'leak:[^']*nss[^']*' \(built in\)" "$(cat "$ERR")"

# ---- one suppression set for every command
"$MTREC" -q -o leaky.zst "$SAMPLES/leaky" >/dev/null
printf 'leak:leak_buffers\n' >buffers.supp
S="--suppressions buffers.supp"
check_rc "leaky $S: leaks" 0 "$MTAN" leaks -q leaky.zst $S
check_match "leaks: only leak_config's site is left" "^leaked: 240 bytes in 5 blocks at 1 site$" "$(cat "$OUT")"
check_match "leaks: suppressed, leak_buffers' and stdio's buffer" "^        suppressed: 7,096 bytes in 4 blocks$" "$(cat "$OUT")"
check_rc "leaks --format json $S: the suppressed total on stderr" 0 "$MTAN" leaks leaky.zst $S --format json
check_eq "leaks json: the note" "$(cat "$ERR")" "mtan: note: suppressed: 7,096 bytes in 4 blocks"
"$MTAN" summary -q leaky.zst $S --format json >s.json
check_eq "summary $S: leaked and suppressed" "$(json_get s.json '[d["leaked_bytes"], d["suppressed_bytes"], d["suppressed_blocks"]]')" "[240, 7096, 4]"
check_eq "summary $S: the per-space leaked too" "$(json_get s.json '[s["leaked_bytes"] for s in d["spaces"]]')" "[240]"
check_rc "check $S: fails on the rest" 1 "$MTAN" check -q leaky.zst $S --no-growth
check_eq "check $S: the line" "$(cat "$OUT")" "leaks: 240 bytes in 5 blocks at 1 site, over --max-leaked 0"
"$MTAN" top -q leaky.zst $S --format json >t.json
check_eq "top $S: leaked per site" "$(json_get t.json 'sorted(s["leaked_bytes"] for s in d["by_bytes"] if s["leaked_bytes"])')" "[240]"
check_eq "export --folded $S: only leak_config's stack" "$("$MTAN" export -q leaky.zst --folded $S | awk '{print $NF}')" 240
"$MTAN" report -q leaky.zst $S -o r.html
check_match "report $S: leaked" "<td>leaked</td><td class=bad>240 B in 5 blocks</td>" "$(cat r.html)"
check_match "report $S: suppressed" "<td>suppressed</td><td>6\.9 KiB in 4 blocks</td>" "$(cat r.html)"
check_rc "diff $S" 0 "$MTAN" diff -q leaky.zst leaky.zst $S --format json
check_eq "diff $S: only leak_config's site on either side" "$(json_get "$OUT" '[[s["before"]["bytes"], s["after"]["bytes"]] for s in d]')" "[[240, 240]]"
check_rc "diff $S (table)" 0 "$MTAN" diff -q leaky.zst leaky.zst $S
check_match "diff $S: the suppressed line" "^suppressed: before 7,096 bytes in 4 blocks, after 7,096 bytes in 4 blocks$" "$(cat "$OUT")"
# the same figure everywhere
"$MTAN" leaks -q leaky.zst --format json >l.json
"$MTAN" summary -q leaky.zst --format json >s.json
"$MTAN" check -q leaky.zst --format json --no-growth >c.json
check_eq "summary's leaked = leaks' = check's" \
	"$(json_get s.json 'd["leaked_bytes"]') $(json_get l.json 'sum(s["bytes"] for s in d)') $(json_get c.json '[c["value"] for c in d if c["check"] == "leaks"][0]')" \
	"3240 3240 3240"
check_rc "a bad suppressions file: exit 1" 1 "$MTAN" summary leaky.zst --suppressions nope.supp
check_eq "a bad suppressions file: the message" "$(cat "$ERR")" "mtan: cannot open 'nope.supp': No such file or directory"

# ---- sites by symbolized frames: gcc unrolls the loop, three return addresses, one site
"$MTREC" -q -o unrolled.zst "$SAMPLES/unrolled"
check_rc "unrolled: leaks" 0 "$MTAN" leaks -q unrolled.zst
check_match "unrolled: one site of 3 blocks" "^900 bytes in 3 blocks definitely lost \(pid [0-9]+, host heap\)$" "$(cat "$OUT")"
check_match "unrolled: two sites in all" "^leaked: 977 bytes in 4 blocks at 2 sites$" "$(cat "$OUT")"
check_nomatch "unrolled: frames below main hidden" "__libc_start|_start" "$(cat "$OUT")"
check_eq "unrolled: the site's stack, to main" "$(sed -n 2,3p "$OUT" | sed 's/ in unrolled$//')" "    #0 leak_three (unrolled.c:14)
    #1 main (unrolled.c:25)"
check_rc "unrolled: leaks --all-frames" 0 "$MTAN" leaks -q unrolled.zst --all-frames
check_match "unrolled --all-frames: the frames below main" "#[0-9]+ __libc_start_main" "$(cat "$OUT")"
check_eq "unrolled: the raw stacks stay in SQL (3 stacks, one canonical)" \
	"$("$MTAN" sql -q unrolled.zst --format csv 'SELECT count(*), count(DISTINCT canonical) FROM stacks s JOIN leaks l ON l.alloc_stack = s.id WHERE l.size = 300' | tail -1)" "3,1"
check_eq "unrolled: leak_sites, one row" \
	"$("$MTAN" sql -q unrolled.zst --format csv 'SELECT blocks, bytes, kind FROM leak_sites WHERE bytes = 900' | tail -1)" '3,900,"definitely_lost"'
"$MTAN" top -q unrolled.zst --format json >top.json
check_eq "unrolled: top, one site of 3 allocations of 300" "$(json_get top.json '[[s["allocs"], s["bytes"]] for s in d["by_bytes"] if s["bytes"] == 900]')" "[[3, 900]]"

# --depth N: stacks cut to N frames, sites whose first N frames read the same are one
# (the blocks stay in a global: still reachable, one kind, whatever the stack holds)
cat >depth.c <<'C'
#include <stdlib.h>
void *volatile sink[4];
__attribute__((noinline)) static void *make(int n) { return malloc(n); }
__attribute__((noinline)) static void from_a(void) { sink[0] = make(10); }
__attribute__((noinline)) static void from_b(void) { sink[1] = make(20); }
int main(void) { from_a(); from_b(); return 0; }
C
gcc -g -O1 -o depth depth.c
"$MTREC" -q -o depth.zst ./depth
"$MTAN" leaks -q depth.zst --reachable --format json >d.json
check_eq "depth: two sites by default" "$(json_get d.json '[[s["kind"], s["bytes"]] for s in d]')" '[["still_reachable", 20], ["still_reachable", 10]]'
check_rc "depth: leaks --reachable --depth 1" 0 "$MTAN" leaks -q depth.zst --reachable --depth 1
check_match "depth 1: one site of both blocks" "^30 bytes in 2 blocks still reachable \(pid" "$(cat "$OUT")"
check_eq "depth 1: one frame shown" "$(grep -c '^    #' "$OUT")" 1
check_match "depth 1: the frame is make's" "^    #0 make \(depth\.c:3\)" "$(cat "$OUT")"
check_rc "depth: leaks --reachable --depth 2" 0 "$MTAN" leaks -q depth.zst --reachable --depth 2 --format json
check_eq "depth 2: two sites again, two frames from the site each" "$(json_get "$OUT" '[[s["bytes"], len(s["frames"]) - s["site"]] for s in d]')" "[[20, 2], [10, 2]]"
