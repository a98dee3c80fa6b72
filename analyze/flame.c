/* flame.c: the bytes of each allocation stack (leaked, live at the peak, or allocated) as
 * one tree of frames, outermost first, stacks that read the same merged whatever their
 * process or id: written as folded stacks (`mtan export --folded`) and drawn as the
 * report's flame graphs. */
#include "flame.h"
#include "opts.h"
#include "output.h"
#include "sql.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The frame's name as both outputs show it (mtan_frame_label); ';' (the folded separator)
 * and control characters become '_'. */
static char *frame_name(sqlite3_stmt *fr)
{
	char *s = mtan_frame_label((const char *)sqlite3_column_text(fr, 0), (const char *)sqlite3_column_text(fr, 1),
				   (uint64_t)sqlite3_column_int64(fr, 2), (uint64_t)sqlite3_column_int64(fr, 3), 0);
	for (char *p = s; p && *p; p++)
		if (*p == ';' || (unsigned char)*p < 0x20)
			*p = '_';
	return s;
}

static uint64_t key_hash(size_t parent, const char *name)
{
	uint64_t h = 1469598103934665603ull ^ (parent * 0x9e3779b97f4a7c15ull);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h ^ (h >> 29);
}

/* Grows the (parent, name) index to twice its size, or to 1024 slots. */
static int rehash(struct mtan_flame *fl)
{
	size_t n = fl->nslots ? fl->nslots * 2 : 1024;
	size_t *s = calloc(n, sizeof(*s));
	if (!s)
		return -1;
	for (size_t i = 1; i < fl->n; i++) {
		size_t j = key_hash(fl->v[i].parent, fl->v[i].name) & (n - 1);
		while (s[j])
			j = (j + 1) & (n - 1);
		s[j] = i;
	}
	free(fl->slots);
	fl->slots = s;
	fl->nslots = n;
	return 0;
}

/* The child of parent named name, made (and its name taken) when there is none; the name
 * is freed when it is not taken. 0 when memory ran out. */
static size_t child(struct mtan_flame *fl, size_t parent, char *name, int runtime)
{
	if ((fl->n + 1) * 2 > fl->nslots && rehash(fl)) {
		free(name);
		return 0;
	}
	size_t j = key_hash(parent, name) & (fl->nslots - 1);
	for (; fl->slots[j]; j = (j + 1) & (fl->nslots - 1)) {
		struct mtan_flame_node *c = &fl->v[fl->slots[j]];
		if (c->parent == parent && !strcmp(c->name, name)) {
			free(name);
			c->runtime &= runtime; /* greyed only where every stack through it says so */
			return fl->slots[j];
		}
	}
	if (fl->n == fl->cap) {
		size_t cap = fl->cap * 2;
		struct mtan_flame_node *v = realloc(fl->v, cap * sizeof(*v));
		if (!v) {
			free(name);
			return 0;
		}
		fl->v = v;
		fl->cap = cap;
	}
	struct mtan_flame_node *c = &fl->v[fl->n];
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->runtime = runtime;
	c->parent = parent;
	c->depth = fl->v[parent].depth + 1;
	c->next = fl->v[parent].child;
	fl->v[parent].child = fl->n;
	if (c->depth > fl->depth)
		fl->depth = c->depth;
	fl->slots[j] = fl->n;
	return fl->n++;
}

static int by_name(const void *a, const void *b, void *arg)
{
	const struct mtan_flame_node *v = arg;
	return strcmp(v[*(const size_t *)a].name, v[*(const size_t *)b].name);
}

/* Relinks every node's children in the order of their names, so both outputs are the same
 * from run to run. */
