/* launcher.c: mtrec's main, the launcher. It runs a program with libmtrec.so preloaded
 * and collects its allocation events, and those of its threads and child processes, into
 * one compressed trace (collector.c). It refuses up front what cannot work, forwards
 * signals, and exits with the program's status. (record/mtrec.h is another thing: the
 * client API header that programs include.) */
#include "attach.h"
#include "collector.h"
#include "mtf.h"
#include "ring.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VERSION "0.1"

static const char usage_text[] =
	"usage: mtrec [options] [-o FILE] [--] PROGRAM [ARGS...]\n"
	"       mtrec [options] [-o FILE] -p PID\n"
	"Runs PROGRAM and records every allocation and free of it, its threads and its child\n"
	"processes into one compressed trace (analyze it with 'mtan'). With -p, attaches to the\n"
	"running process PID instead and records it from then on.\n"
	"\n"
	"  -o, --output FILE     write the trace to FILE (default: mtrec.PROGRAM.PID.zst,\n"
	"                        never an existing file); FILE may be an earlier trace, not\n"
	"                        another file\n"
	"  -p, --pid PID         attach to the running process PID (same user, x86-64): all\n"
	"                        its threads and the children it forks from then on are\n"
	"                        recorded until it exits or mtrec gets SIGINT or SIGTERM;\n"
	"                        then mtrec detaches and the process runs on unrecorded.\n"
	"                        Blocks it held before are not in the trace; their frees\n"
	"                        are counted apart ('mtan summary'). Needs ptrace: refused,\n"
	"                        with what to change, where it is not permitted\n"
	"      --stack-depth N   frames per call stack (default 64, at most 256)\n"
	"      --no-stacks       record no call stacks (cheaper; leaks are then not by site)\n"
	"      --free-stacks     record call stacks of frees too\n"
	"      --sample-stacks BYTES\n"
	"                        take the stacks of a sample of the allocations only: each\n"
	"                        allocated byte with probability 1/BYTES (k, M, G: KiB, MiB,\n"
	"                        GiB; e.g. 512k), as jemalloc's and tcmalloc's profilers do.\n"
	"                        Every event is still recorded (counts, bytes, leaks exact);\n"
	"                        mtan estimates each site's bytes from the sample. Frees\n"
	"                        then carry no stack (not with --free-stacks)\n"
	"      --precise-time    stamp every event with its own clock reading (costs ~15 ns an\n"
	"                        event); by default events carry the collector's clock, at most\n"
	"                        ~1 ms behind (order is exact either way)\n"
	"      --lossy           drop and count events when a thread's ring is full instead\n"
	"                        of making the thread wait (default: nothing is ever dropped)\n"
	"      --no-follow       record the first process only, not its children\n"
	"      --no-scan         do not scan a process's memory when it exits (its blocks\n"
	"                        still live then get no leak kind: 'not scanned')\n"
	"  -l, --level N         zstd compression level (default 1: the collector keeps up;\n"
	"                        an exit scan's frames use zstd's fast level -1)\n"
	"  -q, --quiet           no summary line\n"
	"  -h, --help            this text\n"
	"      --version         the version\n"
	"\n"
	"mtrec exits with the program's exit status (128+N when signal N killed it), 127 when\n"
	"the program is not found, and 1 when it cannot record. With -p: 0 once recorded, 1\n"
	"when it cannot attach.\n";

static volatile sig_atomic_t child_pid;

/* Signals sent to mtrec (kill, a supervisor) go on to the program. A terminal's ^C
 * already reaches the whole foreground process group, program included: not twice. */
static void forward(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	if (child_pid > 0 && si->si_code <= 0)
		kill(child_pid, sig);
}

