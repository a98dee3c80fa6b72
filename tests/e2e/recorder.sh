# The recorder: exactness against valgrind, nothing lost under threads, crashes,
# processes of every kind, the client API in PIE and -no-pie builds, the launcher's edges.
. "$TOP/tests/e2e/lib.bash"
DUMP="$TOP/build/mtdump"

# --- exactness: valgrind's "total heap usage" is the oracle, on real Debian programs
vg_counts() { # prints "allocs frees bytes" as valgrind counts them
	valgrind --run-libc-freeres=no --run-cxx-freeres=no "$@" 2>&1 >/dev/null |
		sed -n 's/.*total heap usage: \([0-9,]*\) allocs, \([0-9,]*\) frees, \([0-9,]*\) bytes allocated.*/\1 \2 \3/p' | tr -d ,
}
cat >w.sql <<'SQL'
CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<3000) INSERT INTO t SELECT x, printf('row %d', x) FROM c;
CREATE INDEX tb ON t(b);
SELECT count(*), sum(length(b)) FROM t WHERE b LIKE 'row 1%';
UPDATE t SET b = b || b WHERE a % 3 = 0;
SQL
seq 1 30000 | awk '{print ($1 * 7919) % 30011}' >in.txt
oracle() { # DESC CMD...
	local desc=$1; shift
	local want; want=$(vg_counts "$@")
	"$MTREC" -q -o o.zst "$@" >/dev/null
	local got; got=$("$MTAN_PLAIN" summary o.zst --format json -q | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["allocs"], d["frees"], d["bytes_allocated"])')
	check_eq "$desc: mtan summary equals valgrind's heap totals" "$got" "$want"
	local raw; raw=$("$DUMP" -c o.zst | awk '{print $2, $4, $6}')
	check_eq "$desc: the trace's raw counts equal valgrind's" "$raw" "$want"
}
if command -v valgrind >/dev/null; then
	oracle "sqlite3 shell" sqlite3 :memory: ".read w.sql"
	oracle "sort" sort in.txt -o sorted.txt
	oracle "gzip" gzip -9 -c in.txt
	oracle "leaky sample" "$SAMPLES/leaky"
else
	fail "valgrind is not installed (make check installs it): the oracle tests cannot run"
fi

# --- nothing lost: 16 threads, half of each thread's blocks freed by another thread
# (bytes differ by design with threads: each thread's TLS vector is 16 bytes longer per
# TLS-using library preloaded, and libmtrec.so and libunwind are two; counts do not)
small=$(vg_counts "$SAMPLES/stress" 16 2000 | awk '{print $1, $2}')
"$MTREC" -q -o st.zst "$SAMPLES/stress" 16 2000 >/dev/null
check_eq "stress 16x2000: counts equal valgrind's" "$("$DUMP" -c st.zst | awk '{print $2, $4}')" "$small"
"$MTREC" -q -o big.zst "$SAMPLES/stress" 16 1000000 >/dev/null
read -r sa sf <<<"$small"
read -r ba bf <<<"$("$DUMP" -c big.zst | awk '{print $2, $4}')"
# the program's other allocations are the same at any size: the difference is the workers'
check_eq "stress 16x1M: every allocation recorded" "$((ba - sa))" "$((16 * (1000000 - 2000)))"
check_eq "stress 16x1M: every free recorded" "$((bf - sf))" "$((16 * (1000000 - 2000)))"
"$MTAN_PLAIN" summary big.zst --format json -q >sum.json
check_eq "stress 16x1M: no anomaly" "$(json_get sum.json 'sum(d["anomalies"].values())')" 0
check_eq "stress 16x1M: mtan counts every event" "$(json_get sum.json 'd["allocs"] + d["frees"]')" "$((ba + bf))"
names=$("$DUMP" st.zst | grep -c '^thread .*name=worker-')
check_ge "thread names are recorded" "$names" 16

