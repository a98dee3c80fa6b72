/* test_pair.c: the loader's read, order and pair stages on synthetic event streams, with no
 * database: records go through mtan_ld_read_record as the reader would hand them over, in
 * file order (which is not seq order), then mtan_ld_pair, which draws them from order.c's
 * source and frees them; the lifetimes, anomalies, races, counters and live bytes are
 * checked against what the stream plants. A sink of its own stands for the database where
 * a test makes the pairing write ended lifetimes early (a small budget). */
#include "loader.h"
#include "unit.h"

#include <pthread.h>

#define PID 100
#define HEAP 0 /* the heap pool's index: the first pool a stream touches */

static uint8_t op(int kind)
{
	return MTF_OP_MAKE(kind, MTF_FN_MALLOC);
}

static mtf_event alloc_ev(uint64_t seq, uint64_t addr, uint64_t size)
{
	return (mtf_event){.seq = seq, .time_ns = seq * 1000, .addr = addr, .size = size,
			   .device = MTF_HOST, .space = 0, .op = op(MTF_ALLOC)};
}

static mtf_event free_ev(uint64_t seq, uint64_t addr)
{
	return (mtf_event){.seq = seq, .time_ns = seq * 1000, .addr = addr, .device = MTF_HOST,
			   .space = 0, .op = op(MTF_FREE)};
}

/* One EVENTS record of (pid, tid) as the reader hands it over. */
static int feed(struct loader *L, uint32_t pid, uint32_t tid, const mtf_event *ev, uint32_t n)
{
	mtf_record r = {.type = MTF_EVENTS};
	r.u.events.pid = pid;
	r.u.events.tid = tid;
	r.u.events.n = n;
	r.u.events.ev = ev;
	return mtan_ld_read_record(L, &r);
}

static int feed_process(struct loader *L, uint32_t pid, uint32_t ppid, uint32_t how, uint64_t seq)
{
	mtf_record r = {.type = MTF_PROCESS};
	r.u.process.pid = pid;
	r.u.process.ppid = ppid;
	r.u.process.how = how;
	r.u.process.seq = seq;
	r.u.process.time_ns = seq * 1000;
	return mtan_ld_read_record(L, &r);
}

/* What the sink was given: copies of the rows, in the order they came */
static VEC(struct lifetime) sunk;
static size_t batches, unsorted;

static int sink(struct loader *L, struct lifetime *const *rows, size_t n)
{
	(void)L;
	batches++;
	for (size_t k = 0; k < n; k++) {
		struct lifetime *c = VEC_PUSH(sunk);
		if (!c)
			return -1;
		*c = *rows[k];
		unsorted += k && rows[k - 1]->id >= rows[k]->id;
	}
	return 0;
}

static void sink_reset(void)
{
	free(sunk.p);
	memset(&sunk, 0, sizeof(sunk));
	batches = unsorted = 0;
}

/* The lifetime with id i + 1: still in memory after the pairing, or given to the sink */
static const struct lifetime *lt(const struct loader *L, size_t i)
{
	for (size_t k = 0; k < L->lts.rows.n; k++)
		if (L->lts.rows.p[k]->id == i + 1)
			return L->lts.rows.p[k];
	for (size_t k = 0; k < sunk.n; k++)
		if (sunk.p[k].id == i + 1)
			return &sunk.p[k];
	return NULL;
}

/* the anomalies of a kind that survived the pairing (dropped ones were repaired) */
static size_t anomalies(const struct loader *L, int kind)
{
	size_t n = 0;
	for (size_t i = 0; i < L->ans.n; i++)
		n += L->ans.p[i].kind == kind;
	return n;
}

static void test_pairs_and_leaks(void)
{
	struct loader L = {.trace = "synthetic"};
	/* 0x10 lives twice (generations 1 and 2), 0x20 once and leaks, 0x30 is freed */
	mtf_event ev[] = {alloc_ev(1, 0x10, 16), alloc_ev(2, 0x20, 32), free_ev(3, 0x10),
			  alloc_ev(4, 0x30, 48), alloc_ev(5, 0x10, 64), free_ev(6, 0x30), free_ev(7, 0x10)};
	CHECK(feed(&L, PID, PID, ev, 7) == 0);
	CHECK(mtan_ld_pair(&L) == 0);
	CHECK_EQ_U(L.events, 7);
	CHECK_EQ_U(L.nlts, 4);
	CHECK_EQ_U(L.leaks, 1);
	CHECK_EQ_U(L.ans.n, 0);
	CHECK(lt(&L, 0)->addr == 0x10 && lt(&L, 0)->reason == R_FREE && lt(&L, 0)->end_seq == 3);
	CHECK(lt(&L, 1)->addr == 0x20 && lt(&L, 1)->reason == R_LIVE);
	CHECK(lt(&L, 3)->addr == 0x10 && lt(&L, 3)->gen == 2 && lt(&L, 3)->end_seq == 7);
	CHECK(lt(&L, 0)->gen == 1);
	const struct pool *p = &L.pools.p[HEAP];
	CHECK_EQ_U(p->allocs, 4);
	CHECK_EQ_U(p->frees, 3);
	CHECK_EQ_U(p->bytes_allocated, 16 + 32 + 48 + 64);
	CHECK_EQ_U(p->bytes_freed, 16 + 48 + 64);
	CHECK_EQ_U(p->leaked_bytes, 32);
	CHECK_EQ_U((uint64_t)p->live, 32);
	/* the peak: 32 + 48 + 64 live after seq 5 */
	const struct track *t = &L.tracks.p[p->track[0]];
	CHECK_EQ_U((uint64_t)t->peak, 32 + 48 + 64);
	CHECK_EQ_U(t->peak_seq, 5);
	mtan_ld_release(&L);
}

