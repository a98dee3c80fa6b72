/* cmd_leaks.c: `mtan leaks`: blocks allocated and never freed before their process ended,
 * as memcheck judges them at exit (definitely, indirectly, possibly lost; still reachable
 * on request; not scanned), grouped by allocation site (process, device, space, stack whose
 * frames read the same, kind), the most bytes first, ending with valgrind's LEAK SUMMARY.
 * Blocks still live when their device was closed are listed apart: released, not leaked;
 * those allocated after the device's setup (held to close) first, as suspects. */
#include "commands.h"
#include "db.h"
#include "opts.h"
#include "output.h"
#include "scope.h"
#include "sites.h"
#include "sql.h"
#include "suppress.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char cmd_leaks_usage[] =
	"leaks [options] TRACE|DB\n\n"
	"Blocks never freed, as memcheck judges them when their process exits: definitely\n"
	"lost (nothing points to them), indirectly lost (only lost blocks do), possibly lost\n"
	"(only pointers into their middle do), not scanned (a process killed by a signal,\n"
	"device memory: not judged, counted as lost), and with --reachable still reachable\n"
	"(a global, a stack or TLS still points to them). Grouped by allocation site\n"
	"(process, device, space, stack, kind; stacks whose frames read the same are one\n"
	"site), the most bytes first; the table ends with the lost total and valgrind's LEAK\n"
	"SUMMARY. --format json prints an array of sites, each with kind, blocks, bytes, pid,\n"
	"device (-1: host), space, frames (innermost first, every one; inlined calls are\n"
	"frames of their own, with \"inlined\": true) and site, the index of the first frame\n"
	"that is the program's: past the allocator, libc, the C++ runtime and the recorder\n"
	"(else the first in the executable, else 0). Tables start each site there and stop\n"
	"before the frames below main (--all-frames: every frame). Blocks that were live when\n"
	"their device was closed are not leaks: the table lists them apart, and JSON and CSV\n"
	"list them after the leaks with \"ended\": \"device_close\" (kind null). Of those, the\n"
	"blocks allocated after the device's setup (its baseline: up to mtrec_device_ready,\n"
	"else to the first mark after the open) are held to close (\"held_to_close\": true):\n"
	"suspects, listed first with their stacks (mtan check --fail-held fails on them).\n"
	"--since/--until keep the blocks allocated in the window, --device and --space those\n"
	"of a device or space. --format csv prints a row per site: kind, bytes, blocks, pid,\n"
	"device, space, the function, file and line of the site's frame (where the table\n"
	"starts), frames (every frame's name, innermost first, separated by ';'), ended\n"
	"(empty for leaks, device_close) and held_to_close (empty, 0 or 1). Leaks a suppression\n"
	"matches are left out and counted in the summary's 'suppressed' line (on stderr with\n"
	"csv and json); see mtan check --help for the format and the built-in list. A trace\n"
	"recorded with mtrec --sample-stacks has stacks for a sample of the blocks: the sites'\n"
	"blocks and bytes are estimates, marked '~' (JSON: \"estimated\": true with\n"
	"sampled_blocks and sampled_bytes), the totals exact (SCHEMA.md, Sampled stacks).";

/* --since/--until: the blocks allocated in the window (all of them without one) */
static struct mtan_window win;

static int reachable; /* --reachable: list still reachable sites too */
static long long sampled; /* the trace's --sample-stacks mean: leak sites are estimates */

static int take_reachable(struct mtan_opts *o, const char *arg)
{
	(void)o;
	(void)arg;
	reachable = 1;
	return 0;
}

static const struct mtan_extra own[] = {
	{{"reachable", no_argument, NULL, 1400},
	 "  --reachable           list the still reachable sites too (all the kinds, as\n"
	 "                        valgrind shows them with show-leak-kinds=all)", take_reachable},
	{{0, 0, 0, 0}, NULL, NULL},
};