# --- crashes: every completed allocation is in the trace
for how in kill:137 segv:139 abort:134; do
	mode=${how%:*} rc=${how#*:}
	check_rc "crash by $mode: mtrec exits 128+signal" "$rc" "$MTREC" -q -o c.zst "$SAMPLES/crasher" "$mode" count 20000
	done_n=$(od -An -tu8 -N8 count | tr -d ' ')
	got=$("$DUMP" -c c.zst | awk '{print $2}')
	check_ge "crash by $mode: trace holds the $done_n completed allocations" "$got" "$done_n"
	check_rc "crash by $mode: the trace is a valid zstd file" 0 zstd -q -t c.zst
done

# --- processes: fork, fork+exec, posix_spawn, vfork+exec, one trace
"$MTREC" -q -o f.zst "$SAMPLES/forker" "$SAMPLES/leaky" >fork.out
check_eq "forker: 6 process records (one child forks, then execs)" "$("$DUMP" f.zst | grep -c '^process .*how=')" 6
check_eq "forker: 5 distinct pids" "$("$DUMP" f.zst | grep '^process' | awk '{print $2}' | sort -u | wc -l | tr -d ' ')" 5
"$MTAN_PLAIN" leaks f.zst --format json -q >fl.json
p=$("$DUMP" f.zst | sed -n '1s/^header v1 pid=\([0-9]*\).*/\1/p')
read -r c1 c2 c3 c4 <<<"$(sed -n 's/^forker: //p' fork.out)"
site() { json_get fl.json "[(s['blocks'], s['bytes']) for s in d if s['pid'] == $1 and any(f['function'] and '$2' in f['function'] for f in s['frames'])]"; }
check_eq "forker: the parent's own leak" "$(site "$p" parent_leak)" "[[2, 222]]"
check_eq "forker: the forked child's own leak" "$(site "$c1" child_leak)" "[[3, 666]]"
check_eq "forker: the child leaks nothing it inherited" "$(site "$c1" parent_leak)" "[]"
for k in "$c2" "$c3" "$c4"; do
	check_eq "forker: exec'd child $k has leaky's leak_config" "$(site "$k" leak_config)" "[[5, 240]]"
	check_eq "forker: exec'd child $k has leaky's leak_buffers" "$(site "$k" leak_buffers)" "[[3, 3000]]"
done
"$MTAN_PLAIN" summary f.zst --format json -q >fs.json
check_eq "forker: no anomaly" "$(json_get fs.json 'sum(d["anomalies"].values())')" 0
"$MTREC" -q --no-follow -o nf.zst "$SAMPLES/forker" "$SAMPLES/leaky" >/dev/null
check_eq "--no-follow records the first process only" "$("$DUMP" nf.zst | grep '^process' | awk '{print $2}' | sort -u | wc -l | tr -d ' ')" 1

# children whose parent has already exited: they still inherit the parent's blocks (their
# parent is the forking process, not whoever adopted them). The last children forked
# often start after the parent is gone; 32 of them make that all but certain
cat >orphan.c <<'C'
#include <stdlib.h>
#include <unistd.h>
int main(void)
{
	char *keep = malloc(4321);
	for (int i = 0; i < 32; i++)
		if (fork() == 0) {
			usleep(100000); /* the parent is gone by now */
			free(keep);
			return 0;
		}
	return 0;
}
C
gcc -o orphan orphan.c
"$MTREC" -q -o or.zst ./orphan
"$MTAN_PLAIN" summary or.zst --format json -q >or.json
check_eq "orphans: their frees of the parent's block match (no unmatched free)" \
	"$(json_get or.json 'd["anomalies"]["unmatched_free"]')" 0
check_eq "orphans: each one's parent is the forking process" \
	"$("$DUMP" or.zst | awk '/^process/ && / how=1 / {print $3}' | sort | uniq -c | tr -s ' ')" \
	"$("$DUMP" or.zst | sed -n '1s/^header v1 pid=\([0-9]*\).*/ 32 ppid=\1/p')"

# --- a signal handler that allocates, interrupting the program inside malloc and free
# (and the recorder inside its hooks) every 100 us: every one of its events is recorded
cat >sig.c <<'C'
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
static volatile sig_atomic_t handled;
static void on_alarm(int sig)
{
	(void)sig;
	free(malloc(100)); /* not async-signal-safe in general: programs do it anyway */
	handled++;
}
int main(void)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 100}, {0, 100}}, off = {{0, 0}, {0, 0}};
	/* glibc's per-thread cache serves every size below once it holds one of each: a
	 * signal that came while an empty cache sent malloc to the arena's lock would
	 * deadlock the handler's malloc, recorder or not (a loaded machine found it). 104
	 * bytes share the handler's bin; none of these is 100 bytes. */
	long n = 0;
	free(malloc(104));
	for (n = 1; n <= 64; n++)
		free(malloc(16 + (n - 1)));
	setitimer(ITIMER_REAL, &it, NULL);
	while (handled < 300) {
		free(malloc(16 + n % 64));
		n++;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	printf("%ld %d\n", n, (int)handled);
	return 0;
}
C
gcc -O1 -o sig sig.c
"$MTREC" -q -o sig.zst ./sig >sig.out
read -r sig_n sig_h <sig.out
# the loop's, the handler's and stdout's buffer; every block but that buffer freed
check_eq "signal handler: every allocation and free recorded" "$("$DUMP" -c sig.zst | awk '{print $2, $4}')" \
	"$((sig_n + sig_h + 1)) $((sig_n + sig_h))"