static void test_seq_order_not_file_order(void)
{
	struct loader L = {.trace = "synthetic"};
	/* thread 2's chunk (the free) reaches the file before thread 1's (the allocation) */
	mtf_event t2[] = {free_ev(2, 0x40)};
	mtf_event t1[] = {alloc_ev(1, 0x40, 8), alloc_ev(3, 0x50, 8)};
	CHECK(feed(&L, PID, 2, t2, 1) == 0);
	CHECK(feed(&L, PID, 1, t1, 2) == 0);
	CHECK(mtan_ld_pair(&L) == 0);
	CHECK_EQ_U(L.nlts, 2);
	CHECK_EQ_U(L.ans.n, 0); /* no unmatched free: the free is seq 2, after its allocation */
	CHECK(lt(&L, 0)->addr == 0x40 && lt(&L, 0)->reason == R_FREE && lt(&L, 0)->free_tid == 2);
	CHECK(lt(&L, 0)->tid == 1);
	CHECK_EQ_U(L.leaks, 1);
	mtan_ld_release(&L);
}

static void test_unmatched_and_double(void)
{
	struct loader L = {.trace = "synthetic"};
	mtf_event ev[] = {free_ev(1, 0x99), alloc_ev(2, 0x10, 8), free_ev(3, 0x10), free_ev(4, 0x10)};
	CHECK(feed(&L, PID, PID, ev, 4) == 0);
	CHECK(mtan_ld_pair(&L) == 0);
	CHECK_EQ_U(anomalies(&L, A_UNMATCHED), 1);
	CHECK_EQ_U(anomalies(&L, A_DOUBLE), 1);
	CHECK_EQ_U(L.ans.p[1].lifetime, 1); /* the double free names the lifetime it freed again */
	CHECK_EQ_U(L.pools.p[HEAP].frees, 3);
	CHECK_EQ_U(L.pools.p[HEAP].bytes_freed, 8);
	CHECK_EQ_U(L.leaks, 0);
	mtan_ld_release(&L);
}

static void test_alloc_over_live(void)
{
	struct loader L = {.trace = "synthetic"};
	mtf_event ev[] = {alloc_ev(1, 0x10, 8), alloc_ev(2, 0x10, 24)};
	CHECK(feed(&L, PID, PID, ev, 2) == 0);
	CHECK(mtan_ld_pair(&L) == 0);
	CHECK_EQ_U(anomalies(&L, A_OVER_LIVE), 1);
	CHECK(lt(&L, 0)->reason == R_OVERWRITTEN && lt(&L, 0)->end_seq == 2);
	CHECK(lt(&L, 1)->reason == R_LIVE && lt(&L, 1)->size == 24);
	CHECK_EQ_U(L.leaks, 1);
	CHECK_EQ_U((uint64_t)L.pools.p[HEAP].live, 24);
	mtan_ld_release(&L);
}

/* Seed 001's other form: T2 reuses X before T1's free of X is numbered. Repaired: the first
 * block was freed (late), the second lives; one reuse race, no allocation over live. */
static void test_late_free_race(void)
{
	struct loader L = {.trace = "synthetic"};
	mtf_event t1[] = {alloc_ev(1, 0x10, 8), free_ev(3, 0x10)};
	mtf_event t2[] = {alloc_ev(2, 0x10, 8)};
	CHECK(feed(&L, PID, 1, t1, 2) == 0);
	CHECK(feed(&L, PID, 2, t2, 1) == 0);
	CHECK(mtan_ld_pair(&L) == 0);
	CHECK_EQ_U(L.races.n, 1);
	CHECK_EQ_U(L.races.p[0].form, RACE_LATE_FREE);
	CHECK_EQ_U(anomalies(&L, A_REUSE_RACE), 1);
	CHECK_EQ_U(anomalies(&L, A_OVER_LIVE), 0);
	CHECK(lt(&L, 0)->reason == R_FREE_LATE && lt(&L, 0)->free_tid == 1);
	CHECK(lt(&L, 1)->reason == R_LIVE && lt(&L, 1)->tid == 2);
	CHECK_EQ_U(L.pools.p[HEAP].bytes_freed, 8);
	CHECK_EQ_U((uint64_t)L.pools.p[HEAP].live, 8);
	mtan_ld_release(&L);
}

