/* ltstore.c: the lifetimes the pairing makes (struct ltstore): places for the live and kept
 * ones, and the ended ones, handed to the store's sink in batches sorted by id, on a thread
 * of its own beside the pairing (async) or in turn. */
#include "loader.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define LT_BUDGET (32u << 20) /* bytes of ended lifetimes held before they are written; as
				* much again while a batch is written beside the pairing */

/* A new lifetime (zeroed, with the next id) at a free place, put in *place; NULL when out
 * of memory. It may move the others: pointers to them are stale after it. */
struct lifetime *mtan_ld_lt_new(struct loader *L, uint32_t *place)
{
	struct ltstore *m = &L->lts;
	size_t i;
	if (m->free) {
		i = m->free - 1;
		m->free = (size_t)m->p[i].addr;
	} else {
		if (m->n == m->cap && vec_grow((void **)&m->p, &m->cap, sizeof(*m->p)))
			return NULL;
		i = m->n++;
	}
	struct lifetime *l = &m->p[i];
	memset(l, 0, sizeof(*l));
	l->id = ++L->nlts;
	*place = (uint32_t)i;
	return l;
}

/* Keeps the lifetime at place in memory to the end (struct ltstore), findable by id. */
int mtan_ld_lt_keep(struct loader *L, uint32_t place)
{
	int isnew;
	uint32_t *v = map_at(&L->lts.kept, L->lts.p[place].id, 0, &isnew);
	if (!v)
		return -1;
	*v = place;
	return 0;
}

/* Whether an ended lifetime must stay in memory: what may still change it or read it
 * besides its row (struct ltstore). */
static int lt_needed(const struct loader *L, const struct lifetime *l)
{
	if ((l->flags & LT_KEEP) || l->reason == R_LIVE || l->reason == R_OVERWRITTEN || l->reason == R_FREE_LATE)
		return 1;
	if (!L->lts.scan.n)
		return 0;
	/* classify: live when its process's last complete scan began (a host heap block) */
	const struct pool *p = &L->pools.p[l->pool];
	const uint32_t *v = p->device == MTF_HOST && p->space == 0 ? map_get(&L->lts.scan, p->pid, 0) : NULL;
	uint64_t seq = v ? L->scans.p[*v - 1].seq : 0;
	return v && l->alloc_seq < seq && l->end_seq > seq;
}

static int by_id(const void *a, const void *b)
{
	const struct lifetime *x = *(const struct lifetime *const *)a, *y = *(const struct lifetime *const *)b;
	return (x->id > y->id) - (x->id < y->id);
}

/* The thread that writes batches of ended lifetimes (ltstore.async) while the pairing fills
 * the other buffer: one for the whole pairing, so its allocations (SQLite's) stay in one
 * arena. The sink reads the rows, the pools as they were handed over (L->wr_pools) and the
 * database, which nothing else touches while the pairing runs; it writes what only it
 * writes (the sites' counts, the long lifetimes' copies). */
struct ltjob {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct loader *L;
	int work, quit;         /* a batch is in hand; the pairing has ended */
	int rc;                 /* the last batch's sink */
	struct lifetime *buf;   /* the batch (its buffer, cap of them) */
	size_t n, cap;
	struct lifetime **rows; /* buf by id */
	struct pool *pools;
	size_t npools;
};