check_eq "signal handler: the handler's 100-byte blocks, each freed" \
	"$("$MTAN_PLAIN" sql -q sig.zst "SELECT count(*), count(free_seq) FROM lifetimes WHERE size = 100" --format csv | tail -1)" \
	"$sig_h,$sig_h"

# --- threads renamed (pthread_setname_np) twice: one row each, with the last name and the
# time it started
cat >renames.c <<'C'
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
static void *work(void *arg)
{
	char name[16];
	free(malloc(10));
	snprintf(name, sizeof name, "first-%d", (int)(long)arg);
	pthread_setname_np(pthread_self(), name);
	free(malloc(20));
	snprintf(name, sizeof name, "last-%d", (int)(long)arg);
	pthread_setname_np(pthread_self(), name);
	free(malloc(30));
	return NULL;
}
int main(void)
{
	pthread_t th[4];
	for (long i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, work, (void *)i);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	pthread_setname_np(pthread_self(), "main-renamed");
	return 0;
}
C
gcc -o renames renames.c -lpthread
"$MTREC" -q -o ren.zst ./renames
"$MTAN_PLAIN" load -q ren.zst
check_eq "renamed threads: one row per thread" \
	"$(sqlite3 ren.zst.db "SELECT count(*), count(DISTINCT tid) FROM threads")" "5|5"
check_eq "renamed threads: the last names" \
	"$(sqlite3 ren.zst.db "SELECT group_concat(name, ' ') FROM (SELECT name FROM threads ORDER BY name)")" \
	"last-0 last-1 last-2 last-3 main-renamed"
check_eq "renamed threads: each one's seq is its first THREAD record's" \
	"$(sqlite3 ren.zst.db "SELECT tid, seq FROM threads ORDER BY tid")" \
	"$("$DUMP" ren.zst | sed -n 's/^thread pid=[0-9]* tid=\([0-9]*\) seq=\([0-9]*\) .*/\1 \2/p' | sort -k1,1n -k2,2n | awk '$1 != t {print $1 "|" $2; t = $1}')"

