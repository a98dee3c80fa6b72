/* loader.h: the loader's internal state, shared by its stages (read.c, order.c, stream.c,
 * pair.c, aggregate.c, classify.c, store.c, store_lifetimes.c, store_growth.c,
 * store_frames.c) and driven by load.c.
 * Nothing outside the loader includes it: the rest of mtan sees mtan_load (load.h). */
#ifndef MTAN_LOADER_H
#define MTAN_LOADER_H

#include "load.h"
#include "opts.h"
#include "symbols.h"
#include "mtf.h"
#include "reach.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NONE UINT32_MAX
#define VEC(T) struct { T *p; size_t n, cap; }
#define REC_EV 0xff /* ev.op of a record in the seq stream */

/* One event, or one record taking part in the pairing; 48 bytes. In memory (L->evs, the
 * fallback) the bulk of the load until the pairing has consumed them (struct ev_source):
 * nothing refers to one by its index, and L->evs is freed once paired. */
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
	uint64_t pos;  /* streaming: the number of events the trace has before it */
};

/* A clock reading of the collector (CLOCK records): seqs above seq were taken after t. */
struct reading {
	uint64_t seq, t;
};

/* Streaming: what the first pass keeps of the events to know the lowest and highest time
 * they will have once retimed (order.c) without keeping them. Outside the readings' seqs
 * an event keeps its stamp (clamped), so the events at or below the lowest reading seq
 * seen so far (low) and above the highest (high) are candidates, each list pruned to the
 * ones no other candidate makes useless (a lower seq and stamp for low; higher for high). */
struct cand {
	uint64_t seq, stamp;
};
struct cands {
	struct cand *p;
	size_t n, cap;
	size_t limit; /* its size when it is pruned again */
};
struct bounds {
	struct cands low, high;
	uint64_t rlo, rhi;        /* the lowest and highest reading seq so far (readings) */
	int readings, any;        /* any: an event came */
	int over;                 /* a list outgrew BOUNDS_MAX: the fallback when interpolating */
	uint64_t min_seq, max_seq, min_stamp, max_stamp; /* of every event (any) */
	/* the most any event or record came below the highest seq read before it: with
	 * distinct seqs a reorder window of lag + 1 entries gives the exact order */
	uint64_t top, lag;
};
#define BOUNDS_MAX (1u << 20)

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
 * ends where the next one begins; its free's seq and time are the race's. R_DETACH: live
 * at the end of an attach (mtrec -p) in a process that was still running when mtrec
 * detached: not a leak. The codes up to R_DETACH are those stored in ops. */
enum reason { R_LIVE, R_FREE, R_OVERWRITTEN, R_EXEC, R_DEVICE_CLOSE, R_DETACH, R_FREE_LATE };
static const char *const reason_text[] = {NULL, "free", "overwritten", "exec", "device_close", "detach", "free"};
enum kind { A_UNMATCHED, A_DOUBLE, A_OVER_LIVE, A_REUSE_RACE, A_DROPPED = 0xff };
#define kind_text mtan_anomaly_kinds

/* 88 bytes: everything its row needs, copied from the events as the pairing meets them,
 * so that writing reads the lifetimes instead of the events all over. Ids are given in
 * allocation order (lifetimes.id); only the live ones and a few kept ones (struct
 * ltstore) stay in memory while pairing, the others are written as they pile up. */
struct lifetime {
	uint64_t addr, size;
	uint64_t alloc_seq, alloc_ns; /* inherited: the parent's allocation */
	uint64_t end_seq, end_ns;     /* the free, or what else ended it (reason != R_LIVE) */
	uint32_t pool, tid, free_tid, gen;
	uint32_t parent;              /* inherited: the parent's lifetime id; else 0 */
	uint32_t alloc_stack, free_stack; /* stacks.id, 0 none */
	uint32_t id;                  /* lifetimes.id, from 1; 0: a free place in the store */
	uint8_t alloc_op, free_op, reason, flags; /* flags: LT_* */
};
/* LT_KEEP: a race refers to it (struct race, an anomaly's at_lt): it stays in memory */
enum { LT_INHERITED = 1, LT_OVER_LIVE = 2 /* allocated over a live block (alloc_over_live) */, LT_KEEP = 4 };
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

