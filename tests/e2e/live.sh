# mtan live: a frame of a trace still being recorded (--once while mtrec writes it), of a
# finished one, driven in tmux until it ends by itself with the recording, and its errors.
. "$TOP/tests/e2e/lib.bash"

"$MTREC" -q -o t.zst "$SAMPLES/attachee" 3 >/dev/null &
M=$!
frame=""
for i in $(seq 60); do
	frame=$("$MTAN" live --once t.zst 2>&1)
	printf '%s\n' "$frame" | grep -q attachee_leak && break
	sleep 0.1
done
check_match "--once while recording: the trace is being recorded" "^trace +t\.zst \(recording\)$" "$frame"
check_match "--once while recording: live bytes of the host heap" "^host +heap +[0-9.]+ (B|KiB) +[0-9,]+ +[0-9,]+ +[0-9,]+" "$frame"
check_match "--once while recording: the leaking site" "attachee_leak \(attachee\.c:[0-9]+\)" "$frame"
check_match "--once while recording: a growth verdict so far" "^  host heap: (growth|plateau|sawtooth|too_short)" "$frame"
check_match "--once while recording: a process running" "1 process running" "$frame"
wait "$M"
check_eq "the recording ends normally" "$?" 0
check_rc "--once on the finished trace: exit 0" 0 "$MTAN" live --once t.zst
check_match "--once on the finished trace: the recording ended" "^trace +t\.zst \(recording ended\)$" "$(cat "$OUT")"
check_match "--once on the finished trace: 30 leaked blocks at the site (10 a second for 3 s)" \
	"KiB +30 +host +attachee_leak" "$(cat "$OUT")"
check_match "--once on the finished trace: the heap grows (a block of 1000 bytes every 100 ms)" \
	"^  host heap: growth, \+[0-9.]+ (B|KiB)/s" "$(cat "$OUT")"
check_match "--once on the finished trace: no process running" "0 processes running" "$(cat "$OUT")"
if ls t.zst.db >/dev/null 2>&1; then fail "live caches nothing next to the trace"; else ok "live caches nothing next to the trace"; fi

# through a shell wrapper: an image exec replaced is no process running; each pid counts
# once, by its latest image (the outer sh's pid ends as sleep, the inner sh's as true):
# all have exited at the end
"$MTREC" -q -o w.zst sh -c 'sh -c true; exec sleep 1' >/dev/null
check_eq "a trace through a shell wrapper records" "$?" 0
"$MTAN" live --once w.zst >w.out 2>&1
check_match "--once through a shell wrapper: 0 processes running at the end" "(^|, )0 processes running$" \
	"$(grep '^so far' w.out)"
"$MTAN_PLAIN" sql w.zst "SELECT count(*) FROM processes WHERE exit_seq IS NULL" >w.sql 2>&1
check_ge "... though the trace has rows of images exec replaced (no exit of their own)" "$(tail -1 w.sql | tr -d ' ')" 1

# without --once and off a terminal: frames one after the other until the END
"$MTREC" -q -o u.zst "$SAMPLES/attachee" 2 >/dev/null &
M=$!
for i in $(seq 50); do [ -s u.zst ] && break; sleep 0.05; done
timeout 20 "$MTAN" live u.zst >frames.out 2>frames.err
check_eq "live ends by itself when the recording ends (exit 0)" "$?" 0
wait "$M"
check_ge "... having drawn a frame a second" "$(grep -c '^trace ' frames.out)" 2
check_match "... the last frame is the final state" "\(recording ended\)" "$(grep '^trace ' frames.out | tail -1)"

# in a terminal (tmux): redrawn in place, and it ends by itself with the recording
if command -v tmux >/dev/null; then
	"$MTREC" -q -o v.zst "$SAMPLES/attachee" 3 >/dev/null &
	M=$!
	for i in $(seq 50); do [ -s v.zst ] && break; sleep 0.05; done
	sock=$PWD/tmux.sock
	tmux -S "$sock" new-session -d -x 120 -y 40 "$MTAN live v.zst; echo \$? >rc; sleep 60"
	seen=""
	for i in $(seq 40); do
		seen=$(tmux -S "$sock" capture-pane -p 2>/dev/null)
		printf '%s\n' "$seen" | grep -q 'attachee_leak' && break
		sleep 0.1
	done
	check_match "tmux: a frame while recording" "\(recording\)" "$seen"
	check_eq "tmux: the frame is drawn in place (one header on screen)" "$(printf '%s\n' "$seen" | grep -c '^trace ')" 1
	wait "$M"
	for i in $(seq 100); do [ -s rc ] && break; sleep 0.1; done
	check_eq "tmux: live ended by itself after the recording (exit 0)" "$(cat rc 2>/dev/null)" 0
	check_match "tmux: the final frame" "\(recording ended\)" "$(tmux -S "$sock" capture-pane -p 2>/dev/null)"
	tmux -S "$sock" kill-server 2>/dev/null
else
	skip "tmux is not installed: live in a terminal"
fi

# errors: one line each
check_rc "a missing trace: exit 1" 1 "$MTAN" live --once missing.zst
check_eq "... one line" "$(cat "$ERR")" "mtan: cannot open 'missing.zst': No such file or directory"
echo "not a trace at all" >text.zst
check_rc "not a trace: exit 1" 1 "$MTAN" live --once text.zst
check_match "... says so" "^mtan: 'text\.zst': not a zstd-compressed file$" "$(cat "$ERR")"
"$MTAN" load -q t.zst 2>/dev/null
check_rc "a database is not a trace to watch: a usage error" 2 "$MTAN" live --once t.zst.db
check_match "... says so" "^mtan: 't\.zst\.db' is a database: live watches a trace being recorded$" "$(cat "$ERR")"
