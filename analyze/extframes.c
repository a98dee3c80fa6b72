/* extframes.c: stacks whose names came from another tool (heaptrack's file, a CSV's stack
 * column). Such an import loads a trace whose frames are keys, not addresses any module
 * can resolve; then the frames are written here, with the names the tool gave them. */
#include "canon.h"
#include "extframes.h"
#include "load.h"
#include "output.h"
#include "sites.h"
#include "sql.h"
#include "mtf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int mtan_room(void **rows, size_t *cap, size_t n, size_t size)
{
	if (n <= *cap)
		return 0;
	size_t c = *cap ? *cap : 256;
	while (c < n)
		c *= 2;
	void *p = realloc(*rows, c * size);
	if (!p)
		return -1;
	*rows = p;
	*cap = c;
	return 0;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

/* The frames rows of key, from row id + 1 on, their texts and flags at texts[id..] and
 * flags[id..]. The number of rows, 0 on no memory, -1 when the database failed. */
static long frame_rows(const struct mtan_ext_stacks *x, sqlite3_stmt *frame, struct mtan_canon *canon,
		       uint32_t key, uint32_t pid, uint32_t id, uint32_t *texts, unsigned char *flags)
{
	struct mtan_ext_frame f;
	uint32_t n = x->frame(x->ctx, key, 0, &f);
	for (uint32_t j = 0; j < n; j++) {
		if (j)
			x->frame(x->ctx, key, j, &f);
		int inlined = j + 1 < n;
		int runtime = mtan_runtime_frame(f.module, f.function, f.file);
		flags[id + j] = (unsigned char)((runtime ? MTAN_FRAME_SKIP : 0) |
						(f.module && x->exe && !strcmp(f.module, x->exe) ? MTAN_FRAME_EXE : 0));
		/* a frame without a name reads as its address (no module base is known) */
		if (!(texts[id + j] = mtan_canon_frame(canon, f.function, f.file, f.line, f.module, f.address,
						       f.address, inlined)))
			return 0;
		sqlite3_bind_int64(frame, 1, id + j + 1);
		sqlite3_bind_int64(frame, 2, pid);
		sqlite3_bind_int64(frame, 3, (int64_t)f.address);
		sqlite3_bind_int64(frame, 4, 1);
		bind_text(frame, 5, f.module);
		sqlite3_bind_null(frame, 6);
		bind_text(frame, 7, f.function);
		bind_text(frame, 8, f.file);
		if (f.line > 0)
			sqlite3_bind_int64(frame, 9, f.line);
		else
			sqlite3_bind_null(frame, 9);
		sqlite3_bind_int64(frame, 10, inlined);
		sqlite3_bind_int64(frame, 11, runtime);
		if (sqlite3_step(frame) != SQLITE_DONE)
			return -1;
		sqlite3_reset(frame);
	}
	return n;
}

int mtan_ext_name_frames(sqlite3 *db, const struct mtan_ext_stacks *x)
{
	sqlite3_stmt *stacks = NULL, *frame = NULL, *sframe = NULL, *upd = NULL;
	struct mtan_canon *canon = mtan_canon_new();
	uint32_t *first = calloc((size_t)x->nkeys + 1, sizeof(*first)); /* key -> its first frames row */
	uint32_t *nrows = calloc((size_t)x->nkeys + 1, sizeof(*nrows)); /* key -> its frames rows */
	uint32_t *keys = malloc(MTF_MAX_FRAMES * sizeof(*keys));
	/* per frames row: its text (mtan_canon_frame) and MTAN_FRAME_* flags */
	uint32_t *texts = NULL, *tx = NULL;
	unsigned char *flags = NULL, *fl = NULL;
	size_t ntexts = 0, texts_cap = 0, flags_cap = 0, tx_cap = 0, fl_cap = 0;
	int ret = -1;
	if (!canon || !first || !nrows || !keys)
		goto nomem;
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK || mtan_exec(db, "import", "clear") ||
	    mtan_prepare(db, "import", "stacks", &stacks) || mtan_prepare(db, "load", "frame", &frame) ||
	    mtan_prepare(db, "load", "stack_frame", &sframe) || mtan_prepare(db, "import", "stack_update", &upd))
		goto fail;
	while (sqlite3_step(stacks) == SQLITE_ROW) {
		int64_t sid = sqlite3_column_int64(stacks, 0);
		uint32_t pid = (uint32_t)sqlite3_column_int64(stacks, 1);
		uint32_t n = x->stack(x->ctx, pid, (uint32_t)sqlite3_column_int64(stacks, 2), keys);
		size_t rows = 0;
		for (uint32_t k = 0; k < n; k++) {
			if (!first[keys[k]]) {
				struct mtan_ext_frame f;
				uint32_t m = x->frame(x->ctx, keys[k], 0, &f);
				if (mtan_room((void **)&texts, &texts_cap, ntexts + m, sizeof(*texts)) ||
				    mtan_room((void **)&flags, &flags_cap, ntexts + m, 1))
					goto nomem;
				long got = frame_rows(x, frame, canon, keys[k], pid, (uint32_t)ntexts, texts, flags);
				if (got < 0)
					goto fail;
				if (!got)
					goto nomem;
				first[keys[k]] = (uint32_t)ntexts + 1;
				nrows[keys[k]] = m;
				ntexts += m;
			}
			rows += nrows[keys[k]];
		}
		if (mtan_room((void **)&tx, &tx_cap, rows, sizeof(*tx)) || mtan_room((void **)&fl, &fl_cap, rows, 1))
			goto nomem;
		int64_t level = 0;
		for (uint32_t k = 0; k < n; k++) {
			for (uint32_t j = 0; j < nrows[keys[k]]; j++) {
				uint32_t row = first[keys[k]] + j;
				tx[level] = texts[row - 1];
				fl[level] = flags[row - 1];
				sqlite3_bind_int64(sframe, 1, sid);
				sqlite3_bind_int64(sframe, 2, level++);
				sqlite3_bind_int64(sframe, 3, row);
				sqlite3_bind_int64(sframe, 4, k);
				if (sqlite3_step(sframe) != SQLITE_DONE)
					goto fail;
				sqlite3_reset(sframe);
			}
		}
		int site = mtan_site_of(fl, (int)rows);
		uint32_t same = mtan_canon_stack(canon, (uint32_t)sid, tx, (uint32_t)rows, site);
		if (!same)
			goto nomem;
		sqlite3_bind_int64(upd, 1, sid);
		sqlite3_bind_int64(upd, 2, n);
		sqlite3_bind_int64(upd, 3, site);
		sqlite3_bind_int64(upd, 4, same);
		if (sqlite3_step(upd) != SQLITE_DONE)
			goto fail;
		sqlite3_reset(upd);
	}
	if (sqlite3_errcode(db) != SQLITE_OK && sqlite3_errcode(db) != SQLITE_DONE && sqlite3_errcode(db) != SQLITE_ROW)
		goto fail;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory");
	goto out;
fail:
	mtan_sqlerr(db, "naming the imported frames");
out:
	sqlite3_finalize(stacks);
	sqlite3_finalize(frame);
	sqlite3_finalize(sframe);
	sqlite3_finalize(upd);
	mtan_canon_free(canon);
	free(first);
	free(nrows);
	free(keys);
	free(texts);
	free(flags);
	free(tx);
	free(fl);
	return ret;
}

int mtan_ext_load(const char *trace, const char *out, const struct mtan_ext_stacks *x)
{
	struct mtan_load_stats st;
	sqlite3 *db = NULL;
	char *tmp = NULL;
	int ret = -1;
	if (asprintf(&tmp, "%s.tmp.%d", out, (int)getpid()) < 0) {
		tmp = NULL;
		mtan_err("out of memory");
		goto out;
	}
	unlink(tmp);
	if (mtan_load(trace, tmp, &st))
		goto out;
	if (sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		mtan_err("cannot open '%s': %s", tmp, db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	if (mtan_ext_name_frames(db, x))
		goto out;
	if (sqlite3_close(db) != SQLITE_OK) {
		mtan_sqlerr(db, "closing the database");
		db = NULL;
		goto out;
	}
	db = NULL;
	if (rename(tmp, out) < 0) {
		mtan_err("cannot rename '%s' to '%s': %s", tmp, out, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	sqlite3_close(db);
	if (tmp && ret)
		unlink(tmp);
	free(tmp);
	return ret;
}
