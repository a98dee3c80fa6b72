/* The recorder's ring: the engine's writer (record/engine.c, as the hooks call it) against
 * the collector's drain (record/collector.c) over the real shared memory, and the trace
 * read back through formats/: wraparound and padding records, --lossy drops and their
 * counts, a full ring that holds its writer until the collector drains it (or detaches),
 * several writers at once, and a ring the program scribbled over. Each case runs in a
 * child process of its own, since the engine joins a collector once per process (here as
 * mtrec -p attaches: the test program was running before). */
#include "collector.h"
#include "engine.h"
#include "mtf.h"
#include "ring.h"
#include "unit.h"

#include <pthread.h>
#include <stdatomic.h>
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
/* preload.c points the program's imports at the hooks after an attach: no hooks here */
void mtr_attach_hooks(void) {}

#define EV ((uint64_t)sizeof(struct mtr_rec_event))
#define MISC ((uint64_t)sizeof(struct mtr_rec_misc))
#define RING ((uint64_t)MTR_RING_BYTES)
#define OP_MALLOC MTF_OP_MAKE(MTF_ALLOC, MTF_FN_MALLOC)

/* Runs body in a child process; the case fails when the child reports a failure, dies,
 * or is still running after a minute (a writer the collector never frees hangs). */
#define IN_CHILD(body)                                                                 \
	do {                                                                           \
		fflush(NULL);                                                          \
		pid_t pid_ = fork();                                                   \
		if (pid_ == 0) {                                                       \
			alarm(60);                                                     \
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

/* A collector writing to a memory file, and this process recording into it: 0 or -1. */
static int rig_start(uint32_t opts)
{
	struct mtr_collect_opts o = {.depth = 0, .opts = opts | MTR_OPT_NO_SCAN, .level = 1};
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

/* Drains the calling thread's ring before it fills: a writer that never yields to the
 * collector would wait for it forever. */
static void keep_room(void)
{
	if (used(mtr_tls.slot) > RING / 2)
		mtr_collector_poll(coll);
}

/* One malloc event with seq taken now, as preload.c's hooks write it: its seq. */
static uint64_t event(uint64_t addr, uint64_t size)
{
	uint64_t seq = mtr_take_seq();
	mtr_event(&mtr_tls, seq, OP_MALLOC, MTF_HOST, 0, addr, size, 0);
	return seq;
}

/* ------------------------------------------------------------------ walking a ring */

struct walk {
	uint64_t records, pads, exact; /* exact: records that end at the ring's end */
};

/* Walks the records between tail and head as the collector will: 0 when each is whole,
 * 8-byte aligned and inside the ring, and a PAD only ever runs to the ring's end. */
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
		} else {
			w->exact += off + h->len == RING;
			w->records++;
		}
		tail += h->len;
	}
	return tail == head ? 0 : -1;
}

/* ------------------------------------------------------------------ the trace */

struct tev {
	uint64_t seq, addr, size;
	uint32_t tid;
};
struct tmark {
	uint64_t seq;
	char label[128];
};
struct trace {
	struct tev *ev;
	size_t nev, evcap;
	struct tmark *mk;
	size_t nmk, mkcap;
	uint64_t lost, loss_records, end_events, end_lost;
	uint32_t tids[64]; /* of THREAD records */
	size_t ntids;
	int complete;
};