/* 72 bytes; few in a trace (each one a bug or a race), so each keeps a copy of its event. */
struct anomaly {
	struct ev ev;          /* its event: the free, or the allocation over a live block */
	uint32_t lifetime;     /* its id, 0 none */
	uint32_t at_lt;        /* an id (kept): the event is that lifetime's allocation, not ev */
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
	uint32_t free_tid;    /* the free event's thread, seq and time */
	uint64_t free_seq, free_ns;
	uint32_t freed, reuse; /* lifetime ids - 1 (both kept): the block the free ended, the one reusing its address */
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
	/* recorded from an attach (mtrec -p), or forked from such a process since: the
	 * blocks it held before the attach are not in the trace */
	int attached;
	/* attached, forked from an attached process, or an exec of such a one: without an
	 * exit in the trace it still ran when mtrec detached */
	int from_attach;
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
	uint32_t lt; /* last lifetime at the key, its id; 0: an empty slot */
	uint32_t gen;
	uint32_t mem; /* live: its place in L->lts + 1; else 0, or PS_FREED when a free ended it */
};
#define PS_FREED UINT32_MAX

/* Allocation sites over the whole trace (the sites table), counted from the lifetimes as
 * they are written (store_lifetimes.c); rows go in by their first lifetime. */
struct site_row {
	uint32_t pool, stack;
	uint32_t first; /* the smallest lifetime id counted */
	uint64_t allocs, bytes, frees, temps, temp_bytes, leaked, leaked_bytes;
	double est[6]; /* the sites.est_ columns: allocs, bytes, temporaries and leaks estimated */
};

/* A long lifetime written while pairing, as growth's sites need it (store_growth.c). */
struct glong {
	uint32_t id, pool, alloc_stack;
	uint64_t alloc_seq, end_seq, size;
};
/* growth.sql's "sites" takes a block ended this many seqs or fewer after it began only when
 * it was allocated just before the window's ends (by id); a longer one by its seqs. */
#define GROWTH_SHORT 65536

struct loader;
/* The lifetimes in memory (pair.c). Live ones and kept ones sit at stable places in a slab
 * (a free place has id 0 and the next free place + 1 in addr). An ended lifetime that
 * nothing can change any more moves to `ended`; when that is full (the budget: 64 MiB, or
 * MTAN_LIFETIME_BUFFER bytes), it goes to the sink sorted by id and is emptied. Kept to the
 * end: lifetimes a race refers to (LT_KEEP), those overwritten (a late free may repair
 * them), ended as leaks (R_LIVE, when their pid was reused) and those live when their
 * process's last complete exit scan began (classify reads them; L->scans is complete
 * before the pairing). */
struct ltstore {
	struct lifetime *p;
	size_t n, cap;   /* places used (the highest), allocated */
	size_t free;     /* the first free place + 1, 0 none */
	VEC(struct lifetime) ended;
	size_t budget;   /* bytes of ended ones; 0: the default */
	struct map kept; /* id -> place of each kept lifetime */
	struct map scan; /* pid -> its last complete scan, index in L->scans + 1 */
	/* Takes n ended lifetimes sorted by id, borrowed for the call (store_lifetimes.c's
	 * writer, set by load.c); NULL: nothing is written while pairing, all stay in memory */
	int (*sink)(struct loader *L, struct lifetime *const *rows, size_t n);
	int flushed;     /* some went to the sink while pairing */
	/* 1: the sink takes each batch on a thread of its own, beside the pairing, which goes
	 * on into a second buffer (load.c, unless MTAN_THREADS=1); the rows are the same */
	int async;
	struct ltjob *job; /* the batch being written beside the pairing, NULL none */
	/* after the pairing: every lifetime still in memory, by id (the last rows written) */
	VEC(struct lifetime *) rows;
	/* those written while pairing that ended more than GROWTH_SHORT seqs after they began:
	 * growth's sites take any of them (short ones only near the window: read back) */
	VEC(struct glong) glong;
};

