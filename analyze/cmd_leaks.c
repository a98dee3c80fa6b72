/* cmd_leaks.c: `mtan leaks`: blocks allocated and never freed before their process ended,
 * grouped by allocation site (process, device, space, stack), the most bytes first. Blocks
 * still live when their device was closed are listed apart: released, not leaked; those
 * allocated after the device's setup (held to close) first, as suspects. */
#include "mtan.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

const char cmd_leaks_usage[] =
	"leaks [options] TRACE|DB\n\n"
	"Blocks never freed, grouped by allocation site (process, device, space, stack),\n"
	"the most bytes first. --format json prints an array of sites, each with blocks,\n"
	"bytes, pid, device (-1: host), space, frames (innermost first, every one; inlined\n"
	"calls are frames of their own, with \"inlined\": true) and site, the index of the\n"
	"first frame that is the program's: past the allocator, libc, the C++ runtime and\n"
	"the recorder (else the first in the executable, else 0). Tables start each site\n"
	"there (--all-frames: at frame 0). Blocks that were live when their device was\n"
	"closed are not leaks: the table lists them apart, and JSON and CSV list them after\n"
	"the leaks with \"ended\": \"device_close\". Of those, the blocks allocated after the\n"
	"device's setup (its baseline: up to mtrec_device_ready, else to the first mark after\n"
	"the open) are held to close (\"held_to_close\": true): suspects, listed first with\n"
	"their stacks (mtan check --fail-held fails on them). --since/--until keep the blocks\n"
	"allocated in the window, --device and --space those of a device or space.\n"
	"--format csv prints a row per site: bytes, blocks, pid, device, space, the function,\n"
	"file and line of the site's frame (where the table starts), frames (every\n"
	"frame's name, innermost first, separated by ';'), ended (empty for leaks,\n"
	"device_close) and held_to_close (empty, 0 or 1).";

/* --since/--until: the blocks allocated in the window (all of them without one) */
static struct mtan_window win;

struct site {
	long long pid, device, space, blocks, bytes;
	int has_stack;
	long long stack;
	const char *space_name;
};