/* A forked child starts with its parent's live blocks: freeing one there pairs with the
 * inherited copy, and what it still holds at the end is not a leak of its own. */
static void test_fork_inherits(void)
{
	struct loader L = {.trace = "synthetic"};
	mtf_event parent[] = {alloc_ev(2, 0x10, 8), alloc_ev(3, 0x20, 16)};
	mtf_event child[] = {free_ev(5, 0x10)};
	CHECK(feed_process(&L, PID, 1, MTF_PROC_EXEC, 1) == 0);
	CHECK(feed(&L, PID, PID, parent, 2) == 0);
	CHECK(feed_process(&L, 200, PID, MTF_PROC_FORK, 4) == 0);
	CHECK(feed(&L, 200, 200, child, 1) == 0);
	CHECK(mtan_ld_pair(&L) == 0);
	CHECK_EQ_U(L.nlts, 4); /* the parent's two, the child's inherited copies */
	size_t inherited = 0, freed_in_child = 0;
	for (size_t i = 0; i < L.nlts; i++) {
		const struct lifetime *l = lt(&L, i);
		if (l->flags & LT_INHERITED) {
			inherited++;
			CHECK(l->parent != 0 && lt(&L, l->parent - 1)->addr == l->addr);
			freed_in_child += l->reason == R_FREE;
		}
	}
	CHECK_EQ_U(inherited, 2);
	CHECK_EQ_U(freed_in_child, 1);
	CHECK_EQ_U(L.ans.n, 0);
	CHECK_EQ_U(L.leaks, 2); /* the parent's two; the child's copy of 0x20 is the parent's */
	mtan_ld_release(&L);
}

/* mtrec -p: a process attached at seq 10. Frees of addresses the trace never saw allocated
 * are blocks from before the attach (not unmatched, not frees), in it and in a child it
 * forks; a double free of a block allocated after the attach is still one, and in a
 * process that was not attached an unknown free is still unmatched. */
static void test_attached(void)
{
	struct loader L = {.trace = "synthetic"};
	CHECK(feed_process(&L, PID, 1, MTF_PROC_ATTACH, 10) == 0);
	mtf_event ev[] = {free_ev(11, 0x500), alloc_ev(12, 0x10, 8), free_ev(13, 0x10), free_ev(14, 0x10),
			  alloc_ev(15, 0x20, 4), free_ev(17, 0x600)};
	CHECK(feed(&L, PID, PID, ev, 6) == 0);
	CHECK(feed_process(&L, PID + 1, PID, MTF_PROC_FORK, 16) == 0);
	mtf_event child[] = {free_ev(18, 0x700), free_ev(19, 0x20)};
	CHECK(feed(&L, PID + 1, PID + 1, child, 2) == 0);
	CHECK(feed_process(&L, PID + 2, 1, MTF_PROC_EXEC, 20) == 0);
	mtf_event other[] = {free_ev(21, 0x800)};
	CHECK(feed(&L, PID + 2, PID + 2, other, 1) == 0);
	CHECK(mtan_ld_pair(&L) == 0);
	CHECK(L.has_attach && L.attach_seq == 10);
	CHECK_EQ_U(L.frees_before_attach, 3); /* 0x500, 0x600; 0x700 in the child */
	CHECK_EQ_U(anomalies(&L, A_DOUBLE), 1);
	CHECK_EQ_U(anomalies(&L, A_UNMATCHED), 1); /* 0x800, in the process never attached */
	CHECK_EQ_U(L.pools.p[HEAP].frees, 2);     /* 0x10 twice */
	/* 0x20 is still live in the parent, which has no exit: it ran on when mtrec detached,
	 * so the block ends there (one past the last event, at its time), not a leak; the
	 * child freed its copy */
	CHECK_EQ_U(L.leaks, 0);
	size_t detached = 0;
	for (size_t i = 0; i < L.nlts; i++) {
		const struct lifetime *l = lt(&L, i);
		if (l->reason != R_DETACH)
			continue;
		detached++;
		CHECK(l->addr == 0x20 && !(l->flags & LT_INHERITED) && L.pools.p[l->pool].pid == PID);
		CHECK_EQ_U(l->end_seq, 22);
		CHECK_EQ_U(l->end_ns, 21000);
	}
	CHECK_EQ_U(detached, 1);
	CHECK_EQ_U(L.pools.p[HEAP].leaked_blocks, 0);
	mtan_ld_release(&L);
}

static int feed_exit(struct loader *L, uint32_t pid, uint64_t seq)
{
	mtf_record r = {.type = MTF_PROCESS_EXIT};
	r.u.process_exit.pid = pid;
	r.u.process_exit.seq = seq;
	r.u.process_exit.time_ns = seq * 1000;
	return mtan_ld_read_record(L, &r);
}

/* An attached process that exits in the trace, and a child forked after the attach that
 * execs and exits: what they still hold at the end leaked, as in a launched trace; a
 * forked child that execs without an exit still ran at the detach. A launched process
 * without an exit leaks as before. */
