/* load.c: trace -> SQLite. Reads every record, puts the events and the records that change
 * pairing (process start, exit, device open/close) in one global seq order, pairs each free
 * with its allocation in one pass over a hash table keyed by (pid, device, space, address),
 * and writes one row per allocation lifetime and per anomaly (schema: SCHEMA.md). */
#include "mtan.h"
#include "mtf.h"
#include "reach.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define NONE UINT32_MAX
#define REC_EV 0xff /* ev.op of a record in the seq stream */

/* One event, or one record taking part in the pairing; 48 bytes, the bulk of the memory. */
struct ev {
	uint64_t seq, time_ns, addr, size;
	uint32_t pool;  /* index in L->pools; a record (op REC_EV): index in L->recs */
	uint32_t tid;
	uint32_t stack; /* the trace's stack id, per process; 0 none */
	uint8_t op;     /* MTF_OP_* byte, or REC_EV */
};

/* PROCESS, PROCESS_EXIT, DEVICE, DEVICE_READY and MARK records, kept until the pairing
 * reaches their seq. */
struct rec {
	int type;
	uint32_t pid, ppid, how, device, close;
	uint32_t tid;  /* MARK: its thread */
	int keep;      /* MARK: live bytes are kept at it (a recurrence of a repeated label) */
	int32_t code, signal;
	uint64_t seq, time_ns, capacity;
	char *s1, *s2; /* exe and cmdline, the device name, or the mark's label */
	uint32_t len1; /* MARK: the label's length */
};

/* A clock reading of the collector (CLOCK records): seqs above seq were taken after t. */
struct reading {
	uint64_t seq, t;
};

/* Live bytes and blocks of a timeline track at a kept mark (the table mark_live). */
struct mlive {
	uint32_t rec, track;
	int64_t live, blocks;
};
/* Repeated marks: a label (its trailing digits aside) seen this often is an axis that
 * growth judges live bytes on; at most MARKS_KEPT of each are kept (every k-th), and
 * at most MLIVE_MAX rows in all. */
#define MARKS_RECUR 3
#define MARKS_KEPT 4096
#define MLIVE_MAX (4u << 20)

/* R_FREE_LATE: freed, but the tracked order put its free after the next allocation at its
 * address (or before its own allocation): a reuse race, repaired (struct race). The block
 * ends where the next one begins; its free's seq and time are the race's. */
enum reason { R_LIVE, R_FREE, R_OVERWRITTEN, R_EXEC, R_DEVICE_CLOSE, R_FREE_LATE };
static const char *const reason_text[] = {NULL, "free", "overwritten", "exec", "device_close", "free"};
enum kind { A_UNMATCHED, A_DOUBLE, A_OVER_LIVE, A_REUSE_RACE, A_DROPPED = 0xff };
const char *const mtan_anomaly_kinds[] = {"unmatched_free", "double_free", "alloc_over_live",
					  "reuse_race", NULL};
#define kind_text mtan_anomaly_kinds

/* 80 bytes: everything its row needs, copied from the events as the pairing meets them,
 * so that writing reads the lifetimes in order instead of the events all over. */
struct lifetime {
	uint64_t addr, size;
	uint64_t alloc_seq, alloc_ns; /* inherited: the parent's allocation */
	uint64_t end_seq, end_ns;     /* the free, or what else ended it (reason != R_LIVE) */
	uint32_t pool, tid, free_tid, gen;
	uint32_t parent;              /* inherited: the parent's lifetime index + 1; else 0 */
	uint32_t alloc_stack, free_stack; /* stacks.id, 0 none */
	uint8_t alloc_op, free_op, reason, flags; /* flags: LT_* */
};
enum { LT_INHERITED = 1, LT_OVER_LIVE = 2 /* allocated over a live block (alloc_over_live) */ };
/* A leak's kind (enum mtan_leak_kind, reach.h) in flags' upper bits */
#define LT_KIND_SHIFT 4
#define LT_KIND(l) (((l)->flags >> LT_KIND_SHIFT) & 7u)

/* n values (uint64_t) */
struct vals {
	uint64_t *p;
	size_t n, cap;
};
/* A process's exit scan (SCAN records): its words (location, value), the arenas (start,
 * end) that are never roots, the heads of interior pointers (value, 3 words before it)
 * and the locations of vtable addresses (for memcheck's heuristics). */
struct scan {
	uint32_t pid;
	uint64_t seq, total;
	int done;
	struct vals words, arenas, heads, vtables;
};

struct anomaly {
	uint32_t ev, lifetime; /* lifetime: index + 1, 0 none */
	uint32_t at_lt;        /* index + 1: the event is that lifetime's allocation, not ev */
	uint32_t stack;
	uint32_t gen;  /* unmatched and double frees: the key's generation at the free */
	uint32_t id;   /* anomalies.id once written (dropped ones are not) */
	uint8_t kind;
};

/* An address-reuse race: the tracked order contradicts the allocator's. RACE_LATE_FREE: an
 * allocation over a live block, then the free of that block from another thread (the
 * free was numbered after the reuse: the free is the late report). RACE_LATE_ALLOC: a
 * free of an address not live, then two allocations of it from different threads; one
 * of them was numbered after the free that ended it: the one that does not contradict
 * its own thread's program order by being so (an allocation by the freeing thread that
 * its own free precedes is the reuse; else the first is taken as the late one). Both are
 * repaired: `freed` (the late allocation's block) ends where `reuse` begins, or where it
 * began itself when it was reported after the reuse, with the free; never before it
 * began. */
enum { RACE_LATE_FREE, RACE_LATE_ALLOC };
static const char *const race_form_text[] = {"late_free", "late_alloc"};
struct race {
	uint32_t anomaly;     /* index in L->ans (the reuse_race row) */
	uint32_t free_ev;     /* the free event */
	uint32_t freed, reuse; /* lifetime indexes: the block the free ended, the one reusing its address */
	uint8_t form;
};
/* "Closely": the race's events are at most this far apart (and nothing else happened at
 * the address between them). */
#define RACE_WINDOW_NS 1000000000ull

/* Timeline buckets: the trace's time span cut in this many; a timeline scope gets a row
 * for each bucket it has events in. */
#define TIMELINE_BUCKETS 4096

/* Live bytes of a scope and their highest point; for the scopes that have a timeline, the
 * bucket in progress. */
struct track {
	int64_t live, blocks;
	int64_t peak;
	uint64_t peak_seq, peak_ns;
	uint32_t pid, device;
	int name;  /* index in L->names; -1 with T_ALL_DEVICES */
	int scope; /* T_* bits: what the scope spans */
	uint32_t bucket; /* the bucket in progress, NONE before the first event */
	uint32_t b_allocs, b_frees;
	int64_t b_max;
	uint64_t b_in, b_out, b_seq, b_ns;
};

/* A row of the timeline table: a track's state at the end of one bucket. */
struct tl_row {
	uint32_t track, bucket;
	uint32_t allocs, frees;
	int64_t live, blocks, max;
	uint64_t in, out, seq, ns;
};
/* A tracker over all processes, and/or over all devices and spaces (device MTF_HOST is a
 * real device, so "all" cannot be a device number). */
enum { T_ALL_PIDS = 1, T_ALL_DEVICES = 2 };

/* (pid, device, space): names, counters and the trackers its bytes go to. */
struct pool {
	uint32_t pid, device, space;
	int name;            /* index in L->names, -1 until resolved */
	uint32_t track[4];   /* (pid, device, name), (all, device, name), (pid), (all) */
	uint64_t allocs, frees, bytes_allocated, bytes_freed;
	uint64_t leaked_blocks, leaked_bytes, released_blocks, released_bytes;
	int64_t live;
	uint64_t min_addr, max_end; /* the address range its allocations ever used (allocs > 0) */
};

struct proc {
	uint32_t pid, ppid;
	uint32_t row;        /* current processes row (index in prows), NONE none yet */
	int exited;
	int has_modules;
};

struct prow { /* a row of the processes table */
	uint32_t pid, ppid, how;
	const char *exe, *cmdline; /* borrowed from the rec */
	uint64_t start_seq, start_ns;
	int has_start, has_exit;
	uint64_t exit_seq, exit_ns;
	int32_t code, signal;
};

struct thread {
	uint32_t pid, tid;
	int named; /* a THREAD record came */
	uint64_t seq, time_ns; /* its first event */
	/* its THREAD records (one at the start, one more per pthread_setname_np) make one
	 * row: the first record's seq and time, the last record's name */
	uint64_t rec_seq, rec_time, name_seq;
	char *name;
	uint32_t name_len;
};

struct devrow {
	uint32_t pid, device;
	char *name;
	uint64_t capacity;
	int has_open, has_close, has_ready;
	uint64_t open_seq, open_ns, close_seq, close_ns;
	uint64_t ready_seq, ready_ns; /* mtrec_device_ready: the end of its setup */
};

struct frame {
	uint32_t pid;
	int ret;
	uint64_t addr;
};

/* A STACK record, kept until its frames are symbolized: the rows of stacks and
 * stack_frames need the inlined calls at each address and where the site is. */
struct stackrec {
	uint32_t pid, trace_id, n;
	size_t first; /* its frames: L->stack_refs.p[first .. first + n), frames index + 1 */
};

struct pmodule {
	uint32_t pid;
	struct mtan_module m;
};

struct pperf {
	uint32_t pid;
	struct mtan_perf_sym p;
};

/* An open-addressing map from a 128-bit key to a 32-bit value. */
struct mslot {
	uint64_t a, b;
	uint32_t v, used;
};
struct map {
	struct mslot *s;
	size_t cap, n;
};

/* The pairing table: one slot per (pool, address) ever allocated. */
struct pslot {
	uint64_t addr;
	uint32_t pool;
	uint32_t lt; /* last lifetime at the key, index + 1; 0: an empty slot */
	uint32_t gen;
	uint32_t live;
};

#define VEC(T) struct { T *p; size_t n, cap; }

struct loader {
	const char *trace;
	sqlite3 *db;
	sqlite3_stmt *st_meta, *st_thread, *st_stack, *st_stack_frame, *st_module, *st_space,
		*st_mark, *st_rss, *st_loss;
	VEC(struct ev) evs;
	VEC(struct rec) recs;
	VEC(struct lifetime) lts;
	VEC(struct anomaly) ans;
	VEC(struct race) races;
	VEC(struct tl_row) tl;
	VEC(struct pool) pools;
	VEC(struct track) tracks;
	VEC(struct proc) procs;
	VEC(struct prow) prows;
	VEC(struct thread) threads;
	VEC(struct devrow) devs;
	VEC(struct frame) frames;
	VEC(struct stackrec) stacks;   /* stacks.id - 1 */
	VEC(uint32_t) stack_refs;
	const struct mtan_symopts *sym; /* where symbols are looked for; NULL the standard places */
	VEC(struct pmodule) mods;
	VEC(struct pperf) perf; /* PERF_MAP records: names of JIT code */
	VEC(struct scan) scans;
	VEC(struct reading) clocks;
	VEC(struct mlive) mlive;
	int no_scan; /* the HEADER says mtrec --no-scan */
	int precise; /* the HEADER says --precise-time: events have their own clock */
	const char *timing; /* meta.time: how events got their times */
	VEC(char *) names;
	struct map pool_map, proc_map, thread_map, stack_map, frame_map, space_map, track_map,
		dev_map, name_map, race_map; /* race_map: a R_FREE_LATE lifetime -> its race */
	uint64_t t0, span;  /* the trace's first time and time span, for timeline buckets */
	uint32_t bucket;    /* the bucket of the event being paired (never decreases) */
	uint32_t nanomalies; /* anomaly rows written */
	struct pslot *ps;
	size_t ps_cap, ps_n;
	uint32_t nstacks;
	uint64_t events, lost, unknown_stacks, leaks, end_events;
	int64_t end_lost;
	int seen_end;
	int reported; /* an error was already told */
	char err[256]; /* the reader's error after the header, "" if none */
	uint64_t err_off, good_off, file_bytes;
};

/* Grows a VEC to hold one more; returns the new element (zeroed) or NULL. */
#define VEC_PUSH(v)                                                                     \
	((v).n < (v).cap || vec_grow((void **)&(v).p, &(v).cap, sizeof(*(v).p)) == 0      \
		 ? memset(&(v).p[(v).n++], 0, sizeof(*(v).p))                           \
		 : NULL)

static int vec_grow(void **p, size_t *cap, size_t size)
{
	size_t c = *cap ? *cap * 2 : 64;
	void *q = realloc(*p, c * size);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* ------------------------------------------------------------------ hashing */

static inline uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full;
	h ^= h >> 31;
	h *= 0xD6E8FEB86659FD93ull;
	h ^= h >> 32;
	return h;
}

static int map_grow(struct map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 256;
	struct mslot *s = calloc(cap, sizeof(*s));
	if (!s)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->s[i].used)
			continue;
		size_t j = mix(m->s[i].a, m->s[i].b) & (cap - 1);
		while (s[j].used)
			j = (j + 1) & (cap - 1);
		s[j] = m->s[i];
	}
	free(m->s);
	m->s = s;
	m->cap = cap;
	return 0;
}

/* The value of (a, b), or NULL. */
static uint32_t *map_get(const struct map *m, uint64_t a, uint64_t b)
{
	if (!m->cap)
		return NULL;
	for (size_t j = mix(a, b) & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
		struct mslot *s = &m->s[j];
		if (!s->used)
			return NULL;
		if (s->a == a && s->b == b)
			return &s->v;
	}
}

/* The value of (a, b), inserted as NONE when new (*isnew = 1); NULL when out of memory. */
static uint32_t *map_at(struct map *m, uint64_t a, uint64_t b, int *isnew)
{
	*isnew = 0;
	if ((m->n + 1) * 2 > m->cap && map_grow(m))
		return NULL;
	size_t j = mix(a, b) & (m->cap - 1);
	for (;; j = (j + 1) & (m->cap - 1)) {
		struct mslot *s = &m->s[j];
		if (!s->used) {
			s->used = 1;
			s->a = a;
			s->b = b;
			s->v = NONE;
			m->n++;
			*isnew = 1;
			return &s->v;
		}
		if (s->a == a && s->b == b)
			return &s->v;
	}
}

static void map_release(struct map *m)
{
	free(m->s);
	memset(m, 0, sizeof(*m));
}

static int ps_grow(struct loader *L)
{
	size_t cap = L->ps_cap ? L->ps_cap * 2 : 1u << 16;
	struct pslot *s = calloc(cap, sizeof(*s));
	if (!s)
		return -1;
	for (size_t i = 0; i < L->ps_cap; i++) {
		if (!L->ps[i].lt)
			continue;
		size_t j = mix(L->ps[i].addr, L->ps[i].pool) & (cap - 1);
		while (s[j].lt)
			j = (j + 1) & (cap - 1);
		s[j] = L->ps[i];
	}
	free(L->ps);
	L->ps = s;
	L->ps_cap = cap;
	return 0;
}

/* The pairing slot of (pool, addr): found, or (create) a new empty one with lt = 0 that
 * the caller must fill at once; NULL when absent (or out of memory with create). */
