/* collector.c: drains the traced threads' rings, turns ring records into trace records
 * (interning stacks per process by hash), samples each process's RSS about every 10 ms,
 * and writes through the formats/ encoder, closing a zstd frame at least every 250 ms so
 * a trace whose writer dies stays readable up to its last frame. */
#include "collector.h"
#include "mtf.h"
#include "ring.h"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FLUSH_NS 250000000ull
#define RSS_NS 10000000ull
#define REAP_NS 100000000ull
#define MAX_PIDS 4096

struct stack_ent {
	uint64_t hash;
	uint32_t pid, id;
};

struct mtr_collector {
	struct mtr_shm *shm;
	char shm_path[256];
	int out_fd;
	mtf_writer *w;
	int write_err;
	uint64_t t0, last_flush, last_rss, last_reap;
	/* stacks interned per (pid, hash) */
	struct stack_ent *stacks;
	size_t stacks_cap, nstacks;
	/* the events of the slot being drained */
	mtf_event *batch;
	size_t batch_len, batch_cap;
	/* processes seen, for RSS sampling */
	uint32_t pids[MAX_PIDS];
	uint8_t alive[MAX_PIDS];
	size_t npids;
	uint64_t events, threads, lost, records;
	uint64_t events_written; /* in frames that reached the file (approximately: a frame
				  * closed by size inside a batch counts the batch as unwritten) */
	uint64_t bytes_seen;
	uint64_t *tids; /* (pid << 32 | tid) of threads seen: an open-addressing set */
	size_t tids_cap;
	uint8_t *broken; /* slots whose ring held garbage: ignored */
	long page;
	uint64_t tsc0;
	double ns_per_tick;
	uint64_t last_hash;
	uint32_t last_pid, last_id;
	int detached; /* mtr_collector_detach: the processes run on without the recorder */
	/* the seq of each ring's last event (EVENT_SHORT's base), and the time short events
	 * are stamped with: the clock published before the pass that drains them */
	uint64_t *last_seq;
	uint64_t drain_t;
	/* clock readings (CLOCK records): the counter's value at the last one written, and a
	 * later reading with that same value not written yet (a quiet pass) */
	uint64_t clock_seq, pend_t;
	int pending;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Producers' timestamps to ns since t0: TSC ticks scaled by the calibration, or
 * already ns. Clamped at 0 for a stamp taken a hair before t0. */
static inline uint64_t to_ns(const struct mtr_collector *c, uint64_t t)
{
	if (!c->shm->use_tsc)
		return t;
	if (t <= c->tsc0)
		return 0;
	return (uint64_t)((double)(t - c->tsc0) * c->ns_per_tick);
}

static void put(struct mtr_collector *c, const mtf_record *r)
{
	if (c->write_err)
		return;
	int ret = mtf_writer_put(c->w, r);
	if (ret)
		c->write_err = ret;
}

/* A SCAN record with its items encoded by the process: -1 when they are not what the
 * record says (a scribbled ring: the caller treats it as any malformed record). */
static int put_scan(struct mtr_collector *c, const mtf_record *r, const uint8_t *items, size_t len)
{
	if (c->write_err)
		return 0;
	int ret = mtf_writer_scan_encoded(c->w, r, items, len);
	if (ret == MTF_E_BADREC)
		return -1;
	if (ret)
		c->write_err = ret;
	return 0;
}

static void put_clock(struct mtr_collector *c, uint64_t seq, uint64_t t)
{
	mtf_record r = {.type = MTF_CLOCK};
	r.u.clock.seq = seq;
	r.u.clock.time_ns = t;
	put(c, &r);
}

/* A clock reading, t (ns since t0) read just before the counter: every seq above the
 * counter's value is taken after t, every seq up to it before. The loader interpolates
 * the events' times by seq between two readings, so the producers pay nothing for time
 * (they stamp coarse_ns, a load) and no run collapses into one instant (FORMAT.md,
 * CLOCK). Written only when something was numbered since the last one, together with
 * the quiet pass just before (so a burst after a quiet spell is bracketed by the pass
 * that preceded it, not by the last busy one). Not in --precise-time: events have their
 * own clock. */
static void clock_reading(struct mtr_collector *c, uint64_t t)
{
	if (c->shm->opts & MTR_OPT_PRECISE_TIME)
		return;
	uint64_t s = atomic_load(&c->shm->seq);
	if (s == c->clock_seq) {
		c->pend_t = t;
		c->pending = 1;
		return;
	}
	if (c->pending)
		put_clock(c, c->clock_seq, c->pend_t);
	put_clock(c, s, t);
	c->clock_seq = s;
	c->pending = 0;
}

/* A write error stops the recording, never the program: producers are told to stop,
 * and whatever they still write is drained and dropped so none of them waits. */
static void check_write(struct mtr_collector *c)
{
	if (c->write_err)
		atomic_store(&c->shm->disabled, 1);
}

/* Producers stamp events with the TSC when it ticks at a constant rate on every core
 * (the kernel's constant_tsc and nonstop_tsc): its rate against CLOCK_MONOTONIC is
 * measured here over 20 ms. Anywhere else they call clock_gettime. */
static void calibrate(struct mtr_collector *c)
{
	c->t0 = mono_ns();
#if defined(__x86_64__)
	char buf[8192];
	int fd = open("/proc/cpuinfo", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	if (!(c->shm->opts & MTR_OPT_PRECISE_TIME) || getenv("MTREC_NO_TSC") ||
	    !strstr(buf, " constant_tsc") || !strstr(buf, " nonstop_tsc"))
		return;
	uint64_t m0 = mono_ns(), t0 = __rdtsc(), m1, t1;
	do {
		m1 = mono_ns();
		t1 = __rdtsc();
	} while (m1 - m0 < 20000000u);
	c->ns_per_tick = (double)(m1 - m0) / (double)(t1 - t0);
	c->tsc0 = t0 - (uint64_t)((double)(m0 - c->t0) / c->ns_per_tick);
	c->shm->use_tsc = 1;
#endif
}

/* Removes the shared memory files this user's recorders left in dir when they were killed
 * (SIGKILL, OOM) before they could: the name says whose and which recorder's, and a file
 * is removed only when that recorder's process is gone. Each holds what its rings used in
 * tmpfs, that is memory, until the next reboot otherwise. */
static void sweep_stale(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		unsigned uid;
		int pid, end = 0;
		unsigned long tag;
		char path[sizeof(((struct mtr_collector *)0)->shm_path)];
		struct stat st;
		if (sscanf(e->d_name, "mtrec-%u-%d-%8lx%n", &uid, &pid, &tag, &end) != 3 || e->d_name[end] ||
		    uid != (unsigned)getuid() || pid <= 0 || pid == (int)getpid())
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue; /* that recorder runs (or a process has its pid now: leave it) */
		if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
			continue;
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == getuid())
			unlink(path);
	}
	closedir(d);
}

