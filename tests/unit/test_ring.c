/* The recorder's ring: the engine's writer (record/engine.c, as the hooks call it) against
 * the collector's drain (record/collector.c) over the real shared memory, and the trace
 * read back through formats/: wraparound and padding records, --lossy drops and their
 * counts, a full ring that holds its writer until the collector drains it (or detaches),
 * several writers at once, a ring the program scribbled over, and which records the engine
 * writes: EVENT_SHORT (16/24 bytes, the seq as a delta from the thread's previous event,
 * stamped by the collector) for a stackless host event, EVENT (48 bytes and up) otherwise.
 * Each case runs in a child process of its own, since the engine joins a collector once per
 * process (here as mtrec -p attaches: the test program was running before). */
#include "collector.h"
#include "engine.h"
#include "mtf.h"
#include "ring.h"
#include "unit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* engine.c's entry points for mtrec -p and the client API (exported from libmtrec.so) */
int mtrec_impl_attach(const char *shm_path);
void mtrec_impl_mark(const char *label);
uint64_t mtrec_impl_seq(void);
void mtrec_impl_alloc_seq(uint64_t seq, uint32_t device, uint32_t space, uint64_t addr, uint64_t size);
uint32_t mtrec_impl_space(const char *name);
/* preload.c points the program's imports at the hooks after an attach: no hooks here */
void mtr_attach_hooks(void) {}

/* The records' sizes: an EVENT without a stack, an EVENT_SHORT with a size and one
 * without (a free), a MARK with an empty label. */
#define EV ((uint64_t)sizeof(struct mtr_rec_event))
#define SH ((uint64_t)sizeof(struct mtr_rec_short))
#define SHF ((uint64_t)offsetof(struct mtr_rec_short, size))
#define MISC ((uint64_t)sizeof(struct mtr_rec_misc))
#define RING ((uint64_t)MTR_RING_BYTES)
#define OP_MALLOC MTF_OP_MAKE(MTF_ALLOC, MTF_FN_MALLOC)
#define OP_FREE MTF_OP_MAKE(MTF_FREE, MTF_FN_MALLOC)
#define OP_CLIENT MTF_OP_MAKE(MTF_ALLOC, MTF_FN_CLIENT)
#define DSEQ_MAX 65535u /* the largest seq delta an EVENT_SHORT carries */

/* Runs body in a child process; the case fails when the child reports a failure, dies,
 * or is still running after two minutes (a writer the collector never frees hangs). */
#define IN_CHILD(body)                                                                 \
	do {                                                                           \
		fflush(NULL);                                                          \
		pid_t pid_ = fork();                                                   \
		if (pid_ == 0) {                                                       \
			alarm(120);                                                    \
			body();                                                        \
			mtr_collector_free(coll); /* a failed case's shared memory */  \
			fflush(NULL);                                                  \
			_exit(unit_failed_now);                                        \
		}                                                                      \
		int st_ = 0;                                                           \
		CHECK(pid_ > 0 && waitpid(pid_, &st_, 0) == pid_);                     \
		if (WIFSIGNALED(st_))                                                  \
			fprintf(stderr, "  the case was killed by signal %d\n", WTERMSIG(st_)); \
		CHECK(WIFEXITED(st_) && WEXITSTATUS(st_) == 0);                        \
	} while (0)

/* ------------------------------------------------------------------ the rig */

static struct mtr_collector *coll;
static int trace_fd = -1;

/* A collector writing to a memory file, and this process recording into it with stacks
 * of depth frames (0: none): 0 or -1. */
static int rig_start(uint32_t opts, uint32_t depth)
{
	struct mtr_collect_opts o = {.depth = depth, .opts = opts | MTR_OPT_NO_SCAN, .level = 1};
	char *argv[] = {"test_ring", NULL};
	int err = 0;
	trace_fd = memfd_create("trace", MFD_CLOEXEC);
	if (trace_fd < 0)
		return -1;
	coll = mtr_collector_new(trace_fd, &o, &err);
	if (!coll)
		return -1;
	mtr_collector_set_root(coll, (uint32_t)getpid());
	if (mtr_collector_start(coll, (uint32_t)getpid(), 1, argv))
		return -1;
	return mtrec_impl_attach(mtr_collector_shm_path(coll)) == 0 && mtr_tls.state == 1 ? 0 : -1;
}

static uint64_t used(const struct mtr_slot *s)
{
	return atomic_load(&s->head) - atomic_load(&s->tail);
}

/* The calling thread's ring at byte pos (monotonic, as head and tail count). */
static const struct mtr_rec *rec_at(uint64_t pos)
{
	return (const struct mtr_rec *)(mtr_tls.data + (pos & (RING - 1)));
}

/* Drains the calling thread's ring before it fills: a writer that never yields to the
 * collector would wait for it forever. */
static void keep_room(void)
{
	if (used(mtr_tls.slot) > RING / 2)
		mtr_collector_poll(coll);
}

/* One host heap event with seq taken now, as preload.c's hooks write it: its seq. */
static uint64_t event_op(uint8_t op, uint64_t addr, uint64_t size, int stack)
{
	uint64_t seq = mtr_take_seq();
	mtr_event(&mtr_tls, seq, op, MTF_HOST, 0, addr, size, stack);
	return seq;
}

static uint64_t event(uint64_t addr, uint64_t size)
{
	return event_op(OP_MALLOC, addr, size, 0);
}

static uint64_t free_event(uint64_t addr)
{
	return event_op(OP_FREE, addr, 0, 0);
}

/* Numbers taken by nobody here (other threads' events, as far as this one knows). */
static void skip_seqs(uint64_t n)
{
	while (n--)
		mtr_take_seq();
}

/* ------------------------------------------------------------------ walking a ring */

struct walk {
	uint64_t records, pads, exact; /* exact: records that end at the ring's end */
	uint64_t full, shorts, frees;  /* EVENT; EVENT_SHORT, of which 16 bytes (frees) */
	uint64_t pad_bytes;
};

/* Walks the records between tail and head as the collector will: 0 when each is whole,
 * 8-byte aligned and inside the ring, a PAD only ever runs to the ring's end, and an
 * EVENT_SHORT is 16 or 24 bytes with a delta of 1 or more. */