static int sort_children(struct mtan_flame *fl)
{
	size_t *tmp = malloc(fl->n * sizeof(*tmp));
	if (!tmp)
		return -1;
	for (size_t i = 0; i < fl->n; i++) {
		size_t k = 0;
		for (size_t c = fl->v[i].child; c; c = fl->v[c].next)
			tmp[k++] = c;
		if (k < 2)
			continue;
		qsort_r(tmp, k, sizeof(*tmp), by_name, fl->v);
		fl->v[i].child = tmp[0];
		for (size_t m = 0; m + 1 < k; m++)
			fl->v[tmp[m]].next = tmp[m + 1];
		fl->v[tmp[k - 1]].next = 0;
	}
	free(tmp);
	return 0;
}

int mtan_flame_build(sqlite3 *db, const char *of, const struct mtan_opts *o, struct mtan_flame *fl)
{
	sqlite3_stmt *st = NULL, *fr = NULL;
	int ret = -1, rc;
	memset(fl, 0, sizeof(*fl));
	fl->cap = 256;
	if (!(fl->v = calloc(fl->cap, sizeof(*fl->v))) || !(fl->v[0].name = strdup("all")) || rehash(fl))
		goto nomem;
	fl->n = 1;
	if (mtan_prepare(db, "flame", of, &st) || mtan_prepare(db, "flame", "frames", &fr))
		goto out;
	mtan_bind_common(st, o);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long bytes = sqlite3_column_int64(st, 1);
		size_t at = 0;
		if (bytes <= 0)
			continue;
		fl->v[0].bytes += bytes;
		if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
			sqlite3_reset(fr);
			sqlite3_bind_int64(fr, 1, sqlite3_column_int64(st, 0));
			while ((rc = sqlite3_step(fr)) == SQLITE_ROW) {
				char *name = frame_name(fr);
				if (!name || !(at = child(fl, at, name, sqlite3_column_int(fr, 4) != 0)))
					goto nomem;
				fl->v[at].bytes += bytes;
			}
			if (rc != SQLITE_DONE)
				goto sqlerr;
		}
		if (!at) {
			char *name = strdup("[no stack]");
			if (!name || !(at = child(fl, 0, name, 1)))
				goto nomem;
			fl->v[at].bytes += bytes;
		}
	}
	if (rc != SQLITE_DONE)
		goto sqlerr;
	if (sort_children(fl))
		goto nomem;
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory");
	goto out;
sqlerr:
	mtan_sqlerr(db, "cannot read the database");
out:
	sqlite3_finalize(st);
	sqlite3_finalize(fr);
	if (ret)
		mtan_flame_free(fl);
	return ret;
}

long long mtan_flame_self(const struct mtan_flame *fl, size_t i)
{
	long long b = fl->v[i].bytes;
	for (size_t c = fl->v[i].child; c; c = fl->v[c].next)
		b -= fl->v[c].bytes;
	return b;
}

static void folded(const struct mtan_flame *fl, size_t i, const char **path, FILE *f)
{
	const struct mtan_flame_node *n = &fl->v[i];
	path[n->depth] = n->name;
	long long self = mtan_flame_self(fl, i);
	if (self > 0 && n->depth) {
		for (int d = 1; d <= n->depth; d++)
			fprintf(f, "%s%s", d > 1 ? ";" : "", path[d]);
		fprintf(f, " %lld\n", self);
	}
	for (size_t c = n->child; c; c = fl->v[c].next)
		folded(fl, c, path, f);
}

int mtan_flame_folded(const struct mtan_flame *fl, FILE *f)
{
	const char **path = calloc((size_t)fl->depth + 1, sizeof(*path));
	if (!path) {
		mtan_err("out of memory");
		return -1;
	}
	folded(fl, 0, path, f);
	free(path);
	return 0;
}

void mtan_flame_free(struct mtan_flame *fl)
{
	for (size_t i = 0; fl->v && i < fl->n; i++)
		free(fl->v[i].name);
	if (fl->v && !fl->n)
		free(fl->v[0].name); /* a build that failed before the root counted */
	free(fl->v);
	free(fl->slots);
	memset(fl, 0, sizeof(*fl));
}