struct loader {
	const char *trace;
	sqlite3 *db;
	sqlite3_stmt *st_meta, *st_thread, *st_stack, *st_stack_frame, *st_module, *st_space,
		*st_mark, *st_rss, *st_loss;
	/* streaming (load.c sets it for a regular file): events are not kept but read again
	 * by the pairing's source (stream.c); else read.c fills evs, freed once paired */
	int stream;
	int stream_end; /* the stream stopped early: 1 out of order (load again in memory), -1 failed (told) */
	struct bounds bounds; /* streaming: read.c gathers it, order.c reads it */
	VEC(struct ev) evs;
	VEC(struct rec) recs;
	struct ltstore lts;
	uint32_t nlts; /* lifetimes made: the last id given */
	uint64_t lts_written; /* rows of lifetimes written */
	/* the rows mtan_lifetimes (store_lifetimes.c) shows the insert in hand */
	struct lifetime *const *wr;
	size_t nwr;
	int wr_final; /* the last insert (its progress is the stage's) */
	/* the pools as they were when a batch written beside the pairing was handed over: the
	 * pairing may add some (a fork's), moving L->pools, while the rows are read */
	const struct pool *wr_pools;
	struct map site_map; /* (pool, stack) -> index in sites */
	VEC(struct site_row) sites;
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
	uint64_t sample_bytes; /* the HEADER's --sample-stacks mean; 0: every stack taken */
	const char *timing; /* meta.time: how events got their times */
	VEC(char *) names;
	struct map pool_map, proc_map, thread_map, stack_map, frame_map, space_map, track_map,
		dev_map, name_map, race_map; /* race_map: a R_FREE_LATE lifetime -> its race */
	uint64_t t0, span;  /* the trace's first time and time span, for timeline buckets */
	uint32_t bucket;    /* the bucket of the event being paired (never decreases) */
	uint32_t nanomalies; /* anomaly rows written */
	struct pslot *ps;  /* the pairing table: freed, with dev_map, when the pairing ends */
	size_t ps_cap, ps_n;
	uint32_t nstacks;
	uint64_t events, lost, unknown_stacks, leaks, end_events;
	/* mtrec -p: the first attach's seq (has_attach), and the frees of blocks from before
	 * it (frees of addresses never allocated in the trace, in attached processes) */
	uint64_t attach_seq, frees_before_attach;
	int has_attach;
	int64_t end_lost;
	int seen_end;
	int reported; /* an error was already told */
	/* progress: the stage in hand, and the load's cost (in units of reading an event):
	 * what the stages done cost, what this one costs, and all of it (estimates) */
	const char *stage;
	double cost_done, cost_now, cost_all;
	const struct stat *tst; /* the trace file's, for meta */
	struct mtan_ld_symjob *symjob; /* the symbolizing, beside the other stages (store_frames.c) */
	char err[256]; /* the reader's error after the header, "" if none */
	uint64_t err_off, good_off, file_bytes;
};

/* Grows a VEC to hold one more; returns the new element (zeroed) or NULL. */
#define VEC_PUSH(v)                                                                     \
	((v).n < (v).cap || vec_grow((void **)&(v).p, &(v).cap, sizeof(*(v).p)) == 0      \
		 ? memset(&(v).p[(v).n++], 0, sizeof(*(v).p))                           \
		 : NULL)

static inline int vec_grow(void **p, size_t *cap, size_t size)
{
	size_t c = *cap ? *cap * 2 : 64;
	void *q = realloc(*p, c * size);
	if (!q)
		return -1;
	*p = q;
	*cap = c;
	return 0;
}