static void test_attached_exit(void)
{
	struct loader L = {.trace = "synthetic"};
	CHECK(feed_process(&L, PID, 1, MTF_PROC_ATTACH, 10) == 0);
	mtf_event ev[] = {alloc_ev(11, 0x10, 8)};
	CHECK(feed(&L, PID, PID, ev, 1) == 0);
	CHECK(feed_process(&L, PID + 1, PID, MTF_PROC_FORK, 12) == 0);
	CHECK(feed_process(&L, PID + 1, PID, MTF_PROC_EXEC, 13) == 0);
	mtf_event child[] = {alloc_ev(14, 0x30, 16)};
	CHECK(feed(&L, PID + 1, PID + 1, child, 1) == 0);
	CHECK(feed_process(&L, PID + 2, PID, MTF_PROC_FORK, 15) == 0);
	CHECK(feed_process(&L, PID + 2, PID, MTF_PROC_EXEC, 16) == 0);
	mtf_event runs_on[] = {alloc_ev(17, 0x40, 32)};
	CHECK(feed(&L, PID + 2, PID + 2, runs_on, 1) == 0);
	CHECK(feed_exit(&L, PID + 1, 18) == 0);
	CHECK(feed_exit(&L, PID, 19) == 0);
	CHECK(mtan_ld_pair(&L) == 0);
	CHECK_EQ_U(L.leaks, 2); /* 0x10 in the parent, 0x30 in the child that exited */
	size_t live = 0, detached = 0;
	for (size_t i = 0; i < L.nlts; i++) {
		const struct lifetime *l = lt(&L, i);
		if (l->flags & LT_INHERITED)
			continue;
		live += l->reason == R_LIVE;
		if (l->reason == R_DETACH) {
			detached++;
			CHECK(l->addr == 0x40 && L.pools.p[l->pool].pid == PID + 2);
		}
	}
	CHECK_EQ_U(live, 2);
	CHECK_EQ_U(detached, 1);
	mtan_ld_release(&L);

	/* launched (no attach): no exit, yet its block is a leak */
	struct loader M = {.trace = "synthetic"};
	CHECK(feed_process(&M, PID, 1, MTF_PROC_EXEC, 1) == 0);
	mtf_event own[] = {alloc_ev(2, 0x10, 8)};
	CHECK(feed(&M, PID, PID, own, 1) == 0);
	CHECK(mtan_ld_pair(&M) == 0);
	CHECK_EQ_U(M.leaks, 1);
	CHECK(lt(&M, 0) && lt(&M, 0)->reason == R_LIVE);
	mtan_ld_release(&M);
}

/* The pairing frees the events once it is done (the stages after it run without them): the
 * anomalies and races keep their own copies of what they need. Both race forms, the late
 * allocation's after 63 unmatched frees so that its anomaly moves L->ans (the free it
 * copies from is in there), and an unmatched free; every field read after the free. */
static void test_events_freed_after_pairing(void)
{
	struct loader L = {.trace = "synthetic"};
	mtf_event t3[63];
	for (uint32_t i = 0; i < 63; i++)
		t3[i] = free_ev(1 + i, 0x1000 + i * 16);
	/* late_alloc: T2 frees 0x10 and gets it again before T1's allocation of it is told */
	mtf_event t2[] = {free_ev(64, 0x10), alloc_ev(65, 0x10, 32), alloc_ev(68, 0x20, 8)};
	/* late_free: T2 gets 0x20 before T1's free of it is told */
	mtf_event t1[] = {alloc_ev(66, 0x10, 16), alloc_ev(67, 0x20, 8), free_ev(69, 0x20)};
	CHECK(feed(&L, PID, 3, t3, 63) == 0);
	CHECK(feed(&L, PID, 2, t2, 3) == 0);
	CHECK(feed(&L, PID, 1, t1, 3) == 0);
	CHECK_EQ_U(L.evs.n, 69);
	CHECK(mtan_ld_pair(&L) == 0);
	CHECK(L.evs.p == NULL && L.evs.n == 0 && L.evs.cap == 0); /* gone */
	CHECK(L.ps == NULL && L.ps_cap == 0);
	CHECK_EQ_U(L.events, 69);
	CHECK_EQ_U(anomalies(&L, A_UNMATCHED), 63);
	CHECK_EQ_U(anomalies(&L, A_REUSE_RACE), 2);
	CHECK_EQ_U(anomalies(&L, A_DROPPED), 1); /* T2's free of 0x10 was not unmatched */
	CHECK_EQ_U(L.races.n, 2);
	if (L.races.n != 2) {
		mtan_ld_release(&L);
		return;
	}
	const struct race *la = &L.races.p[0], *lf = &L.races.p[1];
	CHECK_EQ_U(la->form, RACE_LATE_ALLOC);
	CHECK_EQ_U(la->free_seq, 64);
	CHECK_EQ_U(la->free_ns, 64000);
	CHECK_EQ_U(la->free_tid, 2);
	const struct anomaly *a = &L.ans.p[la->anomaly];
	CHECK_EQ_U(a->kind, A_REUSE_RACE);
	CHECK(a->ev.seq == 66 && a->ev.time_ns == 66000 && a->ev.tid == 1); /* T1's late report */
	CHECK(a->ev.addr == 0x10 && a->ev.size == 16 && a->ev.pool == HEAP);
	CHECK_EQ_U(MTF_OP_KIND(a->ev.op), MTF_ALLOC);
	CHECK(a->at_lt && lt(&L, a->at_lt - 1)->alloc_seq == 65); /* shown as T2's reuse */
	CHECK(lt(&L, la->freed)->reason == R_FREE_LATE && lt(&L, la->freed)->free_tid == 2);
	CHECK_EQ_U(lf->form, RACE_LATE_FREE);
	CHECK_EQ_U(lf->free_seq, 69);
	CHECK_EQ_U(lf->free_ns, 69000);
	CHECK_EQ_U(lf->free_tid, 1);
	a = &L.ans.p[lf->anomaly];
	CHECK(a->ev.seq == 68 && a->ev.time_ns == 68000 && a->ev.tid == 2); /* T2's reuse */
	CHECK(a->ev.addr == 0x20 && a->ev.size == 8 && a->ev.pool == HEAP);
	CHECK_EQ_U(lt(&L, lf->reuse)->alloc_seq, 68);
	/* the unmatched frees, each with its own event */
	size_t seen = 0;
	for (size_t i = 0; i < L.ans.n; i++) {
		const struct anomaly *u = &L.ans.p[i];
		if (u->kind != A_UNMATCHED)
			continue;
		CHECK(u->ev.tid == 3 && u->ev.addr == 0x1000 + (u->ev.seq - 1) * 16);
		CHECK(u->ev.time_ns == u->ev.seq * 1000 && MTF_OP_KIND(u->ev.op) == MTF_FREE);
		seen += u->ev.seq == 1 + seen;
	}
	CHECK_EQ_U(seen, 63); /* in seq order, 1 .. 63 */
	mtan_ld_release(&L);
}