static int walk(const uint8_t *data, uint64_t tail, uint64_t head, struct walk *w)
{
	while (tail < head) {
		uint64_t off = tail & (RING - 1);
		const struct mtr_rec *h = (const struct mtr_rec *)(data + off);
		if (h->len < 8 || h->len % 8 || off + h->len > RING || h->len > head - tail)
			return -1;
		if (h->type == MTR_R_PAD) {
			if (off + h->len != RING)
				return -1;
			w->pads++;
			w->pad_bytes += h->len;
		} else {
			if (h->type == MTR_R_EVENT_SHORT) {
				const struct mtr_rec_short *q = (const struct mtr_rec_short *)h;
				if ((q->len != SH && q->len != SHF) || !q->dseq)
					return -1;
				w->shorts++;
				w->frees += q->len == SHF;
			} else if (h->type == MTR_R_EVENT) {
				if (h->len < EV)
					return -1;
				w->full++;
			}
			w->exact += off + h->len == RING;
			w->records++;
		}
		tail += h->len;
	}
	return tail == head ? 0 : -1;
}

/* ------------------------------------------------------------------ the trace */

struct tev {
	uint64_t seq, time, addr, size;
	uint32_t tid, device, space, stack;
	uint8_t op;
};
struct tmark {
	uint64_t seq;
	char label[128];
};
struct tclock {
	uint64_t seq, time;
};
struct trace {
	struct tev *ev;
	size_t nev, evcap;
	struct tmark *mk;
	size_t nmk, mkcap;
	struct tclock *ck;
	size_t nck, ckcap;
	uint64_t lost, loss_records, end_events, end_lost;
	uint32_t tids[64]; /* of THREAD records */
	size_t ntids;
	int complete;
};

static void trace_free(struct trace *t)
{
	free(t->ev);
	free(t->mk);
	free(t->ck);
}

/* Room for one more of *n items of size sz in *p (capacity *cap): 0 or -1. */
static int grow(void *p, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 4096;
	void *q = realloc(*(void **)p, c * sz);
	if (!q)
		return -1;
	*(void **)p = q;
	*cap = c;
	return 0;
}

/* Finishes the collector and reads what it wrote: 0 or -1. */
static int finish_and_read(struct trace *t)
{
	memset(t, 0, sizeof(*t));
	if (mtr_collector_finish(coll))
		return -1;
	struct stat st;
	if (fstat(trace_fd, &st) < 0 || st.st_size <= 0)
		return -1;
	size_t len = (size_t)st.st_size;
	uint8_t *buf = malloc(len);
	mtf_reader *r = NULL;
	int ret = -1, got;
	mtf_record rec;
	if (!buf || pread(trace_fd, buf, len, 0) != (ssize_t)len || mtf_reader_open_mem(&r, buf, len))
		goto out;
	while ((got = mtf_reader_next(r, &rec)) == 1) {
		if (rec.type == MTF_EVENTS) {
			for (uint32_t i = 0; i < rec.u.events.n; i++) {
				if (grow(&t->ev, &t->evcap, t->nev, sizeof(*t->ev)))
					goto out;
				const mtf_event *e = &rec.u.events.ev[i];
				t->ev[t->nev++] = (struct tev){e->seq,    e->time_ns, e->addr,  e->size,
							       rec.u.events.tid, e->device, e->space, e->stack,
							       e->op};
			}
		} else if (rec.type == MTF_MARK) {
			if (grow(&t->mk, &t->mkcap, t->nmk, sizeof(*t->mk)))
				goto out;
			struct tmark *m = &t->mk[t->nmk++];
			size_t l = rec.u.mark.label.len < sizeof m->label ? rec.u.mark.label.len : sizeof m->label - 1;
			m->seq = rec.u.mark.seq;
			memcpy(m->label, rec.u.mark.label.s, l);
			m->label[l] = 0;
		} else if (rec.type == MTF_CLOCK) {
			if (grow(&t->ck, &t->ckcap, t->nck, sizeof(*t->ck)))
				goto out;
			t->ck[t->nck++] = (struct tclock){rec.u.clock.seq, rec.u.clock.time_ns};
		} else if (rec.type == MTF_LOSS) {
			t->lost += rec.u.loss.count;
			t->loss_records++;
		} else if (rec.type == MTF_THREAD && t->ntids < 64) {
			t->tids[t->ntids++] = rec.u.thread.tid;
		} else if (rec.type == MTF_END) {
			t->end_events = rec.u.end.events;
			t->end_lost = rec.u.end.lost;
		}
	}
	t->complete = mtf_reader_complete(r);
	ret = got == 0 ? 0 : -1;
out:
	mtf_reader_free(r);
	free(buf);
	mtr_collector_free(coll);
	coll = NULL;
	return ret;
}

/* The event of the trace with seq, or NULL. */
static const struct tev *find_seq(const struct trace *t, uint64_t seq)
{
	for (size_t i = 0; i < t->nev; i++)
		if (t->ev[i].seq == seq)
			return &t->ev[i];
	return NULL;
}

/* ------------------------------------------------------------------ cases */

/* A label of length n from i, distinct enough that a shifted or torn copy shows. */
static void make_label(char *out, size_t n, uint64_t i)
{
	for (size_t j = 0; j < n; j++)
		out[j] = (char)('a' + (i * 7 + j) % 26);
	out[n] = 0;
}

/* Events (EVENT_SHORTs of 24 bytes, frees of 16), and marks of 47 lengths, over three and a
 * half rings, drained whenever a ring is half full: every record arrives once, in order,
 * with its bytes, across every wrap, and the padding records run exactly to the ring's
 * end. */