/* ldtab.c: the loader's tables: maps, processes, pools, names, timeline tracks, stacks */
/* Frees everything the loader holds (the database connection too, when open). */
void mtan_ld_release(struct loader *L);
/* Progress within the stage in hand: frac of it is done. */
void mtan_ld_progress(const struct loader *L, double frac);
int mtan_ld_map_grow(struct map *m);
void mtan_ld_map_release(struct map *m);
struct proc *mtan_ld_proc_get(struct loader *L, uint32_t pid);
int32_t mtan_ld_pool_get(struct loader *L, uint32_t pid, uint32_t device, uint32_t space);
int mtan_ld_name_id(struct loader *L, const char *s);
uint32_t mtan_ld_track_get(struct loader *L, int scope, uint32_t pid, uint32_t device, int name);
int mtan_ld_pool_resolve(struct loader *L, struct pool *p);
uint32_t mtan_ld_stack_of(struct loader *L, uint32_t pid, uint32_t id);
/* Each process's last complete exit scan, into latest: pid -> index + 1 in L->scans (the
 * pairing keeps the blocks live when it began; classify judges them). -1: out of memory. */
int mtan_ld_last_scans(const struct loader *L, struct map *latest);

/* read.c: read: decodes the trace's records into the loader's tables */
int mtan_ld_step(struct loader *L, sqlite3_stmt *st);
int mtan_ld_meta_int(struct loader *L, const char *key, long long v);
int mtan_ld_meta_text(struct loader *L, const char *key, const char *v, int len);
int mtan_ld_read_record(struct loader *L, const mtf_record *r);

/* stream.c: the events in seq order read again from the trace, through a reorder window of
 * MTAN_REORDER_WINDOW entries (default 1 << 20); in the order of L->evs sorted by (seq,
 * position in the trace), which the in-memory source gives. */
struct mtan_ld_stream;
/* -1: out of memory (*out may be set: free it). The trace is opened at the first next. */
int mtan_ld_stream_open(struct loader *L, struct mtan_ld_stream **out);
/* 1: *e is the next one (records as REC_EV, with their stamps); 0: the end; -1: failed
 * (told, but out of memory); -2: an event came below one already given: the window is
 * too small for this trace's disorder, and the order cannot be kept. */
int mtan_ld_stream_next(struct mtan_ld_stream *s, struct ev *e);
void mtan_ld_stream_free(struct mtan_ld_stream *s);

/* order.c: order: puts the events in seq order and gives them times */
uint32_t *mtan_ld_seq_order(struct loader *L);
void mtan_ld_retime(struct loader *L, const uint32_t *order);
/* Streaming: whether the first pass's bounds give the times' range exactly (else load in
 * memory). */
int mtan_ld_stream_fits(const struct loader *L);

/* The events in seq order, one at a time: the pairing's only way to them. In memory it
 * walks L->evs through order's sorted index; streaming (L->stream) it reads them again
 * from the trace (stream.c) and retimes each as it comes. */
struct ev_source {
	struct loader *L;
	uint32_t *order; /* in memory: indexes of L->evs in seq order */
	struct mtan_ld_stream *stream; /* streaming */
	struct ev cur;   /* streaming: the event given last */
	size_t kt;       /* streaming: where time_at looks first */
	int interp;      /* streaming: times are interpolated between the clock readings */
	size_t k, n;     /* the next one; how many there are (events and records) */
	uint64_t lo, hi; /* the lowest and highest time of them, once retimed (n > 0) */
};
/* Orders and retimes the events (and records, threads); -1: out of memory. */
int mtan_ld_source_open(struct loader *L, struct ev_source *src);
/* The next event in seq order, valid until the next call; NULL after the last. Streaming,
 * NULL early too when the stream cannot go on: L->stream_end says why, and the load looks
 * at it once the pairing returns. */
const struct ev *mtan_ld_source_next(struct ev_source *src);
/* Frees the source and the events behind it (L->evs): nothing reads them after pairing. */
void mtan_ld_source_close(struct ev_source *src);

/* aggregate.c: aggregate: live bytes, peaks and timeline buckets of every scope, kept marks */
int mtan_ld_keep_marks(struct loader *L);
int mtan_ld_snapshot(struct loader *L, uint32_t rec);
int mtan_ld_tl_flush(struct loader *L, uint32_t k);
int mtan_ld_track_add(struct loader *L, struct pool *p, int64_t delta, int blocks, const struct ev *at);