/* ------------------------------------------------------------------ writing while pairing */

#define T2 (PID + 1)
#define T3 (PID + 2)
#define CHILD 200

/* n allocation and free pairs of thread tid from seq on, at a few addresses from base */
static int feed_churn(struct loader *L, uint32_t tid, uint64_t seq, uint64_t base, int n)
{
	mtf_event ev[64];
	for (int i = 0; i < n && i < 32; i++) {
		ev[2 * i] = alloc_ev(seq + 2 * (uint64_t)i, base + 16 * (uint64_t)(i % 3), 8 + (uint64_t)i);
		ev[2 * i + 1] = free_ev(seq + 2 * (uint64_t)i + 1, base + 16 * (uint64_t)(i % 3));
	}
	return feed(L, PID, tid, ev, (uint32_t)(2 * (n < 32 ? n : 32)));
}

/* A stream with a bit of everything between churn: a leak, an allocation over a live block,
 * both late forms of a race (the late free after many other blocks ended), a double free,
 * a fork whose child frees an inherited block and then execs (its copies end there). */
static int feed_mixed(struct loader *L)
{
	mtf_event t1a[] = {alloc_ev(42, 0x20, 32), alloc_ev(43, 0x30, 8), alloc_ev(44, 0x30, 24),
			   alloc_ev(45, 0x40, 40)};
	mtf_event t2a[] = {alloc_ev(46, 0x40, 40)};
	mtf_event t1b[] = {free_ev(67, 0x40)};
	/* late allocation, reported after the freeing thread's reuse (late_after_reuse) */
	mtf_event t2b[] = {free_ev(68, 0x10), alloc_ev(69, 0x10, 16)};
	mtf_event t1c[] = {alloc_ev(70, 0x10, 16)};
	/* late allocation, the reuse from a third thread (over_live's repair) */
	mtf_event t2c[] = {free_ev(71, 0x50)};
	mtf_event t1d[] = {alloc_ev(72, 0x50, 8)};
	mtf_event t3[] = {alloc_ev(73, 0x50, 8)};
	mtf_event t1e[] = {alloc_ev(94, 0x60, 8), free_ev(95, 0x60), free_ev(96, 0x60)};
	mtf_event child[] = {free_ev(98, 0x20), alloc_ev(99, 0x70, 8), free_ev(100, 0x70)};
	mtf_event t1f[] = {free_ev(102, 0x30)};
	return feed_process(L, PID, 1, MTF_PROC_EXEC, 1) || feed_churn(L, PID, 2, 0x1000, 20) ||
	       feed(L, PID, PID, t1a, 4) || feed(L, PID, T2, t2a, 1) || feed_churn(L, PID, 47, 0x2000, 10) ||
	       feed(L, PID, PID, t1b, 1) || feed(L, PID, T2, t2b, 2) || feed(L, PID, PID, t1c, 1) ||
	       feed(L, PID, T2, t2c, 1) || feed(L, PID, PID, t1d, 1) || feed(L, PID, T3, t3, 1) ||
	       feed_churn(L, PID, 74, 0x3000, 10) || feed(L, PID, PID, t1e, 3) ||
	       feed_process(L, CHILD, PID, MTF_PROC_FORK, 97) || feed(L, CHILD, CHILD, child, 3) ||
	       feed_process(L, CHILD, PID, MTF_PROC_EXEC, 101) || feed(L, PID, PID, t1f, 1);
}