# --- an exec whose environment lost the recorder (env -i; execle with a list of its own;
# LD_PRELOAD unset, then execl): the new program is recorded all the same, and the blocks
# the process held before the exec end there (not leaks)
cat >ex.c <<'C'
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	char *envp[] = {"A=1", NULL};
	char *volatile keep = malloc(999);
	(void)argc;
	(void)keep;
	unsetenv("LD_PRELOAD");
	if (argv[2][0] == 'e')
		execle(argv[1], argv[1], (char *)NULL, envp);
	else
		execl(argv[1], argv[1], (char *)NULL);
	return 1;
}
C
gcc -o ex ex.c
for how in "env -i" "./ex:e" "./ex:l"; do
	case $how in
	env*) "$MTREC" -q -o ex.zst env -i "$SAMPLES/leaky" >/dev/null ;;
	*) "$MTREC" -q -o ex.zst ./ex "$SAMPLES/leaky" "${how#*:}" >/dev/null ;;
	esac
	check_eq "exec after $how: the new program recorded" \
		"$("$DUMP" ex.zst | sed -n 's/^process .* exe=\([^ ]*\) .*/\1/p' | tail -1)" "$SAMPLES/leaky"
	# every block leaky never freed: its 8 planted and stdio's buffer (still reachable,
	# and suppressed by default: hence the options)
	"$MTAN_PLAIN" leaks -q ex.zst --format json --reachable --no-default-suppressions >ex.json
	check_eq "exec after $how: exactly leaky's leaks" \
		"$(json_get ex.json 'sorted([s["blocks"], s["bytes"]] for s in d)')" "[[1, 4096], [3, 3000], [5, 240]]"
done
"$MTREC" -q --no-follow -o nf2.zst env -i "$SAMPLES/leaky" >/dev/null
check_eq "--no-follow: env -i's program still not recorded" "$("$DUMP" nf2.zst | grep -c '^process')" 1

# --- dlclose: the library's destructors and ld.so's own frees are recorded (valgrind
# counts them too)
cat >plug.c <<'C'
#include <stdlib.h>
static void *keep;
__attribute__((constructor)) static void on_load(void) { keep = malloc(1234); }
__attribute__((destructor)) static void on_unload(void) { free(keep); keep = malloc(5678); }
C
cat >dl.c <<'C'
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv)
{
	(void)argc;
	for (int i = 0; i < 3; i++) {
		void *h = dlopen(argv[1], RTLD_NOW);
		if (!h || dlclose(h))
			return 1;
	}
	return 0;
}
C
gcc -shared -fPIC -o plug.so plug.c && gcc -o dl dl.c -ldl
if command -v valgrind >/dev/null; then
	oracle "dlopen+dlclose 3x with destructors" ./dl "$PWD/plug.so"
fi
"$MTAN_PLAIN" leaks o.zst --format json -q >dl.json
check_eq "dlclose: the destructors' blocks are the leaks (3 x 5678 bytes)" \
	"$(json_get dl.json 'sorted((s["blocks"], s["bytes"]) for s in d if s["bytes"] == 5678 * s["blocks"])')" "[[3, 17034]]"

# --- every process gets its end: children reaped by their parent (their exit code read
# while they were zombies), the killed one with its signal
cat >ec.c <<'C'
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void)
{
	pid_t a = fork();
	if (a == 0) {
		free(malloc(10));
		_exit(3);
	}
	pid_t b = fork();
	if (b == 0) {
		free(malloc(10));
		raise(SIGKILL);
	}
	usleep(200000); /* both stay zombies a while */
	int st;
	waitpid(a, &st, 0);
	waitpid(b, &st, 0);
	return 5;
}
C
gcc -o ec ec.c
check_rc "exit codes: mtrec exits with the program's" 5 "$MTREC" -q -o ec.zst ./ec
check_eq "exit codes: each process's, in start order" \
	"$("$MTAN_PLAIN" sql -q ec.zst "SELECT how, exit_code, exit_signal FROM processes ORDER BY start_seq" --format csv | tail -n +2 | tr '\n' ' ')" \
	'"exec",5,0 "fork",3,0 "fork",-1,9 '