/* ltstore.c: the lifetimes the pairing makes (struct ltstore) */
void mtan_ld_lt_budget(struct loader *L);
/* A new lifetime (zeroed, with the next id) at a free place, put in *place; NULL when out
 * of memory. It may move the others: pointers to them are stale after it. */
struct lifetime *mtan_ld_lt_new(struct loader *L, uint32_t *place);
/* Keeps the lifetime at place in memory to the end, findable by id. */
int mtan_ld_lt_keep(struct loader *L, uint32_t place);
/* The lifetime at place has ended and no slot names it as live: kept, or to the sink. */
int mtan_ld_lt_ended(struct loader *L, uint32_t place);
/* Ends the thread writing the ended lifetimes, after its last batch; -1 if that failed. */
int mtan_ld_lt_stop(struct loader *L);
/* After the pairing: every lifetime still in memory in L->lts.rows, by id. */
int mtan_ld_lt_rows(struct loader *L);

/* pair.c: pair: every free with its allocation, in seq order; anomalies and races */
struct pool *mtan_ld_pool_at(struct loader *L, uint32_t i);
/* Pairs every event; ended lifetimes go to L->lts.sink as they pile up, and at the end
 * L->lts.rows holds the ones still in memory, by id. */
int mtan_ld_pair(struct loader *L);

/* classify.c: classify: leak kinds from the exit scans */
int mtan_ld_classify(struct loader *L);

/* store_lifetimes.c: store: the rows of lifetimes and sites */
/* The sink of L->lts: writes n lifetimes sorted by id (and counts their sites). */
int mtan_ld_write_lifetime_rows(struct loader *L, struct lifetime *const *rows, size_t n);
/* Writes the lifetimes still in memory (L->lts.rows), after classify. */
int mtan_ld_write_lifetimes(struct loader *L);
int mtan_ld_write_sites(struct loader *L);

/* store.c: store: the database rows of anomalies, races, timeline and the rest */
void mtan_ld_bind_opt(sqlite3_stmt *st, int i, int present, int64_t v);
int mtan_ld_write_anomalies(struct loader *L);
int mtan_ld_write_races(struct loader *L);
int mtan_ld_write_timeline(struct loader *L);
int mtan_ld_write_marks(struct loader *L);
int mtan_ld_write_processes(struct loader *L);
int mtan_ld_write_threads(struct loader *L);
int mtan_ld_write_devices(struct loader *L);
int mtan_ld_write_stats(struct loader *L);

/* store_growth.c: store: the growth analysis in growth and growth_sites */
int mtan_ld_write_growth(struct loader *L);

/* store_frames.c: store: symbolized frames and stacks */
/* Starts symbolizing every frame (on a thread of its own unless MTAN_THREADS=1), once
 * the trace is read; mtan_ld_write_frames takes the results. -1: out of memory. */
int mtan_ld_symbolize_start(struct loader *L);
/* Waits for the symbolizing, if it still runs, and frees what it holds. */
void mtan_ld_symbolize_stop(struct loader *L);
int mtan_ld_write_frames(struct loader *L);

static inline uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) * 0xC2B2AE3D27D4EB4Full;
	h ^= h >> 31;
	h *= 0xD6E8FEB86659FD93ull;
	h ^= h >> 32;
	return h;
}

/* The value of (a, b), or NULL. */
static inline uint32_t *map_get(const struct map *m, uint64_t a, uint64_t b)
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
static inline uint32_t *map_at(struct map *m, uint64_t a, uint64_t b, int *isnew)
{
	*isnew = 0;
	if ((m->n + 1) * 2 > m->cap && mtan_ld_map_grow(m))
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

/* A kept lifetime by id (struct ltstore), or NULL: one a race or an anomaly refers to. */
static inline struct lifetime *mtan_ld_kept(const struct loader *L, uint32_t id)
{
	const uint32_t *v = map_get(&L->lts.kept, id, 0);
	return v ? &L->lts.p[*v] : NULL;
}

#endif