static struct pslot *ps_find(struct loader *L, uint32_t pool, uint64_t addr, int create)
{
	if (create && (L->ps_n + 1) * 10 > L->ps_cap * 7 && ps_grow(L))
		return NULL;
	if (!L->ps_cap)
		return NULL;
	size_t mask = L->ps_cap - 1;
	for (size_t j = mix(addr, pool) & mask;; j = (j + 1) & mask) {
		struct pslot *s = &L->ps[j];
		if (!s->lt) {
			if (!create)
				return NULL;
			s->addr = addr;
			s->pool = pool;
			s->gen = 0;
			s->live = 0;
			L->ps_n++;
			return s;
		}
		if (s->addr == addr && s->pool == pool)
			return s;
	}
}

/* ------------------------------------------------------------------ lookups */

static struct proc *proc_get(struct loader *L, uint32_t pid)
{
	int isnew;
	uint32_t *v = map_at(&L->proc_map, pid, 0, &isnew);
	if (!v)
		return NULL;
	if (isnew) {
		struct proc *p = VEC_PUSH(L->procs);
		if (!p)
			return NULL;
		p->pid = pid;
		p->ppid = 0;
		p->row = NONE;
		*v = (uint32_t)(L->procs.n - 1);
	}
	return &L->procs.p[*v];
}

static uint32_t parent_of(struct loader *L, uint32_t pid)
{
	uint32_t *v = map_get(&L->proc_map, pid, 0);
	return v ? L->procs.p[*v].ppid : 0;
}

static int32_t pool_get(struct loader *L, uint32_t pid, uint32_t device, uint32_t space)
{
	int isnew;
	uint32_t *v = map_at(&L->pool_map, (uint64_t)pid << 32 | device, space, &isnew);
	if (!v)
		return -1;
	if (isnew) {
		struct pool *p = VEC_PUSH(L->pools);
		if (!p)
			return -1;
		p->pid = pid;
		p->device = device;
		p->space = space;
		p->name = -1;
		*v = (uint32_t)(L->pools.n - 1);
		if (!proc_get(L, pid))
			return -1;
	}
	return (int32_t)*v;
}

static int name_id(struct loader *L, const char *s)
{
	/* names are few (one per distinct space name): a 64-bit hash pair keys them */
	uint64_t h1 = 1469598103934665603ull, h2 = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		h1 = (h1 ^ *p) * 1099511628211ull;
		h2 = h2 * 31 + *p;
	}
	int isnew;
	uint32_t *v = map_at(&L->name_map, h1, h2 ^ strlen(s), &isnew);
	if (!v)
		return -1;
	if (isnew) {
		char **n = VEC_PUSH(L->names);
		if (!n || !(*n = strdup(s)))
			return -1;
		*v = (uint32_t)(L->names.n - 1);
	}
	return (int)*v;
}

static uint32_t track_get(struct loader *L, int scope, uint32_t pid, uint32_t device, int name)
{
	int isnew;
	if (scope & T_ALL_PIDS)
		pid = 0;
	if (scope & T_ALL_DEVICES) {
		device = 0;
		name = -1;
	}
	uint32_t *v = map_at(&L->track_map, (uint64_t)pid << 32 | device,
			     (uint64_t)(uint32_t)name | (uint64_t)scope << 32, &isnew);
	if (!v)
		return NONE;
	if (isnew) {
		struct track *t = VEC_PUSH(L->tracks);
		if (!t)
			return NONE;
		t->pid = pid;
		t->device = device;
		t->name = name;
		t->scope = scope;
		t->bucket = NONE;
		*v = (uint32_t)(L->tracks.n - 1);
	}
	return *v;
}

/* Names a pool's space and finds its trackers, once all SPACE records are in. */
static int pool_resolve(struct loader *L, struct pool *p)
{
	if (p->name >= 0)
		return 0;
	const char *name = NULL;
	char buf[32];
	uint32_t pid = p->pid;
	/* a forked child names spaces as its parent did: look up the ancestry */
	for (int depth = 0; depth < 64 && !name; depth++) {
		uint32_t *v = map_get(&L->space_map, pid, p->space);
		if (v)
			name = L->names.p[*v];
		else if (!(pid = parent_of(L, pid)))
			break;
	}
	if (!name && p->device == MTF_HOST && p->space == 0)
		name = "heap";
	if (!name) {
		snprintf(buf, sizeof buf, "space %u", p->space);
		name = buf;
	}
	if ((p->name = name_id(L, name)) < 0)
		return -1;
	p->track[0] = track_get(L, 0, p->pid, p->device, p->name);
	p->track[1] = track_get(L, T_ALL_PIDS, p->pid, p->device, p->name);
	p->track[2] = track_get(L, T_ALL_DEVICES, p->pid, p->device, -1);
	p->track[3] = track_get(L, T_ALL_PIDS | T_ALL_DEVICES, p->pid, p->device, -1);
	for (int i = 0; i < 4; i++)
		if (p->track[i] == NONE)
			return -1;
	return 0;
}

/* stacks.id of the trace's stack id in pid (or, for a forked child, an ancestor). */
static uint32_t stack_of(struct loader *L, uint32_t pid, uint32_t id)
{
	if (!id)
		return 0;
	for (int depth = 0; depth < 64; depth++) {
		uint32_t *v = map_get(&L->stack_map, pid, id);
		if (v)
			return *v;
		if (!(pid = parent_of(L, pid)))
			break;
	}
	L->unknown_stacks++;
	return 0;
}

/* ------------------------------------------------------------------ reading */

static char *dup_str(mtf_str s)
{
	return strndup(s.s ? s.s : "", s.len);
}

static void bind_text(sqlite3_stmt *st, int i, mtf_str s)
{
	sqlite3_bind_text(st, i, s.s ? s.s : "", (int)s.len, SQLITE_TRANSIENT);
}

static int step(struct loader *L, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		L->reported = 1;
		return mtan_sqlerr(L->db, "cannot write the database");
	}
	return 0;
}

static int meta_int(struct loader *L, const char *key, long long v)
{
	sqlite3_bind_text(L->st_meta, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(L->st_meta, 2, v);
	return step(L, L->st_meta);
}

static int meta_text(struct loader *L, const char *key, const char *v, int len)
{
	sqlite3_bind_text(L->st_meta, 1, key, -1, SQLITE_STATIC);
	if (v)
		sqlite3_bind_text(L->st_meta, 2, v, len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(L->st_meta, 2);
	return step(L, L->st_meta);
}

static struct thread *thread_get(struct loader *L, uint32_t pid, uint32_t tid)
{
	int isnew;
	uint32_t *v = map_at(&L->thread_map, pid, tid, &isnew);
	if (!v)
		return NULL;
	if (isnew) {
		struct thread *t = VEC_PUSH(L->threads);
		if (!t)
			return NULL;
		t->pid = pid;
		t->tid = tid;
		t->seq = UINT64_MAX;
		*v = (uint32_t)(L->threads.n - 1);
	}
	return &L->threads.p[*v];
}

static int read_events(struct loader *L, const mtf_record *rec)
{
	uint32_t pid = rec->u.events.pid, n = rec->u.events.n;
	const mtf_event *e = rec->u.events.ev;
	if (!n)
		return 0;
	if (L->evs.n + n >= NONE - 1) {
		mtan_err("'%s': more than %u events: too many for this version", L->trace, NONE - 2);
		L->reported = 1;
		return -1;
	}
	while (L->evs.n + n > L->evs.cap)
		if (vec_grow((void **)&L->evs.p, &L->evs.cap, sizeof(*L->evs.p)))
			return -1;
	struct thread *t = thread_get(L, pid, rec->u.events.tid);
	if (!t)
		return -1;
	uint32_t dev = 0, space = 0;
	int32_t pool = -1;
	for (uint32_t i = 0; i < n; i++) {
		if (pool < 0 || e[i].device != dev || e[i].space != space) {
			dev = e[i].device;
			space = e[i].space;
			pool = pool_get(L, pid, dev, space);
		}
		if (pool < 0)
			return -1;
		struct ev *o = &L->evs.p[L->evs.n++];
		o->seq = e[i].seq;
		o->time_ns = e[i].time_ns;
		o->addr = e[i].addr;
		o->size = e[i].size;
		o->pool = (uint32_t)pool;
		o->tid = rec->u.events.tid;
		o->stack = e[i].stack;
		o->op = e[i].op;
		if (e[i].seq < t->seq) { /* a thread without its record starts at its first event */
			t->seq = e[i].seq;
			t->time_ns = e[i].time_ns;
		}
	}
	L->events += n;
	return 0;
}

/* A record the pairing must meet at its seq: kept, and a marker put in the stream. */
static int read_seq_record(struct loader *L, const mtf_record *r)
{
	struct rec *c = VEC_PUSH(L->recs);
	struct ev *e = VEC_PUSH(L->evs);
	if (!c || !e)
		return -1;
	c->type = r->type;
	switch (r->type) {
	case MTF_PROCESS:
		c->pid = r->u.process.pid;
		c->ppid = r->u.process.ppid;
		c->how = r->u.process.how;
		c->seq = r->u.process.seq;
		c->time_ns = r->u.process.time_ns;
		if (!(c->s1 = dup_str(r->u.process.exe)) || !(c->s2 = dup_str(r->u.process.cmdline)))
			return -1;
		{
			struct proc *p = proc_get(L, c->pid);
			if (!p)
				return -1;
			/* the ancestry that stack and space look-ups follow: a fork's parent */
			if (c->how == MTF_PROC_FORK && c->ppid != c->pid && !p->ppid)
				p->ppid = c->ppid;
		}
		break;
	case MTF_PROCESS_EXIT:
		c->pid = r->u.process_exit.pid;
		c->seq = r->u.process_exit.seq;
		c->time_ns = r->u.process_exit.time_ns;
		c->code = r->u.process_exit.code;
		c->signal = r->u.process_exit.signal;
		break;
	case MTF_DEVICE:
	case MTF_DEVICE_READY:
		c->pid = r->u.device.pid;
		c->seq = r->u.device.seq;
		c->time_ns = r->u.device.time_ns;
		c->close = r->u.device.close;
		c->device = r->u.device.device;
		c->capacity = r->u.device.capacity;
		if (!(c->s1 = dup_str(r->u.device.name)))
			return -1;
		break;
	case MTF_MARK:
		c->pid = r->u.mark.pid;
		c->tid = r->u.mark.tid;
		c->seq = r->u.mark.seq;
		c->time_ns = r->u.mark.time_ns;
		c->len1 = r->u.mark.label.len;
		if (!(c->s1 = malloc((size_t)c->len1 + 1)))
			return -1;
		if (c->len1)
			memcpy(c->s1, r->u.mark.label.s, c->len1);
		c->s1[c->len1] = 0;
		break;
	}
	if (!proc_get(L, c->pid))
		return -1;
	e->seq = c->seq;
	e->time_ns = c->time_ns;
	e->pool = (uint32_t)(L->recs.n - 1);
	e->op = REC_EV;
	return 0;
}

static int read_stack(struct loader *L, const mtf_record *r)
{
	int isnew;
	uint32_t *v = map_at(&L->stack_map, r->u.stack.pid, r->u.stack.id, &isnew);
	if (!v)
		return -1;
	if (!isnew)
		return 0; /* the same id twice: the first one stands */
	struct stackrec *sr = VEC_PUSH(L->stacks);
	if (!sr)
		return -1;
	*v = ++L->nstacks;
	sr->pid = r->u.stack.pid;
	sr->trace_id = r->u.stack.id;
	sr->n = r->u.stack.n;
	sr->first = L->stack_refs.n;
	for (uint32_t i = 0; i < r->u.stack.n; i++) {
		/* every recorded frame is a return address (FORMAT.md: the recorder skips its own
		 * frames, so even the innermost is where the allocating call returns to) */
		int ret = 1;
		uint64_t addr = r->u.stack.frames[i];
		uint32_t *f = map_at(&L->frame_map, (uint64_t)r->u.stack.pid << 1 | (uint64_t)ret, addr, &isnew);
		if (!f)
			return -1;
		if (isnew) {
			struct frame *fr = VEC_PUSH(L->frames);
			if (!fr)
				return -1;
			fr->pid = r->u.stack.pid;
			fr->ret = ret;
			fr->addr = addr;
			*f = (uint32_t)L->frames.n; /* index + 1 */
		}
		uint32_t *ref = VEC_PUSH(L->stack_refs);
		if (!ref)
			return -1;
		*ref = *f;
	}
	return 0;
}

static int read_perf_map(struct loader *L, const mtf_record *r)
{
	struct pperf *e = VEC_PUSH(L->perf);
	if (!e)
		return -1;
	e->pid = r->u.perf_map.pid;
	e->p.start = r->u.perf_map.start;
	e->p.size = r->u.perf_map.size;
	return (e->p.name = dup_str(r->u.perf_map.name)) ? 0 : -1;
}

static int read_module(struct loader *L, const mtf_record *r)
{
	struct pmodule *m = VEC_PUSH(L->mods);
	if (!m)
		return -1;
	char *hex = malloc((size_t)r->u.module.build_id.len * 2 + 1);
	if (!hex)
		return -1;
	for (uint32_t i = 0; i < r->u.module.build_id.len; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)r->u.module.build_id.s[i]);
	hex[r->u.module.build_id.len * 2] = 0;
	m->pid = r->u.module.pid;
	m->m.seq = r->u.module.seq;
	m->m.unload = r->u.module.unload != 0;
	m->m.base = r->u.module.base;
	m->m.size = r->u.module.size;
	m->m.build_id = hex;
	if (!(m->m.path = dup_str(r->u.module.path)))
		return -1;
	struct proc *p = proc_get(L, m->pid);
	if (!p)
		return -1;
	p->has_modules = 1;
	sqlite3_stmt *st = L->st_module;
	sqlite3_bind_int64(st, 1, m->pid);
	sqlite3_bind_int64(st, 2, (int64_t)m->m.seq);
	sqlite3_bind_int64(st, 3, m->m.unload);
	sqlite3_bind_int64(st, 4, (int64_t)m->m.base);
	sqlite3_bind_int64(st, 5, (int64_t)m->m.size);
	bind_text(st, 6, r->u.module.path);
	sqlite3_bind_text(st, 7, hex, -1, SQLITE_STATIC);
	return step(L, st);
}

static int read_header(struct loader *L, const mtf_record *r)
{
	if (meta_int(L, "format_version", r->u.header.version) ||
	    meta_text(L, "host", r->u.header.host.s, (int)r->u.header.host.len) ||
	    meta_int(L, "header_pid", r->u.header.pid) ||
	    meta_text(L, "cmdline", r->u.header.cmdline.s, (int)r->u.header.cmdline.len) ||
	    meta_int(L, "realtime_ns", (int64_t)r->u.header.realtime_ns) ||
	    meta_int(L, "flags", (int64_t)r->u.header.flags))
		return -1;
	L->no_scan = (r->u.header.flags & MTF_FLAG_NO_SCAN) != 0;
	L->precise = (r->u.header.flags & MTF_FLAG_PRECISE_TIME) != 0;
	return 0;
}

static int vals_push(struct vals *w, const uint64_t *v, size_t n)
{
	if (w->n + n > w->cap) {
		size_t cap = w->cap ? w->cap : 1024;
		while (cap < w->n + n)
			cap *= 2;
		uint64_t *p = realloc(w->p, cap * sizeof(uint64_t));
		if (!p)
			return -1;
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->n, v, n * sizeof(uint64_t));
	w->n += n;
	return 0;
}

static int read_scan(struct loader *L, const mtf_record *r)
{
	struct scan *sc = NULL;
	for (size_t k = L->scans.n; k-- > 0;)
		if (L->scans.p[k].pid == r->u.scan.pid && L->scans.p[k].seq == r->u.scan.seq) {
			sc = &L->scans.p[k];
			break;
		}
	if (!sc) {
		if (r->u.scan.part != MTF_SCAN_BEGIN)
			return 0; /* its BEGIN was lost with a damaged frame: no scan */
		if (!(sc = VEC_PUSH(L->scans)))
			return -1;
		sc->pid = r->u.scan.pid;
		sc->seq = r->u.scan.seq;
		return 0;
	}
	switch (r->u.scan.part) {
	case MTF_SCAN_REGIONS:
		for (size_t i = 0; i < 3 * (size_t)r->u.scan.n; i += 3) /* (start, end, flags) */
			if ((r->u.scan.v[i + 2] & MTF_REGION_ARENA) && vals_push(&sc->arenas, r->u.scan.v + i, 2))
				return -1;
		return 0;
	case MTF_SCAN_WORDS:
		sc->total += r->u.scan.n;
		return vals_push(&sc->words, r->u.scan.v, 2 * (size_t)r->u.scan.n);
	case MTF_SCAN_HEADS:
		return vals_push(&sc->heads, r->u.scan.v, 4 * (size_t)r->u.scan.n);
	case MTF_SCAN_VTABLES:
		return vals_push(&sc->vtables, r->u.scan.v, r->u.scan.n);
	case MTF_SCAN_DONE:
		sc->done = sc->total == r->u.scan.a; /* every part arrived */
		return 0;
	}
	return 0;
}

static int read_record(struct loader *L, const mtf_record *r)
{
	sqlite3_stmt *st;
	switch (r->type) {
	case MTF_HEADER:
		return read_header(L, r);
	case MTF_EVENTS:
		return read_events(L, r);
	case MTF_PROCESS:
	case MTF_PROCESS_EXIT:
	case MTF_DEVICE:
	case MTF_DEVICE_READY:
	case MTF_MARK:
		return read_seq_record(L, r);
	case MTF_CLOCK: {
		struct reading *k = VEC_PUSH(L->clocks);
		if (!k)
			return -1;
		k->seq = r->u.clock.seq;
		k->t = r->u.clock.time_ns;
		return 0;
	}
	case MTF_STACK:
		return read_stack(L, r);
	case MTF_SCAN:
		return read_scan(L, r);
	case MTF_MODULE:
		return read_module(L, r);
	case MTF_PERF_MAP:
		return read_perf_map(L, r);
	case MTF_THREAD: {
		struct thread *t = thread_get(L, r->u.thread.pid, r->u.thread.tid);
		if (!t)
			return -1;
		uint64_t seq = r->u.thread.seq;
		if (!t->named || seq < t->rec_seq) {
			t->rec_seq = seq;
			t->rec_time = r->u.thread.time_ns;
		}
		if (!t->named || seq >= t->name_seq) { /* records come in any order */
			char *name = malloc((size_t)r->u.thread.name.len + 1);
			if (!name)
				return -1;
			if (r->u.thread.name.len)
				memcpy(name, r->u.thread.name.s, r->u.thread.name.len);
			name[r->u.thread.name.len] = 0;
			free(t->name);
			t->name = name;
			t->name_len = r->u.thread.name.len;
			t->name_seq = seq;
		}
		t->named = 1;
		return 0;
	}
	case MTF_SPACE: {
		int isnew, n;
		uint32_t *v = map_at(&L->space_map, r->u.space.pid, r->u.space.id, &isnew);
		if (!v || (n = name_id(L, r->u.space.name.s)) < 0)
			return -1;
		*v = (uint32_t)n; /* a later record for the same id renames it */
		st = L->st_space;
		sqlite3_bind_int64(st, 1, r->u.space.pid);
		sqlite3_bind_int64(st, 2, r->u.space.id);
		bind_text(st, 3, r->u.space.name);
		return step(L, st);
	}
	case MTF_LOSS:
		L->lost += r->u.loss.count;
		st = L->st_loss;
		sqlite3_bind_int64(st, 1, r->u.loss.pid);
		sqlite3_bind_int64(st, 2, r->u.loss.tid);
		sqlite3_bind_int64(st, 3, (int64_t)r->u.loss.seq);
		sqlite3_bind_int64(st, 4, (int64_t)r->u.loss.count);
		return step(L, st);
	case MTF_RSS:
		st = L->st_rss;
		sqlite3_bind_int64(st, 1, r->u.rss.pid);
		sqlite3_bind_int64(st, 2, (int64_t)r->u.rss.time_ns);
		sqlite3_bind_int64(st, 3, (int64_t)r->u.rss.rss_bytes);
		return step(L, st);
	case MTF_END:
		L->seen_end = 1;
		L->end_events = r->u.end.events;
		L->end_lost = (int64_t)r->u.end.lost;
		return 0;
	}
	return 0;
}

/* ------------------------------------------------------------------ ordering */

struct key {
	uint64_t seq;
	uint32_t i;
};

static int by_seq(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* The indexes of L->evs in seq order (caller frees). seqs are unique and nearly dense, so
 * a direct slot per seq sorts in two passes; duplicates (a damaged or hostile trace) or
 * sparse seqs fall back to a comparison sort, stable by position. */
static uint32_t *seq_order(struct loader *L)
{
	size_t n = L->evs.n;
	uint32_t *order = malloc((n ? n : 1) * sizeof(*order));
	if (!order)
		return NULL;
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t s = L->evs.p[i].seq;
		lo = s < lo ? s : lo;
		hi = s > hi ? s : hi;
	}
	if (n && hi - lo < 4 * (uint64_t)n + 1024) {
		size_t range = (size_t)(hi - lo) + 1;
		uint32_t *slot = malloc(range * sizeof(*slot));
		if (slot) {
			memset(slot, 0xff, range * sizeof(*slot));
			size_t i;
			for (i = 0; i < n; i++) {
				uint32_t *s = &slot[L->evs.p[i].seq - lo];
				if (*s != NONE)
					break;
				*s = (uint32_t)i;
			}
			if (i == n) {
				size_t k = 0;
				for (size_t j = 0; j < range; j++)
					if (slot[j] != NONE)
						order[k++] = slot[j];
				free(slot);
				return order;
			}
			free(slot);
		}
	}
	struct key *keys = malloc((n ? n : 1) * sizeof(*keys));
	if (!keys) {
		free(order);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		keys[i].seq = L->evs.p[i].seq;
		keys[i].i = (uint32_t)i;
	}
	if (n)
		qsort(keys, n, sizeof(*keys), by_seq);
	for (size_t i = 0; i < n; i++)
		order[i] = keys[i].i;
	free(keys);
	return order;
}

/* ------------------------------------------------------------------ time */

static int by_reading(const void *a, const void *b)
{
	const struct reading *x = a, *y = b;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->t < y->t ? -1 : x->t > y->t;
}

/* The time of seq between the collector's clock readings: readings k (the last with
 * seq_k < seq, the latest of them) and k + 1 (the first with seq_{k+1} >= seq, the
 * earliest of them) bracket it, and it is placed between their times in proportion to
 * its seq. Outside the readings the recorded stamp stays (clamped to them). *k is where
 * to start looking (a hint: seqs come in order mostly) and where it was found. */
static uint64_t time_at(const struct loader *L, uint64_t seq, uint64_t stamp, size_t *k)
{
	const struct reading *r = L->clocks.p;
	size_t n = L->clocks.n, i = *k < n ? *k : 0;
	if (r[i].seq >= seq) { /* back: a binary search for the first reading >= seq */
		size_t lo = 0, hi = i;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (r[mid].seq < seq)
				lo = mid + 1;
			else
				hi = mid;
		}
		i = lo;
	} else {
		while (i < n && r[i].seq < seq)
			i++;
	}
	*k = i;
	if (i == 0)
		return stamp < r[0].t ? stamp : r[0].t;
	const struct reading *a = &r[i - 1];
	if (i == n)
		return stamp > a->t ? stamp : a->t;
	const struct reading *b = &r[i];
	double f = (double)(seq - a->seq) / (double)(b->seq - a->seq);
	return a->t + (uint64_t)(f * (double)(b->t - a->t) + 0.5);
}