static void wraps_body(void)
{
	CHECK(rig_start(0, 0) == 0);
	mtr_collector_poll(coll); /* the PROCESS and MODULE records */
	const struct mtr_slot *s = mtr_tls.slot;
	uint64_t head0 = atomic_load(&s->head), last = 0, n = 0;
	uint64_t cap = 7 * RING / 2 / SHF + 1; /* records enough, were all the smallest */
	uint64_t *seqs = malloc(cap * sizeof(*seqs));
	CHECK(seqs);
	struct walk w = {0};
	char label[64];
	for (; atomic_load(&s->head) - head0 < 7 * RING / 2; n++) {
		CHECK(n < cap);
		if (n % 5 == 4) {
			make_label(label, n % 47, n);
			mtrec_impl_mark(label);
			seqs[n] = ++last; /* the mark took the next number */
		} else if (n % 5 == 2) {
			seqs[n] = last = free_event(0x10000 + n * 16);
		} else {
			seqs[n] = last = event(0x10000 + n * 16, n % 977 + 1);
		}
		if (used(s) > RING / 2) {
			CHECK(walk(mtr_tls.data, atomic_load(&s->tail), atomic_load(&s->head), &w) == 0);
			mtr_collector_poll(coll);
			CHECK_EQ_U(used(s), 0);
		}
	}
	CHECK(walk(mtr_tls.data, atomic_load(&s->tail), atomic_load(&s->head), &w) == 0);
	uint64_t head = atomic_load(&s->head);
	CHECK(head - head0 >= 3 * RING);
	/* each pass over the ring's end: a record ending there, or a PAD (at least one) */
	CHECK_EQ_U(w.pads + w.exact, head / RING - head0 / RING);
	CHECK(w.pads > 0);
	CHECK_EQ_U(w.records, n);
	uint64_t marks = n / 5, frees = (n + 2) / 5, events = n - marks;
	/* the thread's first event is an EVENT (no earlier seq to count from), the rest short */
	CHECK_EQ_U(w.full, 1);
	CHECK_EQ_U(w.shorts, events - 1);
	CHECK_EQ_U(w.frees, frees);
	struct trace t;
	CHECK(finish_and_read(&t) == 0);
	CHECK(t.complete);
	CHECK_EQ_U(t.nev, events);
	CHECK_EQ_U(t.nmk, marks);
	CHECK_EQ_U(t.end_events, events);
	CHECK_EQ_U(t.lost + t.end_lost + t.loss_records, 0);
	size_t e = 0, m = 0;
	for (uint64_t i = 0; i < n; i++) {
		if (i % 5 == 4) {
			make_label(label, i % 47, i);
			CHECK_EQ_U(t.mk[m].seq, seqs[i]);
			CHECK(strcmp(t.mk[m].label, label) == 0);
			m++;
			continue;
		}
		const struct tev *v = &t.ev[e++];
		CHECK_EQ_U(v->seq, seqs[i]);
		CHECK_EQ_U(v->addr, 0x10000 + i * 16);
		CHECK_EQ_U(v->size, i % 5 == 2 ? 0 : i % 977 + 1);
		CHECK_EQ_U(v->op, i % 5 == 2 ? OP_FREE : OP_MALLOC);
		CHECK_EQ_U(v->device, MTF_HOST);
		CHECK_EQ_U(v->stack + v->space, 0);
	}
	trace_free(&t);
	free(seqs);
}

/* Writes events, then one mark that leaves exactly room bytes before the ring's end (room
 * a multiple of 8): the mark's label length, or -1. *last: the last event's seq. */
static long steer(uint64_t room, uint64_t *events, uint64_t *last)
{
	const struct mtr_slot *s = mtr_tls.slot;
	uint64_t r;
	while ((r = RING - (atomic_load(&s->head) & (RING - 1))) >= room + MISC + EV) {
		*last = event(0x5000, 8);
		++*events;
		keep_room();
	}
	if (r < room + MISC)
		return -1;
	size_t l = (size_t)(r - room - MISC);
	char label[64];
	make_label(label, l, l);
	mtrec_impl_mark(label);
	return (long)l;
}

enum { K_SHORT, K_FREE, K_FULL };
static const uint64_t kind_len[] = {[K_SHORT] = SH, [K_FREE] = SHF, [K_FULL] = EV};

/* A record that does not fit before the ring's end goes to its start, after a PAD record
 * of exactly the rest (8 bytes and up: an EVENT_SHORT leaves room in steps of 8); one that
 * fits exactly needs none, and the next record starts the ring. */
static void pad_body(void)
{
	static const struct {
		uint64_t room;
		int kind;
	} step[] = {
		{16, K_SHORT}, {24, K_SHORT}, {8, K_FREE},  {16, K_FREE},
		{40, K_FULL},  {48, K_FULL},  {8, K_SHORT},
	};
	enum { NSTEP = sizeof step / sizeof step[0] };
	struct tev want[2 * NSTEP];
	long labels[NSTEP];
	size_t nwant = 0;
	CHECK(rig_start(0, 0) == 0);
	mtr_collector_poll(coll);
	const struct mtr_slot *s = mtr_tls.slot;
	uint64_t events = 0, last = event(0x4000, 8); /* the thread's first event: an EVENT */
	events++;
	for (int k = 0; k < NSTEP; k++) {
		uint64_t room = step[k].room, len = kind_len[step[k].kind];
		labels[k] = steer(room, &events, &last);
		CHECK(labels[k] >= 0);
		uint64_t h = atomic_load(&s->head), addr = 0xa0000 + (uint64_t)k * 0x100, seq;
		CHECK_EQ_U(h & (RING - 1), RING - room);
		if (step[k].kind == K_FULL) {
			/* a client-API event on a device: an EVENT whatever its seq */
			seq = mtrec_impl_seq();
			mtrec_impl_alloc_seq(seq, 7, 0, addr, 40 + (uint64_t)k);
			want[nwant++] = (struct tev){.seq = seq, .addr = addr, .size = 40 + (uint64_t)k,
						     .device = 7, .op = OP_CLIENT};
		} else if (step[k].kind == K_FREE) {
			seq = free_event(addr);
			want[nwant++] = (struct tev){.seq = seq, .addr = addr, .device = MTF_HOST, .op = OP_FREE};
		} else {
			seq = event(addr, 24 + k);
			want[nwant++] = (struct tev){.seq = seq, .addr = addr, .size = 24 + (uint64_t)k,
						     .device = MTF_HOST, .op = OP_MALLOC};
		}
		events++;
		uint64_t pad = len > room ? room : 0, at = h + pad;
		if (pad) {
			CHECK_EQ_U(rec_at(h)->type, MTR_R_PAD);
			CHECK_EQ_U(rec_at(h)->len, pad);
			CHECK_EQ_U(at & (RING - 1), 0);
		}
		const struct mtr_rec *r = rec_at(at);
		CHECK_EQ_U(r->len, len);
		if (step[k].kind == K_FULL) {
			CHECK_EQ_U(r->type, MTR_R_EVENT);
			CHECK_EQ_U(r->seq, seq);
			CHECK_EQ_U(((const struct mtr_rec_event *)r)->addr, addr);
		} else {
			const struct mtr_rec_short *q = (const struct mtr_rec_short *)r;
			CHECK_EQ_U(q->type, MTR_R_EVENT_SHORT);
			CHECK_EQ_U(q->dseq, seq - last);
			CHECK_EQ_U(q->addr, addr);
		}
		CHECK_EQ_U(atomic_load(&s->head), h + pad + len);
		last = seq;
		if (!pad) {
			/* it ended the ring exactly: the next record starts it, with no PAD */
			CHECK_EQ_U((h + len) & (RING - 1), 0);
			seq = event(addr + 8, 8);
			events++;
			want[nwant++] = (struct tev){.seq = seq, .addr = addr + 8, .size = 8, .device = MTF_HOST,
						     .op = OP_MALLOC};
			CHECK_EQ_U(rec_at(h + len)->type, MTR_R_EVENT_SHORT);
			CHECK_EQ_U(((const struct mtr_rec_short *)rec_at(h + len))->dseq, seq - last);
			CHECK_EQ_U(atomic_load(&s->head), h + len + SH);
			last = seq;
		}
		mtr_collector_poll(coll);
	}
	struct trace t;
	CHECK(finish_and_read(&t) == 0);
	CHECK(t.complete);
	CHECK_EQ_U(t.nev, events);
	CHECK_EQ_U(t.nmk, NSTEP);
	CHECK_EQ_U(t.lost, 0);
	/* the events at the ring's ends, with their bytes; the marks' labels whole */
	for (size_t i = 0; i < nwant; i++) {
		const struct tev *v = find_seq(&t, want[i].seq);
		CHECK(v);
		CHECK_EQ_U(v->addr, want[i].addr);
		CHECK_EQ_U(v->size, want[i].size);
		CHECK_EQ_U(v->device, want[i].device);
		CHECK_EQ_U(v->op & 0x0f, want[i].op);
	}
	CHECK_EQ_U(t.ev[t.nev - 1].seq, want[nwant - 1].seq);
	char label[64];
	for (int k = 0; k < NSTEP; k++) {
		make_label(label, (size_t)labels[k], (uint64_t)labels[k]);
		CHECK(strcmp(t.mk[k].label, label) == 0);
	}
	for (size_t i = 1; i < t.nev; i++)
		CHECK(t.ev[i].seq > t.ev[i - 1].seq);
	trace_free(&t);
}