/* The path of the program as execvp would find it; NULL with errno when none. */
static char *find_program(const char *name)
{
	if (strchr(name, '/')) {
		if (access(name, F_OK) < 0)
			return NULL;
		return strdup(name);
	}
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	int saw_eacces = 0;
	while (*path) {
		const char *end = strchr(path, ':');
		size_t len = end ? (size_t)(end - path) : strlen(path);
		char buf[PATH_MAX];
		if (snprintf(buf, sizeof buf, "%.*s/%s", (int)len, len ? path : ".", name) < (int)sizeof buf) {
			struct stat st;
			if (stat(buf, &st) == 0 && S_ISREG(st.st_mode)) {
				if (access(buf, X_OK) == 0)
					return strdup(buf);
				saw_eacces = 1;
			}
		}
		path += len + (end ? 1 : 0);
	}
	errno = saw_eacces ? EACCES : ENOENT;
	return NULL;
}

/* 0: fine; else says why LD_PRELOAD cannot reach the program. */
static int check_program(const char *name, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		fprintf(stderr, "mtrec: cannot run '%s': %s\n", name, strerror(errno));
		return 127;
	}
	if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "mtrec: cannot run '%s': Is a directory\n", name);
		return 126;
	}
	if (access(path, X_OK) < 0) {
		fprintf(stderr, "mtrec: cannot run '%s': %s\n", name, strerror(errno));
		return 126;
	}
	/* the kernel marks the exec secure (and ld.so drops LD_PRELOAD) only when the set-id
	 * bit changes the ids: a set-user-id program of our own user (root's as root) runs
	 * as any other */
	int suid = (st.st_mode & S_ISUID) && st.st_uid != getuid();
	int sgid = (st.st_mode & S_ISGID) && st.st_gid != getgid();
	if (suid || sgid) {
		fprintf(stderr, "mtrec: '%s' is set%cid: the dynamic linker ignores LD_PRELOAD for it, so "
				"nothing would be recorded; run a copy without the set%cid bit\n",
			name, suid ? 'u' : 'g', suid ? 'u' : 'g');
		return 1;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* execute-only: let exec decide */
	Elf64_Ehdr eh;
	int ret = 0;
	if (read(fd, &eh, sizeof eh) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG))
		goto out; /* a script or another format: its interpreter is what runs */
	if (eh.e_ident[EI_CLASS] != ELFCLASS64) {
		fprintf(stderr, "mtrec: '%s' is a 32-bit program: libmtrec.so is 64-bit and cannot be "
				"loaded into it, so nothing would be recorded; build it for 64 bits\n", name);
		ret = 1;
		goto out;
	}
	int dynamic = 0;
	for (int i = 0; i < eh.e_phnum && !dynamic; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) != (ssize_t)sizeof ph)
			break;
		dynamic = ph.p_type == PT_INTERP;
	}
	if (!dynamic) {
		fprintf(stderr, "mtrec: '%s' is statically linked: LD_PRELOAD cannot reach its allocator, so "
				"nothing would be recorded; link it dynamically (or use valgrind)\n", name);
		ret = 1;
	}
out:
	close(fd);
	return ret;
}

/* --sample-stacks: bytes, with k, M or G for KiB, MiB, GiB; 0 when not a size. */
static uint64_t parse_bytes(const char *s)
{
	char *end;
	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;
	if (*end && !end[1]) {
		const char *units = "kKmMgG", *u = strchr(units, *end);
		if (!u)
			return 0;
		shift = (unsigned)(u - units) / 2 * 10 + 10;
		end++;
	}
	if (*end || errno || v > (1ull << 50) >> shift)
		return 0;
	return (uint64_t)v << shift;
}

