# mtrec -p: attaching to a process started outside mtrec (samples/attachee), for about a
# second; then mtrec is interrupted: the process runs on and keeps working, its events of
# that second are in the trace, the frees of blocks from before the attach are counted
# apart (no unmatched frees), and a child forked meanwhile is followed. The refusals: a
# process ptrace may not attach to, one that does not exist, bad arguments.
. "$TOP/tests/e2e/lib.bash"

"$SAMPLES/attachee" 60 >ticks.log 2>&1 &
P=$!
for i in $(seq 100); do grep -q tick ticks.log 2>/dev/null && break; sleep 0.05; done
"$MTREC" -o a.zst -p "$P" 2>attach.err &
M=$!
for i in $(seq 100); do grep -q attached attach.err 2>/dev/null && break; sleep 0.05; done
check_match "mtrec says it attached" "^mtrec: attached to $P \(attachee\), writing 'a.zst'" "$(cat attach.err)"
sleep 0.5
kill -USR1 "$P" # the sample forks a child once: recorded too
sleep 0.6
kill -INT "$M"
wait "$M"
check_eq "mtrec exits 0 after the interrupt" "$?" 0
check_match "mtrec says it detached" "detached from $P, which runs on unrecorded" "$(cat attach.err)"
if kill -0 "$P" 2>/dev/null; then ok "the process is still running after the detach"; else fail "the process is still running after the detach"; fi
t1=$(grep -c tick ticks.log)
sleep 0.5
t2=$(grep -c tick ticks.log)
check_ge "it keeps working after the detach (ticks go on)" "$((t2 - t1))" 2
kill -TERM "$P"
wait "$P"
check_eq "it ends normally, unharmed (exit 0)" "$?" 0

"$MTAN" summary --format json a.zst >sum.json 2>sum.err
check_eq "the trace is complete" "$(json_get sum.json 'd["complete"]')" true
# each churn thread's 64 live blocks are freed after the attach, but for a free a thread
# was making through the old GOT slot while the attach re-pointed it: one a thread at most
check_ge "the frees of blocks from before the attach are counted apart (2 threads x 64, less a free in flight each)" \
	"$(json_get sum.json 'd["frees_before_attach"]')" 126
check_eq "the trace says where it attached" "$(json_get sum.json 'd["attach_seq"] is not None')" true
check_eq "no unmatched or double frees" "$(json_get sum.json 'd["anomalies"]["unmatched_free"] + d["anomalies"]["double_free"]')" 0
check_ge "the churn of that second is in the trace (allocs)" "$(json_get sum.json 'd["allocs"]')" 2000
check_ge "the fork after the attach is followed (processes)" "$(json_get sum.json 'd["processes"]')" 2
check_ge "every thread is followed (main, 2 workers, the child)" "$(json_get sum.json 'd["threads"]')" 4
"$MTAN" frees a.zst >frees.out 2>&1
check_match "mtan frees: none unmatched" "^no unmatched or double frees" "$(cat frees.out)"
"$MTAN" summary a.zst >sum.out 2>&1
check_match "mtan summary shows the frees from before the attach" "^attached +at seq [0-9]+; [0-9,]+ frees of blocks from before the attach" "$(cat sum.out)"
# the process runs on: what it holds at the detach (attachee_leak's list among it) is live
# there, not leaked; the child exited having freed all it allocated
"$MTAN" leaks --format json a.zst >leaks.json 2>&1
check_eq "mtan leaks: no leak from the blocks live at the detach" "$(json_get leaks.json 'len(d)')" 0
"$MTAN" sql a.zst "SELECT count(*) FROM lifetimes l JOIN stack_symbols y ON y.stack_id = l.alloc_stack
	WHERE l.end_reason = 'detach' AND l.pid = $P AND y.function = 'attachee_leak'" >det.out 2>&1
check_ge "the blocks of that second's leak end 'detach' (10 a second)" "$(tail -1 det.out | tr -d ' ')" 5
check_ge "summary counts the blocks live at the detach apart" "$(json_get sum.json 'd["detached_blocks"]')" 5
check_eq "... and none as leaked" "$(json_get sum.json 'd["leaked_blocks"]')" 0
check_match "mtan summary: the live-at-detach line" \
	"^live at detach [0-9.]+ (B|KiB) in [0-9,]+ blocks \(the process runs on\)$" "$(cat sum.out)"
# the sample's heap grows by design (attachee_leak): growth aside, nothing fails
check_rc "mtan check passes on the healthy process (no leak; growth aside)" 0 "$MTAN" check --no-growth a.zst
check_eq "... ok" "$(cat "$OUT")" ok
"$MTAN" sql a.zst "SELECT count(*) FROM processes WHERE how = 'attach' AND pid = $P" >how.out 2>&1
check_match "the attached process is how = 'attach'" "^ *1$" "$(tail -1 how.out)"
"$MTAN" sql a.zst "SELECT count(*) FROM lifetimes l JOIN processes p ON p.pid = l.pid WHERE p.how = 'fork' AND l.size = 64 AND l.end_reason = 'free'" >child.out 2>&1
check_match "the child's own blocks are in the trace (32 of 64 bytes)" "^ *32$" "$(tail -1 child.out)"

# --- refusals, one line each
sleep 0 &
gone=$!
wait
check_rc "a process that does not exist: refused" 1 "$MTREC" -o no.zst -p "$gone"
check_eq "... with one line" "$(cat "$ERR")" "mtrec: cannot attach to $gone: No such process"
if [ -e no.zst ]; then fail "... and no trace is left"; else ok "... and no trace is left"; fi
check_rc "-p and a program: a usage error" 2 "$MTREC" -p 1 true
check_rc "-p with no pid: a usage error" 2 "$MTREC" -p abc
# ptrace refused: another user's process (and pid 1), as nobody when this runs as root
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
	as_other() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
else
	as_other() { "$@"; }
fi
sleep 30 &
S=$!
# a directory the other user can write in: the scratch directory itself is the tester's
# alone (mktemp -d)
out=$(mktemp -d /tmp/mtrec-attach.XXXXXX)
chmod 777 "$out"
as_other "$MTREC" -o "$out/x.zst" -p "$S" >"$OUT" 2>"$ERR"
check_eq "ptrace not permitted (another user's process): refused" "$?" 1
check_match "... with one line saying what to change" \
	"^mtrec: cannot attach to $S: ptrace is not permitted \(.*(run mtrec as that user|ptrace_scope|CAP_SYS_PTRACE).*\)$" "$(cat "$ERR")"
check_eq "... one line only" "$(wc -l <"$ERR")" 1
as_other "$MTREC" -o "$out/y.zst" -p 1 >"$OUT" 2>"$ERR"
check_match "pid 1: refused the same way" "^mtrec: cannot attach to 1: ptrace is not permitted" "$(cat "$ERR")"
if [ -e "$out/x.zst" ] || [ -e "$out/y.zst" ]; then fail "refused attaches leave no trace"; else ok "refused attaches leave no trace"; fi
rm -rf "$out"
kill "$S" 2>/dev/null
wait 2>/dev/null
true