struct site {
	long long pid, device, space, blocks, bytes;
	double est_blocks, est_bytes; /* a sampled trace's estimates (else blocks and bytes) */
	int has_stack;
	long long stack;
	char *space_name, *kind; /* kind NULL: released by a device close */
	int held;                /* released: allocated after its device's setup (held to close) */
	char *key;               /* --depth: what the site's stack shows */
};

struct sites {
	struct site *v;
	size_t n;
	long long lost, all; /* --depth: the lost sites and all sites before --limit (-1: not counted) */
};

static void sites_release(struct sites *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].space_name);
		free(l->v[i].kind);
		free(l->v[i].key);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int by_key(const void *a, const void *b)
{
	const struct site *x = a, *y = b;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->device != y->device)
		return x->device < y->device ? -1 : 1;
	if (x->space != y->space)
		return x->space < y->space ? -1 : 1;
	int c = strcmp(x->kind ? x->kind : "", y->kind ? y->kind : "");
	if (!c && x->held != y->held)
		c = x->held ? -1 : 1;
	return c ? c : strcmp(x->key, y->key);
}

static int by_bytes(const void *a, const void *b)
{
	const struct site *x = a, *y = b;
	if (x->est_bytes != y->est_bytes)
		return x->est_bytes > y->est_bytes ? -1 : 1;
	if (x->blocks != y->blocks)
		return x->blocks > y->blocks ? -1 : 1;
	if (x->stack != y->stack)
		return x->stack < y->stack ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* The sites of one section of leaks.sql ("sites" or "released"), the most bytes first, at
 * most --limit. With --depth, sites whose stacks show the same first N frames are one (the
 * first stack of them stands for it). 0, or -1 (reported). */
static int collect(sqlite3 *db, const struct mtan_opts *o, const char *section, int held, long long shown,
		   struct sites *out)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int ret = -1, rc;
	memset(out, 0, sizeof(*out));
	out->lost = out->all = -1;
	if (mtan_prepare(db, "leaks", section, &st))
		goto out;
	mtan_bind_scope(st, o, &win);
	int i = sqlite3_bind_parameter_index(st, ":reachable");
	if (i)
		sqlite3_bind_int(st, i, reachable);
	if ((i = sqlite3_bind_parameter_index(st, ":held"))) {
		if (held >= 0)
			sqlite3_bind_int(st, i, held);
		else
			sqlite3_bind_null(st, i);
	}
	/* the released sites come after the shown leak sites, within one --limit */
	if (shown && o->limit >= 0 && (i = sqlite3_bind_parameter_index(st, ":limit")))
		sqlite3_bind_int64(st, i, o->limit > shown ? o->limit - shown : 0);
	if (o->skip.depth > 0) /* the limit applies to the merged sites */
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"), -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 64;
			struct site *v = realloc(out->v, cap * sizeof(*v));
			if (!v)
				goto nomem;
			out->v = v;
		}
		struct site *s = &out->v[out->n++];
		memset(s, 0, sizeof(*s));
		const char *name = (const char *)sqlite3_column_text(st, 3);
		int released = !strcmp(section, "released");
		const char *kind = released ? NULL : (const char *)sqlite3_column_text(st, 7);
		s->held = released && sqlite3_column_int(st, 7);
		s->pid = sqlite3_column_int64(st, 0);
		s->device = sqlite3_column_int64(st, 1);
		s->space = sqlite3_column_int64(st, 2);
		s->has_stack = sqlite3_column_type(st, 4) != SQLITE_NULL;
		s->stack = s->has_stack ? sqlite3_column_int64(st, 4) : -1;
		s->blocks = sqlite3_column_int64(st, 5);
		s->bytes = sqlite3_column_int64(st, 6);
		s->est_blocks = released ? (double)s->blocks : sqlite3_column_double(st, 8);
		s->est_bytes = released ? (double)s->bytes : sqlite3_column_double(st, 9);
		if (!(s->space_name = strdup(name ? name : "")) || (kind && !(s->kind = strdup(kind))))
			goto nomem;
		if (o->skip.depth > 0 && !(s->key = mtan_stack_key(db, o, s->stack)))
			goto out;
	}
	if (rc != SQLITE_DONE) {
		mtan_sqlerr(db, "cannot read the database");
		goto out;
	}
	if (o->skip.depth > 0 && out->n) {
		qsort(out->v, out->n, sizeof(*out->v), by_key);
		size_t k = 0;
		for (size_t j = 0; j < out->n; j++) {
			struct site *s = &out->v[j];
			if (k && !by_key(&out->v[k - 1], s)) {
				struct site *t = &out->v[k - 1];
				t->blocks += s->blocks;
				t->bytes += s->bytes;
				t->est_blocks += s->est_blocks;
				t->est_bytes += s->est_bytes;
				if (s->stack >= 0 && (t->stack < 0 || s->stack < t->stack))
					t->stack = s->stack, t->has_stack = 1;
				free(s->space_name);
				free(s->kind);
				free(s->key);
				continue;
			}
			out->v[k++] = *s;
		}
		out->n = k;
		qsort(out->v, out->n, sizeof(*out->v), by_bytes);
		out->lost = 0;
		out->all = (long long)out->n;
		for (size_t j = 0; j < out->n; j++)
			out->lost += out->v[j].kind && mtan_leak_kind(out->v[j].kind) != MTAN_REACHABLE;
		size_t limit = o->limit < 0 ? out->n : o->limit > shown ? (size_t)(o->limit - shown) : 0;
		if (out->n > limit) {
			for (size_t j = limit; j < out->n; j++) {
				free(out->v[j].space_name);
				free(out->v[j].kind);
				free(out->v[j].key);
			}
			out->n = limit;
		}
	}
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory");
out:
	sqlite3_finalize(st);
	return ret;
}