/* The EVENT_SHORTs that fit from byte pos to the ring's end, and then from its start up
 * to the consumer at tail, a little behind pos in the same lap (records never split: the
 * rest of the end is a PAD). */
static uint64_t shorts_fit(uint64_t pos, uint64_t tail)
{
	return (RING - (pos & (RING - 1))) / SH + (tail & (RING - 1)) / SH;
}

/* The record written at byte pos, past the PAD there if there is one. */
static const struct mtr_rec *next_rec(uint64_t pos)
{
	const struct mtr_rec *r = rec_at(pos);
	return r->type == MTR_R_PAD ? rec_at(pos + r->len) : r;
}

/* --lossy: a full ring drops the newest events and counts each; the count reaches the
 * trace (LOSS, END) at the next drain, and the ring takes events again after it. A dropped
 * event leaves no trace in the ring, so the next one's delta counts from the last kept:
 * past 65535 dropped, that one is an EVENT. */
static void lossy_body(void)
{
	CHECK(rig_start(MTR_OPT_LOSSY, 0) == 0);
	mtr_collector_poll(coll);
	struct mtr_slot *s = mtr_tls.slot;
	uint64_t h0 = atomic_load(&s->head);
	CHECK((h0 & (RING - 1)) >= SH); /* the preamble's records: the burst wraps, after a PAD */
	/* the thread's first event is an EVENT, the rest EVENT_SHORTs */
	uint64_t fits = 1 + shorts_fit(h0 + EV, h0);
	uint64_t k = fits + 1000, first = 0;
	for (uint64_t i = 0; i < k; i++) {
		uint64_t seq = event(0x100000 + i * 32, 32);
		first = i ? first : seq;
	}
	CHECK_EQ_U(atomic_load(&s->lost), k - fits);
	struct walk w = {0};
	CHECK(walk(mtr_tls.data, h0, atomic_load(&s->head), &w) == 0);
	CHECK_EQ_U(w.records, fits);
	CHECK_EQ_U(w.full, 1);
	CHECK_EQ_U(w.pads, (RING - ((h0 + EV) & (RING - 1))) % SH != 0);
	CHECK(used(s) > RING - SH);
	mtr_collector_poll(coll);
	CHECK_EQ_U(atomic_load(&s->lost), 0); /* handed to the trace */
	uint64_t h1 = atomic_load(&s->head);
	for (uint64_t i = 0; i < 100; i++)
		event(0x900000 + i * 32, 64);
	/* 1000 numbers after the last kept one: still a delta */
	CHECK_EQ_U(next_rec(h1)->type, MTR_R_EVENT_SHORT);
	CHECK_EQ_U(((const struct mtr_rec_short *)next_rec(h1))->dseq, k - fits + 1);
	mtr_collector_poll(coll);
	/* a second burst that drops more than a delta spans */
	uint64_t h2 = atomic_load(&s->head), fits2 = shorts_fit(h2, h2), k2 = fits2 + DSEQ_MAX + 1, first2 = 0;
	for (uint64_t i = 0; i < k2; i++) {
		uint64_t seq = event(0x2000000 + i * 32, 48);
		first2 = i ? first2 : seq;
	}
	CHECK_EQ_U(atomic_load(&s->lost), k2 - fits2);
	mtr_collector_poll(coll);
	uint64_t h3 = atomic_load(&s->head);
	uint64_t after = event(0x3000000, 72);
	CHECK_EQ_U(next_rec(h3)->type, MTR_R_EVENT);
	CHECK_EQ_U(next_rec(h3)->seq, after);
	CHECK_EQ_U(after, first2 + k2);
	uint64_t h4 = atomic_load(&s->head), next = event(0x3000040, 80);
	CHECK_EQ_U(next_rec(h4)->type, MTR_R_EVENT_SHORT); /* counts from that EVENT again */
	struct trace t;
	CHECK(finish_and_read(&t) == 0);
	uint64_t lost = k - fits + k2 - fits2;
	CHECK_EQ_U(t.nev, fits + 100 + fits2 + 2);
	CHECK_EQ_U(t.lost, lost);
	CHECK_EQ_U(t.loss_records, 2);
	CHECK_EQ_U(t.end_lost, lost);
	CHECK_EQ_U(t.end_events, t.nev);
	/* the first fits events were kept, in order; the 1000 after them are the ones lost */
	for (uint64_t i = 0; i < fits; i++) {
		CHECK_EQ_U(t.ev[i].seq, first + i);
		CHECK_EQ_U(t.ev[i].addr, 0x100000 + i * 32);
	}
	CHECK_EQ_U(t.ev[fits].seq, first + k);
	CHECK_EQ_U(t.ev[fits].addr, 0x900000);
	const struct tev *b = &t.ev[fits + 100];
	for (uint64_t i = 0; i < fits2; i++) {
		CHECK_EQ_U(b[i].seq, first2 + i);
		CHECK_EQ_U(b[i].addr, 0x2000000 + i * 32);
		CHECK_EQ_U(b[i].size, 48);
	}
	CHECK_EQ_U(b[fits2].seq, after);
	CHECK_EQ_U(b[fits2].addr, 0x3000000);
	CHECK_EQ_U(b[fits2 + 1].seq, next);
	CHECK_EQ_U(b[fits2 + 1].size, 80);
	trace_free(&t);
}