/* Events, records and threads get their times interpolated by seq between the
 * collector's clock readings (CLOCK records; FORMAT.md section 6), unless the recorder
 * stamped each event with its own clock (--precise-time) or wrote no readings (an older
 * recorder): then the stamps stay. order: L->evs in seq order. */
static void retime(struct loader *L, const uint32_t *order)
{
	if (L->precise) {
		L->timing = "precise";
		return;
	}
	if (L->clocks.n < 2) {
		L->timing = "collector";
		return;
	}
	L->timing = "interpolated";
	qsort(L->clocks.p, L->clocks.n, sizeof(*L->clocks.p), by_reading);
	for (size_t i = 1; i < L->clocks.n; i++) /* a damaged trace's readings: never back */
		if (L->clocks.p[i].t < L->clocks.p[i - 1].t)
			L->clocks.p[i].t = L->clocks.p[i - 1].t;
	size_t k = 0;
	for (size_t j = 0; j < L->evs.n; j++) {
		struct ev *e = &L->evs.p[order[j]];
		e->time_ns = time_at(L, e->seq, e->time_ns, &k);
		if (e->op == REC_EV)
			L->recs.p[e->pool].time_ns = e->time_ns;
	}
	for (size_t j = 0; j < L->threads.n; j++) {
		struct thread *t = &L->threads.p[j];
		if (t->seq != UINT64_MAX)
			t->time_ns = time_at(L, t->seq, t->time_ns, &k);
		if (t->named)
			t->rec_time = time_at(L, t->rec_seq, t->rec_time, &k);
	}
}

/* Marks whose label recurs (MARKS_RECUR times or more, trailing digits aside: "frame",
 * "round 0", "round 1", ...) keep the live bytes of every timeline scope at them: the
 * axis `mtan growth` judges an iterative program on. Every k-th of each label when
 * there are many. */
static int same_label(const struct rec *x, const struct rec *y)
{
	size_t nx = x->len1, ny = y->len1;
	while (nx && x->s1[nx - 1] >= '0' && x->s1[nx - 1] <= '9')
		nx--;
	while (ny && y->s1[ny - 1] >= '0' && y->s1[ny - 1] <= '9')
		ny--;
	int c = memcmp(x->s1, y->s1, nx < ny ? nx : ny);
	if (c || nx != ny)
		return c ? c : nx < ny ? -1 : 1;
	return (nx < x->len1) - (ny < y->len1); /* "frame" and "frame1", "frame2" are two labels */
}

static int by_label(const void *a, const void *b, void *ctx)
{
	const struct loader *L = ctx;
	const struct rec *x = &L->recs.p[*(const uint32_t *)a], *y = &L->recs.p[*(const uint32_t *)b];
	int c = same_label(x, y);
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int keep_marks(struct loader *L)
{
	size_t n = 0, tracks = 0;
	for (size_t i = 0; i < L->recs.n; i++)
		n += L->recs.p[i].type == MTF_MARK;
	for (size_t i = 0; i < L->tracks.n; i++)
		tracks += !(L->tracks.p[i].scope & T_ALL_DEVICES);
	if (!n || !tracks)
		return 0;
	uint32_t *m = malloc(n * sizeof(*m));
	if (!m)
		return -1;
	n = 0;
	for (size_t i = 0; i < L->recs.n; i++)
		if (L->recs.p[i].type == MTF_MARK)
			m[n++] = (uint32_t)i;
	qsort_r(m, n, sizeof(*m), by_label, L);
	size_t kept = 0, per = MLIVE_MAX / tracks;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1; /* the run of one label */
		while (j < n && !same_label(&L->recs.p[m[i]], &L->recs.p[m[j]]))
			j++;
		size_t count = j - i;
		if (count >= MARKS_RECUR) {
			size_t stride = (count + MARKS_KEPT - 1) / MARKS_KEPT;
			for (size_t k = i; k < j; k += stride)
				if (kept < per) {
					L->recs.p[m[k]].keep = 1;
					kept++;
				}
		}
		i = j;
	}
	free(m);
	return 0;
}

/* A kept mark: the live bytes of every timeline scope (one process's space, a space over
 * all processes) before it. */
static int snapshot(struct loader *L, uint32_t rec)
{
	for (size_t i = 0; i < L->tracks.n; i++) {
		const struct track *t = &L->tracks.p[i];
		if (t->scope & T_ALL_DEVICES)
			continue;
		struct mlive *m = VEC_PUSH(L->mlive);
		if (!m)
			return -1;
		m->rec = rec;
		m->track = (uint32_t)i;
		m->live = t->live;
		m->blocks = t->blocks;
	}
	return 0;
}

/* ------------------------------------------------------------------ pairing */

/* Ends a timeline track's bucket in progress: its state goes to a timeline row. */
static int tl_flush(struct loader *L, uint32_t k)
{
	struct track *t = &L->tracks.p[k];
	if (t->bucket == NONE)
		return 0;
	struct tl_row *r = VEC_PUSH(L->tl);
	if (!r)
		return -1;
	r->track = k;
	r->bucket = t->bucket;
	r->allocs = t->b_allocs;
	r->frees = t->b_frees;
	r->live = t->live;
	r->blocks = t->blocks;
	r->max = t->b_max;
	r->in = t->b_in;
	r->out = t->b_out;
	r->seq = t->b_seq;
	r->ns = t->b_ns;
	t->bucket = NONE;
	return 0;
}

/* A block of delta bytes comes in (blocks 1) or goes (blocks -1) at an event: the live
 * bytes and peaks of the pool's scopes, and the timeline of the first two (one process's
 * space, and that space over all processes). */
static int track_add(struct loader *L, struct pool *p, int64_t delta, int blocks, const struct ev *at)
{
	p->live += delta;
	for (int i = 0; i < 4; i++) {
		struct track *t = &L->tracks.p[p->track[i]];
		if (i < 2 && t->bucket != L->bucket) {
			if (tl_flush(L, p->track[i]))
				return -1;
			t->bucket = L->bucket;
			t->b_allocs = t->b_frees = 0;
			t->b_in = t->b_out = 0;
			t->b_max = INT64_MIN;
		}
		t->live += delta;
		t->blocks += blocks;
		if (t->live > t->peak) {
			t->peak = t->live;
			t->peak_seq = at->seq;
			t->peak_ns = at->time_ns;
		}
		if (i >= 2)
			continue;
		if (blocks > 0) {
			t->b_allocs++;
			t->b_in += (uint64_t)delta;
		} else {
			t->b_frees++;
			t->b_out += (uint64_t)-delta;
		}
		if (t->live > t->b_max)
			t->b_max = t->live;
		t->b_seq = at->seq;
		t->b_ns = at->time_ns;
	}
	return 0;
}

static struct pool *pool_at(struct loader *L, uint32_t i)
{
	struct pool *p = &L->pools.p[i];
	return p->name >= 0 || pool_resolve(L, p) == 0 ? p : NULL;
}

static struct anomaly *add_anomaly(struct loader *L, int kind, uint32_t ev, uint32_t lt, uint32_t stack)
{
	struct anomaly *a = VEC_PUSH(L->ans);
	if (!a)
		return NULL;
	a->kind = (uint8_t)kind;
	a->ev = ev;
	a->lifetime = lt;
	a->stack = stack;
	return a;
}