/* The name a frame shows: its function, else module+offset, else the bare address. */
static const char *frame_name(char *buf, size_t size, sqlite3_stmt *fr)
{
	const char *fn = (const char *)sqlite3_column_text(fr, 1);
	const char *mod = (const char *)sqlite3_column_text(fr, 4);
	if (fn)
		return fn;
	if (mod) {
		const char *base = strrchr(mod, '/');
		snprintf(buf, size, "%s+0x%" PRIx64, base ? base + 1 : mod, (uint64_t)sqlite3_column_int64(fr, 5));
	} else {
		snprintf(buf, size, "0x%" PRIx64, (uint64_t)sqlite3_column_int64(fr, 6));
	}
	return buf;
}

/* Prints sites for people or as JSON; verb: what the table says of released blocks. */
static int print_sites(sqlite3 *db, const struct mtan_opts *o, const struct sites *l, const char *verb,
		       size_t before)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct site *s = &l->v[i];
		char a[32], b[32], dev[16];
		/* a sampled trace's leak sites: the estimates, marked (released: as recorded) */
		int est = sampled && s->kind;
		long long blocks = est ? llround(s->est_blocks) : s->blocks;
		long long bytes = est ? llround(s->est_bytes) : s->bytes;
		if (o->format == MTAN_JSON) {
			printf("%s{\"kind\": ", (i + before) ? ",\n " : "");
			mtan_json_str(stdout, s->kind);
			printf(", \"blocks\": %lld, \"bytes\": %lld, ", blocks, bytes);
			if (est)
				printf("\"estimated\": true, \"sampled_blocks\": %lld, \"sampled_bytes\": %lld, ",
				       s->blocks, s->bytes);
			printf("\"pid\": %lld, \"device\": %lld, \"space\": ", s->pid, s->device);
			mtan_json_str(stdout, s->space_name);
			fputs(", ", stdout);
			if (mtan_print_frames(db, o, s->has_stack ? s->stack : -1))
				return -1;
			if (!s->kind) /* released by a device close */
				printf(", \"ended\": \"device_close\", \"held_to_close\": %s", s->held ? "true" : "false");
			fputs("}", stdout);
		} else {
			mtan_prose(stdout, "%s%s%s bytes in %s%s %s %s (pid %lld, %s%s %s)\n", i ? "\n" : "",
				   est ? "~" : "", mtan_count(a, (uint64_t)bytes), est ? "~" : "",
				   mtan_count(b, (uint64_t)blocks), blocks == 1 ? "block" : "blocks",
				   s->kind ? mtan_leak_kind_words(mtan_leak_kind(s->kind)) : verb, s->pid,
				   s->device == -1 ? "" : "device ", mtan_device_name(dev, s->device), s->space_name);
			if (mtan_print_frames(db, o, s->has_stack ? s->stack : -1))
				return -1;
		}
	}
	return 0;
}