check_eq "forker: every process has an end, after its start" \
	"$("$MTAN_PLAIN" sql -q f.zst "SELECT count(*), count(exit_seq), sum(exit_seq > start_seq) FROM (SELECT pid, max(start_seq) AS start_seq, max(exit_seq) AS exit_seq FROM processes GROUP BY pid)" --format csv | tail -1)" \
	"5,5,5"

# --- client API, PIE and -no-pie
for v in client client-nopie; do
	check_eq "$v without mtrec: runs, every call a no-op" "$("$SAMPLES/$v")" "client: spaces 0 0"
	"$MTREC" -q -o cl.zst "$SAMPLES/$v" >cl.out
	check_eq "$v under mtrec: spaces get ids" "$(cat cl.out)" "client: spaces 1 2"
	d=$("$DUMP" cl.zst)
	check_eq "$v: device events carry device and space" \
		"$(echo "$d" | grep -c '^event.*func=4 dev=0 space=1 addr=0x[1-4]000 size=256')" 4
	check_match "$v: the free with a reserved seq" '^event .* free func=4 dev=0 space=1 addr=0x2000' "$d"
	check_match "$v: device 1 in space L1" '^event .* alloc func=4 dev=1 space=2 addr=0x100 size=64' "$d"
	check_match "$v: device open with capacity" 'device .* open dev=0 name=sim0 cap=1048576' "$d"
	check_match "$v: device close" 'device .* close dev=0' "$d"
	check_match "$v: marks" 'mark .* label=end' "$d"
done

# --- the launcher's edges
check_rc "missing program: exit 127" 127 "$MTREC" -q -o x.zst no-such-program-xyz
check_eq "missing program: message" "$(cat "$ERR")" "mtrec: 'no-such-program-xyz': command not found"
check_rc "missing path: exit 127" 127 "$MTREC" -q -o x.zst ./nope
check_eq "missing path: message" "$(cat "$ERR")" "mtrec: cannot run './nope': No such file or directory"
printf 'int main(void){return 0;}\n' >st.c
if gcc -static -o static_prog st.c 2>/dev/null; then
	check_rc "static program: refused" 1 "$MTREC" -q -o x.zst ./static_prog
	check_match "static program: says why and what to do" "statically linked.*LD_PRELOAD.*link it dynamically" "$(cat "$ERR")"
else
	fail "static program: cannot build a static test program (libc6-dev's libc.a missing)"
fi
printf '\177ELF\001\001\001\000\000\000\000\000\000\000\000\000\002\000\003\000' >elf32_prog
head -c 64 /dev/zero >>elf32_prog && chmod +x elf32_prog
check_rc "32-bit program: refused" 1 "$MTREC" -q -o x.zst ./elf32_prog
check_match "32-bit program: says why" "is a 32-bit program: libmtrec.so is 64-bit" "$(cat "$ERR")"
cp "$SAMPLES/clean" own_suid && chmod u+s own_suid
check_rc "setuid program of our own user: recorded (the exec is not secure)" 0 "$MTREC" -q -o own.zst ./own_suid
check_eq "setuid program of our own user: its events" "$("$DUMP" -c own.zst | awk '{print ($2 > 0)}')" 1
# another user's: as root a copy given to nobody, else a system one (refused before it runs)
if [ "$(id -u)" -eq 0 ]; then
	cp "$SAMPLES/clean" suid_prog && chown nobody suid_prog && chmod u+s suid_prog
else
	suid_prog=$(find /usr/bin /bin -maxdepth 1 -perm -4000 -user root 2>/dev/null | head -1)
	ln -s "$suid_prog" suid_prog