static int same_lt(const struct lifetime *a, const struct lifetime *b)
{
	return a && b && a->addr == b->addr && a->size == b->size && a->alloc_seq == b->alloc_seq &&
	       a->alloc_ns == b->alloc_ns && a->end_seq == b->end_seq && a->end_ns == b->end_ns &&
	       a->pool == b->pool && a->tid == b->tid && a->free_tid == b->free_tid && a->gen == b->gen &&
	       a->parent == b->parent && a->alloc_stack == b->alloc_stack && a->free_stack == b->free_stack &&
	       a->id == b->id && a->alloc_op == b->alloc_op && a->free_op == b->free_op &&
	       a->reason == b->reason && a->flags == b->flags;
}

/* The smallest budget writes every ended lifetime it can as soon as the next one ends: the
 * rows (written early, or in memory at the end) are those of a pairing that wrote none,
 * each once, the batches sorted by id; anomalies, races and counters are the same. */
static void test_written_while_pairing(void)
{
	struct loader A = {.trace = "synthetic"}, B = {.trace = "synthetic"};
	struct lifetime all[256];
	size_t n = 0;
	sink_reset();
	CHECK(feed_mixed(&A) == 0);
	CHECK(mtan_ld_pair(&A) == 0);
	CHECK(!A.lts.flushed && A.lts.rows.n == A.nlts); /* no sink: all in memory */
	CHECK_EQ_U(A.nlts, 56);
	for (; n < A.nlts; n++) {
		CHECK(lt(&A, n) && lt(&A, n)->id == n + 1);
		all[n] = *lt(&A, n);
	}
	CHECK_EQ_U(A.races.n, 3);
	B.lts.sink = sink;
	B.lts.budget = 1;
	CHECK(feed_mixed(&B) == 0);
	CHECK(mtan_ld_pair(&B) == 0);
	CHECK(B.lts.flushed && batches > 40);
	CHECK_EQ_U(unsorted, 0);
	CHECK_EQ_U(B.nlts, n);
	CHECK_EQ_U(sunk.n + B.lts.rows.n, n); /* each row once */
	CHECK(B.lts.rows.n < n / 3);            /* the live and the kept ones, and the last ended */
	for (size_t i = 0; i < n; i++)
		CHECK(same_lt(lt(&B, i), &all[i]));
	CHECK_EQ_U(B.ans.n, A.ans.n);
	for (size_t i = 0; i < A.ans.n; i++)
		CHECK(A.ans.p[i].kind == B.ans.p[i].kind && A.ans.p[i].lifetime == B.ans.p[i].lifetime &&
		      A.ans.p[i].at_lt == B.ans.p[i].at_lt && A.ans.p[i].ev.seq == B.ans.p[i].ev.seq);
	CHECK_EQ_U(B.races.n, A.races.n);
	for (size_t i = 0; i < A.races.n; i++) {
		const struct race *r = &B.races.p[i];
		CHECK(r->form == A.races.p[i].form && r->freed == A.races.p[i].freed && r->reuse == A.races.p[i].reuse);
		/* what writing the race reads is still in memory */
		CHECK(mtan_ld_kept(&B, r->freed + 1) && mtan_ld_kept(&B, r->reuse + 1));
	}
	CHECK_EQ_U(B.leaks, A.leaks);
	CHECK_EQ_U(B.pools.p[HEAP].bytes_freed, A.pools.p[HEAP].bytes_freed);
	CHECK_EQ_U(B.pools.p[HEAP].frees, A.pools.p[HEAP].frees);
	mtan_ld_release(&A);
	mtan_ld_release(&B);
	sink_reset();
}

/* The sink as ltstore.async calls it: on a thread other than the pairing's, the pools as
 * they were handed over beside the rows (the pairing may move L->pools meanwhile). */
static pthread_t pairing_thread;
static size_t off_thread, with_snapshot, pool_mismatch;
static int async_sink(struct loader *L, struct lifetime *const *rows, size_t n)
{
	off_thread += !pthread_equal(pthread_self(), pairing_thread);
	with_snapshot += L->wr_pools != NULL;
	for (size_t k = 0; k < n && L->wr_pools; k++)
		pool_mismatch += L->wr_pools[rows[k]->pool].pid != PID && L->wr_pools[rows[k]->pool].pid != CHILD;
	return sink(L, rows, n);
}

/* Written on a thread of its own while the pairing goes on (load.c's default): the same
 * rows, each once, in batches sorted by id, as a pairing that writes in turn; the
 * pairing's fork adds pools while batches are being written. */