/* A frame that may be the site's: its name, file and line, copied. */
struct pick {
	char *fn, *file;
	int line, set;
};

static int keep_pick(struct pick *p, const char *name, sqlite3_stmt *fr)
{
	const char *file = (const char *)sqlite3_column_text(fr, 2);
	p->set = 1;
	p->fn = strdup(name);
	p->file = file ? strdup(file) : NULL;
	p->line = sqlite3_column_type(fr, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(fr, 3);
	return !p->fn || (file && !p->file) ? -1 : 0;
}

/* The leak sites as CSV rows: the site's frame apart (JSON's "site": past the allocator
 * and the runtime, and past --skip-module/--skip-function), then every frame's name. */
static int csv_sites(sqlite3 *db, const struct mtan_opts *o, const struct sites *leaks, const struct sites *rel)
{
	static const struct mtan_col cols[] = {
		{"kind", NULL, MTAN_K_TEXT}, {"bytes", NULL, MTAN_K_INT}, {"blocks", NULL, MTAN_K_INT}, {"pid", NULL, MTAN_K_INT},
		{"device", NULL, MTAN_K_DEVICE}, {"space", NULL, MTAN_K_TEXT},
		{"function", NULL, MTAN_K_TEXT}, {"file", NULL, MTAN_K_TEXT}, {"line", NULL, MTAN_K_INT},
		{"frames", NULL, MTAN_K_TEXT}, {"ended", NULL, MTAN_K_TEXT}, {"held_to_close", NULL, MTAN_K_INT},
	};
	sqlite3_stmt *fr = NULL;
	struct mtan_rows *r = NULL;
	struct pick picks[3]; /* the first frame not skipped, the program's first, frame 0 */
	char *frames = NULL;
	size_t cap = 0;
	int ret = -1, rc;
	memset(picks, 0, sizeof picks);
	if (mtan_prepare(db, "frames", "stack", &fr))
		goto out;
	if (!(r = mtan_rows_new(cols, 12, MTAN_CSV, stdout))) {
		mtan_err("out of memory");
		goto out;
	}
	for (size_t i = 0; i < leaks->n + rel->n; i++) { /* the leaks, then the released */
		const struct site *s = i < leaks->n ? &leaks->v[i] : &rel->v[i - leaks->n];
		int est = sampled && s->kind; /* the estimates, as in the table */
		mtan_rows_text(r, s->kind);
		mtan_rows_int(r, est ? llround(s->est_bytes) : s->bytes);
		mtan_rows_int(r, est ? llround(s->est_blocks) : s->blocks);
		mtan_rows_int(r, s->pid);
		mtan_rows_int(r, s->device);
		mtan_rows_text(r, s->space_name);
		sqlite3_reset(fr);
		sqlite3_bind_int64(fr, 1, s->has_stack ? s->stack : -1);
		size_t len = 0;
		while ((rc = sqlite3_step(fr)) == SQLITE_ROW) {
			char buf[4096];
			const char *name = frame_name(buf, sizeof buf, fr);
			unsigned char flags = mtan_frame_flags(fr, &o->skip);
			int err = 0;
			if (!picks[0].set && !(flags & MTAN_FRAME_SKIP))
				err |= keep_pick(&picks[0], name, fr);
			if (!picks[1].set && (flags & MTAN_FRAME_EXE))
				err |= keep_pick(&picks[1], name, fr);
			if (!picks[2].set)
				err |= keep_pick(&picks[2], name, fr);
			size_t need = len + strlen(name) + 2;
			if (!err && need > cap) {
				char *p = realloc(frames, need * 2);
				if (p) {
					frames = p;
					cap = need * 2;
				}
			}
			if (err || need > cap) {
				mtan_err("out of memory");
				goto out;
			}
			len += (size_t)sprintf(frames + len, "%s%s", len ? ";" : "", name);
		}
		if (rc != SQLITE_DONE)
			goto sqlerr;
		/* as mtan_site_of chooses: the first frame not skipped, else the program's first
		 * (all of it the runtime's), else frame 0 */
		const struct pick *site = picks[0].set ? &picks[0] : picks[1].set ? &picks[1] : &picks[2];
		mtan_rows_text(r, site->fn);
		mtan_rows_text(r, site->file);
		if (site->line < 0 || !site->set)
			mtan_rows_null(r);
		else
			mtan_rows_int(r, site->line);
		mtan_rows_text(r, len ? frames : NULL);
		mtan_rows_text(r, s->kind ? NULL : "device_close");
		if (s->kind)
			mtan_rows_null(r);
		else
			mtan_rows_int(r, s->held);
		for (int k = 0; k < 3; k++) {
			free(picks[k].fn);
			free(picks[k].file);
		}
		memset(picks, 0, sizeof picks);
	}
	ret = mtan_rows_end(r);
	goto out;
sqlerr:
	mtan_sqlerr(db, "cannot read the database");
out:
	for (int i = 0; i < 3; i++) {
		free(picks[i].fn);
		free(picks[i].file);
	}
	mtan_rows_free(r);
	free(frames);
	sqlite3_finalize(fr);
	return ret;
}

/* A sampled trace: what its leak sites' figures are. Table: a line after the sites;
 * CSV and JSON: on stderr (their output holds the sites only). 0, or -1 (reported). */
static int sampling_note(sqlite3 *db, const struct mtan_opts *o)
{
	sqlite3_stmt *st;
	if (!sampled || o->quiet)
		return 0;
	if (mtan_prepare(db, "leaks", "unsampled", &st))
		return -1;
	mtan_bind_scope(st, o, &win);
	int i = sqlite3_bind_parameter_index(st, ":reachable");
	if (i)
		sqlite3_bind_int(st, i, reachable);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		char a[32], b[32], text[400];
		snprintf(text, sizeof text,
			 "sites are estimates (~) from sampled stacks (mtrec --sample-stacks %lld): "
			 "each about +-sqrt(%lld / its bytes) (one standard error); the %s bytes in %s "
			 "blocks without a stack are in them, the totals are exact",
			 sampled, sampled, mtan_count(a, (uint64_t)sqlite3_column_int64(st, 1)),
			 mtan_count(b, (uint64_t)sqlite3_column_int64(st, 0)));
		if (o->format == MTAN_TABLE)
			mtan_prose(stdout, "%s\n\n", text);
		else
			mtan_note("%s", text);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : mtan_sqlerr(db, "cannot read the database");
}

/* The blocks held to close in scope (allocated after their device's baseline). */
static int held_total(sqlite3 *db, const struct mtan_opts *o, long long *held)
{
	sqlite3_stmt *st;
	if (mtan_prepare(db, "leaks", "held_totals", &st))
		return -1;
	mtan_bind_scope(st, o, &win);
	int rc = sqlite3_step(st);
	*held = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : mtan_sqlerr(db, "cannot read the database");
}

/* Where the setup of each device that held blocks to close ended. */
static int print_baselines(sqlite3 *db, const struct mtan_opts *o)
{
	sqlite3_stmt *st;
	int rc;
	if (mtan_prepare(db, "leaks", "baselines", &st))
		return -1;
	mtan_bind_scope(st, o, &win);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char dev[16];
		const char *how = (const char *)sqlite3_column_text(st, 2);
		const char *label = (const char *)sqlite3_column_text(st, 4);
		printf("device %s (pid %lld): setup ended at ", mtan_device_name(dev, sqlite3_column_int64(st, 1)),
		       sqlite3_column_int64(st, 0));
		if (how && !strcmp(how, "ready"))
			fputs("mtrec_device_ready", stdout);
		else
			printf("mark '%s' (no mtrec_device_ready)", label ? label : "");
		printf(", seq %lld\n", sqlite3_column_int64(st, 3));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return mtan_sqlerr(db, "cannot read the database");
	putchar('\n');
	return 0;
}

int cmd_leaks(int argc, char **argv)
{
	struct mtan_opts o;
	struct mtan_extra extra[16];
	const struct mtan_extra *lists[] = {own, mtan_skip_options, mtan_scope_options, mtan_window_options,
					    mtan_supp_options, NULL};
	struct sites l = {0}, rel = {0};
	struct mtan_leaks t;
	sqlite3 *db = NULL;
	reachable = 0;
	sampled = 0;
	mtan_join_options(extra, 15, lists);
	int ret = mtan_parse(argc, argv, "leaks", cmd_leaks_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	if (mtan_open(&o, &db, NULL, NULL) || mtan_window(db, &o, &win))
		goto out;
	sampled = mtan_meta_int(db, "sample_bytes", 0);
	if (collect(db, &o, "sites", -1, 0, &l) || mtan_leak_totals(db, &o, &win, &t))
		goto out;
	if (o.format == MTAN_CSV || o.format == MTAN_JSON) {
		/* the released sites after the leaks, within one --limit */
		if (collect(db, &o, "released", -1, (long long)l.n, &rel))
			goto out;
		if (o.format == MTAN_CSV) {
			if (csv_sites(db, &o, &l, &rel))
				goto out;
		} else {
			/* the contract: the top-level value is the array of leak sites, nothing else */
			fputs("[", stdout);
			if (print_sites(db, &o, &l, NULL, 0) || print_sites(db, &o, &rel, "released", l.n))
				goto out;
			fputs("]\n", stdout);
		}
	} else {
		char a[32], b[32], c[32], d[32] = "";
		long long held = 0;
		long long sites = l.lost >= 0 ? l.lost : t.sites;
		long long listed = l.all >= 0 ? l.all : sites + (reachable ? t.kind_sites[MTAN_REACHABLE] : 0);
		if (print_sites(db, &o, &l, NULL, 0) || held_total(db, &o, &held))
			goto out;
		if (l.n)
			putchar('\n');
		if ((long long)l.n < listed)
			snprintf(d, sizeof d, " (%zu shown)", l.n);
		/* the lost total: what summary calls leaked and check fails on */
		mtan_prose(stdout, "leaked: %s bytes in %s %s at %s %s%s\n\n", mtan_count(a, (uint64_t)t.bytes),
			   mtan_count(b, (uint64_t)t.blocks), t.blocks == 1 ? "block" : "blocks",
			   mtan_count(c, (uint64_t)sites), sites == 1 ? "site" : "sites", d);
		if (sampling_note(db, &o))
			goto out;
		if (mtan_leak_summary(stdout, db, &o, &win, &t))
			goto out;
		if (held) {
			mtan_prose(stdout, "\nheld to close (suspects: allocated after their device's setup, still live when it closed)\n\n");
			if (print_baselines(db, &o) || collect(db, &o, "released", 1, 0, &rel) ||
			    print_sites(db, &o, &rel, "held to close", 0))
				goto out;
			sites_release(&rel);
		}
		if (t.released > held) {
			printf("\nreleased by device close (not leaks)\n\n");
			if (collect(db, &o, "released", 0, 0, &rel) || print_sites(db, &o, &rel, "released", 0))
				goto out;
		}
	}
	/* CSV and JSON hold the sites only: sampling and what was suppressed are said on stderr */
	if (o.format != MTAN_TABLE && sampling_note(db, &o))
		goto out;
	if (o.format != MTAN_TABLE && !o.quiet && t.supp_blocks) {
		char a[32], b[32];
		mtan_note("suppressed: %s bytes in %s blocks", mtan_count(a, (uint64_t)t.supp_bytes),
			  mtan_count(b, (uint64_t)t.supp_blocks));
	}
	ret = 0;
out:
	sites_release(&l);
	sites_release(&rel);
	sqlite3_close(db);
	return ret;
}