/* libmtrec.so beside this executable (the build tree) or in ../lib/mtrec (installed). */
static int find_lib(char *out, size_t cap)
{
	const char *env = getenv("MTREC_LIB");
	if (env && *env) {
		snprintf(out, cap, "%s", env);
		return access(out, R_OK);
	}
	char self[PATH_MAX - 64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return -1;
	self[n] = 0;
	char *slash = strrchr(self, '/');
	*slash = 0;
	snprintf(out, cap, "%s/libmtrec.so", self);
	if (access(out, R_OK) == 0)
		return 0;
	snprintf(out, cap, "%s/../lib/mtrec/libmtrec.so", self);
	return access(out, R_OK);
}

/* Why open_output refused a file it did not fail to open, else NULL. */
static const char *refused;

/* Whether path holds something -o must not replace: a file with data that is not a trace
 * (an earlier recording, which -o is often given again for, is replaced). */
static int not_ours(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
		return 0;
	mtf_reader *r = NULL;
	mtf_record rec;
	int ours = mtf_reader_open(&r, path) == 0 && mtf_reader_next(r, &rec) == 1 && rec.type == MTF_HEADER;
	mtf_reader_free(r);
	return !ours;
}

/* Opens the output without following a symlink someone planted there, nor replacing a
 * file that is not a trace. Without -o a fresh name is chosen, never an existing file. */
static int open_output(const char *given, const char *prog, char *name, size_t cap)
{
	if (given) {
		snprintf(name, cap, "%s", given);
		if (not_ours(given)) {
			refused = "it exists and is not a trace: not replaced (remove it, or give -o another name)";
			return -1;
		}
		return open(given, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	}
	const char *base = strrchr(prog, '/');
	base = base ? base + 1 : prog;
	for (int i = 0; i < 1000; i++) {
		if (i == 0)
			snprintf(name, cap, "mtrec.%s.%d.zst", base, (int)getpid());
		else
			snprintf(name, cap, "mtrec.%s.%d.%d.zst", base, (int)getpid(), i);
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

static void human(double b, char *out, size_t cap)
{
	const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int i = 0;
	while (b >= 1024 && i < 4) {
		b /= 1024;
		i++;
	}
	snprintf(out, cap, i ? "%.1f %s" : "%.0f %s", b, u[i]);
}

static void print_summary(const struct mtr_collector *col, const char *outname)
{
	uint64_t ev, procs, thr, bytes, lost;
	int werr;
	char hb[32], eb[32], pb[32], tb[32], lb[32];
	mtr_collector_totals(col, &ev, &procs, &thr, &bytes, &lost, &werr);
	human((double)bytes, hb, sizeof hb);
	fprintf(stderr, "mtrec: '%s': %s event%s, %s process%s, %s thread%s, %s, %.2f bytes/event%s\n",
		outname, mtf_count(eb, ev), ev == 1 ? "" : "s", mtf_count(pb, procs), procs == 1 ? "" : "es",
		mtf_count(tb, thr), thr == 1 ? "" : "s", hb, ev ? (double)bytes / (double)ev : 0.0,
		lost ? ", some events lost (--lossy)" : "");
	if (lost)
		fprintf(stderr, "mtrec: %s event%s dropped because a ring was full (--lossy)\n",
			mtf_count(lb, lost), lost == 1 ? "" : "s");
}

/* Says once that writing the trace failed: recording stops there, the program (or the
 * attached process) runs on. 1 when it is told (now or before). */
static int tell_write_error(const struct mtr_collector *col, const char *outname, const char *who, int told)
{
	uint64_t ev, procs, thr, bytes, lost;
	int werr;
	mtr_collector_totals(col, &ev, &procs, &thr, &bytes, &lost, &werr);
	if (!werr || told)
		return told;
	fprintf(stderr, "mtrec: cannot write '%s': %s; recording stopped, the %s runs on and the trace is "
			"readable up to here\n", outname, werr < 0 && werr > -10000 ? strerror(-werr) : "encoder error",
		who);
	return 1;
}

/* Removes the output of an attach that did not happen: a regular file (never what -o
 * named otherwise, /dev/null say), and only the one still open as fd. */
static void drop_output(int fd, const char *name)
{
	struct stat a, b;
	if (fstat(fd, &a) == 0 && S_ISREG(a.st_mode) && lstat(name, &b) == 0 && a.st_ino == b.st_ino &&
	    a.st_dev == b.st_dev)
		unlink(name);
	close(fd);
}

static volatile sig_atomic_t stop_sig;
static void on_stop(int sig) { stop_sig = sig; }

/* The command line of a running process as argv (into buf), for the trace's header. */
static int proc_argv(pid_t pid, char *buf, size_t cap, char **argv, int max)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC), n = 0;
	ssize_t k = fd >= 0 ? read(fd, buf, cap - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (k <= 0) {
		snprintf(buf, cap, "%d", (int)pid);
		k = (ssize_t)strlen(buf) + 1;
	}
	buf[k] = 0;
	for (char *p = buf; p < buf + k && *p && n < max; p += strlen(p) + 1)
		argv[n++] = p;
	return n;
}

/* mtrec -p PID: loads the recorder into the running process (attach.c) and collects until
 * it ends or mtrec is told to stop; then detaches, leaving the process running. */
static int attach_main(const char *pidarg, const char *output, struct mtr_collect_opts *o, int quiet)
{
	char *end;
	long lp = strtol(pidarg, &end, 10);
	if (*end || end == pidarg || lp <= 0 || lp > INT_MAX) {
		fprintf(stderr, "mtrec: invalid pid '%s': give a process id\n", pidarg);
		return 2;
	}
	pid_t pid = (pid_t)lp;
	if (pid == getpid()) {
		fprintf(stderr, "mtrec: cannot attach to %d: that is mtrec itself\n", (int)pid);
		return 1;
	}
	if (kill(pid, 0) < 0 && errno == ESRCH) {
		fprintf(stderr, "mtrec: cannot attach to %d: No such process\n", (int)pid);
		return 1;
	}
	char lib[PATH_MAX], abslib[PATH_MAX];
	if (find_lib(lib, sizeof lib) || !realpath(lib, abslib)) {
		fprintf(stderr, "mtrec: cannot find libmtrec.so beside mtrec or in ../lib/mtrec (set MTREC_LIB)\n");
		return 1;
	}
	char cmd[8192], *pargv[256], comm[64] = "process";
	int pargc = proc_argv(pid, cmd, sizeof cmd, pargv, 256);
	if (pargc > 0) {
		const char *b = strrchr(pargv[0], '/');
		snprintf(comm, sizeof comm, "%s", b ? b + 1 : pargv[0]);
	}
	char outname[PATH_MAX];
	int fd = open_output(output, comm, outname, sizeof outname);
	if (fd < 0) {
		fprintf(stderr, "mtrec: cannot write '%s': %s\n", outname, refused ? refused : strerror(errno));
		return 1;
	}
	o->opts |= MTR_OPT_ATTACH;
	int err, ret = 1;
	struct mtr_collector *col = mtr_collector_new(fd, o, &err);
	if (!col) {
		fprintf(stderr, "mtrec: cannot set up shared memory: %s\n", strerror(err));
		drop_output(fd, outname);
		return 1;
	}
	mtr_collector_set_root(col, (uint32_t)pid);
	signal(SIGXFSZ, SIG_IGN);
	/* the borrowed thread is put back before a signal can end mtrec */
	sigset_t stop, old;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	struct sigaction sa = {0};
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigprocmask(SIG_BLOCK, &stop, &old);
	char why[1024];
	int w = mtr_collector_start(col, (uint32_t)pid, pargc, pargv);
	if (!w && mtr_attach(pid, abslib, mtr_collector_shm_path(col), why, sizeof why)) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		fprintf(stderr, "mtrec: cannot attach to %d: %s\n", (int)pid, why);
		mtr_collector_free(col);
		drop_output(fd, outname);
		return 1;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (w) {
		fprintf(stderr, "mtrec: cannot write '%s'\n", outname);
		mtr_collector_free(col);
		close(fd);
		return 1;
	}
	if (!quiet)
		fprintf(stderr, "mtrec: attached to %d (%s), writing '%s'; interrupt to detach\n", (int)pid, comm,
			outname);
	int seen = 0, reported = 0;
	struct timespec detach_at = {0, 0};
	for (;;) {
		uint64_t n = mtr_collector_poll(col);
		reported |= tell_write_error(col, outname, "process", reported);
		size_t live = mtr_collector_live_processes(col);
		seen |= live > 0;
		if (!live && (seen || (kill(pid, 0) < 0 && errno == ESRCH)))
			break; /* it ended, and the children it forked since */
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (stop_sig && !detach_at.tv_sec) {
			mtr_collector_detach(col); /* the hooks pass through from their next call */
			detach_at = now;
		}
		/* what threads were writing when told to stop: drained for a moment, then done */
		if (detach_at.tv_sec && (now.tv_sec - detach_at.tv_sec) * 1000000000L +
						(now.tv_nsec - detach_at.tv_nsec) > 100000000L)
			break;
		if (n < 4096) {
			struct timespec ts = {0, 500000};
			nanosleep(&ts, NULL);
		}
	}
	int werr = mtr_collector_finish(col);
	if (werr && !reported)
		fprintf(stderr, "mtrec: cannot write '%s': %s; the trace is readable up to its last frame\n",
			outname, werr < 0 && werr > -10000 ? strerror(-werr) : "encoder error");
	if (close(fd) < 0 && !werr)
		fprintf(stderr, "mtrec: cannot write '%s': %s\n", outname, strerror(errno));
	else
		ret = 0;
	if (!quiet) {
		if (stop_sig)
			fprintf(stderr, "mtrec: detached from %d, which runs on unrecorded\n", (int)pid);
		print_summary(col, outname);
	}
	mtr_collector_free(col);
	return ret;
}

int main(int argc, char **argv)
{
	enum { O_STACK_DEPTH = 256, O_NO_STACKS, O_FREE_STACKS, O_LOSSY, O_NO_FOLLOW, O_VERSION, O_PRECISE, O_NO_SCAN,
	       O_SAMPLE };
	static const struct option longopts[] = {
		{"output", required_argument, 0, 'o'},
		{"pid", required_argument, 0, 'p'},
		{"stack-depth", required_argument, 0, O_STACK_DEPTH},
		{"no-stacks", no_argument, 0, O_NO_STACKS},
		{"free-stacks", no_argument, 0, O_FREE_STACKS},
		{"sample-stacks", required_argument, 0, O_SAMPLE},
		{"precise-time", no_argument, 0, O_PRECISE},
		{"lossy", no_argument, 0, O_LOSSY},
		{"no-follow", no_argument, 0, O_NO_FOLLOW},
		{"no-scan", no_argument, 0, O_NO_SCAN},
		{"level", required_argument, 0, 'l'},
		{"quiet", no_argument, 0, 'q'},
		{"help", no_argument, 0, 'h'},
		{"version", no_argument, 0, O_VERSION},
		{0, 0, 0, 0},
	};
	const char *output = NULL, *attach_pid = NULL;
	struct mtr_collect_opts o = {.depth = 64, .opts = 0, .level = 1};
	int quiet = 0, c;
	char *end;
	opterr = 0; /* one line of our own, not getopt's and the whole usage */
	while ((c = getopt_long(argc, argv, "+:o:p:l:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'p': attach_pid = optarg; break;
		case O_STACK_DEPTH: {
			long d = strtol(optarg, &end, 10);
			if (*end || d < 0 || d > MTR_MAX_DEPTH) {
				fprintf(stderr, "mtrec: invalid stack depth '%s': give 0 to %d\n", optarg, MTR_MAX_DEPTH);
				return 2;
			}
			o.depth = (uint32_t)d;
			break;
		}
		case O_NO_STACKS: o.depth = 0; break;
		case O_FREE_STACKS: o.opts |= MTR_OPT_FREE_STACKS; break;
		case O_SAMPLE:
			if (!(o.sample_bytes = parse_bytes(optarg))) {
				fprintf(stderr, "mtrec: invalid sample size '%s': give bytes from 1 to 1P, with k, M "
						"or G for KiB, MiB or GiB (e.g. 512k)\n", optarg);
				return 2;
			}
			break;
		case O_PRECISE: o.opts |= MTR_OPT_PRECISE_TIME; break;
		case O_LOSSY: o.opts |= MTR_OPT_LOSSY; break;
		case O_NO_FOLLOW: o.opts |= MTR_OPT_NO_FOLLOW; break;
		case O_NO_SCAN: o.opts |= MTR_OPT_NO_SCAN; break;
		case 'l': {
			long l = strtol(optarg, &end, 10);
			if (*end || l < 1 || l > 19) {
				fprintf(stderr, "mtrec: invalid level '%s': give 1 to 19\n", optarg);
				return 2;
			}
			o.level = (int)l;
			break;
		}
		case 'q': quiet = 1; break;
		case 'h': fputs(usage_text, stdout); return 0;
		case O_VERSION: printf("mtrec %s\n", VERSION); return 0;
		case ':':
			fprintf(stderr, "mtrec: '%s' needs a value (mtrec --help)\n", argv[optind - 1]);
			return 2;
		default:
			if (optopt)
				fprintf(stderr, "mtrec: unknown option '-%c' (mtrec --help lists them)\n", optopt);
			else
				fprintf(stderr, "mtrec: unknown option '%s' (mtrec --help lists them)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (o.sample_bytes && (o.opts & MTR_OPT_FREE_STACKS)) {
		/* a free has no size to sample by, and which blocks were sampled is not known
		 * at the free without a look-up the hook cannot afford */
		fprintf(stderr, "mtrec: '--free-stacks' cannot be combined with '--sample-stacks': sampled "
				"traces record no stacks of frees\n");
		return 2;
	}
	if (o.sample_bytes && !o.depth) {
		fprintf(stderr, "mtrec: '--no-stacks' cannot be combined with '--sample-stacks': there would be "
				"no stacks to sample\n");
		return 2;
	}
	if (attach_pid) {
		if (optind < argc) {
			fprintf(stderr, "mtrec: -p attaches to a running process: give no program ('%s')\n",
				argv[optind]);
			return 2;
		}
		return attach_main(attach_pid, output, &o, quiet);
	}
	if (optind >= argc) {
		fprintf(stderr, "mtrec: no program given\n%s", usage_text);
		return 2;
	}
	char **pargv = argv + optind;
	int pargc = argc - optind;
	char *prog = find_program(pargv[0]);
	if (!prog) {
		if (errno == EACCES) {
			fprintf(stderr, "mtrec: cannot run '%s': Permission denied\n", pargv[0]);
			return 126;
		}
		if (strchr(pargv[0], '/'))
			fprintf(stderr, "mtrec: cannot run '%s': No such file or directory\n", pargv[0]);
		else
			fprintf(stderr, "mtrec: '%s': command not found\n", pargv[0]);
		return 127;
	}
	int ret = check_program(pargv[0], prog);
	if (ret)
		return ret;
	char lib[PATH_MAX];
	if (find_lib(lib, sizeof lib)) {
		fprintf(stderr, "mtrec: cannot find libmtrec.so beside mtrec or in ../lib/mtrec (set MTREC_LIB)\n");
		return 1;
	}
	char outname[PATH_MAX];
	int fd = open_output(output, pargv[0], outname, sizeof outname);
	if (fd < 0) {
		fprintf(stderr, "mtrec: cannot write '%s': %s\n", outname, refused ? refused : strerror(errno));
		return 1;
	}
	if (!output && !quiet)
		fprintf(stderr, "mtrec: writing '%s'\n", outname);
	int err;
	struct mtr_collector *col = mtr_collector_new(fd, &o, &err);
	if (!col) {
		fprintf(stderr, "mtrec: cannot set up shared memory: %s\n", strerror(err));
		return 1;
	}
	/* orphans of the program become ours, so the recording ends when all of them did */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	struct sigaction sa = {0};
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	int fwd[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	for (size_t i = 0; i < sizeof fwd / sizeof *fwd; i++)
		sigaction(fwd[i], &sa, NULL);

	char *preload = NULL;
	const char *old = getenv("LD_PRELOAD");
	if (asprintf(&preload, "%s%s%s", lib, old && *old ? ":" : "", old ? old : "") < 0)
		return 1;
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "mtrec: cannot fork: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		struct sigaction dfl = {0};
		dfl.sa_handler = SIG_DFL;
		for (size_t i = 0; i < sizeof fwd / sizeof *fwd; i++)
			sigaction(fwd[i], &dfl, NULL);
		/* before exec: the program's recorder asks who the first process is (--no-follow) */
		mtr_collector_set_root(col, (uint32_t)getpid());
		setenv("LD_PRELOAD", preload, 1);
		setenv("MTREC_SHM", mtr_collector_shm_path(col), 1);
		execv(prog, pargv);
		int e = errno;
		fprintf(stderr, "mtrec: cannot run '%s': %s\n", pargv[0], strerror(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	child_pid = pid;
	free(preload);
	signal(SIGXFSZ, SIG_IGN); /* a file size limit is a full disk: write() says EFBIG */
	if (mtr_collector_start(col, (uint32_t)pid, pargc, pargv) && !quiet)
		fprintf(stderr, "mtrec: cannot write '%s'\n", outname);

	/* for tests: a collector that falls behind, so rings fill (--lossy drops, else the
	 * program waits) */
	const char *stall = getenv("MTREC_TEST_STALL_MS");
	if (stall) {
		struct timespec ts = {atoi(stall) / 1000, (atoi(stall) % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	int status = 0, reported = 0;
	struct timespec last_wait = {0, 0};
	for (;;) {
		uint64_t n = mtr_collector_poll(col);
		reported |= tell_write_error(col, outname, "program", reported);
		/* reap when idle, and every 20 ms when busy: a syscall per pass would cost more
		 * than the pass */
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long since = (now.tv_sec - last_wait.tv_sec) * 1000000000L + (now.tv_nsec - last_wait.tv_nsec);
		int gone = 0;
		if (n < 4096 || since > 20000000L) {
			last_wait = now;
			int st;
			pid_t p;
			while ((p = waitpid(-1, &st, WNOHANG)) != 0) {
				if (p < 0) {
					if (errno == EINTR)
						continue;
					gone = errno == ECHILD;
					break;
				}
				if (p == pid)
					status = st;
				mtr_collector_exited(col, (uint32_t)p, st);
			}
		}
		if (gone)
			break;
		/* let a thousand events or more gather: one pass over many is cheaper than many
		 * passes over few (each wakeup costs the machine ~20 us of kernel time, more in a
		 * VM), and a ring holds tens of thousands; a pass that found thousands comes back
		 * at once */
		if (n < 4096) {
			struct timespec ts = {0, 1000000};
			nanosleep(&ts, NULL);
		}
	}
	int werr = mtr_collector_finish(col);
	uint64_t ev, procs, thr, bytes, lost;
	mtr_collector_totals(col, &ev, &procs, &thr, &bytes, &lost, &werr);
	if (werr && !reported)
		fprintf(stderr, "mtrec: cannot write '%s': %s; the trace is readable up to its last frame\n",
			outname, werr < 0 && werr > -10000 ? strerror(-werr) : "encoder error");
	if (close(fd) < 0 && !werr)
		fprintf(stderr, "mtrec: cannot write '%s': %s\n", outname, strerror(errno));
	if (!quiet)
		print_summary(col, outname);
	if (getenv("MTREC_DEBUG")) { /* what the collector's own core spent */
		struct rusage ru;
		getrusage(RUSAGE_SELF, &ru);
		double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
			     ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) * 1e-6;
		struct rusage rc;
		getrusage(RUSAGE_CHILDREN, &rc);
		double pcpu = (double)rc.ru_utime.tv_sec + (double)rc.ru_stime.tv_sec +
			      ((double)rc.ru_utime.tv_usec + (double)rc.ru_stime.tv_usec) * 1e-6;
		fprintf(stderr, "mtrec: collector cpu %.3f s, %.1f ns/event; program cpu %.3f s\n", cpu,
			ev ? cpu * 1e9 / (double)ev : 0.0, pcpu);
	}
	mtr_collector_free(col);
	free(prog);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