/* Ends a live lifetime other than by a free. Its end is never before its beginning: the
 * seq order says so, and another thread's clock reading (time) is not let say otherwise. */
static int end_lifetime(struct loader *L, struct pslot *s, int reason, uint32_t at)
{
	struct lifetime *l = &L->lts.p[s->lt - 1];
	struct pool *p = &L->pools.p[l->pool];
	uint64_t size = l->size;
	s->live = 0;
	l->reason = (uint8_t)reason;
	l->end_seq = L->evs.p[at].seq;
	l->end_ns = L->evs.p[at].time_ns;
	if (l->end_ns < l->alloc_ns)
		l->end_ns = l->alloc_ns;
	if (reason == R_DEVICE_CLOSE) {
		p->released_blocks++;
		p->released_bytes += size;
	} else if (reason == R_LIVE && !(l->flags & LT_INHERITED)) { /* its process is gone: a leak */
		p->leaked_blocks++;
		p->leaked_bytes += size;
		L->leaks++;
	}
	return track_add(L, p, -(int64_t)size, -1, &L->evs.p[at]);
}

/* The latest anomaly of kind (or, with kind2, either kind) at (pool, addr) among the
 * recent ones; races are found soon after they happen, so the search is bounded. */
static struct anomaly *recent_anomaly(struct loader *L, uint32_t pool, uint64_t addr, int kind, int kind2)
{
	for (size_t k = L->ans.n, n = 0; k-- > 0 && n < 4096; n++) {
		struct anomaly *a = &L->ans.p[k];
		const struct ev *e = &L->evs.p[a->ev];
		if (e->pool != pool || e->addr != addr || a->kind == A_DROPPED)
			continue;
		return a->kind == kind || a->kind == kind2 ? a : NULL;
	}
	return NULL;
}

static int add_race(struct loader *L, int form, struct anomaly *a, uint32_t free_ev, uint32_t freed, uint32_t reuse)
{
	struct race *r = VEC_PUSH(L->races);
	int isnew;
	uint32_t *v = r ? map_at(&L->race_map, freed, 0, &isnew) : NULL;
	if (!v)
		return -1;
	r->form = (uint8_t)form;
	r->anomaly = (uint32_t)(a - L->ans.p);
	r->free_ev = free_ev;
	r->freed = freed;
	r->reuse = reuse;
	*v = (uint32_t)(L->races.n - 1);
	a->kind = A_REUSE_RACE;
	a->lifetime = freed + 1;
	return 0;
}

/* A late allocation reported after the reuse of its address (seed 001: T1 gets X and hands
 * it on before reporting; T2 frees X, reports, gets X again and reports; T1 reports last):
 * the live block is T2's reuse, which follows T2's own free in its program order, so the
 * free ended this one. It is a lifetime that ends where it begins (its real start was
 * never reported in order), freed by that free; the reuse stays live and becomes the
 * later generation. */
static int late_after_reuse(struct loader *L, struct pslot *s, uint32_t i, uint32_t stack, struct anomaly *f)
{
	const struct ev *e = &L->evs.p[i];
	const struct ev *fe = &L->evs.p[f->ev];
	struct pool *p = &L->pools.p[e->pool];
	uint32_t reuse = s->lt - 1, free_ev = f->ev;
	struct lifetime *l = VEC_PUSH(L->lts);
	if (!l)
		return -1;
	struct lifetime *r = &L->lts.p[reuse];
	l->addr = e->addr;
	l->size = e->size;
	l->alloc_seq = l->end_seq = e->seq;
	l->alloc_ns = l->end_ns = e->time_ns;
	l->tid = e->tid;
	l->alloc_op = e->op;
	l->pool = e->pool;
	l->alloc_stack = stack;
	l->reason = R_FREE_LATE;
	l->free_tid = fe->tid;
	l->free_op = fe->op;
	l->free_stack = f->stack;
	l->gen = r->gen; /* the earlier block at the address */
	r->gen = ++s->gen;
	if (!p->allocs || e->addr < p->min_addr)
		p->min_addr = e->addr;
	if (!p->allocs || e->addr + e->size > p->max_end)
		p->max_end = e->addr + e->size;
	p->allocs++;
	p->bytes_allocated += e->size;
	p->bytes_freed += e->size;
	/* it comes and goes at once; out first, so no peak counts a block that was not live */
	if (track_add(L, p, -(int64_t)e->size, -1, e) || track_add(L, p, (int64_t)e->size, 1, e))
		return -1;
	uint32_t late = (uint32_t)(L->lts.n - 1);
	f->kind = A_DROPPED; /* the free was not unmatched after all */
	struct anomaly *a = add_anomaly(L, A_REUSE_RACE, i, late + 1, L->lts.p[reuse].alloc_stack);
	if (!a)
		return -1;
	a->at_lt = reuse + 1; /* the anomaly's event is the reuse */
	return add_race(L, RACE_LATE_ALLOC, a, free_ev, late, reuse) ? -1 : 1;
}

/* An allocation at a live key: a late allocation's race (a free of the address when it
 * was not live, the live block's allocation from one thread, now this one from another)
 * is repaired; anything else is an allocation over a live block. 1: this allocation was
 * the late one and is already ended (late_after_reuse). */
static int over_live(struct loader *L, struct pslot *s, uint32_t i, uint32_t stack)
{
	const struct ev *e = &L->evs.p[i];
	uint32_t old = s->lt - 1;
	struct lifetime *l = &L->lts.p[old];
	struct anomaly *f = NULL;
	if (!(l->flags & (LT_INHERITED | LT_OVER_LIVE)) && l->tid != e->tid &&
	    (f = recent_anomaly(L, e->pool, e->addr, A_UNMATCHED, A_DOUBLE)) && f->gen + 1 == l->gen &&
	    L->evs.p[f->ev].seq < l->alloc_seq &&
	    (int64_t)(e->time_ns - L->evs.p[f->ev].time_ns) <= (int64_t)RACE_WINDOW_NS) {
		/* the free ended the block whose allocation was reported after it */
		const struct ev *fe = &L->evs.p[f->ev];
		if (l->tid == fe->tid) /* the live one is the freeing thread's reuse */
			return late_after_reuse(L, s, i, stack, f);
		struct pool *p = &L->pools.p[e->pool];
		if (end_lifetime(L, s, R_FREE_LATE, i))
			return -1;
		l = &L->lts.p[old];
		l->free_tid = fe->tid;
		l->free_op = fe->op;
		l->free_stack = f->stack;
		p->bytes_freed += l->size;
		uint32_t free_ev = f->ev;
		f->kind = A_DROPPED; /* the free was not unmatched after all */
		struct anomaly *a = add_anomaly(L, A_REUSE_RACE, i, old + 1, stack);
		return a ? add_race(L, RACE_LATE_ALLOC, a, free_ev, old, (uint32_t)L->lts.n) : -1;
	}
	if (end_lifetime(L, s, R_OVERWRITTEN, i))
		return -1;
	return add_anomaly(L, A_OVER_LIVE, i, old + 1, stack) ? 0 : -1;
}

static int pair_alloc(struct loader *L, uint32_t i)
{
	const struct ev *e = &L->evs.p[i];
	struct pool *p = pool_at(L, e->pool);
	struct pslot *s = p ? ps_find(L, e->pool, e->addr, 1) : NULL;
	if (!s)
		return -1;
	uint32_t stack = stack_of(L, p->pid, e->stack);
	int over = s->lt && s->live;
	if (over) {
		int rc = over_live(L, s, i, stack);
		if (rc)
			return rc < 0 ? -1 : 0;
	}
	struct lifetime *l = VEC_PUSH(L->lts);
	if (!l)
		return -1;
	l->addr = e->addr;
	l->size = e->size;
	l->alloc_seq = e->seq;
	l->alloc_ns = e->time_ns;
	l->tid = e->tid;
	l->alloc_op = e->op;
	l->pool = e->pool;
	l->gen = ++s->gen;
	l->alloc_stack = stack;
	l->flags = over && L->ans.p[L->ans.n - 1].kind == A_OVER_LIVE ? LT_OVER_LIVE : 0;
	s->lt = (uint32_t)L->lts.n;
	s->live = 1;
	if (!p->allocs || e->addr < p->min_addr)
		p->min_addr = e->addr;
	if (!p->allocs || e->addr + e->size > p->max_end)
		p->max_end = e->addr + e->size;
	p->allocs++;
	p->bytes_allocated += e->size;
	return track_add(L, p, (int64_t)e->size, 1, e);
}

/* A free from another thread of a block just allocated over a live one: the free of the
 * overwritten block, reported after its address was reused. Repaired: that block was
 * freed (it ended where this one began), this one stays live. 1 when it was such a race. */
static int late_free(struct loader *L, struct pslot *s, uint32_t i, uint32_t stack)
{
	const struct ev *e = &L->evs.p[i];
	struct lifetime *n = &L->lts.p[s->lt - 1];
	if (!(n->flags & LT_OVER_LIVE) || n->tid == e->tid ||
	    (int64_t)(e->time_ns - n->alloc_ns) > (int64_t)RACE_WINDOW_NS)
		return 0;
	struct anomaly *a = recent_anomaly(L, e->pool, e->addr, A_OVER_LIVE, A_OVER_LIVE);
	if (!a || L->evs.p[a->ev].seq != n->alloc_seq)
		return 0;
	uint32_t old = a->lifetime - 1;
	struct lifetime *o = &L->lts.p[old];
	o->reason = R_FREE_LATE;
	o->free_tid = e->tid;
	o->free_op = e->op;
	o->free_stack = stack;
	n->flags &= (uint8_t)~LT_OVER_LIVE;
	L->pools.p[e->pool].bytes_freed += o->size;
	return add_race(L, RACE_LATE_FREE, a, i, old, s->lt - 1) ? -1 : 1;
}

static int pair_free(struct loader *L, uint32_t i)
{
	const struct ev *e = &L->evs.p[i];
	struct pool *p = pool_at(L, e->pool);
	if (!p)
		return -1;
	struct pslot *s = ps_find(L, e->pool, e->addr, 0);
	uint32_t stack = stack_of(L, p->pid, e->stack);
	p->frees++;
	if (s && s->live) {
		struct lifetime *l = &L->lts.p[s->lt - 1];
		if (l->flags & LT_OVER_LIVE) {
			int rc = late_free(L, s, i, stack);
			if (rc)
				return rc < 0 ? -1 : 0;
			l->flags &= (uint8_t)~LT_OVER_LIVE;
		}
		uint64_t size = l->size;
		l->reason = R_FREE;
		l->end_seq = e->seq;
		l->end_ns = e->time_ns;
		l->free_tid = e->tid;
		l->free_op = e->op;
		l->free_stack = stack;
		s->live = 0;
		p->bytes_freed += size;
		return track_add(L, p, -(int64_t)size, -1, e);
	}
	int kind = s && (L->lts.p[s->lt - 1].reason == R_FREE || L->lts.p[s->lt - 1].reason == R_FREE_LATE)
			   ? A_DOUBLE : A_UNMATCHED;
	struct anomaly *a = add_anomaly(L, kind, i, s ? s->lt : 0, stack);
	if (!a)
		return -1;
	a->gen = s ? s->gen : 0;
	return 0;
}

/* The slots of pid's live blocks (on device, or any device with NONE), in a new array
 * (the caller frees) since ending or copying them may move the table. */
static uint32_t *live_of(struct loader *L, uint32_t pid, uint32_t device, size_t *count)
{
	size_t n = 0, cap = 0;
	uint32_t *out = NULL;
	for (size_t j = 0; j < L->ps_cap; j++) {
		const struct pslot *s = &L->ps[j];
		if (!s->lt || !s->live)
			continue;
		const struct pool *p = &L->pools.p[s->pool];
		if (p->pid != pid || (device != NONE && p->device != device))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			uint32_t *o = realloc(out, cap * sizeof(*o));
			if (!o) {
				free(out);
				return NULL;
			}
			out = o;
		}
		out[n++] = (uint32_t)j;
	}
	*count = n;
	return out ? out : calloc(1, sizeof(*out));
}

/* A forked child starts with a copy of its parent's live heap blocks. */
static int inherit(struct loader *L, uint32_t child, uint32_t parent, uint32_t at)
{
	size_t n;
	uint32_t *live = live_of(L, parent, MTF_HOST, &n);
	if (!live)
		return -1;
	int ret = -1;
	/* lifetimes, not slots: inserting the child's slots may move the table */
	for (size_t k = 0; k < n; k++)
		live[k] = L->ps[live[k]].lt - 1;
	for (size_t k = 0; k < n; k++) {
		struct lifetime pl = L->lts.p[live[k]];
		const struct pool *pp = &L->pools.p[pl.pool];
		int32_t cp = pool_get(L, child, pp->device, pp->space);
		struct pool *c = cp >= 0 ? pool_at(L, (uint32_t)cp) : NULL;
		struct pslot *s = c ? ps_find(L, (uint32_t)cp, pl.addr, 1) : NULL;
		if (!s)
			goto out;
		if (s->lt && s->live)
			continue; /* the child already has a block there: it stands */
		struct lifetime *l = VEC_PUSH(L->lts);
		if (!l)
			goto out;
		*l = pl;
		l->pool = (uint32_t)cp;
		l->parent = live[k] + 1;
		l->flags = LT_INHERITED;
		l->free_stack = 0;
		l->reason = R_LIVE;
		if (s->gen < l->gen)
			s->gen = l->gen;
		s->lt = (uint32_t)L->lts.n;
		s->live = 1;
		if (track_add(L, c, (int64_t)pl.size, 1, &L->evs.p[at]))
			goto out;
	}
	ret = 0;
out:
	free(live);
	return ret;
}

/* Ends every live block of pid (on device, or all with NONE) for the given reason. */
static int end_all(struct loader *L, uint32_t pid, uint32_t device, int reason, uint32_t at)
{
	size_t n;
	uint32_t *live = live_of(L, pid, device, &n);
	if (!live)
		return -1;
	int ret = 0;
	for (size_t k = 0; k < n && !ret; k++)
		ret = end_lifetime(L, &L->ps[live[k]], reason, at);
	free(live);
	return ret;
}

static int pair_process(struct loader *L, const struct rec *r, uint32_t at)
{
	struct proc *p = proc_get(L, r->pid);
	struct prow *row = VEC_PUSH(L->prows);
	if (!p || !row)
		return -1;
	/* A pid seen before: the image it had is gone. After its exit, its blocks were
	 * leaks (the pid was reused); without an exit, exec replaced the image. Blocks of a
	 * pid first seen here came before its record and are its own: left alone. */
	if (p->row != NONE && end_all(L, r->pid, NONE, p->exited ? R_LIVE : R_EXEC, at))
		return -1;
	row->pid = r->pid;
	row->ppid = r->ppid;
	row->how = r->how;
	row->exe = r->s1;
	row->cmdline = r->s2;
	row->has_start = 1;
	row->start_seq = r->seq;
	row->start_ns = r->time_ns;
	p->row = (uint32_t)(L->prows.n - 1);
	p->exited = 0;
	if (r->how == MTF_PROC_FORK && r->ppid != r->pid)
		return inherit(L, r->pid, r->ppid, at);
	return 0;
}

