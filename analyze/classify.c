/* classify.c: leak kinds. Each process's last complete exit scan judges the blocks live
 * when it began with memcheck's algorithm (reach.c). */
#include "loader.h"
#include "output.h"
#include "reach.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ------------------------------------------------------------------ leak kinds */

/* by the first value of an item (arenas, heads, vtables) */
static int by_first(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Leak kinds: each process's last complete scan judges the heap blocks live when it began
 * (memcheck's graph, reach.c); a leak no scan saw (its process was killed or not scanned,
 * it came after the scan, it is on a device or in a client space) is not_scanned. It reads
 * the lifetimes still in memory (L->lts.rows): the pairing kept every one a scan saw. */
int mtan_ld_classify(struct loader *L)
{
	int ret = -1;
	struct map latest = {0}; /* pid -> index + 1 of its last complete scan */
	uint32_t *scan_of = NULL;
	size_t *count = calloc(L->scans.n + 1, sizeof(size_t));
	struct mtan_block **blocks = calloc(L->scans.n + 1, sizeof(*blocks));
	if (!count || !blocks)
		goto out;
	if (mtan_ld_last_scans(L, &latest))
		goto out;
	/* each pool's scan (index + 1; 0 none): host heaps only */
	if (latest.n && !(scan_of = calloc(L->pools.n + 1, sizeof(*scan_of))))
		goto out;
	for (size_t k = 0; latest.n && k < L->pools.n; k++) {
		const struct pool *p = &L->pools.p[k];
		const uint32_t *v = p->device == MTF_HOST && p->space == 0 ? map_get(&latest, p->pid, 0) : NULL;
		scan_of[k] = v ? *v : 0;
	}
	for (int pass = 0; pass < 2 && latest.n; pass++) {
		for (size_t i = 0; i < L->lts.rows.n; i++) {
			const struct lifetime *l = L->lts.rows.p[i];
			uint32_t v = scan_of[l->pool];
			if (!v)
				continue;
			const struct scan *sc = &L->scans.p[v - 1];
			if (l->alloc_seq >= sc->seq || (l->reason != R_LIVE && l->end_seq <= sc->seq))
				continue; /* not live when the scan looked */
			if (pass)
				blocks[v - 1][count[v - 1]++] = (struct mtan_block){l->addr, l->size, (uint32_t)i, 0};
			else
				count[v - 1]++;
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
		if (sc->arenas.n) /* none: p may be NULL, which qsort must not get */
			qsort(sc->arenas.p, sc->arenas.n / 2, 2 * sizeof(uint64_t), by_first);
		if (sc->vtables.n)
			qsort(sc->vtables.p, sc->vtables.n, sizeof(uint64_t), by_first);
		struct mtan_scan_view view = {sc->words.p, sc->words.n / 2, sc->arenas.p, sc->arenas.n / 2,
					      sc->heads.p, sc->heads.n / 4, sc->vtables.p, sc->vtables.n};
		if (mtan_reach(blocks[k], count[k], &view))
			goto out;
		for (size_t j = 0; j < count[k]; j++) {
			struct lifetime *l = L->lts.rows.p[blocks[k][j].id];
			if (l->reason == R_LIVE && !(l->flags & LT_INHERITED))
				l->flags = (uint8_t)((l->flags & ((1u << LT_KIND_SHIFT) - 1)) |
						     blocks[k][j].kind << LT_KIND_SHIFT);
		}
	}
	for (size_t i = 0; i < L->lts.rows.n; i++) {
		struct lifetime *l = L->lts.rows.p[i];
		if (l->reason == R_LIVE && !(l->flags & LT_INHERITED) && !LT_KIND(l))
			l->flags |= MTAN_KIND_NOT_SCANNED << LT_KIND_SHIFT;
	}
	ret = 0;
out:
	for (size_t k = 0; blocks && k < L->scans.n; k++)
		free(blocks[k]);
	free(blocks);
	free(count);
	free(scan_of);
	mtan_ld_map_release(&latest);
	if (ret)
		mtan_err("'%s': out of memory while judging leaks", L->trace);
	return ret;
}