static struct site site_of(sqlite3_stmt *st)
{
	struct site s;
	s.pid = sqlite3_column_int64(st, 0);
	s.device = sqlite3_column_int64(st, 1);
	s.space = sqlite3_column_int64(st, 2);
	s.space_name = (const char *)sqlite3_column_text(st, 3);
	s.has_stack = sqlite3_column_type(st, 4) != SQLITE_NULL;
	s.stack = sqlite3_column_int64(st, 4);
	s.blocks = sqlite3_column_int64(st, 5);
	s.bytes = sqlite3_column_int64(st, 6);
	return s;
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

/* :held of the "released" section: 1 held to close, 0 the baseline's, -1 both. JSON and
 * CSV list the released sites after shown leak sites, within one --limit. */
static void bind_held(sqlite3_stmt *st, const struct mtan_opts *o, int held, int shown)
{
	int i = sqlite3_bind_parameter_index(st, ":held");
	if (i && held >= 0)
		sqlite3_bind_int(st, i, held);
	else if (i)
		sqlite3_bind_null(st, i);
	if (shown && o->limit >= 0 && (i = sqlite3_bind_parameter_index(st, ":limit")))
		sqlite3_bind_int64(st, i, o->limit > shown ? o->limit - shown : 0);
}

/* Prints the sites of one section of leaks.sql ("sites" or "released", then held: see
 * bind_held); n: how many sites the JSON array already has. */
static int print_sites(sqlite3 *db, const struct mtan_opts *o, const char *section, const char *verb,
		       int held, int n)
{
	sqlite3_stmt *st = NULL;
	int ret = -1, rc, released = !strcmp(section, "released"), n0 = n;
	if (mtan_prepare(db, "leaks", section, &st))
		goto out;
	mtan_bind_scope(st, o, &win);
	bind_held(st, o, held, n);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct site s = site_of(st);
		char a[32], b[32], dev[16];
		if (o->format == MTAN_JSON) {
			printf("%s{\"blocks\": %lld, \"bytes\": %lld, \"pid\": %lld, \"device\": %lld, \"space\": ",
			       n ? ",\n " : "", s.blocks, s.bytes, s.pid, s.device);
			mtan_json_str(stdout, s.space_name);
			fputs(", ", stdout);
			if (mtan_print_frames(db, o, s.has_stack ? s.stack : -1))
				goto out;
			if (released)
				printf(", \"ended\": \"device_close\", \"held_to_close\": %s",
				       sqlite3_column_int(st, 7) ? "true" : "false");
			fputs("}", stdout);
		} else {
			mtan_prose(stdout, "%s%s bytes in %s %s %s (pid %lld, %s%s %s)\n", n ? "\n" : "",
			       mtan_count(a, (uint64_t)s.bytes), mtan_count(b, (uint64_t)s.blocks),
			       s.blocks == 1 ? "block" : "blocks", verb, s.pid, s.device == -1 ? "" : "device ",
			       mtan_device_name(dev, s.device), s.space_name);
			if (mtan_print_frames(db, o, s.has_stack ? s.stack : -1))
				goto out;
		}
		n++;
	}
	if (rc != SQLITE_DONE)
		goto sqlerr;
	ret = n - n0;
	goto out;
sqlerr:
	mtan_sqlerr(db, "cannot read the database");
out:
	sqlite3_finalize(st);
	return ret;
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

/* The next CSV row: the leak sites' (pass 0), then the sites of the blocks released by a
 * device close (pass 1, from a statement prepared when the leaks run out). */
static int next_row(sqlite3 *db, const struct mtan_opts *o, sqlite3_stmt **st, int *pass, int shown)
{
	int rc = sqlite3_step(*st);
	if (rc != SQLITE_DONE || *pass)
		return rc;
	sqlite3_finalize(*st);
	*st = NULL;
	*pass = 1;
	if (mtan_prepare(db, "leaks", "released", st))
		return SQLITE_ERROR;
	mtan_bind_scope(*st, o, &win);
	bind_held(*st, o, -1, shown);
	return sqlite3_step(*st);
}

/* The leak sites as CSV rows: the site's frame apart (JSON's "site": past the allocator
 * and the runtime, and past --skip-module/--skip-function), then every frame's name. */
static int csv_sites(sqlite3 *db, const struct mtan_opts *o)
{
	static const struct mtan_col cols[] = {
		{"bytes", NULL, MTAN_K_INT}, {"blocks", NULL, MTAN_K_INT}, {"pid", NULL, MTAN_K_INT},
		{"device", NULL, MTAN_K_DEVICE}, {"space", NULL, MTAN_K_TEXT},
		{"function", NULL, MTAN_K_TEXT}, {"file", NULL, MTAN_K_TEXT}, {"line", NULL, MTAN_K_INT},
		{"frames", NULL, MTAN_K_TEXT}, {"ended", NULL, MTAN_K_TEXT}, {"held_to_close", NULL, MTAN_K_INT},
	};
	sqlite3_stmt *st = NULL, *fr = NULL;
	struct mtan_rows *r = NULL;
	struct pick picks[3]; /* the first frame not skipped, the program's first, frame 0 */
	char *frames = NULL;
	size_t cap = 0;
	int ret = -1, rc, pass = 0, shown = 0;
	memset(picks, 0, sizeof picks);
	if (mtan_prepare(db, "leaks", "sites", &st) || mtan_prepare(db, "frames", "stack", &fr))
		goto out;
	if (!(r = mtan_rows_new(cols, 11, MTAN_CSV, stdout))) {
		mtan_err("out of memory");
		goto out;
	}
	mtan_bind_scope(st, o, &win);
	while ((rc = next_row(db, o, &st, &pass, shown)) == SQLITE_ROW) {
		struct site s = site_of(st);
		shown++;
		mtan_rows_int(r, s.bytes);
		mtan_rows_int(r, s.blocks);
		mtan_rows_int(r, s.pid);
		mtan_rows_int(r, s.device);
		mtan_rows_text(r, s.space_name);
		sqlite3_reset(fr);
		sqlite3_bind_int64(fr, 1, s.has_stack ? s.stack : -1);
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
		mtan_rows_text(r, pass ? "device_close" : NULL);
		if (pass)
			mtan_rows_int(r, sqlite3_column_int(st, 7));
		else
			mtan_rows_null(r);
		for (int i = 0; i < 3; i++) {
			free(picks[i].fn);
			free(picks[i].file);
		}
		memset(picks, 0, sizeof picks);
	}
	if (rc != SQLITE_DONE)
		goto sqlerr;
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
	sqlite3_finalize(st);
	sqlite3_finalize(fr);
	return ret;
}

static int totals(sqlite3 *db, const struct mtan_opts *o, long long v[4])
{
	sqlite3_stmt *st;
	if (mtan_prepare(db, "leaks", "totals", &st))
		return -1;
	mtan_bind_scope(st, o, &win);
	int rc = sqlite3_step(st);
	for (int i = 0; i < 4; i++)
		v[i] = rc == SQLITE_ROW ? sqlite3_column_int64(st, i) : 0;
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
	const struct mtan_extra *lists[] = {mtan_skip_options, mtan_scope_options, mtan_window_options, NULL};
	sqlite3 *db = NULL;
	mtan_join_options(extra, 15, lists);
	int ret = mtan_parse(argc, argv, "leaks", cmd_leaks_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	if (mtan_open(&o, &db, NULL, NULL) || mtan_window(db, &o, &win))
		goto out;
	if (o.format == MTAN_CSV) {
		if (csv_sites(db, &o))
			goto out;
	} else if (o.format == MTAN_JSON) {
		/* the contract: the top-level value is the array of leak sites, nothing else */
		fputs("[", stdout);
		int n = print_sites(db, &o, "sites", "leaked", -1, 0);
		if (n < 0 || print_sites(db, &o, "released", "released", -1, n) < 0)
			goto out;
		fputs("]\n", stdout);
	} else {
		long long t[4];
		char a[32], b[32], c[32], d[32] = "";
		long long held = 0;
		int shown = print_sites(db, &o, "sites", "leaked", -1, 0);
		if (shown < 0 || totals(db, &o, t) || held_total(db, &o, &held))
			goto out;
		if (shown)
			putchar('\n');
		if (shown < t[2])
			snprintf(d, sizeof d, " (%d shown)", shown);
		mtan_prose(stdout, "leaked: %s bytes in %s %s at %s %s%s\n", mtan_count(a, (uint64_t)t[1]),
			   mtan_count(b, (uint64_t)t[0]), t[0] == 1 ? "block" : "blocks",
			   mtan_count(c, (uint64_t)t[2]), t[2] == 1 ? "site" : "sites", d);
		if (held) {
			mtan_prose(stdout, "\nheld to close (suspects: allocated after their device's setup, still live when it closed)\n\n");
			if (print_baselines(db, &o) || print_sites(db, &o, "released", "held to close", 1, 0) < 0)
				goto out;
		}
		if (t[3] > held) {
			printf("\nreleased by device close (not leaks)\n\n");
			if (print_sites(db, &o, "released", "released", 0, 0) < 0)
				goto out;
		}
	}
	ret = 0;
out:
	sqlite3_close(db);
	return ret;
}