static int pair_device(struct loader *L, const struct rec *r, uint32_t at)
{
	int isnew;
	uint32_t *v = map_at(&L->dev_map, r->pid, r->device, &isnew);
	if (!v)
		return -1;
	if (!r->close) {
		struct devrow *d = VEC_PUSH(L->devs);
		if (!d || !(d->name = strdup(r->s1)))
			return -1;
		d->pid = r->pid;
		d->device = r->device;
		d->capacity = r->capacity;
		d->has_open = 1;
		d->open_seq = r->seq;
		d->open_ns = r->time_ns;
		*v = (uint32_t)(L->devs.n - 1);
		return 0;
	}
	struct devrow *d = *v != NONE ? &L->devs.p[*v] : NULL;
	if (!d || d->has_close) { /* closed without an open in the trace */
		if (!(d = VEC_PUSH(L->devs)))
			return -1;
		d->pid = r->pid;
		d->device = r->device;
		if (*r->s1 && !(d->name = strdup(r->s1)))
			return -1;
		*v = (uint32_t)(L->devs.n - 1);
	}
	d->has_close = 1;
	d->close_seq = r->seq;
	d->close_ns = r->time_ns;
	return end_all(L, r->pid, r->device, R_DEVICE_CLOSE, at);
}

/* The device's setup is done: its first ready while it is open marks its baseline (what
 * is live now); a ready without an open, after the close or a second time is ignored. */
static void pair_device_ready(struct loader *L, const struct rec *r)
{
	const uint32_t *v = map_get(&L->dev_map, r->pid, r->device);
	struct devrow *d = v && *v != NONE ? &L->devs.p[*v] : NULL;
	if (!d || !d->has_open || d->has_close || d->has_ready)
		return;
	d->has_ready = 1;
	d->ready_seq = r->seq;
	d->ready_ns = r->time_ns;
}

static int pair_record(struct loader *L, uint32_t at)
{
	const struct rec *r = &L->recs.p[L->evs.p[at].pool];
	switch (r->type) {
	case MTF_PROCESS:
		return pair_process(L, r, at);
	case MTF_PROCESS_EXIT: {
		struct proc *p = proc_get(L, r->pid);
		if (!p)
			return -1;
		if (p->row == NONE) { /* an exit of a process the trace never started */
			struct prow *row = VEC_PUSH(L->prows);
			if (!row)
				return -1;
			row->pid = r->pid;
			p->row = (uint32_t)(L->prows.n - 1);
		}
		struct prow *row = &L->prows.p[p->row];
		row->has_exit = 1;
		row->exit_seq = r->seq;
		row->exit_ns = r->time_ns;
		row->code = r->code;
		row->signal = r->signal;
		p->exited = 1; /* its blocks stay live: late destructors may still free them */
		return 0;
	}
	case MTF_DEVICE:
		return pair_device(L, r, at);
	case MTF_DEVICE_READY:
		pair_device_ready(L, r);
		return 0;
	case MTF_MARK:
		return r->keep ? snapshot(L, L->evs.p[at].pool) : 0;
	}
	return 0;
}

static int pair(struct loader *L)
{
	int ret = -1;
	uint32_t *order = seq_order(L);
	if (!order)
		goto out;
	for (size_t k = 0; k < L->pools.n; k++) /* every scope, for the live bytes at marks */
		if (pool_resolve(L, &L->pools.p[k]))
			goto out;
	if (keep_marks(L))
		goto out;
	retime(L, order);
	uint64_t lo = UINT64_MAX, hi = 0;
	for (size_t k = 0; k < L->evs.n; k++) {
		uint64_t t = L->evs.p[k].time_ns;
		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
	}
	L->t0 = L->evs.n ? lo : 0;
	L->span = L->evs.n ? hi - lo : 0;
	/* a timeline bucket per 1/TIMELINE_BUCKETS of the span, in seq order: never back */
	double per_ns = (double)TIMELINE_BUCKETS / ((double)L->span + 1.0);
	L->bucket = 0;
	for (size_t k = 0; k < L->evs.n; k++) {
		uint32_t i = order[k];
		const struct ev *e = &L->evs.p[i];
		int rc;
		uint32_t b = (uint32_t)((double)(e->time_ns - L->t0) * per_ns);
		if (b > L->bucket && b < TIMELINE_BUCKETS)
			L->bucket = b;
		if (e->op == REC_EV)
			rc = pair_record(L, i);
		else if (MTF_OP_KIND(e->op) == MTF_ALLOC)
			rc = pair_alloc(L, i);
		else
			rc = pair_free(L, i);
		if (rc)
			goto out;
	}
	/* what is still live at the end leaked, unless a forked child only inherited it */
	for (size_t j = 0; j < L->ps_cap; j++) {
		const struct pslot *s = &L->ps[j];
		if (!s->lt || !s->live)
			continue;
		const struct lifetime *l = &L->lts.p[s->lt - 1];
		if (l->flags & LT_INHERITED)
			continue;
		struct pool *p = &L->pools.p[l->pool];
		p->leaked_blocks++;
		p->leaked_bytes += l->size;
		L->leaks++;
	}
	for (size_t k = 0; k < L->tracks.n; k++)
		if (tl_flush(L, (uint32_t)k))
			goto out;
	ret = 0;
out:
	free(order);
	if (ret)
		mtan_err("'%s': out of memory while pairing events", L->trace);
	return ret;
}

/* ------------------------------------------------------------------ leak kinds */