static void test_written_beside_pairing(void)
{
	struct loader A = {.trace = "synthetic"}, B = {.trace = "synthetic"};
	struct lifetime all[256];
	size_t n = 0, batches_in_turn;
	sink_reset();
	A.lts.sink = sink;
	A.lts.budget = 1;
	CHECK(feed_mixed(&A) == 0);
	CHECK(mtan_ld_pair(&A) == 0);
	batches_in_turn = batches;
	for (; n < A.nlts && n < 256; n++) {
		CHECK(lt(&A, n) != NULL);
		all[n] = *lt(&A, n);
	}
	sink_reset();
	pairing_thread = pthread_self();
	off_thread = with_snapshot = pool_mismatch = 0;
	B.lts.sink = async_sink;
	B.lts.budget = 1;
	B.lts.async = 1;
	CHECK(feed_mixed(&B) == 0);
	CHECK(mtan_ld_pair(&B) == 0);
	CHECK(B.lts.job == NULL && B.wr_pools == NULL); /* the thread ended with the pairing */
	CHECK_EQ_U(batches, batches_in_turn);
	CHECK_EQ_U(off_thread, batches); /* every batch beside the pairing */
	CHECK_EQ_U(with_snapshot, batches);
	CHECK_EQ_U(pool_mismatch, 0);
	CHECK_EQ_U(unsorted, 0);
	CHECK_EQ_U(B.nlts, n);
	CHECK_EQ_U(sunk.n + B.lts.rows.n, n);
	for (size_t i = 0; i < n; i++)
		CHECK(same_lt(lt(&B, i), &all[i]));
	CHECK_EQ_U(B.leaks, A.leaks);
	CHECK_EQ_U(B.races.n, A.races.n);
	mtan_ld_release(&A);
	mtan_ld_release(&B);
	sink_reset();
}

/* An allocation over a live block from another thread, then the free of the block it
 * overwrote, with twenty blocks written between: the overwritten one stayed in memory and
 * is repaired (freed late, a late_free race), never written early. */
static void test_overwritten_repaired_after_writes(void)
{
	struct loader L = {.trace = "synthetic"};
	sink_reset();
	L.lts.sink = sink;
	L.lts.budget = 1;
	CHECK(feed_mixed(&L) == 0);
	CHECK(mtan_ld_pair(&L) == 0);
	const struct lifetime *o = NULL, *n = NULL;
	size_t written_between = 0;
	for (size_t i = 0; i < sunk.n; i++) {
		CHECK(sunk.p[i].addr != 0x40 || sunk.p[i].pool != HEAP); /* neither block at 0x40 went early */
		written_between += sunk.p[i].end_seq > 46 && sunk.p[i].end_seq < 67;
	}
	CHECK_EQ_U(written_between, 10);
	for (size_t i = 0; i < L.lts.rows.n; i++) {
		const struct lifetime *l = L.lts.rows.p[i];
		if (l->addr == 0x40 && l->pool == HEAP)
			*(l->tid == PID ? &o : &n) = l;
	}
	CHECK(o && n);
	CHECK_EQ_U(o->reason, R_FREE_LATE);
	CHECK_EQ_U(o->free_tid, PID);
	CHECK_EQ_U(o->end_seq, 46); /* it ended where the reuse began */
	CHECK(n->reason == R_LIVE && n->tid == T2 && (n->flags & LT_KEEP));
	size_t late_free = 0;
	for (size_t i = 0; i < L.races.n; i++)
		if (L.races.p[i].form == RACE_LATE_FREE) {
			late_free++;
			CHECK(L.races.p[i].freed + 1 == o->id && L.races.p[i].reuse + 1 == n->id);
			CHECK_EQ_U(L.races.p[i].free_seq, 67);
		}
	CHECK_EQ_U(late_free, 1);
	CHECK_EQ_U(anomalies(&L, A_OVER_LIVE), 1); /* 0x30's, same thread: no race */
	mtan_ld_release(&L);
	sink_reset();
}

/* A fork copies the parent's live blocks while others are written: each copy names its
 * parent's id; the one the child frees and those its exec ends are written like any other. */
static void test_inherited_written_while_pairing(void)
{
	struct loader L = {.trace = "synthetic"};
	sink_reset();
	L.lts.sink = sink;
	L.lts.budget = 1;
	CHECK(feed_mixed(&L) == 0);
	CHECK(mtan_ld_pair(&L) == 0);
	size_t inherited = 0, freed = 0, exec = 0;
	for (size_t i = 0; i < L.nlts; i++) {
		const struct lifetime *l = lt(&L, i), *p;
		CHECK(l != NULL);
		if (!(l->flags & LT_INHERITED))
			continue;
		inherited++;
		CHECK(L.pools.p[l->pool].pid == CHILD);
		CHECK((p = lt(&L, l->parent - 1)) != NULL);
		CHECK(p->addr == l->addr && p->alloc_seq == l->alloc_seq && L.pools.p[p->pool].pid == PID);
		CHECK(p->id < l->id && p->alloc_seq < 97 && (p->reason == R_LIVE || p->end_seq > 97));
		freed += l->reason == R_FREE;
		exec += l->reason == R_EXEC;
		if (l->reason == R_FREE)
			CHECK(l->addr == 0x20 && l->end_seq == 98);
	}
	/* live in the parent at the fork: 0x20, 0x30, both at 0x40, 0x10 (the reuse), 0x50 (T3's) */
	CHECK_EQ_U(inherited, 5);
	CHECK_EQ_U(freed, 1);
	CHECK_EQ_U(exec, 4);
	/* the freed copy and those the exec ended were written early, not kept */
	size_t written = 0;
	for (size_t i = 0; i < sunk.n; i++)
		written += (sunk.p[i].flags & LT_INHERITED) != 0;
	CHECK(written >= 4);
	mtan_ld_release(&L);
	sink_reset();
}


