/* ldtab.c: the loader's tables: the hash maps, and the processes, pools, names, timeline
 * tracks and stacks that every stage looks up. */
#include "loader.h"
#include "progress.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ------------------------------------------------------------------ hashing */


int mtan_ld_map_grow(struct map *m)
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



void mtan_ld_map_release(struct map *m)
{
	free(m->s);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------------ lookups */

struct proc *mtan_ld_proc_get(struct loader *L, uint32_t pid)
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

int32_t mtan_ld_pool_get(struct loader *L, uint32_t pid, uint32_t device, uint32_t space)
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
		if (!mtan_ld_proc_get(L, pid))
			return -1;
	}
	return (int32_t)*v;
}

int mtan_ld_name_id(struct loader *L, const char *s)
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

uint32_t mtan_ld_track_get(struct loader *L, int scope, uint32_t pid, uint32_t device, int name)
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
int mtan_ld_pool_resolve(struct loader *L, struct pool *p)
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
	if ((p->name = mtan_ld_name_id(L, name)) < 0)
		return -1;
	p->track[0] = mtan_ld_track_get(L, 0, p->pid, p->device, p->name);
	p->track[1] = mtan_ld_track_get(L, T_ALL_PIDS, p->pid, p->device, p->name);
	p->track[2] = mtan_ld_track_get(L, T_ALL_DEVICES, p->pid, p->device, -1);
	p->track[3] = mtan_ld_track_get(L, T_ALL_PIDS | T_ALL_DEVICES, p->pid, p->device, -1);
	for (int i = 0; i < 4; i++)
		if (p->track[i] == NONE)
			return -1;
	return 0;
}

/* stacks.id of the trace's stack id in pid (or, for a forked child, an ancestor). */
uint32_t mtan_ld_stack_of(struct loader *L, uint32_t pid, uint32_t id)
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


void mtan_ld_progress(const struct loader *L, double frac)
{
	double f = L->cost_all > 0 ? (L->cost_done + frac * L->cost_now) / L->cost_all : -1;
	mtan_progress(L->stage, f, L->events);
}

/* Frees everything a load holds, the database connection included. */
void mtan_ld_release(struct loader *L)
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
	free(L->bounds.low.p);
	free(L->bounds.high.p);
	free(L->recs.p);
	free(L->lts.p);
	free(L->lts.ended.p);
	free(L->lts.rows.p);
	free(L->lts.glong.p);
	free(L->sites.p);
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
			      &L->race_map, &L->lts.kept, &L->lts.scan, &L->site_map};
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		mtan_ld_map_release(maps[i]);
	free(L->ps);
}

int mtan_ld_last_scans(const struct loader *L, struct map *latest)
{
	for (size_t k = 0; k < L->scans.n; k++) {
		const struct scan *sc = &L->scans.p[k];
		int isnew;
		uint32_t *v;
		if (!sc->done)
			continue;
		if (!(v = map_at(latest, sc->pid, 0, &isnew)))
			return -1;
		if (isnew || L->scans.p[*v - 1].seq < sc->seq)
			*v = (uint32_t)k + 1;
	}
	return 0;
}