struct mtr_collector *mtr_collector_new(int out_fd, const struct mtr_collect_opts *o, int *err)
{
	struct mtr_collector *c = calloc(1, sizeof(*c));
	int fd = -1;
	*err = 0;
	if (!c) {
		*err = ENOMEM;
		return NULL;
	}
	c->out_fd = out_fd;
	c->page = sysconf(_SC_PAGESIZE);
	const char *dir = "/dev/shm";
	if (access(dir, W_OK) != 0)
		dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	sweep_stale(dir);
	for (int tries = 0; tries < 100 && fd < 0; tries++) {
		snprintf(c->shm_path, sizeof c->shm_path, "%s/mtrec-%u-%d-%08lx", dir, (unsigned)getuid(),
			 (int)getpid(), (unsigned long)(mono_ns() * 2654435761u) & 0xffffffffu);
		/* O_EXCL + O_NOFOLLOW: never a file someone planted; 0600: only this user */
		fd = open(c->shm_path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0 || ftruncate(fd, (off_t)mtr_shm_size()) < 0) {
		*err = errno;
		goto fail;
	}
	void *p = mmap(NULL, mtr_shm_size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		*err = errno;
		goto fail;
	}
	close(fd);
	fd = -1;
	c->shm = p;
	c->shm->opts = o->opts;
	calibrate(c);
	c->shm->magic = MTR_SHM_MAGIC;
	c->shm->version = MTR_SHM_VERSION;
	c->shm->nrings = MTR_NRINGS;
	c->shm->ring_bytes = MTR_RING_BYTES;
	c->shm->data_off = sizeof(struct mtr_shm);
	c->shm->t0_ns = c->t0;
	c->shm->collector_pid = (uint32_t)getpid();
	c->shm->opts = o->opts;
	c->shm->depth = o->depth > MTR_MAX_DEPTH ? MTR_MAX_DEPTH : o->depth;
	c->shm->sample_bytes = c->shm->depth ? o->sample_bytes : 0; /* no stacks: nothing to sample */
	c->broken = calloc(MTR_NRINGS, 1);
	c->last_seq = calloc(MTR_NRINGS, sizeof(*c->last_seq));
	int ret = mtf_writer_new(&c->w, out_fd, o->level);
	if (ret || !c->broken || !c->last_seq) {
		*err = ENOMEM;
		goto fail;
	}
	return c;
fail:
	if (fd >= 0)
		close(fd);
	mtr_collector_free(c);
	return NULL;
}

const char *mtr_collector_shm_path(const struct mtr_collector *c) { return c->shm_path; }

void mtr_collector_set_root(struct mtr_collector *c, uint32_t pid)
{
	c->shm->root_pid = pid;
}

int mtr_collector_start(struct mtr_collector *c, uint32_t pid, int argc, char **argv)
{
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	size_t len = 0;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *cmd = calloc(1, len + 1);
	if (!cmd)
		return -ENOMEM;
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(cmd, " ");
		strcat(cmd, argv[i]);
	}
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	uint64_t real = (uint64_t)rt.tv_sec * 1000000000u + (uint64_t)rt.tv_nsec - (mono_ns() - c->t0);
	mtf_record r = {.type = MTF_HEADER};
	r.u.header.host = (mtf_str){host, (uint32_t)strlen(host)};
	r.u.header.pid = pid;
	r.u.header.cmdline = (mtf_str){cmd, (uint32_t)strlen(cmd)};
	r.u.header.realtime_ns = real;
	r.u.header.flags = (c->shm->depth ? MTF_FLAG_STACKS : 0) |
			   (c->shm->opts & MTR_OPT_LOSSY ? MTF_FLAG_LOSSY : 0) |
			   (c->shm->opts & MTR_OPT_FREE_STACKS ? MTF_FLAG_FREE_STACKS : 0) |
			   (c->shm->opts & MTR_OPT_PRECISE_TIME ? MTF_FLAG_PRECISE_TIME : 0) |
			   (c->shm->opts & MTR_OPT_NO_SCAN ? MTF_FLAG_NO_SCAN : 0) |
			   (c->shm->opts & MTR_OPT_ATTACH ? MTF_FLAG_ATTACHED : 0) |
			   (c->shm->sample_bytes ? MTF_FLAG_SAMPLED_STACKS : 0);
	r.u.header.sample_bytes = c->shm->sample_bytes;
	put(c, &r);
	free(cmd);
	/* at t0 nothing was numbered yet: the first bracket of every trace */
	if (!(c->shm->opts & MTR_OPT_PRECISE_TIME))
		put_clock(c, 0, 0);
	c->clock_seq = 0;
	c->last_flush = c->last_rss = c->last_reap = mono_ns();
	return c->write_err;
}