static void *lt_write(void *arg)
{
	struct ltjob *j = arg;
	pthread_mutex_lock(&j->mu);
	for (;;) {
		while (!j->work && !j->quit)
			pthread_cond_wait(&j->cv, &j->mu);
		if (!j->work)
			break;
		pthread_mutex_unlock(&j->mu);
		int rc = j->L->lts.sink(j->L, j->rows, j->n);
		pthread_mutex_lock(&j->mu);
		j->rc = rc;
		j->work = 0;
		pthread_cond_broadcast(&j->cv);
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

/* Waits for the batch being written, if any; its buffer becomes the spare one (*spare, cap
 * *cap). -1 when it could not be written (told). */
static int lt_join(struct loader *L, struct lifetime **spare, size_t *cap)
{
	struct ltjob *j = L->lts.job;
	if (!j)
		return 0;
	pthread_mutex_lock(&j->mu);
	while (j->work)
		pthread_cond_wait(&j->cv, &j->mu);
	pthread_mutex_unlock(&j->mu);
	L->wr_pools = NULL;
	*spare = j->buf;
	*cap = j->cap;
	j->buf = NULL;
	free(j->rows);
	j->rows = NULL;
	int rc = j->rc;
	j->rc = 0;
	return rc;
}

/* Ends the writing thread, after its last batch; -1 when that could not be written. */
int mtan_ld_lt_stop(struct loader *L)
{
	struct ltjob *j = L->lts.job;
	struct lifetime *spare = NULL;
	size_t cap = 0;
	if (!j)
		return 0;
	int rc = lt_join(L, &spare, &cap);
	free(spare);
	pthread_mutex_lock(&j->mu);
	j->quit = 1;
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
	pthread_join(j->thread, NULL);
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
	free(j->pools);
	free(j);
	L->lts.job = NULL;
	return rc;
}

/* The writing thread, started at the first batch; NULL when it cannot be. */
static struct ltjob *lt_job(struct loader *L)
{
	struct ltjob *j = L->lts.job;
	if (j)
		return j;
	if (!(j = calloc(1, sizeof(*j))))
		return NULL;
	j->L = L;
	if (pthread_mutex_init(&j->mu, NULL)) {
		free(j);
		return NULL;
	}
	if (pthread_cond_init(&j->cv, NULL)) {
		pthread_mutex_destroy(&j->mu);
		free(j);
		return NULL;
	}
	if (pthread_create(&j->thread, NULL, lt_write, j)) {
		pthread_cond_destroy(&j->cv);
		pthread_mutex_destroy(&j->mu);
		free(j);
		return NULL;
	}
	return L->lts.job = j;
}

/* Hands the ended lifetimes (rows, by id) to the writing thread, the pools as they are now
 * beside them; 0 when it cannot (no spare buffer, no thread): they are written in turn. */
static int lt_start(struct loader *L, struct lifetime **rows, struct lifetime **spare, size_t *spare_cap)
{
	struct ltstore *m = &L->lts;
	struct ltjob *j = lt_job(L);
	if (j && !*spare && (*spare = malloc(m->ended.cap * sizeof(**spare))))
		*spare_cap = m->ended.cap;
	if (!j || !*spare)
		return 0;
	if (j->npools < L->pools.n) {
		struct pool *q = realloc(j->pools, L->pools.n * sizeof(*q));
		if (!q)
			return 0;
		j->pools = q;
		j->npools = L->pools.n;
	}
	if (L->pools.n)
		memcpy(j->pools, L->pools.p, L->pools.n * sizeof(*j->pools));
	L->wr_pools = j->pools;
	pthread_mutex_lock(&j->mu);
	j->buf = m->ended.p;
	j->n = m->ended.n;
	j->cap = m->ended.cap;
	j->rows = rows;
	j->work = 1;
	pthread_cond_broadcast(&j->cv);
	pthread_mutex_unlock(&j->mu);
	return 1;
}

/* Hands the ended lifetimes to the sink, sorted by id, and empties the buffer: in turn, or
 * (async) on a thread while the pairing goes on into the spare buffer, after the batch
 * before is done, so batches go in the same order either way. */
static int lt_flush(struct loader *L)
{
	struct ltstore *m = &L->lts;
	struct lifetime *spare = NULL, **rows = NULL;
	size_t spare_cap = 0;
	int ret = -1;
	if (lt_join(L, &spare, &spare_cap) || !(rows = malloc((m->ended.n ? m->ended.n : 1) * sizeof(*rows))))
		goto out;
	for (size_t k = 0; k < m->ended.n; k++)
		rows[k] = &m->ended.p[k];
	qsort(rows, m->ended.n, sizeof(*rows), by_id);
	if (m->async && lt_start(L, rows, &spare, &spare_cap)) {
		rows = NULL; /* the job's now, and the buffer they point into */
		m->ended.p = spare;
		m->ended.cap = spare_cap;
		spare = NULL;
		ret = 0;
	} else {
		ret = m->sink(L, rows, m->ended.n);
	}
	m->ended.n = 0;
	m->flushed = 1;
out:
	free(rows);
	free(spare);
	return ret;
}

/* The lifetime at place has ended and its slot no longer names it as live: it stays (kept)
 * or moves to the ended ones, which go to the sink when they fill the budget. */
int mtan_ld_lt_ended(struct loader *L, uint32_t place)
{
	struct ltstore *m = &L->lts;
	if (lt_needed(L, &m->p[place]))
		return mtan_ld_lt_keep(L, place);
	if (m->ended.n == m->ended.cap) {
		size_t most = m->budget / sizeof(struct lifetime);
		most = most ? most : 1;
		if (m->sink && m->ended.n >= most) {
			if (lt_flush(L))
				return -1;
		} else {
			size_t cap = m->ended.cap ? m->ended.cap * 2 : 64;
			if (m->sink && cap > most)
				cap = most > m->ended.n ? most : m->ended.n + 1;
			struct lifetime *q = realloc(m->ended.p, cap * sizeof(*q));
			if (!q)
				return -1;
			m->ended.p = q;
			m->ended.cap = cap;
		}
	}
	m->ended.p[m->ended.n++] = m->p[place];
	m->p[place].id = 0;
	m->p[place].addr = m->free;
	m->free = (size_t)place + 1;
	return 0;
}

/* After the pairing: every lifetime still in memory in L->lts.rows, by id. */
int mtan_ld_lt_rows(struct loader *L)
{
	struct ltstore *m = &L->lts;
	size_t n = m->ended.n;
	for (size_t k = 0; k < m->n; k++)
		n += m->p[k].id != 0;
	if (!(m->rows.p = malloc((n ? n : 1) * sizeof(*m->rows.p))))
		return -1;
	m->rows.cap = n ? n : 1;
	for (size_t k = 0; k < m->n; k++)
		if (m->p[k].id)
			m->rows.p[m->rows.n++] = &m->p[k];
	for (size_t k = 0; k < m->ended.n; k++)
		m->rows.p[m->rows.n++] = &m->ended.p[k];
	qsort(m->rows.p, m->rows.n, sizeof(*m->rows.p), by_id);
	return 0;
}

/* The ended lifetimes' budget, unless set (tests): MTAN_LIFETIME_BUFFER, else LT_BUDGET. */
void mtan_ld_lt_budget(struct loader *L)
{
	if (L->lts.budget)
		return;
	/* bytes; tests make it small. Digits only, as MTAN_REORDER_WINDOW: "-5" is not taken
	 * for strtoull's huge wrap (no budget at all), nor "abc" for 0 */
	const char *b = getenv("MTAN_LIFETIME_BUFFER");
	char *end = NULL;
	unsigned long long v = b && *b >= '0' && *b <= '9' ? strtoull(b, &end, 10) : 0;
	L->lts.budget = v && !*end && v < (1ull << 40) ? (size_t)v : LT_BUDGET;
}