static int feed_scan(struct loader *L, uint32_t pid, uint64_t seq)
{
	mtf_record r = {.type = MTF_SCAN};
	r.u.scan.pid = pid;
	r.u.scan.seq = seq;
	r.u.scan.time_ns = seq * 1000;
	r.u.scan.part = MTF_SCAN_BEGIN;
	if (mtan_ld_read_record(L, &r))
		return -1;
	/* one word, in the block at 0x10: a pointer to the block at 0x20 */
	const uint64_t word[2] = {0x10, 0x20};
	r.u.scan.part = MTF_SCAN_WORDS;
	r.u.scan.n = 1;
	r.u.scan.v = word;
	if (mtan_ld_read_record(L, &r))
		return -1;
	r.u.scan.part = MTF_SCAN_DONE;
	r.u.scan.a = 1; /* words in all: complete */
	r.u.scan.n = 0;
	r.u.scan.v = NULL;
	return mtan_ld_read_record(L, &r);
}

/* The exit scan judges the blocks live when it began (classify): one freed after it stays
 * in memory to the end though the budget writes the others at once, and still counts in
 * the graph; one freed before it is written like any other. */
static void test_kept_for_the_exit_scan(void)
{
	struct loader L = {.trace = "synthetic"};
	sink_reset();
	L.lts.sink = sink;
	L.lts.budget = 1;
	mtf_event t1[] = {alloc_ev(2, 0x10, 8), alloc_ev(3, 0x20, 16), alloc_ev(4, 0x30, 24), free_ev(5, 0x30)};
	mtf_event t2[] = {free_ev(7, 0x10)}; /* after the scan began */
	CHECK(feed_process(&L, PID, 1, MTF_PROC_EXEC, 1) == 0);
	CHECK(feed(&L, PID, PID, t1, 4) == 0);
	CHECK(feed_scan(&L, PID, 6) == 0);
	CHECK(feed(&L, PID, T2, t2, 1) == 0);
	CHECK(feed_churn(&L, PID, 8, 0x1000, 10) == 0);
	CHECK(mtan_ld_pair(&L) == 0);
	CHECK(L.scans.n == 1 && L.scans.p[0].done);
	CHECK_EQ_U(L.nlts, 13);
	size_t sunk_30 = 0, sunk_10 = 0;
	for (size_t i = 0; i < sunk.n; i++) {
		sunk_30 += sunk.p[i].addr == 0x30;
		sunk_10 += sunk.p[i].addr == 0x10;
	}
	CHECK_EQ_U(sunk_30, 1); /* freed before the scan: written at once */
	CHECK_EQ_U(sunk_10, 0);
	CHECK_EQ_U(sunk.n, 10); /* 0x30 and nine of the churn; the tenth waits in the buffer */
	const struct lifetime *l = lt(&L, 0);
	CHECK(l && l->addr == 0x10 && l->reason == R_FREE && l->end_seq == 7);
	CHECK(mtan_ld_kept(&L, 1) == l);
	/* classify sees both blocks live at the scan: only the lost one at 0x10 points at the
	 * one at 0x20, which is therefore indirectly lost (definitely, had 0x10 been gone) */
	CHECK(mtan_ld_classify(&L) == 0);
	CHECK(lt(&L, 1)->addr == 0x20 && lt(&L, 1)->reason == R_LIVE);
	CHECK_EQ_U(LT_KIND(lt(&L, 1)), MTAN_KIND_INDIRECT);
	mtan_ld_release(&L);
	sink_reset();
}

int main(void)
{
	RUN(test_pairs_and_leaks);
	RUN(test_seq_order_not_file_order);
	RUN(test_unmatched_and_double);
	RUN(test_alloc_over_live);
	RUN(test_late_free_race);
	RUN(test_fork_inherits);
	RUN(test_attached);
	RUN(test_attached_exit);
	RUN(test_events_freed_after_pairing);
	RUN(test_written_while_pairing);
	RUN(test_written_beside_pairing);
	RUN(test_overwritten_repaired_after_writes);
	RUN(test_inherited_written_while_pairing);
	RUN(test_kept_for_the_exit_scan);
	UNIT_EXIT();
}