/* ------------------------------------------------------------------ stacks */

static uint32_t stack_lookup(struct mtr_collector *c, uint32_t pid, uint64_t hash, const uint64_t *frames, uint32_t n);

static int stacks_grow(struct mtr_collector *c)
{
	size_t cap = c->stacks_cap ? c->stacks_cap * 2 : 4096;
	struct stack_ent *n = calloc(cap, sizeof(*n));
	if (!n)
		return -1;
	for (size_t i = 0; i < c->stacks_cap; i++) {
		struct stack_ent *e = &c->stacks[i];
		if (!e->id)
			continue;
		size_t j = (e->hash ^ e->pid) & (cap - 1);
		while (n[j].id)
			j = (j + 1) & (cap - 1);
		n[j] = *e;
	}
	free(c->stacks);
	c->stacks = n;
	c->stacks_cap = cap;
	return 0;
}

/* The id of (pid, hash), interning the frames when given; 0 when unknown. */
static uint32_t stack_id(struct mtr_collector *c, uint32_t pid, uint64_t hash, const uint64_t *frames, uint32_t n)
{
	if (!hash)
		return 0;
	/* consecutive events of a thread often share their stack (loops) */
	if (hash == c->last_hash && pid == c->last_pid)
		return c->last_id;
	uint32_t id = stack_lookup(c, pid, hash, frames, n);
	if (id) {
		c->last_hash = hash;
		c->last_pid = pid;
		c->last_id = id;
	}
	return id;
}