fi
check_rc "setuid program of another user: refused" 1 "$MTREC" -q -o x.zst ./suid_prog
check_match "setuid program: says why and what to do" "setuid.*LD_PRELOAD.*without the setuid bit" "$(cat "$ERR")"
check_rc "unwritable output: refused before the program runs" 1 "$MTREC" -q -o /nonexistent/dir/x.zst sh -c 'touch ran'
check_match "unwritable output: message" "^mtrec: cannot write '/nonexistent/dir/x.zst': No such file or directory" "$(cat "$ERR")"
check_eq "unwritable output: the program did not run" "$(ls ran 2>/dev/null)" ""
ln -s planted_target planted.zst
check_rc "a planted symlink as output is not followed" 1 "$MTREC" -q -o planted.zst true
check_eq "the symlink's target was not created" "$(ls planted_target 2>/dev/null)" ""
check_rc "exit status passes through" 3 "$MTREC" -q -o x.zst sh -c 'echo out; echo err >&2; exit 3'
check_eq "the program's stdout is untouched" "$(cat "$OUT")" "out"
check_eq "the program's stderr is untouched" "$(cat "$ERR")" "err"
"$MTREC" -q -o sig.zst sleep 30 &
m=$!
sleep 0.5
kill -TERM $m
wait $m
check_eq "SIGTERM is forwarded: exit 128+15" "$?" 143
check_match "SIGTERM: the trace is complete" '^end ' "$("$DUMP" sig.zst)"
mkdir auto && (cd auto && "$MTREC" true 2>../auto.err && "$MTREC" true 2>>../auto.err)
check_eq "without -o: two runs, two files" "$(ls auto | grep -c '^mtrec\.true\..*\.zst$')" 2
check_match "without -o: it says which file" "^mtrec: writing 'mtrec\.true\.[0-9]+\.zst'" "$(cat auto.err)"
# a full disk: a 1 MiB tmpfs in a private mount namespace (root), else /dev/full
full_disk() {
	mkdir -p small
	if unshare -m sh -c 'mount -t tmpfs -o size=1m none small' 2>/dev/null; then
		unshare -m sh -c 'mount -t tmpfs -o size=1m none small &&
			"$0" -o small/full.zst "$1" 2 1000000 >full.out 2>full.err
			cp small/full.zst full.zst' "$MTREC" "$SAMPLES/stress"
		return 0
	fi
	"$MTREC" -o /dev/full "$SAMPLES/stress" 2 1000000 >full.out 2>full.err
	return 1
}
if full_disk; then
	check_match "full disk: recording stopped with a message" "cannot write 'small/full.zst': No space left on device; recording stopped" "$(cat full.err)"
	"$DUMP" -c full.zst >full.cnt
	check_eq "full disk: the trace is readable up to its last frame" "$?" 0
	check_ge "full disk: what was written is there" "$(awk '{print $2}' full.cnt)" 1000
else
	check_match "full disk (/dev/full): recording stopped with a message" "No space left on device; recording stopped" "$(cat full.err)"
fi
check_eq "full disk: the program runs on to its end" "$(cat full.out)" "stress: 2 threads x 1000000 allocations"
"$MTREC" -q -o r.zst sh -c 'sleep 0.3' >/dev/null
check_ge "RSS is sampled about every 10 ms" "$("$DUMP" r.zst | grep -c '^rss ')" 10
exports=$(nm -D --defined-only "$TOP/build/libmtrec.so" | awk '{print $3}' | grep -Ev '^(malloc|free|calloc|realloc|reallocarray|posix_memalign|aligned_alloc|memalign|valloc|pvalloc|dlopen|dlclose|pthread_setname_np|execve|execvpe|execv|execvp|execl|execlp|execle|fexecve|posix_spawnp?|clone|_exit|_Exit|_Zn[wa]mSt11align_val_t(RKSt9nothrow_t)?|mtrec_impl_[a-z_]+)$')
check_eq "libmtrec.so exports only the hooks and the client API" "$exports" ""