/* ------------------------------------------------------------------ writer threads */

struct writer {
	pthread_t th;
	uint64_t n, base;
	uint64_t *seqs;                  /* the seq each event took */
	_Atomic uint64_t done;           /* events written so far */
	_Atomic(struct mtr_slot *) slot; /* its ring, once it has one */
	const uint8_t *data;             /* the ring's bytes, set before slot */
	uint32_t tid;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	w->tid = (uint32_t)gettid();
	for (uint64_t i = 0; i < w->n; i++) {
		w->seqs[i] = event(w->base + i * 16, 16);
		if (!i) {
			w->data = mtr_tls.data;
			atomic_store(&w->slot, mtr_tls.slot);
		}
		atomic_store(&w->done, i + 1);
	}
	return NULL;
}

static int start_writer(struct writer *w, uint64_t n, uint64_t base)
{
	w->n = n;
	w->base = base;
	w->seqs = calloc(n, sizeof(*w->seqs));
	atomic_store(&w->done, 0);
	atomic_store(&w->slot, NULL);
	return w->seqs ? pthread_create(&w->th, NULL, writer_main, w) : -1;
}

static void nap(long us)
{
	struct timespec ts = {us / 1000000, us % 1000000 * 1000};
	nanosleep(&ts, NULL);
}

/* Waits (up to about 20 s) until w's ring has no room for another EVENT_SHORT and w has
 * stopped there: 0 or -1. */
static int wait_blocked(struct writer *w)
{
	for (int i = 0; i < 1000; i++) {
		struct mtr_slot *s = atomic_load(&w->slot);
		uint64_t d = atomic_load(&w->done);
		nap(20000);
		if (s && RING - used(s) < SH && atomic_load(&w->done) == d)
			return 0;
	}
	return -1;
}

/* Without --lossy a full ring holds its writer until the collector drains it: nothing is
 * dropped, and the writer goes on where it stopped. */
static void blocks_body(void)
{
	struct writer w;
	CHECK(rig_start(0, 0) == 0);
	uint64_t n = 2 * RING / SH + 5000;
	CHECK(start_writer(&w, n, 0x7000000) == 0);
	CHECK(wait_blocked(&w) == 0);
	uint64_t d = atomic_load(&w.done);
	struct mtr_slot *s = w.slot;
	/* its ring, never drained: the THREAD record, the first event (an EVENT), then
	 * EVENT_SHORTs up to where the next would not fit */
	CHECK_EQ_U(atomic_load(&s->tail), 0);
	const struct mtr_rec *th = (const struct mtr_rec *)w.data;
	CHECK_EQ_U(th->type, MTR_R_THREAD);
	CHECK_EQ_U(d, 1 + (RING - th->len - EV) / SH);
	struct walk wk = {0};
	CHECK(walk(w.data, 0, atomic_load(&s->head), &wk) == 0);
	CHECK_EQ_U(wk.records, d + 1);
	CHECK_EQ_U(wk.full, 1);
	CHECK_EQ_U(wk.shorts, d - 1);
	CHECK_EQ_U(atomic_load(&s->head), th->len + EV + (d - 1) * SH);
	CHECK_EQ_U(atomic_load(&s->lost), 0);
	while (atomic_load(&w.done) < n)
		mtr_collector_poll(coll);
	pthread_join(w.th, NULL);
	struct trace t;
	CHECK(finish_and_read(&t) == 0);
	CHECK_EQ_U(t.lost + t.loss_records, 0);
	CHECK_EQ_U(t.nev, n);
	for (uint64_t i = 0; i < n; i++) {
		CHECK_EQ_U(t.ev[i].tid, w.tid);
		CHECK_EQ_U(t.ev[i].addr, 0x7000000 + i * 16);
		CHECK_EQ_U(t.ev[i].seq, w.seqs[i]);
		/* one number apart, but the first two: the thread's THREAD record, written when
		 * its first event found it had no ring, took the number between them */
		CHECK(!i || t.ev[i].seq == t.ev[i - 1].seq + (i == 1 ? 2 : 1));
	}
	free(w.seqs);
	trace_free(&t);
}

/* A writer held by a full ring is let go when the collector stops (mtrec -p's detach, a
 * write error): recording ends in the process, the program runs on. */
static void detach_body(void)
{
	struct writer w;
	CHECK(rig_start(0, 0) == 0);
	uint64_t n = 2 * RING / SH;
	CHECK(start_writer(&w, n, 0x8000000) == 0);
	CHECK(wait_blocked(&w) == 0);
	uint64_t held = atomic_load(&w.done);
	CHECK(held < n);
	CHECK(mtr_on);
	mtr_collector_detach(coll);
	pthread_join(w.th, NULL); /* returns: the writer is not held any more */
	CHECK_EQ_U(atomic_load(&w.done), n);
	CHECK(!mtr_on);
	struct trace t;
	CHECK(finish_and_read(&t) == 0);
	/* what the ring held is kept; what came after the stop is neither kept nor lost */
	CHECK(t.nev >= held && t.nev <= held + 2);
	CHECK_EQ_U(t.lost, 0);
	for (uint64_t i = 0; i < t.nev; i++) {
		CHECK_EQ_U(t.ev[i].addr, 0x8000000 + i * 16);
		CHECK_EQ_U(t.ev[i].seq, w.seqs[i]);
	}
	free(w.seqs);
	trace_free(&t);
}