static uint32_t stack_lookup(struct mtr_collector *c, uint32_t pid, uint64_t hash, const uint64_t *frames, uint32_t n)
{
	if ((c->nstacks + 1) * 2 > c->stacks_cap && stacks_grow(c))
		return 0;
	size_t j = (hash ^ pid) & (c->stacks_cap - 1);
	for (; c->stacks[j].id; j = (j + 1) & (c->stacks_cap - 1))
		if (c->stacks[j].hash == hash && c->stacks[j].pid == pid)
			return c->stacks[j].id;
	if (!n)
		return 0;
	struct stack_ent *e = &c->stacks[j];
	e->hash = hash;
	e->pid = pid;
	e->id = (uint32_t)++c->nstacks;
	mtf_record r = {.type = MTF_STACK};
	r.u.stack.pid = pid;
	r.u.stack.id = e->id;
	r.u.stack.n = n;
	r.u.stack.frames = frames;
	put(c, &r);
	return e->id;
}

/* ------------------------------------------------------------------ draining */

static void note_pid(struct mtr_collector *c, uint32_t pid)
{
	for (size_t i = 0; i < c->npids; i++)
		if (c->pids[i] == pid) {
			c->alive[i] = 1;
			return;
		}
	if (c->npids < MAX_PIDS) {
		c->pids[c->npids] = pid;
		c->alive[c->npids++] = 1;
	}
}

static void note_thread(struct mtr_collector *c, uint32_t pid, uint32_t tid)
{
	uint64_t key = (uint64_t)pid << 32 | tid;
	if ((c->threads + 1) * 2 > c->tids_cap) {
		size_t cap = c->tids_cap ? c->tids_cap * 2 : 1024;
		uint64_t *n = calloc(cap, sizeof(*n));
		if (!n)
			return;
		for (size_t i = 0; i < c->tids_cap; i++) {
			if (!c->tids[i])
				continue;
			size_t j = (c->tids[i] * 0x9E3779B97F4A7C15ull >> 20) & (cap - 1);
			while (n[j])
				j = (j + 1) & (cap - 1);
			n[j] = c->tids[i];
		}
		free(c->tids);
		c->tids = n;
		c->tids_cap = cap;
	}
	size_t j = (key * 0x9E3779B97F4A7C15ull >> 20) & (c->tids_cap - 1);
	for (; c->tids[j]; j = (j + 1) & (c->tids_cap - 1))
		if (c->tids[j] == key)
			return;
	c->tids[j] = key;
	c->threads++;
}

static void flush_batch(struct mtr_collector *c, uint32_t pid, uint32_t tid)
{
	if (c->batch_len && !c->write_err) {
		int ret = mtf_writer_events(c->w, pid, tid, c->batch, (uint32_t)c->batch_len);
		if (ret)
			c->write_err = ret;
	}
	c->events += c->batch_len;
	if (!c->write_err && mtf_writer_bytes(c->w) > c->bytes_seen) {
		/* the writer closed a frame on its own: what came before it is on disk */
		c->bytes_seen = mtf_writer_bytes(c->w);
		c->events_written = c->events - c->batch_len;
	}
	c->batch_len = 0;
}

static int batch_room(struct mtr_collector *c)
{
	if (c->batch_len == c->batch_cap) {
		size_t cap = c->batch_cap ? c->batch_cap * 2 : 65536;
		mtf_event *b = realloc(c->batch, cap * sizeof(*b));
		if (!b)
			return -1;
		c->batch = b;
		c->batch_cap = cap;
	}
	return 0;
}

