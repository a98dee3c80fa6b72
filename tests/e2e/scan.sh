# scan.sh: the exit scan that gives leaks their kinds (FORMAT.md SCAN, SCHEMA.md "Leak
# kinds"): planted kinds at exit, at _exit and in a forked child; threads still running
# while the process ends; a killed process and --no-scan give not_scanned, said so.
. "$TOP/tests/e2e/lib.bash"

kinds() { # TRACE [WHERE]: "kind blocks bytes;" per kind, sorted
	"$MTAN" sql "$1" "SELECT leak_kind, count(*), sum(size) FROM leaks WHERE device = -1 AND space = 0 ${2:+AND $2}
		GROUP BY leak_kind ORDER BY leak_kind" --format csv 2>>"$ERR" | tail -n +2 | tr '\n' ';' | tr -d '"'
}

# The planted heap: valgrind 3.19 gives exactly these figures for it (definitely lost 164
# bytes in 3 blocks, indirectly 64 in 2, possibly 50 in 1, still reachable 64 in 1).
cat >kinds.c <<'EOF'
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
void *g;  /* still reachable: 64 */
char *gi; /* only an interior pointer: possibly lost, 50 */
struct node { struct node *next; char pad[24]; };
__attribute__((noinline)) void lose(void) { volatile void *p = malloc(100); (void)p; }
__attribute__((noinline)) void chain(void) { struct node *a = malloc(sizeof *a); a->next = malloc(sizeof *a); a->next->next = 0; }
__attribute__((noinline)) void cycle(void) { struct node *a = malloc(sizeof *a), *b = malloc(sizeof *b); a->next = b; b->next = a; }
__attribute__((noinline)) void scrub(void) { volatile char buf[4096]; memset((char *)buf, 0, sizeof buf); }
int main(int argc, char **argv) {
	g = malloc(64);
	gi = (char *)malloc(50) + 10;
	lose(); chain(); cycle(); scrub();
	if (argc > 1 && argv[1][0] == 'x')
		_exit(0);
	if (argc > 1 && argv[1][0] == 'k')
		pause();
	return 0;
}
EOF
gcc -O0 -g -o kinds kinds.c
want="definitely_lost,3,164;indirectly_lost,2,64;possibly_lost,1,50;still_reachable,1,64;"

"$MTREC" -q -o ret.zst ./kinds
check_eq "return from main: memcheck's four figures" "$(kinds ret.zst)" "$want"
check_eq "return from main: the process is scanned" \
	"$("$MTAN" sql ret.zst "SELECT scanned, scan_seq > start_seq, scan_seq < exit_seq FROM processes" --format csv | tail -1)" "1,1,1"
check_eq "return from main: meta.scan" "$("$MTAN" sql ret.zst "SELECT value FROM meta WHERE key = 'scan'" --format csv | tail -1)" '"on"'

"$MTREC" -q -o x.zst ./kinds x
check_eq "_exit: the same figures" "$(kinds x.zst)" "$want"
check_match "_exit: the scan says it ran in _exit" "^scan pid=[0-9]+ seq=[0-9]+ begin a=1 " "$("$TOP/build/mtdump" x.zst)"

"$MTREC" -q --no-scan -o ns.zst ./kinds
check_eq "--no-scan: every leak not_scanned" "$(kinds ns.zst)" "not_scanned,7,342;"
check_eq "--no-scan: meta.scan off, process not scanned" \
	"$("$MTAN" sql ns.zst "SELECT (SELECT value FROM meta WHERE key = 'scan'), scanned, scan_seq IS NULL FROM processes" --format csv | tail -1)" '"off",0,1'
check_nomatch "--no-scan: no SCAN record" "^scan " "$("$TOP/build/mtdump" ns.zst)"

"$MTREC" -q -o k.zst ./kinds k &
rec=$! kp=
# this mtrec's own child only: other tests may run a kinds of their own at the same time
for _ in $(seq 100); do kp=$(pgrep -x -P "$rec" kinds) && break; sleep 0.05; done
sleep 0.2
[ -n "$kp" ] && kill -KILL "$kp"
wait
check_eq "killed by SIGKILL: not scanned" "$(kinds k.zst)" "not_scanned,7,342;"
check_eq "killed by SIGKILL: the process says so" \
	"$("$MTAN" sql k.zst "SELECT scanned, exit_signal FROM processes" --format csv | tail -1)" "0,9"

# A forked child scans itself: it loses one block of its own and keeps the parent's
# (inherited, not leaks); the parent keeps its global and loses nothing.
cat >forks.c <<'EOF'
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
void *keep;
__attribute__((noinline)) void lose(void) { volatile void *p = malloc(77); (void)p; }
int main(void) {
	keep = malloc(33);
	pid_t c = fork();
	if (c == 0) {
		lose();
		keep = malloc(44); /* the parent's 33 stays the child's inherited copy */
		exit(0);
	}
	waitpid(c, NULL, 0);
	return 0;
}
EOF
gcc -O0 -g -o forks forks.c
"$MTREC" -q -o f.zst ./forks
root=$("$MTAN" sql f.zst "SELECT pid FROM processes WHERE how = 'exec'" --format csv | tail -1)
check_eq "fork: the parent's kinds" "$(kinds f.zst "pid = $root")" "still_reachable,1,33;"
check_eq "fork: the child's kinds" "$(kinds f.zst "pid <> $root")" "definitely_lost,1,77;still_reachable,1,44;"
check_eq "fork: both processes scanned" "$("$MTAN" sql f.zst "SELECT sum(scanned) FROM processes" --format csv | tail -1)" "2"

# Threads: one blocked in read() holds a block only on its stack while main returns (still
# reachable); another keeps allocating and freeing through the end. Nothing crashes or
# hangs, every leak gets a kind, and the blocked thread's block is reachable.
cat >threads.c <<'EOF'
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static int fds[2];
static volatile int started;
__attribute__((noinline)) static void *hold(void *a) {
	(void)a;
	char *volatile mine = malloc(1234);
	memset(mine, 1, 1234);
	started = 1;
	char c;
	while (read(fds[0], &c, 1) < 0) /* blocked here when main returns */
		;
	return (void *)mine;
}
static void *churn(void *a) {
	(void)a;
	for (;;) {
		void *p = malloc(100 + rand() % 1000);
		free(p);
	}
	return NULL;
}
int main(void) {
	pthread_t t1, t2;
	if (pipe(fds))
		return 1;
	pthread_create(&t1, NULL, hold, NULL);
	pthread_create(&t2, NULL, churn, NULL);
	while (!started)
		usleep(1000);
	usleep(20000);
	return 0;
}
EOF
gcc -O1 -g -o threads threads.c -lpthread
check_rc "threads running at exit: the program exits 0" 0 "$MTREC" -q -o t.zst ./threads
check_eq "threads running at exit: the blocked thread's block is still reachable" \
	"$("$MTAN" sql t.zst "SELECT leak_kind FROM leaks WHERE size = 1234" --format csv | tail -1)" '"still_reachable"'
check_eq "threads running at exit: every leak has a kind" \
	"$("$MTAN" sql t.zst "SELECT count(*) FROM leaks WHERE leak_kind IS NULL" --format csv | tail -1)" "0"
check_eq "threads running at exit: the trace is complete" \
	"$("$MTAN" sql t.zst "SELECT value FROM meta WHERE key = 'complete'" --format csv | tail -1)" "1"
