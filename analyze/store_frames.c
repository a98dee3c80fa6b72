/* store_frames.c: symbolizes every distinct frame and writes the frames, stacks and
 * stack_frames rows. */
#include "loader.h"
#include "canon.h"
#include "output.h"
#include "sites.h"
#include "sql.h"
#include "symbols.h"
#include "sym.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

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
	mtan_ld_bind_opt(st, 9, line > 0, line);
	sqlite3_bind_int64(st, 10, inlined);
	sqlite3_bind_int64(st, 11, runtime);
	return mtan_ld_step(L, st);
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
		if (mtan_ld_step(L, L->st_stack))
			goto fail;
		int64_t level = 0;
		for (uint32_t i = 0; i < sr->n; i++) {
			const struct frame_rows *r = &rows[refs[i] - 1];
			for (uint32_t j = 0; j < r->n; j++) {
				sqlite3_bind_int64(L->st_stack_frame, 1, (int64_t)k + 1);
				sqlite3_bind_int64(L->st_stack_frame, 2, level++);
				sqlite3_bind_int64(L->st_stack_frame, 3, r->first + j);
				sqlite3_bind_int64(L->st_stack_frame, 4, i);
				if (mtan_ld_step(L, L->st_stack_frame))
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

/* Symbolizing runs beside the pairing and the stages after it, on the second core: it
 * needs only the frames and the module maps, complete once the trace is read. Its results
 * wait in memory, one per frame, for mtan_ld_write_frames, which writes the rows in the
 * same order either way: the database does not depend on it (MTAN_THREADS=1, or a thread
 * that cannot start, symbolizes there instead). */
struct mtan_ld_symjob {
	pthread_t thread;
	int started;                  /* a thread runs symbolize_all */
	struct frame_ref *refs;       /* the frames by owner: each owner's module map once */
	struct mtan_module *mods;     /* the module map in hand */
	struct mtan_perf_sym *perf;   /* the perf map in hand */
	struct mtan_sym *syms;        /* by frame index */
	struct mtan_symbolizer *sym;
	uint64_t resolved, cached;
	atomic_size_t done;           /* frames symbolized so far (progress) */
	atomic_int finished;          /* symbolize_all returned */
	int failed;                   /* out of memory */
};

static void *symbolize_all(void *arg)
{
	struct loader *L = arg;
	struct mtan_ld_symjob *j = L->symjob;
	for (size_t k = 0; k < L->frames.n; k++) {
		const struct frame_ref *r = &j->refs[k];
		if (!k || r->owner != j->refs[k - 1].owner) {
			size_t n = 0, np = 0;
			for (size_t m = 0; m < L->mods.n; m++)
				if (L->mods.p[m].pid == r->owner)
					j->mods[n++] = L->mods.p[m].m;
			for (size_t m = 0; m < L->perf.n; m++)
				if (L->perf.p[m].pid == r->owner)
					j->perf[np++] = L->perf.p[m].p;
			if (mtan_symbolizer_map(j->sym, j->mods, n) || mtan_symbolizer_perf_map(j->sym, j->perf, np)) {
				j->failed = 1;
				break;
			}
		}
		const struct frame *f = &L->frames.p[r->index];
		mtan_symbolize(j->sym, f->addr, f->ret, &j->syms[r->index]);
		atomic_store_explicit(&j->done, k + 1, memory_order_relaxed);
	}
	if (!j->failed)
		mtan_symbolizer_done(j->sym, &j->resolved, &j->cached);
	atomic_store(&j->finished, 1);
	return NULL;
}

int mtan_ld_symbolize_start(struct loader *L)
{
	struct mtan_ld_symjob *j = calloc(1, sizeof(*j));
	if (!j)
		return -1;
	L->symjob = j;
	if (L->mods.n) /* each owner's modules in the order they came */
		qsort(L->mods.p, L->mods.n, sizeof(*L->mods.p), by_pid);
	j->refs = malloc((L->frames.n + 1) * sizeof(*j->refs));
	j->mods = malloc((L->mods.n + 1) * sizeof(*j->mods));
	j->perf = malloc((L->perf.n + 1) * sizeof(*j->perf));
	j->syms = calloc(L->frames.n + 1, sizeof(*j->syms));
	if (!j->refs || !j->mods || !j->perf || !j->syms || !(j->sym = mtan_symbolizer_new(NULL, 0, L->sym)))
		return -1;
	for (size_t k = 0; k < L->frames.n; k++) {
		j->refs[k].owner = module_owner(L, L->frames.p[k].pid);
		j->refs[k].index = (uint32_t)k;
	}
	if (L->frames.n)
		qsort(j->refs, L->frames.n, sizeof(*j->refs), by_owner);
	const char *threads = getenv("MTAN_THREADS");
	if (L->frames.n && !(threads && !strcmp(threads, "1")))
		j->started = pthread_create(&j->thread, NULL, symbolize_all, L) == 0;
	return 0;
}

/* Waits for the symbolizing (or does it here), showing its progress; -1: out of memory. */
static int symbolize_wait(struct loader *L)
{
	struct mtan_ld_symjob *j = L->symjob;
	if (!j->started) {
		symbolize_all(L);
	} else {
		while (!atomic_load(&j->finished)) {
			size_t done = atomic_load_explicit(&j->done, memory_order_relaxed);
			mtan_ld_progress(L, (double)done / (double)(L->frames.n + 1));
			nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
		}
		pthread_join(j->thread, NULL);
		j->started = 0;
	}
	return j->failed ? -1 : 0;
}

void mtan_ld_symbolize_stop(struct loader *L)
{
	struct mtan_ld_symjob *j = L->symjob;
	if (!j)
		return;
	if (j->started)
		pthread_join(j->thread, NULL);
	for (size_t k = 0; j->syms && k < L->frames.n; k++)
		mtan_sym_release(&j->syms[k]);
	mtan_symbolizer_free(j->sym);
	free(j->refs);
	free(j->mods);
	free(j->perf);
	free(j->syms);
	free(j);
	L->symjob = NULL;
}

/* Writes each distinct frame's symbols (mtan_ld_symbolize_start); a frame in inlined code
 * becomes a row per inlined function and one for the function holding it. Then the
 * stacks, which refer to those rows. */
int mtan_ld_write_frames(struct loader *L)
{
	sqlite3_stmt *st = NULL;
	struct mtan_ld_symjob *j = L->symjob;
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
	rows = calloc(L->frames.n + 1, sizeof(*rows));
	exes = malloc((L->prows.n + 1) * sizeof(*exes));
	canon = mtan_canon_new();
	if (!j || !rows || !exes || !canon || symbolize_wait(L))
		goto nomem;
	for (size_t k = 0; k < L->prows.n; k++)
		if (L->prows.p[k].exe)
			exes[nexes++] = &L->prows.p[k];
	if (nexes)
		qsort(exes, nexes, sizeof(*exes), by_pid_exe);
	for (size_t k = 0; k < L->frames.n; k++) {
		const struct frame *f = &L->frames.p[j->refs[k].index];
		const struct mtan_sym *sy = &j->syms[j->refs[k].index];
		const struct mtan_sym s = *sy;
		if (nflags + s.ninlined + 1 > capflags) {
			size_t c = capflags ? capflags * 2 : 4096;
			while (c < nflags + s.ninlined + 1)
				c *= 2;
			unsigned char *p = realloc(flags, c);
			if (p)
				flags = p;
			uint32_t *q = p ? realloc(texts, c * sizeof(*texts)) : NULL;
			if (!q)
				goto nomem;
			texts = q;
			capflags = c;
		}
		rows[j->refs[k].index].first = id + 1;
		rows[j->refs[k].index].n = (uint32_t)s.ninlined + 1;
		int rc = 0;
		for (size_t i = 0; i < s.ninlined && !rc; i++) {
			rc = bind_frame(L, st, ++id, f, &s, s.inlined[i].function, s.inlined[i].file,
					s.inlined[i].line, 1, &flags[nflags], exes, nexes);
			if (!rc && !(texts[nflags] = mtan_canon_frame(canon, s.inlined[i].function, s.inlined[i].file,
								      s.inlined[i].line, s.module, s.offset, f->addr, 1)))
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
		if (rc == -2)
			goto nomem;
		if (rc)
			goto out;
	}
	mtan_canon_free(canon); /* the frames' texts are numbered: the strings can go */
	canon = NULL;
	if (mtan_ld_meta_int(L, "symbols_resolved", (long long)j->resolved) ||
	    mtan_ld_meta_int(L, "symbols_cached", (long long)j->cached) || write_stacks(L, rows, flags, texts))
		goto out;
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory while symbolizing");
	L->reported = 1;
out:
	free(rows);
	free(flags);
	free(texts);
	mtan_canon_free(canon);
	free(exes);
	sqlite3_finalize(st);
	return ret;
}