static int handle_short(struct mtr_collector *c, const struct mtr_rec_short *e, uint32_t len, uint32_t slot)
{
	if ((len != 16 && len != 24) || !e->dseq || !c->last_seq[slot] || batch_room(c))
		return -1;
	mtf_event *ev = &c->batch[c->batch_len++];
	ev->seq = c->last_seq[slot] += e->dseq;
	ev->time_ns = c->drain_t;
	ev->addr = e->addr;
	ev->size = len == 24 ? e->size : 0;
	ev->device = MTF_HOST;
	ev->space = 0;
	ev->op = e->op & 0x0f;
	ev->stack = 0;
	return 0;
}

static int handle_event(struct mtr_collector *c, const struct mtr_rec_event *e, uint32_t len, uint32_t pid,
			uint32_t slot)
{
	uint32_t n = e->h.n;
	if (len < sizeof(*e) || n > MTR_MAX_DEPTH || (n && len < sizeof(*e) + (size_t)(n + 1) * 8))
		return -1;
	uint64_t hash = len > sizeof(*e) ? e->frames[n] : 0;
	if (batch_room(c))
		return -1;
	mtf_event *ev = &c->batch[c->batch_len++];
	ev->seq = c->last_seq[slot] = e->h.seq;
	ev->time_ns = to_ns(c, e->h.time);
	ev->addr = e->addr;
	ev->size = e->size;
	ev->device = e->device;
	ev->space = e->space;
	ev->op = e->h.op & 0x0f;
	ev->stack = stack_id(c, pid, hash, e->frames, n);
	return 0;
}

static int handle_misc(struct mtr_collector *c, const struct mtr_rec_misc *m, uint32_t len, uint32_t pid, uint32_t tid)
{
	if (len < sizeof(*m) || m->len1 > MTR_MAX_STR || m->len2 > MTR_MAX_STR ||
	    sizeof(*m) + (size_t)m->len1 + m->len2 > len)
		return -1;
	mtf_str s1 = {m->str, m->len1}, s2 = {m->str + m->len1, m->len2};
	mtf_record r = {.type = 0};
	switch (m->h.type) {
	case MTR_R_PROCESS:
		r.type = MTF_PROCESS;
		r.u.process.pid = pid;
		r.u.process.ppid = (uint32_t)m->a;
		r.u.process.seq = m->h.seq;
		r.u.process.time_ns = to_ns(c, m->h.time);
		r.u.process.exe = s1;
		r.u.process.cmdline = s2;
		r.u.process.how = m->d;
		note_pid(c, pid);
		break;
	case MTR_R_THREAD:
		note_thread(c, pid, tid);
		r.type = MTF_THREAD;
		r.u.thread.pid = pid;
		r.u.thread.tid = tid;
		r.u.thread.seq = m->h.seq;
		r.u.thread.time_ns = to_ns(c, m->h.time);
		r.u.thread.name = s1;
		break;
	case MTR_R_MODULE:
		r.type = MTF_MODULE;
		r.u.module.pid = pid;
		r.u.module.seq = m->h.seq;
		r.u.module.unload = m->d;
		r.u.module.base = m->a;
		r.u.module.size = m->b;
		r.u.module.path = s1;
		r.u.module.build_id = s2;
		break;
	case MTR_R_PERF_MAP:
		r.type = MTF_PERF_MAP;
		r.u.perf_map.pid = pid;
		r.u.perf_map.seq = m->h.seq;
		r.u.perf_map.start = m->a;
		r.u.perf_map.size = m->b;
		r.u.perf_map.name = s1;
		break;
	case MTR_R_DEVICE:
		r.type = m->e == 2 ? MTF_DEVICE_READY : MTF_DEVICE;
		r.u.device.pid = pid;
		r.u.device.seq = m->h.seq;
		r.u.device.time_ns = to_ns(c, m->h.time);
		r.u.device.close = m->e;
		r.u.device.device = m->d;
		r.u.device.name = s1;
		r.u.device.capacity = m->a;
		break;
	case MTR_R_SPACE:
		r.type = MTF_SPACE;
		r.u.space.pid = pid;
		r.u.space.id = m->d;
		r.u.space.name = s1;
		break;
	case MTR_R_MARK:
		r.type = MTF_MARK;
		r.u.mark.pid = pid;
		r.u.mark.tid = tid;
		r.u.mark.seq = m->h.seq;
		r.u.mark.time_ns = to_ns(c, m->h.time);
		r.u.mark.label = s1;
		break;
	default:
		return -1;
	}
	put(c, &r);
	return 0;
}