# --- the writer itself killed: the trace loads up to its last complete frame, with a warning
setsid "$MTREC" -q -o killed.zst sh -c '"$0" 2 400000; sleep 30' "$SAMPLES/stress" >/dev/null 2>&1 &
killed_pid=$!
for i in $(seq 50); do [ "$(stat -c %s killed.zst 2>/dev/null || echo 0)" -gt 100000 ] && break; sleep 0.1; done
sleep 0.4
kill -KILL -- -$! 2>/dev/null
wait 2>/dev/null
# its shared memory (tmpfs: memory) stays until the next mtrec (looked at at once: an
# mtrec of another test run at the same time would sweep it), which removes the files
# of this user's recorders that are gone and nothing else
shm_of() { ls -d /dev/shm/mtrec-"$(id -u)"-"$1"-* 2>/dev/null | wc -l; }
check_eq "killed writer: its shared memory file is left" "$(shm_of "$killed_pid")" 1
check_ge "killed writer: frames reached the file" "$(stat -c %s killed.zst)" 100000
check_rc "killed writer: mtan loads what is there" 0 "$MTAN" summary killed.zst --format json
check_match "killed writer: mtan says how much it recovered" "warning: 'killed.zst': .*loaded [0-9]+ events" "$(cat "$ERR")"
check_ge "killed writer: the events are there" "$(json_get "$OUT" 'd["events"]')" 10000
check_eq "killed writer: the summary says incomplete" "$(json_get "$OUT" 'd["complete"]')" false
dead=$(sh -c 'echo $$')
touch /dev/shm/mtrec-"$(id -u)"-"$dead"-0000beef /dev/shm/mtrec-"$(id -u)"-$$-0000beef
ln -s /dev/shm/mtrec-"$(id -u)"-$$-0000beef /dev/shm/mtrec-"$(id -u)"-"$dead"-0000cafe
touch /dev/shm/mtrec-"$(id -u)"-"$dead"-0000beef.keep
"$MTREC" -q -o next.zst true
check_eq "the next mtrec removes the killed recorder's file" "$(shm_of "$killed_pid")" 0
check_eq "... and another gone recorder's file, not its symlink or a name not its own" \
	"$(ls /dev/shm/ | grep -E "^mtrec-$(id -u)-$dead-" | sort | paste -sd' ')" "mtrec-$(id -u)-$dead-0000beef.keep mtrec-$(id -u)-$dead-0000cafe"
check_eq "... and not the file of a recorder that runs" "$(shm_of $$)" 1
rm -f /dev/shm/mtrec-"$(id -u)"-"$dead"-0000* /dev/shm/mtrec-"$(id -u)"-$$-0000beef

# --- the whole C allocation API, failures included (valgrind 3.19 aborts on pvalloc, so
# the sample's stated expectations are the oracle here)
check_rc "allocapi: every call behaves as glibc documents under mtrec" 0 "$MTREC" -q -o api.zst "$SAMPLES/allocapi"
# 10 kept + 20 (realloc'd to 0) + 16 and 64 (grown) + 8 (failed realloc) + stdio's 4096
check_eq "allocapi: exact counts; failed calls and free(NULL) record nothing" "$("$DUMP" -c api.zst)" \
	"allocs 15 frees 4 bytes $((77 + 10 + 100 + 30 + 40 + 200 + 256 + 300 + 400 + 500 + 20 + 16 + 64 + 8 + 4096)) other 0"
"$MTAN_PLAIN" leaks api.zst --format json -q >api.json
check_eq "allocapi: each function's block leaks with its requested size" \
	"$(json_get api.json 'sorted(s["bytes"] for s in d if s["frames"] and s["frames"][0]["module"].endswith("allocapi"))')" \
	"[10, 30, 40, 77, 100, 200, 256, 300, 400, 500]"
check_eq "allocapi: an allocation made before main (in a constructor) is recorded" \
	"$(json_get api.json '[s["bytes"] for s in d if s["frames"] and s["frames"][0]["function"] == "early_leak"]')" "[77]"