/* by the first value of an item (arenas, heads, vtables) */
static int by_first(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Leak kinds: each process's last complete scan judges the heap blocks live when it began
 * (memcheck's graph, reach.c); a leak no scan saw (its process was killed or not scanned,
 * it came after the scan, it is on a device or in a client space) is not_scanned. */
static int classify(struct loader *L)
{
	int ret = -1;
	struct map latest = {0}; /* pid -> index + 1 of its last complete scan */
	size_t *count = calloc(L->scans.n + 1, sizeof(size_t));
	struct mtan_block **blocks = calloc(L->scans.n + 1, sizeof(*blocks));
	if (!count || !blocks)
		goto out;
	for (size_t k = 0; k < L->scans.n; k++) {
		const struct scan *sc = &L->scans.p[k];
		int isnew;
		uint32_t *v;
		if (!sc->done)
			continue;
		if (!(v = map_at(&latest, sc->pid, 0, &isnew)))
			goto out;
		if (isnew || L->scans.p[*v - 1].seq < sc->seq)
			*v = (uint32_t)k + 1;
	}
	for (int pass = 0; pass < 2 && latest.n; pass++) {
		for (size_t i = 0; i < L->lts.n; i++) {
			const struct lifetime *l = &L->lts.p[i];
			const struct pool *p = &L->pools.p[l->pool];
			const uint32_t *v;
			if (p->device != MTF_HOST || p->space != 0 || !(v = map_get(&latest, p->pid, 0)))
				continue;
			const struct scan *sc = &L->scans.p[*v - 1];
			if (l->alloc_seq >= sc->seq || (l->reason != R_LIVE && l->end_seq <= sc->seq))
				continue; /* not live when the scan looked */
			if (pass)
				blocks[*v - 1][count[*v - 1]++] = (struct mtan_block){l->addr, l->size, (uint32_t)i, 0};
			else
				count[*v - 1]++;
		}
		for (size_t k = 0; !pass && k < L->scans.n; k++) {
			if (count[k] && !(blocks[k] = malloc(count[k] * sizeof(struct mtan_block))))
				goto out;
			count[k] = 0;
		}
	}
	for (size_t k = 0; k < L->scans.n; k++) {
		struct scan *sc = &L->scans.p[k];
		if (!count[k])
			continue;
		qsort(sc->arenas.p, sc->arenas.n / 2, 2 * sizeof(uint64_t), by_first);
		qsort(sc->heads.p, sc->heads.n / 4, 4 * sizeof(uint64_t), by_first);
		qsort(sc->vtables.p, sc->vtables.n, sizeof(uint64_t), by_first);
		struct mtan_scan_view view = {sc->words.p, sc->words.n / 2, sc->arenas.p, sc->arenas.n / 2,
					      sc->heads.p, sc->heads.n / 4, sc->vtables.p, sc->vtables.n};
		if (mtan_reach(blocks[k], count[k], &view))
			goto out;
		for (size_t j = 0; j < count[k]; j++) {
			struct lifetime *l = &L->lts.p[blocks[k][j].id];
			if (l->reason == R_LIVE && !(l->flags & LT_INHERITED))
				l->flags = (uint8_t)((l->flags & ((1u << LT_KIND_SHIFT) - 1)) |
						     blocks[k][j].kind << LT_KIND_SHIFT);
		}
	}
	for (size_t i = 0; i < L->lts.n; i++) {
		struct lifetime *l = &L->lts.p[i];
		if (l->reason == R_LIVE && !(l->flags & LT_INHERITED) && !LT_KIND(l))
			l->flags |= MTAN_KIND_NOT_SCANNED << LT_KIND_SHIFT;
	}
	ret = 0;
out:
	for (size_t k = 0; blocks && k < L->scans.n; k++)
		free(blocks[k]);
	free(blocks);
	free(count);
	map_release(&latest);
	if (ret)
		mtan_err("'%s': out of memory while judging leaks", L->trace);
	return ret;
}

/* ------------------------------------------------------------------ writing */

static const char *func_text(uint8_t op)
{
	static const char *const alloc[] = {"malloc", "calloc", "realloc", "memalign",
					    "client", "new", "unknown", "unknown"};
	static const char *const dealloc[] = {"free", "free", "realloc", "free",
					      "client", "delete", "unknown", "unknown"};
	return MTF_OP_KIND(op) == MTF_ALLOC ? alloc[MTF_OP_FUNC(op)] : dealloc[MTF_OP_FUNC(op)];
}

static int64_t device_sql(uint32_t d)
{
	return d == MTF_HOST ? -1 : (int64_t)d;
}

static void bind_opt(sqlite3_stmt *st, int i, int present, int64_t v)
{
	if (present)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* The lifetimes go in with one INSERT ... SELECT from this virtual table over L->lts:
 * SQLite's own loop moves the rows, with no bind, step and reset per row (twice as fast).
 * Registered on every connection that may prepare load.sql (mtan_register_modules). */
struct lt_vtab {
	sqlite3_vtab base;
	const struct loader *L; /* NULL: an empty table (for preparing only) */
};
struct lt_cursor {
	sqlite3_vtab_cursor base;
	size_t k;
};

static int lt_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
		      sqlite3_vtab **out, char **err)
{
	(void)argc;
	(void)argv;
	(void)err;
	/* the columns of the lifetimes table, in its order */
	int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(id, pid, tid, device, space, address, size, "
				      "generation, alloc_seq, alloc_ns, alloc_func, alloc_stack, free_seq, free_ns, "
				      "free_tid, free_func, free_stack, end_seq, end_ns, end_reason, inherited, parent_id, "
				      "leak_kind)");
	if (rc != SQLITE_OK)
		return rc;
	struct lt_vtab *v = sqlite3_malloc(sizeof(*v));
	if (!v)
		return SQLITE_NOMEM;
	memset(v, 0, sizeof(*v));
	v->L = aux;
	*out = &v->base;
	return SQLITE_OK;
}

static int lt_disconnect(sqlite3_vtab *v)
{
	sqlite3_free(v);
	return SQLITE_OK;
}

static int lt_best_index(sqlite3_vtab *v, sqlite3_index_info *info)
{
	(void)v;
	info->estimatedCost = 1e6;
	return SQLITE_OK;
}

static int lt_open(sqlite3_vtab *v, sqlite3_vtab_cursor **out)
{
	(void)v;
	struct lt_cursor *c = sqlite3_malloc(sizeof(*c));
	if (!c)
		return SQLITE_NOMEM;
	memset(c, 0, sizeof(*c));
	*out = &c->base;
	return SQLITE_OK;
}

static int lt_close(sqlite3_vtab_cursor *c)
{
	sqlite3_free(c);
	return SQLITE_OK;
}

static int lt_filter(sqlite3_vtab_cursor *c, int idx, const char *idxstr, int argc, sqlite3_value **argv)
{
	(void)idx;
	(void)idxstr;
	(void)argc;
	(void)argv;
	((struct lt_cursor *)c)->k = 0;
	return SQLITE_OK;
}

static int lt_next(sqlite3_vtab_cursor *c)
{
	((struct lt_cursor *)c)->k++;
	return SQLITE_OK;
}

static int lt_eof(sqlite3_vtab_cursor *c)
{
	const struct loader *L = ((struct lt_vtab *)c->pVtab)->L;
	return !L || ((struct lt_cursor *)c)->k >= L->lts.n;
}

static void result_opt(sqlite3_context *ctx, int present, int64_t v)
{
	if (present)
		sqlite3_result_int64(ctx, v);
	else
		sqlite3_result_null(ctx);
}

static int lt_column(sqlite3_vtab_cursor *c, sqlite3_context *ctx, int col)
{
	const struct loader *L = ((struct lt_vtab *)c->pVtab)->L;
	const struct lifetime *l = &L->lts.p[((struct lt_cursor *)c)->k];
	const struct pool *p = &L->pools.p[l->pool];
	int freed = l->reason == R_FREE || l->reason == R_FREE_LATE, ended = l->reason != R_LIVE;
	uint64_t free_seq = l->end_seq, free_ns = l->end_ns;
	if (l->reason == R_FREE_LATE && (col == 12 || col == 13)) {
		/* repaired after a race: its free is not where it ended */
		const uint32_t *r = map_get(&L->race_map, ((struct lt_cursor *)c)->k, 0);
		if (r) {
			free_seq = L->evs.p[L->races.p[*r].free_ev].seq;
			free_ns = L->evs.p[L->races.p[*r].free_ev].time_ns;
		}
	}
	switch (col) {
	case 0: sqlite3_result_null(ctx); break; /* the next rowid: k + 1 in an empty table */
	case 1: sqlite3_result_int64(ctx, p->pid); break;
	case 2: sqlite3_result_int64(ctx, l->tid); break;
	case 3: sqlite3_result_int64(ctx, device_sql(p->device)); break;
	case 4: sqlite3_result_int64(ctx, p->space); break;
	case 5: sqlite3_result_int64(ctx, (int64_t)l->addr); break;
	case 6: sqlite3_result_int64(ctx, (int64_t)l->size); break;
	case 7: sqlite3_result_int64(ctx, l->gen); break;
	case 8: sqlite3_result_int64(ctx, (int64_t)l->alloc_seq); break;
	case 9: sqlite3_result_int64(ctx, (int64_t)l->alloc_ns); break;
	case 10: sqlite3_result_text(ctx, func_text(l->alloc_op), -1, SQLITE_STATIC); break;
	case 11: result_opt(ctx, l->alloc_stack != 0, l->alloc_stack); break;
	case 12: result_opt(ctx, freed, (int64_t)free_seq); break;
	case 13: result_opt(ctx, freed, (int64_t)free_ns); break;
	case 14: result_opt(ctx, freed, l->free_tid); break;
	case 15:
		if (freed)
			sqlite3_result_text(ctx, func_text(l->free_op), -1, SQLITE_STATIC);
		else
			sqlite3_result_null(ctx);
		break;
	case 16: result_opt(ctx, l->free_stack != 0, l->free_stack); break;
	case 17: result_opt(ctx, ended, (int64_t)l->end_seq); break;
	case 18: result_opt(ctx, ended, (int64_t)l->end_ns); break;
	case 19:
		if (reason_text[l->reason])
			sqlite3_result_text(ctx, reason_text[l->reason], -1, SQLITE_STATIC);
		else
			sqlite3_result_null(ctx);
		break;
	case 20: sqlite3_result_int64(ctx, l->flags & LT_INHERITED); break;
	case 21: result_opt(ctx, l->parent != 0, l->parent); break;
	case 22:
		if (LT_KIND(l))
			sqlite3_result_text(ctx, mtan_leak_kinds[LT_KIND(l)], -1, SQLITE_STATIC);
		else
			sqlite3_result_null(ctx);
		break;
	}
	return SQLITE_OK;
}

static int lt_rowid(sqlite3_vtab_cursor *c, sqlite3_int64 *rowid)
{
	*rowid = (sqlite3_int64)((struct lt_cursor *)c)->k + 1;
	return SQLITE_OK;
}

static const sqlite3_module lt_module = {
	.iVersion = 1,
	.xConnect = lt_connect, /* no xCreate: eponymous only, nothing lands in the schema */
	.xBestIndex = lt_best_index,
	.xDisconnect = lt_disconnect,
	.xOpen = lt_open,
	.xClose = lt_close,
	.xFilter = lt_filter,
	.xNext = lt_next,
	.xEof = lt_eof,
	.xColumn = lt_column,
	.xRowid = lt_rowid,
};

int mtan_register_modules(sqlite3 *db, const void *loader)
{
	return sqlite3_create_module(db, "mtan_lifetimes", &lt_module, (void *)loader) == SQLITE_OK ? 0 : -1;
}

static int write_lifetimes(struct loader *L)
{
	if (mtan_exec(L->db, "load", "lifetimes"))
		return -1;
	/* the ids the other tables already use are index + 1: the table had to be empty */
	if (L->lts.n && (uint64_t)sqlite3_last_insert_rowid(L->db) != L->lts.n) {
		mtan_err("internal error: lifetime ids out of step");
		return -1;
	}
	return 0;
}

static int write_anomalies(struct loader *L)
{
	sqlite3_stmt *st;
	if (mtan_prepare(L->db, "load", "anomaly", &st))
		return -1;
	int ret = -1;
	uint32_t id = 0;
	for (size_t k = 0; k < L->ans.n; k++) {
		struct anomaly *a = &L->ans.p[k];
		struct ev e = L->evs.p[a->ev];
		const struct pool *p = &L->pools.p[e.pool];
		if (a->kind == A_DROPPED)
			continue;
		if (a->at_lt) { /* the event is a lifetime's allocation */
			const struct lifetime *l = &L->lts.p[a->at_lt - 1];
			e.seq = l->alloc_seq;
			e.time_ns = l->alloc_ns;
			e.tid = l->tid;
			e.op = l->alloc_op;
			e.size = l->size;
		}
		a->id = ++id;
		sqlite3_bind_int64(st, 1, a->id);
		sqlite3_bind_text(st, 2, kind_text[a->kind], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, p->pid);
		sqlite3_bind_int64(st, 4, device_sql(p->device));
		sqlite3_bind_int64(st, 5, p->space);
		sqlite3_bind_int64(st, 6, (int64_t)e.addr);
		sqlite3_bind_int64(st, 7, (int64_t)e.seq);
		sqlite3_bind_int64(st, 8, (int64_t)e.time_ns);
		sqlite3_bind_int64(st, 9, e.tid);
		sqlite3_bind_text(st, 10, func_text(e.op), -1, SQLITE_STATIC);
		bind_opt(st, 11, MTF_OP_KIND(e.op) == MTF_ALLOC, (int64_t)e.size);
		bind_opt(st, 12, a->stack != 0, a->stack);
		bind_opt(st, 13, a->lifetime != 0, a->lifetime);
		if (step(L, st))
			goto out;
	}
	L->nanomalies = id;
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

/* After write_anomalies: a race row refers to its reuse_race anomaly by id. */
static int write_races(struct loader *L)
{
	sqlite3_stmt *st;
	if (mtan_prepare(L->db, "load", "race", &st))
		return -1;
	int ret = -1;
	for (size_t k = 0; k < L->races.n; k++) {
		const struct race *r = &L->races.p[k];
		const struct ev *f = &L->evs.p[r->free_ev];
		const struct lifetime *freed = &L->lts.p[r->freed], *reuse = &L->lts.p[r->reuse];
		const struct pool *p = &L->pools.p[reuse->pool];
		/* the late report: late_alloc, the allocation of the block the free ended;
		 * late_free, the free */
		int la = r->form == RACE_LATE_ALLOC;
		uint64_t late_seq = la ? freed->alloc_seq : f->seq, late_ns = la ? freed->alloc_ns : f->time_ns;
		uint32_t late_tid = la ? freed->tid : f->tid;
		uint64_t seqs[3] = {f->seq, reuse->alloc_seq, late_seq}, ns[3] = {f->time_ns, reuse->alloc_ns, late_ns};
		uint64_t first_seq = seqs[0], last_seq = seqs[0], lo = ns[0], hi = ns[0];
		for (int j = 1; j < 3; j++) {
			first_seq = seqs[j] < first_seq ? seqs[j] : first_seq;
			last_seq = seqs[j] > last_seq ? seqs[j] : last_seq;
			lo = ns[j] < lo ? ns[j] : lo;
			hi = ns[j] > hi ? ns[j] : hi;
		}
		int64_t window = (int64_t)(hi - lo);
		sqlite3_bind_int64(st, 1, (int64_t)k + 1);
		sqlite3_bind_int64(st, 2, L->ans.p[r->anomaly].id);
		sqlite3_bind_text(st, 3, race_form_text[r->form], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, p->pid);
		sqlite3_bind_int64(st, 5, device_sql(p->device));
		sqlite3_bind_int64(st, 6, p->space);
		sqlite3_bind_int64(st, 7, (int64_t)reuse->addr);
		sqlite3_bind_int64(st, 8, (int64_t)f->seq);
		sqlite3_bind_int64(st, 9, (int64_t)f->time_ns);
		sqlite3_bind_int64(st, 10, f->tid);
		sqlite3_bind_int64(st, 11, (int64_t)reuse->alloc_seq);
		sqlite3_bind_int64(st, 12, (int64_t)reuse->alloc_ns);
		sqlite3_bind_int64(st, 13, reuse->tid);
		sqlite3_bind_int64(st, 14, (int64_t)late_seq);
		sqlite3_bind_int64(st, 15, (int64_t)late_ns);
		sqlite3_bind_int64(st, 16, late_tid);
		sqlite3_bind_int64(st, 17, r->freed + 1);
		sqlite3_bind_int64(st, 18, r->reuse + 1);
		sqlite3_bind_int64(st, 19, (int64_t)first_seq);
		sqlite3_bind_int64(st, 20, (int64_t)last_seq);
		sqlite3_bind_int64(st, 21, window);
		if (step(L, st))
			goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

static int write_timeline(struct loader *L)
{
	sqlite3_stmt *st;
	if (mtan_prepare(L->db, "load", "timeline", &st))
		return -1;
	int ret = -1;
	for (size_t k = 0; k < L->tl.n; k++) {
		const struct tl_row *r = &L->tl.p[k];
		const struct track *t = &L->tracks.p[r->track];
		bind_opt(st, 1, !(t->scope & T_ALL_PIDS), t->pid);
		sqlite3_bind_int64(st, 2, device_sql(t->device));
		sqlite3_bind_text(st, 3, L->names.p[t->name], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, r->bucket);
		sqlite3_bind_int64(st, 5, (int64_t)r->seq);
		sqlite3_bind_int64(st, 6, (int64_t)r->ns);
		sqlite3_bind_int64(st, 7, r->live);
		sqlite3_bind_int64(st, 8, r->blocks);
		sqlite3_bind_int64(st, 9, r->max);
		sqlite3_bind_int64(st, 10, r->allocs);
		sqlite3_bind_int64(st, 11, r->frees);
		sqlite3_bind_int64(st, 12, (int64_t)r->in);
		sqlite3_bind_int64(st, 13, (int64_t)r->out);
		if (step(L, st))
			goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

/* The marks (kept in the seq stream for the pairing) and the live bytes at the kept ones. */
static int write_marks(struct loader *L)
{
	sqlite3_stmt *st = L->st_mark, *ml = NULL;
	int ret = -1;
	for (size_t i = 0; i < L->recs.n; i++) {
		const struct rec *r = &L->recs.p[i];
		if (r->type != MTF_MARK)
			continue;
		sqlite3_bind_int64(st, 1, r->pid);
		sqlite3_bind_int64(st, 2, r->tid);
		sqlite3_bind_int64(st, 3, (int64_t)r->seq);
		sqlite3_bind_int64(st, 4, (int64_t)r->time_ns);
		sqlite3_bind_text(st, 5, r->s1, (int)r->len1, SQLITE_STATIC);
		if (step(L, st))
			goto out;
	}
	if (mtan_prepare(L->db, "load", "mark_live", &ml))
		goto out;
	for (size_t k = 0; k < L->mlive.n; k++) {
		const struct mlive *m = &L->mlive.p[k];
		const struct track *t = &L->tracks.p[m->track];
		sqlite3_bind_int64(ml, 1, (int64_t)L->recs.p[m->rec].seq);
		bind_opt(ml, 2, !(t->scope & T_ALL_PIDS), t->pid);
		sqlite3_bind_int64(ml, 3, device_sql(t->device));
		sqlite3_bind_text(ml, 4, L->names.p[t->name], -1, SQLITE_STATIC);
		sqlite3_bind_int64(ml, 5, m->live);
		sqlite3_bind_int64(ml, 6, m->blocks);
		if (step(L, ml))
			goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(ml);
	return ret;
}

static int write_processes(struct loader *L)
{
	sqlite3_stmt *st;
	if (mtan_prepare(L->db, "load", "process", &st))
		return -1;
	int ret = -1;
	/* processes the trace has events of but no record for still get a row */
	for (size_t k = 0; k < L->procs.n; k++) {
		if (L->procs.p[k].row != NONE)
			continue;
		struct prow *row = VEC_PUSH(L->prows);
		if (!row)
			goto out;
		row->pid = L->procs.p[k].pid;
	}
	for (size_t k = 0; k < L->prows.n; k++) {
		const struct prow *r = &L->prows.p[k];
		sqlite3_bind_int64(st, 1, r->pid);
		bind_opt(st, 2, r->has_start, r->ppid);
		if (r->has_start) {
			sqlite3_bind_text(st, 3, r->exe, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, r->cmdline, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, r->how == MTF_PROC_FORK ? "fork" : "exec", -1, SQLITE_STATIC);
		} else {
			for (int c = 3; c <= 5; c++)
				sqlite3_bind_null(st, c);
		}
		bind_opt(st, 6, r->has_start, (int64_t)r->start_seq);
		bind_opt(st, 7, r->has_start, (int64_t)r->start_ns);
		bind_opt(st, 8, r->has_exit, (int64_t)r->exit_seq);
		bind_opt(st, 9, r->has_exit, (int64_t)r->exit_ns);
		int known = r->has_exit && r->code != MTF_EXIT_UNKNOWN;
		bind_opt(st, 10, known, r->code);
		bind_opt(st, 11, known, r->signal);
		/* its scan: the last that began while this row's process ran */
		const struct scan *sc = NULL;
		for (size_t j = 0; j < L->scans.n; j++) {
			const struct scan *c = &L->scans.p[j];
			if (c->pid == r->pid && (!r->has_start || c->seq > r->start_seq) &&
			    (!r->has_exit || c->seq < r->exit_seq) && (!sc || c->seq > sc->seq))
				sc = c;
		}
		bind_opt(st, 12, sc != NULL, sc ? (int64_t)sc->seq : 0);
		sqlite3_bind_int64(st, 13, sc && sc->done);
		if (step(L, st))
			goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	return ret;
}

static int write_threads(struct loader *L)
{
	for (size_t k = 0; k < L->threads.n; k++) {
		const struct thread *t = &L->threads.p[k];
		sqlite3_stmt *st = L->st_thread;
		sqlite3_bind_int64(st, 1, t->pid);
		sqlite3_bind_int64(st, 2, t->tid);
		if (t->named) {
			sqlite3_bind_text(st, 3, t->name, (int)t->name_len, SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 4, (int64_t)t->rec_seq);
			sqlite3_bind_int64(st, 5, (int64_t)t->rec_time);
		} else {
			sqlite3_bind_null(st, 3);
			bind_opt(st, 4, t->seq != UINT64_MAX, (int64_t)t->seq);
			bind_opt(st, 5, t->seq != UINT64_MAX, (int64_t)t->time_ns);
		}
		if (step(L, st))
			return -1;
	}
	return 0;
}

static int write_devices(struct loader *L)
{
	sqlite3_stmt *st;
	if (mtan_prepare(L->db, "load", "device", &st))
		return -1;
	int ret = -1;
	for (size_t k = 0; k < L->devs.n; k++) {
		const struct devrow *d = &L->devs.p[k];
		sqlite3_bind_int64(st, 1, d->pid);
		sqlite3_bind_int64(st, 2, device_sql(d->device));
		if (d->name)
			sqlite3_bind_text(st, 3, d->name, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 3);
		bind_opt(st, 4, d->has_open && d->capacity, (int64_t)d->capacity);
		bind_opt(st, 5, d->has_open, (int64_t)d->open_seq);
		bind_opt(st, 6, d->has_open, (int64_t)d->open_ns);
		bind_opt(st, 7, d->has_close, (int64_t)d->close_seq);
		bind_opt(st, 8, d->has_close, (int64_t)d->close_ns);
		bind_opt(st, 9, d->has_ready, (int64_t)d->ready_seq);
		bind_opt(st, 10, d->has_ready, (int64_t)d->ready_ns);
		if (step(L, st))
			goto out;
	}
	/* each open's baseline: its ready, else the process's first mark after the open */
	ret = mtan_exec(L->db, "load", "device_baseline");
out:
	sqlite3_finalize(st);
	return ret;
}

/* Allocation sites over the whole trace, counted from the lifetimes in memory: what
 * `mtan top` and the view alloc_sites read without going over every lifetime again. */
struct site_row {
	uint32_t pool, stack;
	uint64_t allocs, bytes, frees, temps, temp_bytes, leaked, leaked_bytes;
};
#define TEMPORARY_NS 1000000 /* sites.temporaries: freed within 1 ms */

static int write_sites(struct loader *L)
{
	struct map m = {0};
	VEC(struct site_row) rows = {0};
	sqlite3_stmt *st = NULL;
	int ret = -1;
	uint32_t last_pool = NONE, last_stack = 0, last = 0;
	if (mtan_prepare(L->db, "load", "site", &st))
		goto out;
	for (size_t k = 0; k < L->lts.n; k++) {
		const struct lifetime *l = &L->lts.p[k];
		if (l->flags & LT_INHERITED)
			continue;
		if (l->pool != last_pool || l->alloc_stack != last_stack) {
			int isnew;
			uint32_t *v = map_at(&m, l->pool, l->alloc_stack, &isnew);
			if (!v)
				goto nomem;
			if (isnew) {
				struct site_row *r = VEC_PUSH(rows);
				if (!r)
					goto nomem;
				r->pool = l->pool;
				r->stack = l->alloc_stack;
				*v = (uint32_t)(rows.n - 1);
			}
			last = *v;
			last_pool = l->pool;
			last_stack = l->alloc_stack;
		}
		struct site_row *r = &rows.p[last];
		r->allocs++;
		r->bytes += l->size;
		if (l->reason == R_FREE || l->reason == R_FREE_LATE) {
			r->frees++;
			if (l->end_ns - l->alloc_ns < TEMPORARY_NS && l->end_ns >= l->alloc_ns) {
				r->temps++;
				r->temp_bytes += l->size;
			}
		} else if (l->reason == R_LIVE) {
			r->leaked++;
			r->leaked_bytes += l->size;
		}
	}
	for (size_t k = 0; k < rows.n; k++) {
		const struct site_row *r = &rows.p[k];
		const struct pool *p = &L->pools.p[r->pool];
		sqlite3_bind_int64(st, 1, p->pid);
		sqlite3_bind_int64(st, 2, device_sql(p->device));
		sqlite3_bind_int64(st, 3, p->space);
		bind_opt(st, 4, r->stack != 0, r->stack);
		sqlite3_bind_int64(st, 5, (int64_t)r->allocs);
		sqlite3_bind_int64(st, 6, (int64_t)r->bytes);
		sqlite3_bind_int64(st, 7, (int64_t)r->frees);
		sqlite3_bind_int64(st, 8, (int64_t)r->temps);
		sqlite3_bind_int64(st, 9, (int64_t)r->temp_bytes);
		sqlite3_bind_int64(st, 10, (int64_t)r->leaked);
		sqlite3_bind_int64(st, 11, (int64_t)r->leaked_bytes);
		if (step(L, st))
			goto out;
	}
	ret = 0;
	goto out;
nomem:
	mtan_err("'%s': out of memory", L->trace);
	L->reported = 1;
out:
	sqlite3_finalize(st);
	free(rows.p);
	map_release(&m);
	return ret;
}

static int write_stats(struct loader *L)
{
	sqlite3_stmt *st = NULL, *pk = NULL;
	int ret = -1;
	if (mtan_prepare(L->db, "load", "space_stats", &st) || mtan_prepare(L->db, "load", "peak", &pk))
		goto out;
	for (size_t k = 0; k < L->pools.n; k++) {
		struct pool *p = pool_at(L, (uint32_t)k);
		if (!p)
			goto out;
		sqlite3_bind_int64(st, 1, p->pid);
		sqlite3_bind_int64(st, 2, device_sql(p->device));
		sqlite3_bind_int64(st, 3, p->space);
		sqlite3_bind_text(st, 4, L->names.p[p->name], -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, (int64_t)p->allocs);
		sqlite3_bind_int64(st, 6, (int64_t)p->frees);
		sqlite3_bind_int64(st, 7, (int64_t)p->bytes_allocated);
		sqlite3_bind_int64(st, 8, (int64_t)p->bytes_freed);
		sqlite3_bind_int64(st, 9, (int64_t)p->leaked_blocks);
		sqlite3_bind_int64(st, 10, (int64_t)p->leaked_bytes);
		sqlite3_bind_int64(st, 11, (int64_t)p->released_blocks);
		sqlite3_bind_int64(st, 12, (int64_t)p->released_bytes);
		sqlite3_bind_int64(st, 13, p->live);
		bind_opt(st, 14, p->allocs != 0, (int64_t)p->min_addr);
		bind_opt(st, 15, p->allocs != 0, (int64_t)p->max_end);
		if (step(L, st))
			goto out;
	}
	/* the whole trace has a peak row even when it has no event */
	if (track_get(L, T_ALL_PIDS | T_ALL_DEVICES, 0, 0, -1) == NONE)
		goto out;
	for (size_t k = 0; k < L->tracks.n; k++) {
		const struct track *t = &L->tracks.p[k];
		bind_opt(pk, 1, !(t->scope & T_ALL_PIDS), t->pid);
		bind_opt(pk, 2, !(t->scope & T_ALL_DEVICES), device_sql(t->device));
		if (t->name >= 0)
			sqlite3_bind_text(pk, 3, L->names.p[t->name], -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(pk, 3);
		sqlite3_bind_int64(pk, 4, t->peak);
		bind_opt(pk, 5, t->peak > 0, (int64_t)t->peak_seq);
		bind_opt(pk, 6, t->peak > 0, (int64_t)t->peak_ns);
		if (step(L, pk))
			goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(pk);
	return ret;
}

/* The growth analysis of the whole trace (growth.c), kept for users' queries: one row per
 * (device, space) over all processes in growth, its growing sites in growth_sites. */
struct growth_store {
	struct loader *L;
	sqlite3_stmt *g, *s;
};

static int store_growth(void *ctx, const struct mtan_growth *g, sqlite3_stmt *sites)
{
	struct growth_store *gs = ctx;
	sqlite3_stmt *st = gs->g;
	sqlite3_bind_int64(st, 1, g->device);
	sqlite3_bind_text(st, 2, g->space, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, mtan_verdict_name(g->v.verdict), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, g->rate);
	bind_opt(st, 5, g->has_plateau, g->plateau_ns);
	sqlite3_bind_int64(st, 6, g->start_ns);
	sqlite3_bind_int64(st, 7, g->end_ns);
	sqlite3_bind_double(st, 8, g->v.z);
	sqlite3_bind_int64(st, 9, g->start_bytes);
	sqlite3_bind_int64(st, 10, g->end_bytes);
	sqlite3_bind_text(st, 11, g->mark ? "marks" : "time", -1, SQLITE_STATIC);
	if (g->mark)
		sqlite3_bind_text(st, 12, g->mark, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 12);
	sqlite3_bind_int64(st, 13, (int64_t)g->v.points);
	bind_opt(st, 14, g->mark != NULL, g->per_mark);
	if (g->v.verdict == MTAN_TOO_SHORT)
		sqlite3_bind_text(st, 15, g->reason, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 15);
	if (step(gs->L, st))
		return -1;
	int rc, rank = 0;
	while ((rc = sqlite3_step(sites)) == SQLITE_ROW) {
		st = gs->s;
		sqlite3_bind_int64(st, 1, g->device);
		sqlite3_bind_text(st, 2, g->space, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, ++rank);
		sqlite3_bind_int64(st, 4, sqlite3_column_int64(sites, 0));
		if (sqlite3_column_type(sites, 1) == SQLITE_NULL)
			sqlite3_bind_null(st, 5);
		else
			sqlite3_bind_int64(st, 5, sqlite3_column_int64(sites, 1));
		sqlite3_bind_int64(st, 6, sqlite3_column_int64(sites, 2));
		sqlite3_bind_int64(st, 7, sqlite3_column_int64(sites, 3));
		sqlite3_bind_int64(st, 8, sqlite3_column_int64(sites, 4));
		if (step(gs->L, st))
			return -1;
	}
	return rc == SQLITE_DONE ? 0 : mtan_sqlerr(gs->L->db, "cannot read the database");
}

static int write_growth(struct loader *L)
{
	struct mtan_opts o;
	struct mtan_window w;
	struct growth_store gs = {L, NULL, NULL};
	int ret = -1;
	memset(&o, 0, sizeof o);
	memset(&w, 0, sizeof w);
	o.pid = -1;
	o.limit = -1;
	w.until = INT64_MAX;
	if (mtan_prepare(L->db, "load", "growth", &gs.g) || mtan_prepare(L->db, "load", "growth_site", &gs.s))
		goto out;
	ret = mtan_growth(L->db, &o, &w, store_growth, &gs);
	if (ret)
		L->reported = 1;
out:
	sqlite3_finalize(gs.g);
	sqlite3_finalize(gs.s);
	return ret;
}

static int by_pid(const void *a, const void *b)
{
	const struct pmodule *x = a, *y = b;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->m.seq < y->m.seq ? -1 : x->m.seq > y->m.seq;
}

/* The process whose module map explains pid's addresses: itself, or for a forked child
 * that reported none, the nearest ancestor that did. */
static uint32_t module_owner(struct loader *L, uint32_t pid)
{
	uint32_t p = pid;
	for (int depth = 0; depth < 64; depth++) {
		uint32_t *v = map_get(&L->proc_map, p, 0);
		if (v && L->procs.p[*v].has_modules)
			return p;
		if (!v || !(p = L->procs.p[*v].ppid))
			break;
	}
	return pid;
}

struct frame_ref {
	uint32_t owner, index;
};

static int by_owner(const void *a, const void *b)
{
	const struct frame_ref *x = a, *y = b;
	if (x->owner != y->owner)
		return x->owner < y->owner ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* The symbolized entries of a recorded frame: frames rows first .. first + n - 1 (the
 * inlined functions innermost first, then the function that holds the code). */
struct frame_rows {
	uint32_t first, n;
};

static int by_pid_exe(const void *a, const void *b)
{
	const struct prow *x = *(const struct prow *const *)a, *y = *(const struct prow *const *)b;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Whether module is an executable pid ran (a processes row's exe): where a site falls
 * back to when every frame is the runtime's. exes: the rows with an exe, by pid. */
static int is_exe(struct prow *const *exes, size_t n, uint32_t pid, const char *module)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (exes[mid]->pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && exes[lo]->pid == pid; lo++)
		if (module && !strcmp(exes[lo]->exe, module))
			return 1;
	return 0;
}

static int bind_frame(struct loader *L, sqlite3_stmt *st, uint32_t id, const struct frame *f,
		      const struct mtan_sym *s, const char *function, const char *file, int line,
		      int inlined, unsigned char *flags, struct prow *const *exes, size_t nexes)
{
	int runtime = mtan_runtime_frame(s->module, function, file);
	*flags = (unsigned char)((runtime ? MTAN_FRAME_SKIP : 0) |
				 (is_exe(exes, nexes, f->pid, s->module) ? MTAN_FRAME_EXE : 0));
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, f->pid);
	sqlite3_bind_int64(st, 3, (int64_t)f->addr);
	sqlite3_bind_int64(st, 4, f->ret);
	if (s->module) {
		sqlite3_bind_text(st, 5, s->module, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 6, (int64_t)s->offset);
	} else {
		sqlite3_bind_null(st, 5);
		sqlite3_bind_null(st, 6);
	}
	if (function)
		sqlite3_bind_text(st, 7, function, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 7);
	if (file)
		sqlite3_bind_text(st, 8, file, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 8);
	bind_opt(st, 9, line > 0, line);
	sqlite3_bind_int64(st, 10, inlined);
	sqlite3_bind_int64(st, 11, runtime);
	return step(L, st);
}

/* The rows of stacks and stack_frames: each recorded frame expanded into its entries
 * (inlined calls first), and the level where the site starts (mtan_site_of). */
static int write_stacks(struct loader *L, const struct frame_rows *rows, const unsigned char *flags,
			const uint32_t *texts)
{
	unsigned char *fl = NULL;
	uint32_t *tx = NULL;
	size_t cap = 0;
	struct mtan_canon *canon = mtan_canon_new();
	if (!canon)
		goto nomem;
	for (size_t k = 0; k < L->stacks.n; k++) {
		const struct stackrec *sr = &L->stacks.p[k];
		const uint32_t *refs = L->stack_refs.p + sr->first;
		size_t n = 0;
		for (uint32_t i = 0; i < sr->n; i++)
			n += rows[refs[i] - 1].n;
		if (n > cap) {
			unsigned char *p = realloc(fl, n);
			if (p)
				fl = p;
			uint32_t *q = p ? realloc(tx, n * sizeof(*tx)) : NULL;
			if (!q)
				goto nomem;
			tx = q;
			cap = n;
		}
		n = 0;
		for (uint32_t i = 0; i < sr->n; i++)
			for (uint32_t j = 0; j < rows[refs[i] - 1].n; j++) {
				tx[n] = texts[rows[refs[i] - 1].first + j - 1];
				fl[n++] = flags[rows[refs[i] - 1].first + j - 1];
			}
		int site = mtan_site_of(fl, (int)n);
		/* stacks.canonical: the first stack whose frames read as this one's */
		uint32_t same = mtan_canon_stack(canon, (uint32_t)k + 1, tx, (uint32_t)n, site);
		if (!same)
			goto nomem;
		sqlite3_bind_int64(L->st_stack, 1, (int64_t)k + 1);
		sqlite3_bind_int64(L->st_stack, 2, sr->pid);
		sqlite3_bind_int64(L->st_stack, 3, sr->trace_id);
		sqlite3_bind_int64(L->st_stack, 4, sr->n);
		sqlite3_bind_int64(L->st_stack, 5, site);
		sqlite3_bind_int64(L->st_stack, 6, same);
		if (step(L, L->st_stack))
			goto fail;
		int64_t level = 0;
		for (uint32_t i = 0; i < sr->n; i++) {
			const struct frame_rows *r = &rows[refs[i] - 1];
			for (uint32_t j = 0; j < r->n; j++) {
				sqlite3_bind_int64(L->st_stack_frame, 1, (int64_t)k + 1);
				sqlite3_bind_int64(L->st_stack_frame, 2, level++);
				sqlite3_bind_int64(L->st_stack_frame, 3, r->first + j);
				sqlite3_bind_int64(L->st_stack_frame, 4, i);
				if (step(L, L->st_stack_frame))
					goto fail;
			}
		}
	}
	free(fl);
	free(tx);
	mtan_canon_free(canon);
	return 0;
nomem:
	mtan_err("out of memory while symbolizing");
	L->reported = 1;
fail:
	free(fl);
	free(tx);
	mtan_canon_free(canon);
	return -1;
}

/* Symbolizes each distinct frame once, each process's addresses in its module map; a frame
 * in inlined code becomes a row per inlined function and one for the function holding
 * it. Then the stacks, which refer to those rows. */
static int write_frames(struct loader *L)
{
	sqlite3_stmt *st = NULL;
	struct frame_ref *refs = NULL;
	struct mtan_module *mods = NULL;
	struct mtan_perf_sym *perf = NULL;
	struct mtan_symbolizer *sym = NULL;
	struct frame_rows *rows = NULL;
	unsigned char *flags = NULL;
	uint32_t *texts = NULL; /* each frames row's text (mtan_canon_frame), as flags */
	struct mtan_canon *canon = NULL;
	struct prow **exes = NULL;
	size_t nflags = 0, capflags = 0, nexes = 0;
	uint32_t id = 0;
	int ret = -1;
	if (mtan_prepare(L->db, "load", "frame", &st))
		goto out;
	if (L->mods.n)
		qsort(L->mods.p, L->mods.n, sizeof(*L->mods.p), by_pid);
	refs = malloc((L->frames.n + 1) * sizeof(*refs));
	mods = malloc((L->mods.n + 1) * sizeof(*mods));
	perf = malloc((L->perf.n + 1) * sizeof(*perf));
	rows = calloc(L->frames.n + 1, sizeof(*rows));
	exes = malloc((L->prows.n + 1) * sizeof(*exes));
	canon = mtan_canon_new();
	if (!refs || !mods || !perf || !rows || !exes || !canon)
		goto nomem;
	for (size_t k = 0; k < L->prows.n; k++)
		if (L->prows.p[k].exe)
			exes[nexes++] = &L->prows.p[k];
	if (nexes)
		qsort(exes, nexes, sizeof(*exes), by_pid_exe);
	for (size_t k = 0; k < L->frames.n; k++) {
		refs[k].owner = module_owner(L, L->frames.p[k].pid);
		refs[k].index = (uint32_t)k;
	}
	if (L->frames.n)
		qsort(refs, L->frames.n, sizeof(*refs), by_owner);
	if (!(sym = mtan_symbolizer_new(NULL, 0, L->sym)))
		goto nomem;
	for (size_t k = 0; k < L->frames.n; k++) {
		if (!k || refs[k].owner != refs[k - 1].owner) {
			size_t n = 0;
			for (size_t j = 0; j < L->mods.n; j++)
				if (L->mods.p[j].pid == refs[k].owner)
					mods[n++] = L->mods.p[j].m;
			size_t np = 0;
			for (size_t j = 0; j < L->perf.n; j++)
				if (L->perf.p[j].pid == refs[k].owner)
					perf[np++] = L->perf.p[j].p;
			if (mtan_symbolizer_map(sym, mods, n) || mtan_symbolizer_perf_map(sym, perf, np))
				goto nomem;
		}
		const struct frame *f = &L->frames.p[refs[k].index];
		struct mtan_sym s;
		mtan_symbolize(sym, f->addr, f->ret, &s);
		if (nflags + s.ninlined + 1 > capflags) {
			size_t c = capflags ? capflags * 2 : 4096;
			while (c < nflags + s.ninlined + 1)
				c *= 2;
			unsigned char *p = realloc(flags, c);
			if (p)
				flags = p;
			uint32_t *q = p ? realloc(texts, c * sizeof(*texts)) : NULL;
			if (!q) {
				mtan_sym_release(&s);
				goto nomem;
			}
			texts = q;
			capflags = c;
		}
		rows[refs[k].index].first = id + 1;
		rows[refs[k].index].n = (uint32_t)s.ninlined + 1;
		int rc = 0;
		for (size_t j = 0; j < s.ninlined && !rc; j++) {
			rc = bind_frame(L, st, ++id, f, &s, s.inlined[j].function, s.inlined[j].file,
					s.inlined[j].line, 1, &flags[nflags], exes, nexes);
			if (!rc && !(texts[nflags] = mtan_canon_frame(canon, s.inlined[j].function, s.inlined[j].file,
								      s.inlined[j].line, s.module, s.offset, f->addr, 1)))
				rc = -2;
			nflags++;
		}
		if (!rc) {
			rc = bind_frame(L, st, ++id, f, &s, s.function, s.file, s.line, 0, &flags[nflags],
					exes, nexes);
			if (!rc && !(texts[nflags] = mtan_canon_frame(canon, s.function, s.file, s.line, s.module,
								      s.offset, f->addr, 0)))
				rc = -2;
			nflags++;
		}
		mtan_sym_release(&s);
		if (rc == -2)
			goto nomem;
		if (rc)
			goto out;
	}
	mtan_canon_free(canon); /* the frames' texts are numbered: the strings can go */
	canon = NULL;
	uint64_t resolved, cached;
	mtan_symbolizer_done(sym, &resolved, &cached);
	if (meta_int(L, "symbols_resolved", (long long)resolved) || meta_int(L, "symbols_cached", (long long)cached) ||
	    write_stacks(L, rows, flags, texts))
		goto out;
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory while symbolizing");
	L->reported = 1;
out:
	mtan_symbolizer_free(sym);
	free(refs);
	free(mods);
	free(perf);
	free(rows);
	free(flags);
	free(texts);
	mtan_canon_free(canon);
	free(exes);
	sqlite3_finalize(st);
	return ret;
}

/* Where symbols were looked for (meta sysroot, debug_dirs): a later command that asks
 * for other places loads again (db.c). */
static int write_symopts(struct loader *L)
{
	char *root = NULL, *dirs = NULL;
	int ret = -1;
	if (mtan_symopts_keys(L->sym, &root, &dirs))
		goto out;
	ret = meta_text(L, "sysroot", root, -1) || meta_text(L, "debug_dirs", dirs, -1) ? -1 : 0;
out:
	free(root);
	free(dirs);
	return ret;
}

static int write_meta(struct loader *L, const struct stat *tst)
{
	char *real = realpath(L->trace, NULL);
	int ret = -1;
	if (meta_int(L, "schema_version", MTAN_SCHEMA_VERSION) ||
	    meta_text(L, "mtan_version", MTAN_VERSION, -1) ||
	    meta_text(L, "trace_path", real ? real : L->trace, -1) ||
	    meta_int(L, "trace_size", (long long)tst->st_size) ||
	    meta_int(L, "trace_mtime_ns", (long long)tst->st_mtim.tv_sec * 1000000000 + tst->st_mtim.tv_nsec) ||
	    meta_int(L, "complete", L->seen_end) ||
	    meta_int(L, "recovered_bytes", (long long)L->good_off) ||
	    meta_int(L, "file_bytes", (long long)L->file_bytes) ||
	    meta_text(L, "load_error", *L->err ? L->err : NULL, -1) ||
	    (*L->err ? meta_int(L, "error_offset", (long long)L->err_off) : 0) ||
	    meta_int(L, "loaded_events", (long long)L->events) ||
	    meta_int(L, "lost_events", (long long)(L->seen_end && L->end_lost > (int64_t)L->lost
							 ? (uint64_t)L->end_lost : L->lost)) ||
	    (L->seen_end ? meta_int(L, "end_events", (long long)L->end_events) : 0) ||
	    meta_int(L, "lifetimes", (long long)L->lts.n) ||
	    meta_int(L, "anomalies", (long long)L->nanomalies) ||
	    meta_int(L, "races", (long long)L->races.n) ||
	    meta_int(L, "leaks", (long long)L->leaks) ||
	    meta_text(L, "scan", L->no_scan ? "off" : "on", -1) ||
	    meta_text(L, "time", L->timing ? L->timing : "collector", -1) ||
	    meta_int(L, "clock_readings", L->timing && !strcmp(L->timing, "interpolated") ? (long long)L->clocks.n : 0) ||
	    meta_int(L, "clock_span_ns", L->clocks.n ? (long long)L->clocks.p[L->clocks.n - 1].t : 0) ||
	    meta_int(L, "unknown_stacks", (long long)L->unknown_stacks) ||
	    meta_int(L, "loaded_at", (long long)time(NULL)) || write_symopts(L))
		goto out;
	ret = 0;
out:
	free(real);
	return ret;
}

/* ------------------------------------------------------------------ the load */

static int open_db(struct loader *L, const char *dbpath)
{
	/* one thread uses this connection: no mutex around every bind */
	if (sqlite3_open_v2(dbpath, &L->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		mtan_err("cannot create '%s': %s", dbpath, L->db ? sqlite3_errmsg(L->db) : "out of memory");
		return -1;
	}
	/* a fresh file, built in one go and renamed into place when complete: nothing to
	 * protect with a journal or syncs (a crash leaves only the temporary file) */
	char *err = NULL;
	char pragmas[256];
	snprintf(pragmas, sizeof pragmas,
		 "PRAGMA page_size=16384; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
		 "PRAGMA locking_mode=EXCLUSIVE; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-262144;"
		 "PRAGMA user_version=%d; BEGIN;", MTAN_SCHEMA_VERSION);
	if (sqlite3_exec(L->db, pragmas, NULL, NULL, &err) != SQLITE_OK) {
		mtan_err("cannot set up '%s': %s", dbpath, err ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	if (mtan_exec(L->db, "schema", NULL) || mtan_register_modules(L->db, L))
		return -1;
	struct {
		sqlite3_stmt **st;
		const char *name;
	} sts[] = {{&L->st_meta, "meta"}, {&L->st_thread, "thread"}, {&L->st_stack, "stack"},
		   {&L->st_stack_frame, "stack_frame"}, {&L->st_module, "module"},
		   {&L->st_space, "space"}, {&L->st_mark, "mark"}, {&L->st_rss, "rss"},
		   {&L->st_loss, "loss"}};
	for (size_t i = 0; i < sizeof(sts) / sizeof(sts[0]); i++)
		if (mtan_prepare(L->db, "load", sts[i].name, sts[i].st))
			return -1;
	return 0;
}

static void loader_release(struct loader *L)
{
	sqlite3_stmt *sts[] = {L->st_meta, L->st_thread, L->st_stack, L->st_stack_frame,
			       L->st_module, L->st_space, L->st_mark, L->st_rss, L->st_loss};
	for (size_t i = 0; i < sizeof(sts) / sizeof(sts[0]); i++)
		sqlite3_finalize(sts[i]);
	if (L->db)
		sqlite3_close(L->db);
	for (size_t i = 0; i < L->recs.n; i++) {
		free(L->recs.p[i].s1);
		free(L->recs.p[i].s2);
	}
	for (size_t i = 0; i < L->devs.n; i++)
		free(L->devs.p[i].name);
	for (size_t i = 0; i < L->mods.n; i++) {
		free(L->mods.p[i].m.path);
		free(L->mods.p[i].m.build_id);
	}
	for (size_t i = 0; i < L->perf.n; i++)
		free(L->perf.p[i].p.name);
	free(L->perf.p);
	for (size_t i = 0; i < L->names.n; i++)
		free(L->names.p[i]);
	free(L->evs.p);
	free(L->recs.p);
	free(L->lts.p);
	free(L->ans.p);
	free(L->races.p);
	free(L->tl.p);
	free(L->pools.p);
	free(L->tracks.p);
	free(L->procs.p);
	free(L->prows.p);
	for (size_t k = 0; k < L->threads.n; k++)
		free(L->threads.p[k].name);
	free(L->threads.p);
	free(L->devs.p);
	free(L->frames.p);
	free(L->stacks.p);
	free(L->stack_refs.p);
	free(L->mods.p);
	for (size_t k = 0; k < L->scans.n; k++) {
		free(L->scans.p[k].words.p);
		free(L->scans.p[k].arenas.p);
		free(L->scans.p[k].heads.p);
		free(L->scans.p[k].vtables.p);
	}
	free(L->scans.p);
	free(L->clocks.p);
	free(L->mlive.p);
	free(L->names.p);
	struct map *maps[] = {&L->pool_map, &L->proc_map, &L->thread_map, &L->stack_map,
			      &L->frame_map, &L->space_map, &L->track_map, &L->dev_map, &L->name_map,
			      &L->race_map};
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		map_release(maps[i]);
	free(L->ps);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mtan_trace_error(const char *trace, int err, long long offset)
{
	/* what the whole file is (not zstd, not a trace, too new) needs no offset */
	int verdict = err == MTF_E_NOTZSTD || err == MTF_E_MAGIC || err == MTF_E_VERSION;
	if (err > MTF_E_BASE && err < 0)
		mtan_err("cannot open '%s': %s", trace, strerror(-err));
	else if (offset < 0 || (offset == 0 && verdict))
		mtan_err("'%s': %s", trace, mtf_strerror(err));
	else
		mtan_err("'%s': %s at offset %lld", trace, mtf_strerror(err), offset);
}

/* What the progress line says for a PHASE() of the load. */
static const char *progress_phase(const char *call)
{
	static const struct {
		const char *prefix, *phase;
	} phases[] = {
		{"pair", "pairing"}, {"write_lifetimes", "writing lifetimes"}, {"write_sites", "counting sites"},
		{"write_frames", "symbolizing"}, {"mtan_exec", "indexing"}, {"write_growth", "judging growth"},
		{"write_meta", "finishing"},
	};
	for (size_t i = 0; i < sizeof phases / sizeof phases[0]; i++)
		if (!strncmp(call, phases[i].prefix, strlen(phases[i].prefix)))
			return phases[i].phase;
	return "writing";
}

int mtan_load(const char *trace, const char *dbpath, struct mtan_load_stats *st)
{
	return mtan_load_with(trace, dbpath, NULL, st);
}

int mtan_load_with(const char *trace, const char *dbpath, const struct mtan_symopts *sym,
		   struct mtan_load_stats *st)
{
	struct loader L = {0};
	mtf_reader *r = NULL;
	mtf_record rec;
	struct stat tst;
	double t0 = now();
	int ret = -1, rc;
	L.trace = trace;
	L.sym = sym;
	memset(st, 0, sizeof(*st));
	if (stat(trace, &tst) < 0) {
		mtan_err("cannot open '%s': %s", trace, strerror(errno));
		goto out;
	}
	if ((rc = mtf_reader_open(&r, trace)) < 0) {
		mtan_trace_error(trace, rc, -1);
		goto out;
	}
	/* the first record decides whether this is a trace at all: before the database */
	if ((rc = mtf_reader_next(r, &rec)) <= 0) {
		mtan_trace_error(trace, rc < 0 ? rc : MTF_E_MAGIC, rc < 0 ? (long long)mtf_reader_bad_offset(r) : -1);
		goto out;
	}
	if (open_db(&L, dbpath))
		goto out;
	mtan_progress_start(trace);
	uint64_t records = 0;
	do {
		if (read_record(&L, &rec)) {
			if (!L.reported)
				mtan_err("'%s': out of memory", trace);
			goto out;
		}
		if (++records % 64 == 0)
			mtan_progress("reading", (double)mtf_reader_good_offset(r) / (double)(mtf_reader_file_size(r) + 1),
				      L.events);
	} while ((rc = mtf_reader_next(r, &rec)) == 1);
	L.good_off = mtf_reader_good_offset(r);
	L.file_bytes = mtf_reader_file_size(r);
	if (rc < 0) {
		if (rc == MTF_E_NOMEM) {
			mtan_err("'%s': out of memory", trace);
			goto out;
		}
		/* not damage: a whole second run, which loading the first alone would lose
		 * behind a warning (and a check would pass on half the file) */
		if (rc == MTF_E_CONCAT) {
			unsigned long long at = mtf_reader_bad_offset(r);
			mtan_err("'%s': a second trace starts at offset %llu (traces concatenated); load "
				 "each alone: 'head -c %llu' gives the first, 'tail -c +%llu' the rest",
				 trace, at, at, at + 1);
			goto out;
		}
		snprintf(L.err, sizeof L.err, "%s", mtf_strerror(rc));
		L.err_off = mtf_reader_bad_offset(r);
	}
	mtf_reader_free(r);
	r = NULL;
#define PHASE(x) (getenv("MTAN_TIMING") ? fprintf(stderr, "%-10s %.3f\n", #x, now() - t0) : 0, \
		  mtan_progress(progress_phase(#x), -1, L.events), (x))
	if (PHASE(pair(&L)) || PHASE(classify(&L)) || PHASE(write_lifetimes(&L)) || write_anomalies(&L) || write_races(&L) ||
	    write_timeline(&L) || write_marks(&L) || write_processes(&L) ||
	    write_threads(&L) || write_devices(&L) || write_stats(&L) || PHASE(write_sites(&L)) || PHASE(write_frames(&L)) ||
	    PHASE(mtan_exec(L.db, "indexes", NULL)) || PHASE(write_growth(&L)) || PHASE(write_meta(&L, &tst)))
		goto out;
	st->seconds = now() - t0;
	{
		char secs[32];
		snprintf(secs, sizeof secs, "%.3f", st->seconds);
		/* written last, in the same transaction: a database without it never finished */
		if (meta_text(&L, "load_seconds", secs, -1) || meta_int(&L, "load_complete", 1))
			goto out;
	}
	if (sqlite3_exec(L.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		mtan_sqlerr(L.db, "cannot write the database");
		goto out;
	}
	st->events = L.events;
	st->lifetimes = L.lts.n;
	st->leaks = L.leaks;
	st->anomalies = L.nanomalies;
	st->complete = L.seen_end;
	st->damaged = *L.err != 0;
	ret = 0;
out:
	mtan_progress_end();
	mtf_reader_free(r);
	loader_release(&L);
	return ret;
}