/* A part of a process's exit scan, its items encoded by the process as the file holds
 * them: checked and copied (the analyzer builds the graph). */
static int handle_scan(struct mtr_collector *c, const struct mtr_rec_scan *m, uint32_t len, uint32_t pid)
{
	if (len < sizeof(*m) || m->part > MTF_SCAN_PART_MAX || m->n > MTF_SCAN_MAX_ITEMS ||
	    sizeof(*m) + (uint64_t)m->bytes > len)
		return -1;
	mtf_record r = {.type = MTF_SCAN};
	r.u.scan.pid = pid;
	r.u.scan.seq = m->h.seq;
	r.u.scan.time_ns = to_ns(c, m->h.time);
	r.u.scan.part = m->part;
	r.u.scan.a = m->a;
	r.u.scan.n = m->n;
	return put_scan(c, &r, m->enc, m->bytes);
}

static uint64_t drain_slot(struct mtr_collector *c, uint32_t i)
{
	struct mtr_slot *s = &c->shm->slot[i];
	uint32_t state = atomic_load_explicit(&s->state, memory_order_acquire);
	if ((state != MTR_SLOT_OWNED && state != MTR_SLOT_CLOSED) || c->broken[i])
		return 0;
	uint32_t pid = s->pid, tid = s->tid;
	const uint8_t *data = (const uint8_t *)c->shm + c->shm->data_off + (uint64_t)i * MTR_RING_BYTES;
	uint64_t head = atomic_load_explicit(&s->head, memory_order_acquire);
	uint64_t tail = atomic_load_explicit(&s->tail, memory_order_relaxed);
	uint64_t n = 0, items = 0; /* records, and the scan items they carried */
	uint64_t given = tail;      /* the tail the producer was last told */
	if (head - tail > MTR_RING_BYTES)
		goto broken;
	while (tail < head) {
		uint64_t off = tail & (MTR_RING_BYTES - 1);
		const struct mtr_rec *h = (const struct mtr_rec *)(data + off);
		uint32_t len = h->len;
		if (len < 8 || len % 8 || off + len > MTR_RING_BYTES || len > head - tail)
			goto broken;
		if (h->type != MTR_R_PAD) {
			if (len < sizeof(struct mtr_rec) && h->type != MTR_R_EVENT_SHORT)
				goto broken;
			int ret = h->type == MTR_R_EVENT_SHORT ? handle_short(c, (const struct mtr_rec_short *)h, len, i)
				  : h->type == MTR_R_EVENT ? handle_event(c, (const struct mtr_rec_event *)h, len, pid, i)
				  : h->type == MTR_R_SCAN ? handle_scan(c, (const struct mtr_rec_scan *)h, len, pid)
							  : handle_misc(c, (const struct mtr_rec_misc *)h, len, pid, tid);
			if (ret)
				goto broken;
			n++;
			if (h->type == MTR_R_SCAN)
				items += ((const struct mtr_rec_scan *)h)->n;
			/* a batch that stays in cache: encoding re-reads it right away */
			if (c->batch_len >= 8192)
				flush_batch(c, pid, tid);
		}
		tail += len;
		/* hand space back as we go: a producer waiting on a full ring resumes now,
		 * not after the whole ring was processed (every 1024 records, or 64 KiB of
		 * them: a scan's records are kilobytes each) */
		if ((n & 1023) == 0 || tail - given >= 65536) {
			atomic_store_explicit(&s->tail, tail, memory_order_release);
			given = tail;
		}
	}
	/* the records tiled the ring up to the published head, no further. (No assert that
	 * seqs rise along a ring: they need not, mtrec_alloc_seq reports a seq the program
	 * took earlier; the analyzer orders by seq.) */
	assert(tail == head);
	flush_batch(c, pid, tid);
	atomic_store_explicit(&s->tail, tail, memory_order_release);
	uint64_t lost = atomic_exchange(&s->lost, 0);
	if (lost) {
		mtf_record r = {.type = MTF_LOSS};
		r.u.loss.pid = pid;
		r.u.loss.tid = tid;
		r.u.loss.seq = atomic_load(&c->shm->seq);
		r.u.loss.count = lost;
		put(c, &r);
		c->lost += lost;
	}
	if (state == MTR_SLOT_CLOSED && tail == atomic_load(&s->head))
		atomic_store_explicit(&s->state, MTR_SLOT_FREE, memory_order_release);
	c->records += n;
	return n + items;
broken:
	/* a ring the program scribbled over: keep what came before, ignore the rest */
	flush_batch(c, pid, tid);
	c->broken[i] = 1;
	return n + items;
}