static int by_seq(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Four threads write at once, each into its own ring (past its end), while the collector
 * drains: each thread's events arrive whole and in its order, with the seqs they took
 * (EVENT_SHORT's deltas span the numbers the other threads took), and no seq twice. */
static void writers_body(void)
{
	enum { W = 4 };
	const uint64_t N = RING / SH + 10000;
	struct writer w[W];
	CHECK(rig_start(0, 0) == 0);
	for (int i = 0; i < W; i++)
		CHECK(start_writer(&w[i], N, (uint64_t)(i + 1) << 32) == 0);
	for (int left = W; left;) {
		mtr_collector_poll(coll);
		left = 0;
		for (int i = 0; i < W; i++)
			left += atomic_load(&w[i].done) < N;
	}
	for (int i = 0; i < W; i++)
		pthread_join(w[i].th, NULL);
	struct trace t;
	CHECK(finish_and_read(&t) == 0);
	CHECK_EQ_U(t.nev, (uint64_t)W * N);
	CHECK_EQ_U(t.lost, 0);
	uint64_t next[W] = {0};
	uint64_t *seqs = malloc(t.nev * sizeof(*seqs));
	CHECK(seqs);
	for (size_t k = 0; k < t.nev; k++) {
		const struct tev *e = &t.ev[k];
		int i = (int)(e->addr >> 32) - 1;
		CHECK(i >= 0 && i < W);
		CHECK(next[i] < N);
		CHECK_EQ_U(e->tid, w[i].tid);
		CHECK_EQ_U(e->addr, w[i].base + next[i] * 16);
		CHECK_EQ_U(e->seq, w[i].seqs[next[i]]);
		CHECK(!next[i] || e->seq > w[i].seqs[next[i] - 1]);
		next[i]++;
		seqs[k] = e->seq;
	}
	qsort(seqs, t.nev, sizeof(*seqs), by_seq);
	for (size_t k = 1; k < t.nev; k++)
		CHECK(seqs[k] != seqs[k - 1]);
	/* a THREAD record for each writer, besides the main thread's */
	for (int i = 0; i < W; i++) {
		int seen = 0;
		for (size_t j = 0; j < t.ntids; j++)
			seen |= t.tids[j] == w[i].tid;
		CHECK(seen);
		free(w[i].seqs);
	}
	free(seqs);
	trace_free(&t);
}

/* How scribbled_body damages the fifth of ten EVENT_SHORTs: a length no record has, a
 * delta of 0, a length no EVENT_SHORT has. */
static int scribble;

/* A ring the program scribbled over: the collector keeps what came before the damage,
 * ignores that ring from there on, and neither it nor the writer crashes. */
static void scribbled_body(void)
{
	CHECK(rig_start(0, 0) == 0);
	mtr_collector_poll(coll);
	const struct mtr_slot *s = mtr_tls.slot;
	uint64_t first = 0;
	for (int i = 0; i < 10; i++) {
		uint64_t seq = event(0x3000 + (uint64_t)i * 16, 16);
		first = i ? first : seq;
	}
	uint64_t at = atomic_load(&s->head) + 4 * SH; /* the fifth of the next ten */
	for (int i = 10; i < 20; i++)
		event(0x3000 + (uint64_t)i * 16, 16);
	struct mtr_rec_short *q = (struct mtr_rec_short *)(mtr_tls.data + (at & (RING - 1)));
	CHECK_EQ_U(q->type, MTR_R_EVENT_SHORT);
	CHECK_EQ_U(q->addr, 0x3000 + 14 * 16);
	if (scribble == 0)
		q->len = 12;
	else if (scribble == 1)
		q->dseq = 0;
	else
		q->len = 32;
	mtr_collector_poll(coll);
	for (int i = 20; i < 30; i++)
		event(0x3000 + (uint64_t)i * 16, 16);
	struct trace t;
	CHECK(finish_and_read(&t) == 0);
	CHECK(t.complete);
	CHECK_EQ_U(t.nev, 14);
	for (uint64_t i = 0; i < 14; i++) {
		CHECK_EQ_U(t.ev[i].seq, first + i);
		CHECK_EQ_U(t.ev[i].addr, 0x3000 + i * 16);
	}
	trace_free(&t);
}

/* ------------------------------------------------------------------ which record */

struct want {
	uint64_t seq, addr, size;
	uint32_t device, space;
	uint8_t op;
	uint8_t type;  /* the ring record the engine wrote */
	uint64_t len;  /* its length; 0: an EVENT with frames, whatever their number */
	uint64_t dseq; /* an EVENT_SHORT's delta */
	int stack;     /* the trace's event has a stack */
};

/* The record the calling thread wrote at byte pos against w: 0 or -1. */
static int check_rec(uint64_t pos, const struct want *w)
{
	const struct mtr_rec *r = next_rec(pos);
	if (r->type != w->type) {
		fprintf(stderr, "  record of seq %llu: type %u, expected %u\n", (unsigned long long)w->seq,
			r->type, w->type);
		return -1;
	}
	if (r->type == MTR_R_EVENT_SHORT) {
		const struct mtr_rec_short *q = (const struct mtr_rec_short *)r;
		return q->len == w->len && q->dseq == w->dseq && q->op == w->op && q->addr == w->addr &&
				       (q->len == SHF || q->size == w->size)
			       ? 0
			       : -1;
	}
	const struct mtr_rec_event *e = (const struct mtr_rec_event *)r;
	if (w->len ? e->h.len != w->len || e->h.n : e->h.n < 1 || e->h.len != EV + (e->h.n + 1u) * 8u)
		return -1;
	return e->h.seq == w->seq && e->h.op == w->op && e->addr == w->addr && e->size == w->size &&
			       e->device == w->device && e->space == w->space
		       ? 0
		       : -1;
}

/* The trace holds the events of w[0..n) and no others, with their fields: 0 or -1. */
static int check_trace(const struct trace *t, const struct want *w, size_t n)
{
	if (t->nev != n || t->lost)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct tev *v = find_seq(t, w[i].seq);
		if (!v || v->addr != w[i].addr || v->size != w[i].size || v->device != w[i].device ||
		    v->space != w[i].space || (v->op & 0x0f) != w[i].op || !v->stack != !w[i].stack) {
			fprintf(stderr, "  event %zu (seq %llu) is not as written\n", i, (unsigned long long)w[i].seq);
			return -1;
		}
	}
	return 0;
}

/* With stacks: a stackless host heap event is an EVENT_SHORT, anything else an EVENT
 * (with a stack, on a device, in a space), the first with its frames and later ones with
 * the hash of the stack the thread sent; a free is the 16-byte EVENT_SHORT. */
static void mix_body(void)
{
	struct want w[16];
	size_t n = 0;
	CHECK(rig_start(0, 8) == 0);
	mtr_collector_poll(coll);
	const struct mtr_slot *s = mtr_tls.slot;
	uint32_t space = mtrec_impl_space("pool");
	CHECK(space != 0);
	uint64_t h, last = 0;
	/* one event: kind, device, space, size, stack */
#define MIX(TYPE, LEN, OP, DEV, SPACE, SIZE, STACK, CALL)                                     \
	do {                                                                                 \
		h = atomic_load(&s->head);                                                   \
		uint64_t a_ = 0x60000 + n * 0x100, seq_;                                     \
		CALL;                                                                        \
		w[n] = (struct want){seq_, a_, SIZE, DEV, SPACE, OP, TYPE, LEN, seq_ - last, STACK}; \
		CHECK(check_rec(h, &w[n]) == 0);                                             \
		last = seq_;                                                                 \
		n++;                                                                         \
	} while (0)
	/* the thread's first event: no seq before it to count from */
	MIX(MTR_R_EVENT, EV, OP_MALLOC, MTF_HOST, 0, 10, 0, seq_ = event(a_, 10));
	MIX(MTR_R_EVENT_SHORT, SH, OP_MALLOC, MTF_HOST, 0, 11, 0, seq_ = event(a_, 11));
	MIX(MTR_R_EVENT, 0, OP_MALLOC, MTF_HOST, 0, 12, 1, seq_ = event_op(OP_MALLOC, a_, 12, 1));
	/* the same stack again (the recorder's own frames left out): its hash only */
	MIX(MTR_R_EVENT, EV + 8, OP_MALLOC, MTF_HOST, 0, 13, 1, seq_ = event_op(OP_MALLOC, a_, 13, 1));
	MIX(MTR_R_EVENT_SHORT, SHF, OP_FREE, MTF_HOST, 0, 0, 0, seq_ = free_event(a_));
	MIX(MTR_R_EVENT, EV + 8, OP_FREE, MTF_HOST, 0, 0, 1, seq_ = event_op(OP_FREE, a_, 0, 1));
	/* the client API: a device's event, a space's, the heap's (each takes its stack) */
	MIX(MTR_R_EVENT, EV + 8, OP_CLIENT, 3, 0, 16, 1,
	    (seq_ = mtrec_impl_seq(), mtrec_impl_alloc_seq(seq_, 3, 0, a_, 16)));
	MIX(MTR_R_EVENT, EV + 8, OP_CLIENT, MTF_HOST, space, 17, 1,
	    (seq_ = mtrec_impl_seq(), mtrec_impl_alloc_seq(seq_, MTF_HOST, space, a_, 17)));
	MIX(MTR_R_EVENT, EV + 8, OP_CLIENT, MTF_HOST, 0, 18, 1,
	    (seq_ = mtrec_impl_seq(), mtrec_impl_alloc_seq(seq_, MTF_HOST, 0, a_, 18)));
	MIX(MTR_R_EVENT_SHORT, SH, OP_MALLOC, MTF_HOST, 0, 19, 0, seq_ = event(a_, 19));
	/* a device's event and a space's without a stack, and a size too big for 32 bits */
	MIX(MTR_R_EVENT, EV, OP_MALLOC, 3, 0, 20, 0,
	    (seq_ = mtr_take_seq(), mtr_event(&mtr_tls, seq_, OP_MALLOC, 3, 0, a_, 20, 0)));
	MIX(MTR_R_EVENT, EV, OP_FREE, MTF_HOST, space, 0, 0,
	    (seq_ = mtr_take_seq(), mtr_event(&mtr_tls, seq_, OP_FREE, MTF_HOST, space, a_, 0, 0)));
	MIX(MTR_R_EVENT_SHORT, SH, OP_MALLOC, MTF_HOST, 0, 1ull << 40, 0, seq_ = event(a_, 1ull << 40));
#undef MIX
	struct trace t;
	CHECK(finish_and_read(&t) == 0);
	CHECK(t.complete);
	CHECK(check_trace(&t, w, n) == 0);
	/* the hash-only events name the stack the first one sent */
	CHECK(find_seq(&t, w[2].seq)->stack == find_seq(&t, w[3].seq)->stack);
	trace_free(&t);
}

/* --precise-time: every event reads a clock when it happens, so none is an EVENT_SHORT
 * (which has no time), and the trace has no CLOCK readings. */
static void precise_body(void)
{
	enum { N = 2000 };
	CHECK(rig_start(MTR_OPT_PRECISE_TIME, 0) == 0);
	mtr_collector_poll(coll);
	const struct mtr_slot *s = mtr_tls.slot;
	uint64_t h0 = atomic_load(&s->head), first = 0;
	for (uint64_t i = 0; i < N; i++) {
		uint64_t seq = i % 3 == 2 ? free_event(0xc000 + i * 16) : event(0xc000 + i * 16, i + 1);
		first = i ? first : seq;
		if (i == N / 2 - 1)
			nap(3000);
	}
	struct walk w = {0};
	CHECK(walk(mtr_tls.data, h0, atomic_load(&s->head), &w) == 0);
	CHECK_EQ_U(w.full, N);
	CHECK_EQ_U(w.shorts, 0);
	CHECK_EQ_U(atomic_load(&s->head) - h0, N * EV);
	struct trace t;
	CHECK(finish_and_read(&t) == 0);
	CHECK_EQ_U(t.nev, N);
	CHECK_EQ_U(t.nck, 0);
	for (uint64_t i = 0; i < N; i++) {
		CHECK_EQ_U(t.ev[i].seq, first + i);
		CHECK_EQ_U(t.ev[i].size, i % 3 == 2 ? 0 : i + 1);
		CHECK(!i || t.ev[i].time >= t.ev[i - 1].time);
	}
	/* their own clocks: the nap between the halves shows */
	CHECK(t.ev[N / 2].time - t.ev[N / 2 - 1].time >= 1000000);
	trace_free(&t);
}

/* EVENT_SHORT's delta: up to 65535 numbers after the thread's previous event (EVENT or
 * EVENT_SHORT, whichever), an EVENT beyond that and below it (a seq the program reserved
 * earlier); the collector rebuilds every seq exactly, across its passes. */
static void delta_body(void)
{
	struct want w[24];
	size_t n = 0;
	CHECK(rig_start(0, 0) == 0);
	mtr_collector_poll(coll);
	const struct mtr_slot *s = mtr_tls.slot;
	uint64_t h, last = 0, early = 0;
#define DELTA(TYPE, LEN, OP, SIZE, CALL)                                                      \
	do {                                                                                 \
		h = atomic_load(&s->head);                                                   \
		uint64_t a_ = 0x70000 + n * 0x100, seq_;                                     \
		CALL;                                                                        \
		w[n] = (struct want){seq_, a_, SIZE, MTF_HOST, 0, OP, TYPE, LEN, seq_ - last, 0}; \
		CHECK(check_rec(h, &w[n]) == 0);                                             \
		last = seq_;                                                                 \
		n++;                                                                         \
	} while (0)
	DELTA(MTR_R_EVENT, EV, OP_MALLOC, 1, seq_ = event(a_, 1));
	skip_seqs(DSEQ_MAX - 1);
	DELTA(MTR_R_EVENT_SHORT, SH, OP_MALLOC, 2, seq_ = event(a_, 2)); /* 65535 after */
	skip_seqs(DSEQ_MAX);
	DELTA(MTR_R_EVENT, EV, OP_MALLOC, 3, seq_ = event(a_, 3)); /* 65536 after */
	DELTA(MTR_R_EVENT_SHORT, SH, OP_MALLOC, 4, seq_ = event(a_, 4));
	mtr_collector_poll(coll);
	skip_seqs(DSEQ_MAX);
	DELTA(MTR_R_EVENT, EV, OP_FREE, 0, seq_ = free_event(a_));
	skip_seqs(DSEQ_MAX - 1);
	DELTA(MTR_R_EVENT_SHORT, SHF, OP_FREE, 0, seq_ = free_event(a_));
	early = mtrec_impl_seq();
	DELTA(MTR_R_EVENT_SHORT, SH, OP_MALLOC, 7, seq_ = event(a_, 7));
	/* a seq reserved before the last event's: an EVENT, and the next counts from it */
	DELTA(MTR_R_EVENT, EV, OP_CLIENT, 8, (seq_ = early, mtrec_impl_alloc_seq(early, MTF_HOST, 0, a_, 8)));
	mtr_collector_poll(coll);
	DELTA(MTR_R_EVENT_SHORT, SH, OP_MALLOC, 9, seq_ = event(a_, 9));
	CHECK_EQ_U(w[n - 1].dseq, 2); /* from the reserved seq: the one after it came between */
	/* a mark's number, in between, is counted over */
	mtrec_impl_mark("between");
	DELTA(MTR_R_EVENT_SHORT, SHF, OP_FREE, 0, seq_ = free_event(a_));
	CHECK_EQ_U(w[n - 1].dseq, 2);
	/* the client API's heap event without a stack (none recorded): short too */
	DELTA(MTR_R_EVENT_SHORT, SH, OP_CLIENT, 12, mtrec_impl_alloc_seq(0, MTF_HOST, 0, a_, 12); seq_ = last + 1);
	skip_seqs(3 * DSEQ_MAX);
	DELTA(MTR_R_EVENT, EV, OP_MALLOC, 13, seq_ = event(a_, 13));
	DELTA(MTR_R_EVENT_SHORT, SH, OP_MALLOC, 14, seq_ = event(a_, 14));
#undef DELTA
	struct trace t;
	CHECK(finish_and_read(&t) == 0);
	CHECK(t.complete);
	CHECK(check_trace(&t, w, n) == 0);
	trace_free(&t);
}

/* Time: an EVENT_SHORT has none, and an EVENT stamps the clock the collector published
 * last; the collector stamps an EVENT_SHORT with the clock it had published before the
 * pass that drains it. Written between two passes, both are stamped with the first pass's
 * clock, which is the CLOCK reading that opens the event's bracket (FORMAT.md, CLOCK): each
 * time is inside its bracket, and times never decrease in seq order. */
static void time_body(void)
{
	enum { B = 4, PER = 60 };
	uint64_t seqs[B][PER];
	CHECK(rig_start(0, 0) == 0);
	mtr_collector_poll(coll);
	for (int b = 0; b < B; b++) {
		for (int j = 0; j < PER; j++) {
			uint64_t a = 0xd0000 + (uint64_t)(b * PER + j) * 16;
			if (j == PER / 2) { /* an EVENT among them */
				seqs[b][j] = mtr_take_seq();
				mtr_event(&mtr_tls, seqs[b][j], OP_MALLOC, 5, 0, a, 32, 0);
			} else {
				seqs[b][j] = j % 3 == 2 ? free_event(a - 16) : event(a, 16);
			}
		}
		nap(3000);
		mtr_collector_poll(coll);
	}
	struct trace t;
	CHECK(finish_and_read(&t) == 0);
	CHECK_EQ_U(t.nev, B * PER);
	CHECK(t.nck >= B + 1);
	CHECK_EQ_U(t.ck[0].seq + t.ck[0].time, 0);
	for (size_t k = 1; k < t.nck; k++) /* a quiet pass's reading repeats the last seq */
		CHECK(t.ck[k].seq >= t.ck[k - 1].seq && t.ck[k].time > t.ck[k - 1].time);
	uint64_t prev = 0, prev_bt = 0;
	for (int b = 0; b < B; b++) {
		uint64_t bt = 0;
		for (int j = 0; j < PER; j++) {
			const struct tev *v = find_seq(&t, seqs[b][j]);
			CHECK(v);
			/* the bracket: the last reading below the seq, the first at or above it */
			size_t k = 0;
			while (k < t.nck && t.ck[k].seq < v->seq)
				k++;
			CHECK(k > 0 && k < t.nck);
			CHECK(t.ck[k - 1].time <= v->time && v->time <= t.ck[k].time);
			CHECK_EQ_U(v->time, t.ck[k - 1].time);
			CHECK(v->time >= prev);
			prev = v->time;
			bt = j ? bt : v->time;
			CHECK_EQ_U(v->time, bt); /* one batch, between two passes: one stamp */
		}
		CHECK(!b || bt > prev_bt); /* a later batch, a later pass's clock */
		prev_bt = bt;
	}
	trace_free(&t);
}

static void ring_wraps(void) { IN_CHILD(wraps_body); }
static void ring_pads(void) { IN_CHILD(pad_body); }
static void ring_lossy_full(void) { IN_CHILD(lossy_body); }
static void ring_full_blocks(void) { IN_CHILD(blocks_body); }
static void ring_detach_releases(void) { IN_CHILD(detach_body); }
static void ring_writers(void) { IN_CHILD(writers_body); }
static void ring_scribbled(void)
{
	for (scribble = 0; scribble < 3; scribble++)
		IN_CHILD(scribbled_body);
}
static void ring_short_or_full(void) { IN_CHILD(mix_body); }
static void ring_precise_full(void) { IN_CHILD(precise_body); }
static void ring_seq_delta(void) { IN_CHILD(delta_body); }
static void ring_short_time(void) { IN_CHILD(time_body); }

int main(void)
{
	RUN(ring_wraps);
	RUN(ring_pads);
	RUN(ring_lossy_full);
	RUN(ring_full_blocks);
	RUN(ring_detach_releases);
	RUN(ring_writers);
	RUN(ring_scribbled);
	RUN(ring_short_or_full);
	RUN(ring_precise_full);
	RUN(ring_seq_delta);
	RUN(ring_short_time);
	UNIT_EXIT();
}