static void trace_free(struct trace *t)
{
	free(t->ev);
	free(t->mk);
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
				if (t->nev == t->evcap) {
					t->evcap = t->evcap ? t->evcap * 2 : 4096;
					struct tev *n = realloc(t->ev, t->evcap * sizeof(*n));
					if (!n)
						goto out;
					t->ev = n;
				}
				const mtf_event *e = &rec.u.events.ev[i];
				t->ev[t->nev++] = (struct tev){e->seq, e->addr, e->size, rec.u.events.tid};
			}
		} else if (rec.type == MTF_MARK) {
			if (t->nmk == t->mkcap) {
				t->mkcap = t->mkcap ? t->mkcap * 2 : 1024;
				struct tmark *n = realloc(t->mk, t->mkcap * sizeof(*n));
				if (!n)
					goto out;
				t->mk = n;
			}
			struct tmark *m = &t->mk[t->nmk++];
			size_t l = rec.u.mark.label.len < sizeof m->label ? rec.u.mark.label.len : sizeof m->label - 1;
			m->seq = rec.u.mark.seq;
			memcpy(m->label, rec.u.mark.label.s, l);
			m->label[l] = 0;
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

/* ------------------------------------------------------------------ cases */

/* A label of length n from i, distinct enough that a shifted or torn copy shows. */
static void make_label(char *out, size_t n, uint64_t i)
{
	for (size_t j = 0; j < n; j++)
		out[j] = (char)('a' + (i * 7 + j) % 26);
	out[n] = 0;
}

/* Events and marks of 24 lengths, over three and a half rings, drained whenever a ring is
 * half full: every record arrives once, in order, with its bytes, across every wrap, and
 * the padding records run exactly to the ring's end. */
static void wraps_body(void)
{
	enum { N = 300000 };
	CHECK(rig_start(0) == 0);
	mtr_collector_poll(coll); /* the PROCESS and MODULE records */
	const struct mtr_slot *s = mtr_tls.slot;
	uint64_t head0 = atomic_load(&s->head), last = 0;
	struct walk w = {0};
	uint64_t *seqs = malloc(N * sizeof(*seqs));
	CHECK(seqs);
	char label[64];
	for (uint64_t i = 0; i < N; i++) {
		if (i % 5 == 4) {
			make_label(label, i % 47, i);
			mtrec_impl_mark(label);
			seqs[i] = ++last; /* the mark took the next number */
		} else {
			seqs[i] = last = event(0x10000 + i * 16, i % 977 + 1);
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
	CHECK_EQ_U(w.records, N);
	struct trace t;
	CHECK(finish_and_read(&t) == 0);
	CHECK(t.complete);
	CHECK_EQ_U(t.nev, N - N / 5);
	CHECK_EQ_U(t.nmk, N / 5);
	CHECK_EQ_U(t.end_events, N - N / 5);
	CHECK_EQ_U(t.lost + t.end_lost + t.loss_records, 0);
	size_t e = 0, m = 0;
	for (uint64_t i = 0; i < N; i++) {
		if (i % 5 == 4) {
			make_label(label, i % 47, i);
			CHECK_EQ_U(t.mk[m].seq, seqs[i]);
			CHECK(strcmp(t.mk[m].label, label) == 0);
			m++;
		} else {
			CHECK_EQ_U(t.ev[e].seq, seqs[i]);
			CHECK_EQ_U(t.ev[e].addr, 0x10000 + i * 16);
			CHECK_EQ_U(t.ev[e].size, i % 977 + 1);
			e++;
		}
	}
	trace_free(&t);
	free(seqs);
}

/* Writes events and then one mark that leaves exactly room bytes before the ring's end
 * (room a multiple of 8, at most 40 bytes short of an event): the mark's label length. */
static size_t steer(uint64_t room, uint64_t *events)
{
	const struct mtr_slot *s = mtr_tls.slot;
	uint64_t r;
	while ((r = RING - (atomic_load(&s->head) & (RING - 1))) >= room + MISC + EV) {
		event(0x5000, 8);
		++*events;
		keep_room();
	}
	size_t l = (size_t)(r - room - MISC);
	char label[64];
	make_label(label, l, l);
	mtrec_impl_mark(label);
	return l;
}

/* A record that does not fit before the ring's end goes to its start, after a PAD record
 * of exactly the rest; one that fits exactly needs none. */
static void pad_body(void)
{
	CHECK(rig_start(0) == 0);
	mtr_collector_poll(coll);
	const struct mtr_slot *s = mtr_tls.slot;
	const uint8_t *data = mtr_tls.data;
	uint64_t events = 3, h;
	/* 16 bytes left: the next event pads them */
	size_t l1 = steer(16, &events);
	h = atomic_load(&s->head);
	CHECK_EQ_U(h & (RING - 1), RING - 16);
	uint64_t seq1 = event(0xaaaa0, 24);
	const struct mtr_rec *pad = (const struct mtr_rec *)(data + RING - 16);
	CHECK_EQ_U(pad->type, MTR_R_PAD);
	CHECK_EQ_U(pad->len, 16);
	const struct mtr_rec_event *e1 = (const struct mtr_rec_event *)data;
	CHECK_EQ_U(e1->h.type, MTR_R_EVENT);
	CHECK_EQ_U(e1->h.len, EV);
	CHECK_EQ_U(e1->h.seq, seq1);
	CHECK_EQ_U(e1->addr, 0xaaaa0);
	CHECK_EQ_U(atomic_load(&s->head), h + 16 + EV);
	/* one event's room left: it ends the ring exactly, no PAD */
	mtr_collector_poll(coll);
	size_t l2 = steer(EV, &events);
	h = atomic_load(&s->head);
	CHECK_EQ_U(h & (RING - 1), RING - EV);
	uint64_t seq2 = event(0xbbbb0, 40);
	const struct mtr_rec_event *e2 = (const struct mtr_rec_event *)(data + RING - EV);
	CHECK_EQ_U(e2->h.type, MTR_R_EVENT);
	CHECK_EQ_U(e2->h.seq, seq2);
	CHECK_EQ_U(atomic_load(&s->head), h + EV);
	uint64_t seq3 = event(0xcccc0, 56);
	CHECK_EQ_U(((const struct mtr_rec *)data)->seq, seq3);
	struct trace t;
	CHECK(finish_and_read(&t) == 0);
	CHECK_EQ_U(t.nev, events);
	CHECK_EQ_U(t.nmk, 2);
	CHECK_EQ_U(t.lost, 0);
	/* the three events at the ring's end, with their bytes; the two marks' labels whole */
	int found = 0;
	for (size_t i = 0; i < t.nev; i++) {
		const struct tev *v = &t.ev[i];
		found += v->seq == seq1 && v->addr == 0xaaaa0 && v->size == 24;
		found += v->seq == seq2 && v->addr == 0xbbbb0 && v->size == 40;
		found += v->seq == seq3 && v->addr == 0xcccc0 && v->size == 56;
	}
	CHECK_EQ_U(found, 3);
	CHECK_EQ_U(t.ev[t.nev - 1].seq, seq3);
	char label[64];
	make_label(label, l1, l1);
	CHECK(strcmp(t.mk[0].label, label) == 0);
	make_label(label, l2, l2);
	CHECK(strcmp(t.mk[1].label, label) == 0);
	for (size_t i = 1; i < t.nev; i++)
		CHECK(t.ev[i].seq > t.ev[i - 1].seq);
	trace_free(&t);
}

/* --lossy: a full ring drops the newest events and counts each; the count reaches the
 * trace (LOSS, END) at the next drain, and the ring takes events again after it. */
static void lossy_body(void)
{
	CHECK(rig_start(MTR_OPT_LOSSY) == 0);
	mtr_collector_poll(coll);
	struct mtr_slot *s = mtr_tls.slot;
	uint64_t h0 = atomic_load(&s->head) & (RING - 1);
	CHECK(h0 >= EV); /* the preamble's records: the burst wraps, after a PAD */
	/* what fits from h0 with the consumer at h0: to the ring's end, then from its start
	 * back to h0 (records never split) */
	uint64_t fits = (RING - h0) / EV + h0 / EV;
	uint64_t k = fits + 1000, first = 0;
	for (uint64_t i = 0; i < k; i++) {
		uint64_t seq = event(0x100000 + i * 32, 32);
		first = i ? first : seq;
	}
	CHECK_EQ_U(atomic_load(&s->lost), k - fits);
	CHECK(used(s) > RING - 2 * EV);
	mtr_collector_poll(coll);
	CHECK_EQ_U(atomic_load(&s->lost), 0); /* handed to the trace */
	for (uint64_t i = 0; i < 100; i++)
		event(0x900000 + i * 32, 64);
	struct trace t;
	CHECK(finish_and_read(&t) == 0);
	CHECK_EQ_U(t.nev, fits + 100);
	CHECK_EQ_U(t.lost, 1000);
	CHECK_EQ_U(t.loss_records, 1);
	CHECK_EQ_U(t.end_lost, 1000);
	CHECK_EQ_U(t.end_events, fits + 100);
	/* the first fits events were kept, in order; the 1000 after them are the ones lost */
	for (uint64_t i = 0; i < fits; i++) {
		CHECK_EQ_U(t.ev[i].seq, first + i);
		CHECK_EQ_U(t.ev[i].addr, 0x100000 + i * 32);
	}
	CHECK_EQ_U(t.ev[fits].seq, first + k);
	CHECK_EQ_U(t.ev[fits].addr, 0x900000);
	trace_free(&t);
}

/* ------------------------------------------------------------------ writer threads */

struct writer {
	pthread_t th;
	uint64_t n, base;
	_Atomic uint64_t done;                /* events written so far */
	_Atomic(struct mtr_slot *) slot;      /* its ring, once it has one */
	uint32_t tid;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	w->tid = (uint32_t)gettid();
	for (uint64_t i = 0; i < w->n; i++) {
		event(w->base + i * 16, 16);
		if (!i)
			atomic_store(&w->slot, mtr_tls.slot);
		atomic_store(&w->done, i + 1);
	}
	return NULL;
}

static int start_writer(struct writer *w, uint64_t n, uint64_t base)
{
	w->n = n;
	w->base = base;
	atomic_store(&w->done, 0);
	atomic_store(&w->slot, NULL);
	return pthread_create(&w->th, NULL, writer_main, w);
}

static void nap(long us)
{
	struct timespec ts = {0, us * 1000};
	nanosleep(&ts, NULL);
}

/* Waits (up to about 20 s) until w's ring is full and w has stopped there: 0 or -1. */
static int wait_blocked(struct writer *w)
{
	for (int i = 0; i < 1000; i++) {
		struct mtr_slot *s = atomic_load(&w->slot);
		uint64_t d = atomic_load(&w->done);
		nap(20000);
		if (s && used(s) > RING - 2 * EV && atomic_load(&w->done) == d)
			return 0;
	}
	return -1;
}

/* Without --lossy a full ring holds its writer until the collector drains it: nothing is
 * dropped, and the writer goes on where it stopped. */
static void blocks_body(void)
{
	struct writer w;
	CHECK(rig_start(0) == 0);
	uint64_t n = 2 * RING / EV + 5000;
	CHECK(start_writer(&w, n, 0x7000000) == 0);
	CHECK(wait_blocked(&w) == 0);
	uint64_t d = atomic_load(&w.done);
	CHECK(d < n && d > RING / EV - 200);
	CHECK_EQ_U(atomic_load(&w.slot->lost), 0);
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
		/* one number apart, but the first two: the thread's THREAD record, written when
		 * its first event found it had no ring, took the number between them */
		CHECK(!i || t.ev[i].seq == t.ev[i - 1].seq + (i == 1 ? 2 : 1));
	}
	trace_free(&t);
}

/* A writer held by a full ring is let go when the collector stops (mtrec -p's detach, a
 * write error): recording ends in the process, the program runs on. */
static void detach_body(void)
{
	struct writer w;
	CHECK(rig_start(0) == 0);
	uint64_t n = 2 * RING / EV;
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
	for (uint64_t i = 0; i < t.nev; i++)
		CHECK_EQ_U(t.ev[i].addr, 0x8000000 + i * 16);
	trace_free(&t);
}

static int by_seq(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Four threads write at once, each into its own ring, while the collector drains: each
 * thread's events arrive whole and in its order, and no seq is given twice. */
static void writers_body(void)
{
	enum { W = 4, N = 60000 };
	struct writer w[W];
	CHECK(rig_start(0) == 0);
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
	uint64_t next[W] = {0}, prev[W] = {0};
	uint64_t *seqs = malloc(t.nev * sizeof(*seqs));
	CHECK(seqs);
	for (size_t k = 0; k < t.nev; k++) {
		const struct tev *e = &t.ev[k];
		int i = (int)(e->addr >> 32) - 1;
		CHECK(i >= 0 && i < W);
		CHECK_EQ_U(e->tid, w[i].tid);
		CHECK_EQ_U(e->addr, w[i].base + next[i] * 16);
		CHECK(e->seq > prev[i]);
		prev[i] = e->seq;
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
	}
	free(seqs);
	trace_free(&t);
}

/* A ring the program scribbled over: the collector keeps what came before the damage,
 * ignores that ring from there on, and neither it nor the writer crashes. */
static void scribbled_body(void)
{
	CHECK(rig_start(0) == 0);
	mtr_collector_poll(coll);
	const struct mtr_slot *s = mtr_tls.slot;
	uint64_t first = 0;
	for (int i = 0; i < 10; i++) {
		uint64_t seq = event(0x3000 + (uint64_t)i * 16, 16);
		first = i ? first : seq;
	}
	uint64_t at = atomic_load(&s->head) + 4 * EV; /* the fifth event of the next ten */
	for (int i = 10; i < 20; i++)
		event(0x3000 + (uint64_t)i * 16, 16);
	((struct mtr_rec *)(mtr_tls.data + (at & (RING - 1))))->len = 12;
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

static void ring_wraps(void) { IN_CHILD(wraps_body); }
static void ring_pads(void) { IN_CHILD(pad_body); }
static void ring_lossy_full(void) { IN_CHILD(lossy_body); }
static void ring_full_blocks(void) { IN_CHILD(blocks_body); }
static void ring_detach_releases(void) { IN_CHILD(detach_body); }
static void ring_writers(void) { IN_CHILD(writers_body); }
static void ring_scribbled(void) { IN_CHILD(scribbled_body); }

int main(void)
{
	RUN(ring_wraps);
	RUN(ring_pads);
	RUN(ring_lossy_full);
	RUN(ring_full_blocks);
	RUN(ring_detach_releases);
	RUN(ring_writers);
	RUN(ring_scribbled);
	UNIT_EXIT();
}