/* Slots of threads that died without saying so (crash, exit, exec) are drained, then freed. */
static void reap_slots(struct mtr_collector *c)
{
	for (uint32_t i = 0; i < MTR_NRINGS; i++) {
		struct mtr_slot *s = &c->shm->slot[i];
		if (atomic_load(&s->state) != MTR_SLOT_OWNED)
			continue;
		if (syscall(SYS_tgkill, (pid_t)s->pid, (pid_t)s->tid, 0) < 0 && errno == ESRCH) {
			uint32_t owned = MTR_SLOT_OWNED;
			atomic_compare_exchange_strong(&s->state, &owned, MTR_SLOT_CLOSED);
			drain_slot(c, i);
		}
	}
}

/* The exit record of pid with a wait status, or with none known (status < 0: its parent
 * reaped it before the collector saw it). Everything the process wrote comes first. */
static void put_exit(struct mtr_collector *c, uint32_t pid, int status)
{
	mtf_record r = {.type = MTF_PROCESS_EXIT};
	r.u.process_exit.pid = pid;
	r.u.process_exit.seq = atomic_fetch_add(&c->shm->seq, 1) + 1;
	r.u.process_exit.time_ns = mono_ns() - c->t0;
	if (status < 0) {
		r.u.process_exit.code = MTF_EXIT_UNKNOWN;
	} else {
		r.u.process_exit.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		r.u.process_exit.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	}
	for (uint32_t i = 0; i < MTR_NRINGS; i++)
		if (c->shm->slot[i].pid == pid)
			drain_slot(c, i);
	put(c, &r);
}

/* Each recorded process's RSS; and its end, when it has ended: only mtrec's own child and
 * the orphans it adopts (it is their subreaper) reach its waitpid, the others are reaped
 * by their parents, so a zombie's exit code is read here while it lasts. */
static void sample_procs(struct mtr_collector *c, uint64_t now)
{
	for (size_t i = 0; i < c->npids; i++) {
		if (!c->alive[i])
			continue;
		char path[64], buf[1024];
		snprintf(path, sizeof path, "/proc/%u/stat", c->pids[i]);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t k = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
		int gone = k < 0 && (errno == ENOENT || errno == ESRCH);
		if (fd >= 0)
			close(fd);
		if (gone) { /* reaped: an open that failed otherwise (EMFILE) says nothing */
			c->alive[i] = 0;
			put_exit(c, c->pids[i], -1);
			continue;
		}
		if (k <= 0)
			continue;
		buf[k] = 0;
		/* after the name in parentheses (which may hold anything): state is field 3,
		 * rss (pages) field 24, exit_code (a wait status) field 52 */
		char *p = strrchr(buf, ')');
		char state = 0;
		unsigned long long rss = 0;
		int field = 2, code = -1;
		for (char *tok = p ? strtok(p + 1, " ") : NULL; tok; tok = strtok(NULL, " ")) {
			field++;
			if (field == 3)
				state = tok[0];
			else if (field == 24)
				rss = strtoull(tok, NULL, 10);
			else if (field == 52)
				code = atoi(tok);
		}
		if (state == 'Z' || state == 'X') {
			c->alive[i] = 0;
			put_exit(c, c->pids[i], code);
			continue;
		}
		if (field < 24)
			continue;
		mtf_record r = {.type = MTF_RSS};
		r.u.rss.pid = c->pids[i];
		r.u.rss.time_ns = now - c->t0;
		r.u.rss.rss_bytes = rss * (uint64_t)c->page;
		put(c, &r);
	}
}