check_eq "allocapi: realloc(p, 0) and the grown block leave nothing" \
	"$(json_get api.json '[s["bytes"] for s in d if s["bytes"] in (20, 16, 64, 8)]')" "[]"

# --- time: the collector's clock by default, a clock read per event with --precise-time
"$MTREC" -q --precise-time -o pt.zst "$SAMPLES/leaky" >/dev/null
check_match "--precise-time: the header says so" "^header .* flags=9$" "$("$DUMP" pt.zst | head -1)"
check_ge "--precise-time: events have their own times" "$("$DUMP" pt.zst | awk '/^event/ {print $5}' | sort -u | wc -l)" 200
"$MTREC" -q -o ct.zst "$SAMPLES/leaky" >/dev/null
check_match "default: the header says coarse time" "^header .* flags=1$" "$("$DUMP" ct.zst | head -1)"
check_eq "default: times never go backwards in seq order" \
	"$("$DUMP" ct.zst | awk '/^event/ {sub("seq=", "", $4); sub("t=", "", $5); print $4, $5}' | sort -n | awk 'NR > 1 && $2 < p {bad++} {p = $2} END {print bad + 0}')" 0

# --- full rings: by default the program waits and nothing is lost; --lossy drops and counts
MTREC_TEST_STALL_MS=1500 "$MTREC" -q -o lossless.zst "$SAMPLES/stress" 2 200000 >/dev/null
check_eq "a stalled collector: nothing lost by default" "$("$DUMP" -c lossless.zst | awk '{print $2 + $4}')" 800007
MTREC_TEST_STALL_MS=1500 "$MTREC" --lossy -o lossy.zst "$SAMPLES/stress" 2 200000 >/dev/null 2>lossy.err
read -r got lost <<<"$("$MTAN_PLAIN" summary lossy.zst --format json -q | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["allocs"] + d["frees"], d["lost_events"])')"
check_ge "--lossy: events were dropped" "$lost" 1
check_eq "--lossy: recorded plus dropped is every event" "$((got + lost))" 800007
# as mtan writes counts: 1,234 events (1 event)
lost_words=$(python3 -c 'import sys; n = int(sys.argv[1]); print(f"{n:,} event" + ("" if n == 1 else "s"))' "$lost")
check_match "--lossy: mtrec says how many it dropped" "^mtrec: $lost_words dropped because a ring was full \(--lossy\)$" "$(cat lossy.err)"

# -o never replaces a file that is not a trace; an earlier recording is replaced
printf 'notes\n' >notes.txt
check_rc "mtrec -o a text file: refused" 1 "$MTREC" -o notes.txt "$SAMPLES/clean"
check_eq "... one line saying why" "$(cat "$ERR")" "mtrec: cannot write 'notes.txt': it exists and is not a trace: not replaced (remove it, or give -o another name)"
check_eq "... the file is untouched" "$(cat notes.txt)" notes
"$MTREC" -q -o again.zst "$SAMPLES/clean" >/dev/null 2>&1
check_rc "mtrec -o an earlier trace: replaced" 0 "$MTREC" -q -o again.zst "$SAMPLES/clean"
: >empty.out
check_rc "mtrec -o an empty file: written" 0 "$MTREC" -q -o empty.out "$SAMPLES/clean"
check_rc "mtrec -o /dev/null: written" 0 "$MTREC" -q -o /dev/null "$SAMPLES/clean"

# a bad option: one line naming it, exit 2 (not getopt's line and the whole usage)
check_rc "an unknown option: exit 2" 2 "$MTREC" --bogus true
check_eq "... one line naming it" "$(cat "$ERR")" "mtrec: unknown option '--bogus' (mtrec --help lists them)"
check_rc "an option without its value: exit 2" 2 "$MTREC" -o
check_eq "... one line naming it" "$(cat "$ERR")" "mtrec: '-o' needs a value (mtrec --help)"