uint64_t mtr_collector_poll(struct mtr_collector *c)
{
	uint64_t n = 0, t = mono_ns() - c->t0;
	/* what producers stamped since the last pass, and short events are stamped with */
	c->drain_t = atomic_load_explicit(&c->shm->coarse_ns, memory_order_relaxed);
	atomic_store_explicit(&c->shm->coarse_ns, t, memory_order_relaxed);
	clock_reading(c, t);
	uint32_t hwm = atomic_load(&c->shm->hwm);
	for (uint32_t i = 0; i < hwm && i < MTR_NRINGS; i++)
		n += drain_slot(c, i);
	uint64_t now = mono_ns();
	if (now - c->last_rss >= RSS_NS) {
		sample_procs(c, now);
		c->last_rss = now;
	}
	if (now - c->last_reap >= REAP_NS) {
		reap_slots(c);
		c->last_reap = now;
	}
	if (now - c->last_flush >= FLUSH_NS) {
		if (!c->write_err) {
			int ret = mtf_writer_flush(c->w);
			if (ret)
				c->write_err = ret;
			else
				c->events_written = c->events;
		}
		c->last_flush = now;
	}
	check_write(c);
	return n;
}

void mtr_collector_detach(struct mtr_collector *c)
{
	atomic_store(&c->shm->disabled, 1);
	c->detached = 1;
}

size_t mtr_collector_live_processes(const struct mtr_collector *c)
{
	size_t n = 0;
	for (size_t i = 0; i < c->npids; i++)
		n += c->alive[i];
	return n;
}

void mtr_collector_exited(struct mtr_collector *c, uint32_t pid, int status)
{
	for (size_t i = 0; i < c->npids; i++)
		if (c->pids[i] == pid) {
			if (!c->alive[i])
				return; /* its exit was read while it was a zombie */
			c->alive[i] = 0;
		}
	put_exit(c, pid, status);
}

int mtr_collector_finish(struct mtr_collector *c)
{
	while (mtr_collector_poll(c))
		;
	for (uint32_t i = 0; i < MTR_NRINGS; i++) /* nobody writes any more */
		drain_slot(c, i);
	sample_procs(c, mono_ns()); /* the ends not seen yet: every process is gone by now */
	clock_reading(c, mono_ns() - c->t0); /* the last bracket */
	mtf_record r = {.type = MTF_END};
	r.u.end.events = c->events;
	r.u.end.lost = c->lost;
	r.u.end.processes = c->npids;
	r.u.end.threads = c->threads;
	put(c, &r);
	if (!c->write_err) {
		int ret = mtf_writer_flush(c->w);
		if (ret)
			c->write_err = ret;
		else
			c->events_written = c->events;
	}
	if (c->write_err) /* keep the file to its last complete frame */
		if (ftruncate(c->out_fd, (off_t)mtf_writer_bytes(c->w)) < 0)
			c->write_err = c->write_err ? c->write_err : -errno;
	unlink(c->shm_path);
	/* processes that ran on keep the file mapped: its rings' pages (tmpfs: memory) are
	 * given back now; a thread still writing there gets a fresh zero page, and stops at its
	 * next event (disabled) */
	if (c->detached)
		madvise((uint8_t *)c->shm + c->shm->data_off, (size_t)MTR_NRINGS * MTR_RING_BYTES, MADV_REMOVE);
	return c->write_err;
}

void mtr_collector_totals(const struct mtr_collector *c, uint64_t *events, uint64_t *processes,
			  uint64_t *threads, uint64_t *bytes, uint64_t *lost, int *write_err)
{
	*events = c->write_err ? c->events_written : c->events;
	*processes = c->npids;
	*threads = c->threads;
	*bytes = mtf_writer_bytes(c->w);
	*lost = c->lost;
	*write_err = c->write_err;
}

void mtr_collector_free(struct mtr_collector *c)
{
	if (!c)
		return;
	if (c->shm) {
		unlink(c->shm_path);
		munmap(c->shm, mtr_shm_size());
	}
	mtf_writer_free(c->w);
	free(c->stacks);
	free(c->batch);
	free(c->broken);
	free(c->last_seq);
	free(c->tids);
	free(c);
}
