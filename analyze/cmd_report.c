/* cmd_report.c: `mtan report`: the whole trace on one self-contained HTML page (inline CSS
 * and SVG, nothing fetched): summary, live memory over time per device and space with the
 * marks, growth, leak sites with their stacks, anomalies, races, fragmentation, top sites. */
#include "commands.h"
#include "db.h"
#include "flame.h"
#include "flame_svg.h"
#include "frag.h"
#include "opts.h"
#include "output.h"
#include "scope.h"
#include "sql.h"
#include "suppress.h"
#include "svg.h"
#include "leaks.h"
#include "races.h"
#include "result.h"
#include "top.h"
#include "render.h"
#include "report_html.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char cmd_report_usage[] =
	"report [options] TRACE|DB [-o FILE]\n\n"
	"Writes one HTML file (default: TRACE.html; '-o -': stdout) that needs nothing else:\n"
	"the summary (with valgrind's LEAK SUMMARY: definitely, indirectly, possibly lost,\n"
	"still reachable, not scanned, suppressed); a chart of live bytes over time for each\n"
	"device and space, with the\n"
	"marks on the time axis (by event order when the trace's events share one time);\n"
	"growth verdicts; the leak sites with their stacks; flame graphs of the bytes leaked\n"
	"and of those live at the peak, by stack; blocks released by device close;\n"
	"anomalies; address-reuse races; fragmentation at each space's peak; the top\n"
	"allocation sites. Leaks are the lost ones that no suppression matches, as in leaks.\n"
	"--limit N: the entries of each list (default 20).";

static const char *output;

static int take_output(struct mtan_opts *o, const char *arg)
{
	(void)o;
	output = arg;
	return 0;
}

static const struct mtan_extra own[] = {
	{{"output", required_argument, NULL, 'o'}, "  -o, --output FILE     the HTML file (default: TRACE.html; -: stdout)", take_output},
	{{0, 0, 0, 0}, NULL, NULL},
};







static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

struct report {
	sqlite3 *db;
	const struct mtan_opts *o;
	FILE *f;
	long long limit;
};

static int sqlerr(struct report *r)
{
	return mtan_sqlerr(r->db, "cannot read the database");
}

/* ------------------------------------------------------------------ summary */

static int summary(struct report *r)
{
	sqlite3_stmt *st;
	FILE *f = r->f;
	char a[32];
	if (mtan_prepare(r->db, "report", "totals", &st))
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return sqlerr(r);
	}
	long long v[12];
	for (int i = 0; i < 12; i++)
		v[i] = sqlite3_column_int64(st, i);
	sqlite3_finalize(st);
	fputs("<section id=summary><h2>Summary</h2><table class=kv>\n", f);
	fprintf(f, "<tr><td>events</td><td>%s (", mtan_count(a, (uint64_t)(v[0] + v[1])));
	fprintf(f, "%s allocations, ", mtan_count(a, (uint64_t)v[0]));
	fprintf(f, "%s frees)</td></tr>\n", mtan_count(a, (uint64_t)v[1]));
	fprintf(f, "<tr><td>allocated</td><td>%s", mtan_size(a, (uint64_t)v[2]));
	fprintf(f, " (%s bytes)</td></tr>\n", mtan_count(a, (uint64_t)v[2]));
	fprintf(f, "<tr><td>peak live</td><td>%s</td></tr>\n", mtan_size(a, (uint64_t)v[7]));
	fprintf(f, "<tr><td>leaked</td><td class=%s>%s", v[4] ? "bad" : "ok", mtan_size(a, (uint64_t)v[4]));
	fprintf(f, " in %s %s</td></tr>\n", mtan_count(a, (uint64_t)v[3]), v[3] == 1 ? "block" : "blocks");
	struct mtan_leaks lk;
	if (mtan_leak_totals(r->db, r->o, NULL, &lk))
		return -1;
	for (int k = 0; k < MTAN_NKINDS; k++) { /* valgrind's LEAK SUMMARY */
		if (k == MTAN_NOT_SCANNED && !lk.kind_blocks[k])
			continue;
		fprintf(f, "<tr><td>%s</td><td>%s", mtan_leak_kind_words(k), mtan_size(a, (uint64_t)lk.kind_bytes[k]));
		fprintf(f, " in %s %s</td></tr>\n", mtan_count(a, (uint64_t)lk.kind_blocks[k]),
			lk.kind_blocks[k] == 1 ? "block" : "blocks");
	}
	if (v[10]) { /* what the suppressions took out: said, never dropped silently */
		fprintf(f, "<tr><td>suppressed</td><td>%s", mtan_size(a, (uint64_t)v[11]));
		fprintf(f, " in %s %s</td></tr>\n", mtan_count(a, (uint64_t)v[10]), v[10] == 1 ? "block" : "blocks");
	}
	if (v[5]) {
		fprintf(f, "<tr><td>released by device close</td><td>%s", mtan_size(a, (uint64_t)v[6]));
		fprintf(f, " in %s %s</td></tr>\n", mtan_count(a, (uint64_t)v[5]), v[5] == 1 ? "block" : "blocks");
	}
	fprintf(f, "<tr><td>processes</td><td>%lld</td></tr>\n<tr><td>threads</td><td>%lld</td></tr>\n", v[8], v[9]);
	/* anomalies by kind */
	if (mtan_prepare(r->db, "report", "anomaly_counts", &st))
		return -1;
	fputs("<tr><td>anomalies</td><td>", f);
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fprintf(f, "%s<span class=bad>%s ", n++ ? ", " : "", mtan_count(a, (uint64_t)sqlite3_column_int64(st, 1)));
		mtan_html(f, col_text(st, 0));
		fputs("</span>", f);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sqlerr(r);
	fprintf(f, "%s</td></tr>\n</table>\n", n ? "" : "<span class=ok>none</span>");

	if (mtan_prepare(r->db, "report", "spaces", &st))
		return -1;
	fputs("<table><tr><th>device</th><th>space</th><th class=n>allocations</th><th class=n>frees</th>"
	      "<th class=n>allocated</th><th class=n>peak</th><th class=n>capacity</th><th class=n>leaked</th>"
	      "<th class=n>leaked blocks</th><th class=n>released at close</th></tr>\n", f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char d[24];
		fputs("<tr>", f);
		mtan_page_td_text(f, mtan_page_device(d, sqlite3_column_int64(st, 0)));
		mtan_page_td_text(f, col_text(st, 1));
		mtan_page_td_count(f, sqlite3_column_int64(st, 2));
		mtan_page_td_count(f, sqlite3_column_int64(st, 3));
		mtan_page_td_size(f, sqlite3_column_int64(st, 4));
		mtan_page_td_size(f, sqlite3_column_int64(st, 5));
		/* a device's capacity is a space's only when the device has that one space (the
		 * client API gives none per space) */
		if (sqlite3_column_type(st, 10) == SQLITE_NULL)
			fputs("<td class=n></td>", f);
		else if (sqlite3_column_int64(st, 11) == 1)
			mtan_page_td_size(f, sqlite3_column_int64(st, 10));
		else
			fprintf(f, "<td class=\"n where\" title=\"the device's capacity, for all its spaces: the client API "
				   "gives none per space\">device %s</td>", mtan_size(a, (uint64_t)sqlite3_column_int64(st, 10)));
		mtan_page_td_size(f, sqlite3_column_int64(st, 7));
		mtan_page_td_count(f, sqlite3_column_int64(st, 6));
		mtan_page_td_size(f, sqlite3_column_int64(st, 9));
		fputs("</tr>\n", f);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return sqlerr(r);
	fputs("</table></section>\n", f);
	return 0;
}

/* ------------------------------------------------------------------ charts */

static int charts(struct report *r)
{
	return mtan_svg_timeline(r->db, r->o, r->f); /* svg.c */
}

/* ------------------------------------------------------------------ stacks */


/* ------------------------------------------------------------------ sections */

static int growth(struct report *r)
{
	sqlite3_stmt *st, *sites = NULL;
	FILE *f = r->f;
	int rc, ret = -1;
	if (mtan_prepare(r->db, "report", "growth", &st) || mtan_prepare(r->db, "report", "growth_sites", &sites))
		goto out;
	fputs("<section id=growth><h2>Growth</h2>\n<p class=meta>Plateau, growth or sawtooth of each device's "
	      "and space's live bytes after warm-up and before a teardown (as <code>mtan growth</code>).</p>\n"
	      "<table><tr><th>device</th><th>space</th><th>verdict</th><th class=n>rate</th>"
	      "<th class=n>judged from</th><th class=n>to</th><th class=n>live then</th><th class=n>and at its end</th></tr>\n", f);
	int growing = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char d[24], a[32], b[32];
		const char *verdict = col_text(st, 2);
		int grows = verdict && !strcmp(verdict, "growth");
		growing += grows;
		fputs("<tr>", f);
		mtan_page_td_text(f, mtan_page_device(d, sqlite3_column_int64(st, 0)));
		mtan_page_td_text(f, col_text(st, 1));
		fprintf(f, "<td class=%s>", grows ? "bad" : "ok");
		mtan_html(f, verdict);
		double rate = sqlite3_column_double(st, 3);
		fprintf(f, "</td><td class=n>%s%s/s</td>", rate < 0 ? "-" : "", mtan_size(a, (uint64_t)fabs(rate)));
		fprintf(f, "<td class=n>%s</td>", mtan_when(a, (double)sqlite3_column_int64(st, 5)));
		fprintf(f, "<td class=n>%s</td>", mtan_when(b, (double)sqlite3_column_int64(st, 6)));
		mtan_page_td_size(f, sqlite3_column_int64(st, 7));
		mtan_page_td_size(f, sqlite3_column_int64(st, 8));
		fputs("</tr>\n", f);
	}
	if (rc != SQLITE_DONE) {
		sqlerr(r);
		goto out;
	}
	fputs("</table>\n", f);
	/* the growing sites of what grows */
	sqlite3_reset(st);
	while (growing && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *verdict = col_text(st, 2);
		if (!verdict || strcmp(verdict, "growth"))
			continue;
		char d[24], a[32], b[32];
		fprintf(f, "<h3>Growing sites: %s ", mtan_page_device(d, sqlite3_column_int64(st, 0)));
		mtan_html(f, col_text(st, 1));
		fputs("</h3>\n", f);
		sqlite3_reset(sites);
		sqlite3_bind_int64(sites, 1, sqlite3_column_int64(st, 0));
		sqlite3_bind_text(sites, 2, col_text(st, 1), -1, SQLITE_TRANSIENT);
		while ((rc = sqlite3_step(sites)) == SQLITE_ROW) {
			fprintf(f, "<details class=site open><summary>+%s in %s more blocks (pid %lld)</summary>\n",
				mtan_size(a, (uint64_t)sqlite3_column_int64(sites, 2)),
				mtan_count(b, (uint64_t)sqlite3_column_int64(sites, 3)), sqlite3_column_int64(sites, 0));
			if (mtan_page_stack(r->f, r->db, sqlite3_column_type(sites, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(sites, 1)))
				goto out;
			fputs("</details>\n", f);
		}
		if (rc != SQLITE_DONE) {
			sqlerr(r);
			goto out;
		}
	}
	fputs("</section>\n", f);
	ret = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(sites);
	return ret;
}


/* Leaks' released sites summed per process, device and space, the most bytes first:
 * pid, device, space, blocks, bytes. NULL on no memory (reported). */
static struct mtan_result *released_by_space(const struct mtan_result *rel)
{
	static const struct mtan_col cols[] = {
		{"pid", NULL, MTAN_K_INT}, {"device", NULL, MTAN_K_DEVICE}, {"space", NULL, MTAN_K_TEXT},
		{"blocks", NULL, MTAN_K_COUNT}, {"bytes", NULL, MTAN_K_SIZE},
	};
	struct group {
		long long pid, device, blocks, bytes;
		const char *space;
	} *g = calloc(rel->nrows + 1, sizeof(*g));
	struct mtan_result *out = mtan_result_new(cols, 5);
	size_t n = 0;
	if (!g || !out) {
		free(g);
		mtan_result_free(out);
		mtan_err("out of memory");
		return NULL;
	}
	for (size_t i = 0; i < rel->nrows; i++) {
		long long pid = mtan_result_get_int(rel, i, MTAN_LEAK_PID, 0);
		long long device = mtan_result_get_int(rel, i, MTAN_LEAK_DEVICE, 0);
		const char *space = mtan_result_get_text(rel, i, MTAN_LEAK_SPACE);
		size_t k = 0;
		while (k < n && !(g[k].pid == pid && g[k].device == device && !strcmp(g[k].space, space)))
			k++;
		if (k == n)
			g[n++] = (struct group){pid, device, 0, 0, space};
		g[k].blocks += mtan_result_get_int(rel, i, MTAN_LEAK_BLOCKS, 0);
		g[k].bytes += mtan_result_get_int(rel, i, MTAN_LEAK_BYTES, 0);
	}
	for (size_t done = 0; done < n; done++) { /* the most bytes first, the first found on a tie */
		size_t best = done;
		for (size_t k = done + 1; k < n; k++)
			if (g[k].bytes > g[best].bytes)
				best = k;
		struct group t = g[best];
		memmove(&g[done + 1], &g[done], (best - done) * sizeof(*g));
		g[done] = t;
		mtan_result_int(out, t.pid);
		mtan_result_int(out, t.device);
		mtan_result_text(out, t.space);
		mtan_result_int(out, t.blocks);
		mtan_result_int(out, t.bytes);
	}
	free(g);
	if (mtan_result_ok(out)) {
		mtan_result_free(out);
		return NULL;
	}
	return out;
}

/* The whole trace: the report's window (the commands' when no --since/--until is given). */
static const struct mtan_window whole = {0, INT64_MAX, 1, INT64_MAX, 0, 0};

/* The leak sites, as mtan leaks finds them (leaks.c), each with its stack; then what
 * device closes released, per process, device and space (leaks' released sites, summed). */
static int leaks(struct report *r)
{
	struct mtan_leak_query q = {&whole, 0, 0, -1, 0, r->limit + 1}; /* one more: cut? */
	struct mtan_result *l = NULL, *rel = NULL, *by_space = NULL;
	FILE *f = r->f;
	int ret = -1;
	if (mtan_leak_sites(r->db, r->o, &q, &l, NULL, NULL))
		goto out;
	fputs("<section id=leaks><h2>Leaks</h2>\n<p class=meta>Blocks never freed and lost (as memcheck judges "
	      "them at exit: definitely, indirectly or possibly lost, or not scanned), by allocation site, the "
	      "most bytes first; <code>mtan leaks --reachable</code> lists the still reachable ones too. Greyed "
	      "frames are the allocator's and the runtime's.</p>\n", f);
	int cut = (long long)l->nrows > r->limit;
	for (size_t i = 0; i < l->nrows && (long long)i < r->limit; i++) {
		char a[32], b[32], d[24];
		long long blocks = mtan_result_get_int(l, i, MTAN_LEAK_BLOCKS, 0);
		fprintf(f, "<details class=site open><summary>%s bytes in %s %s %s (pid %lld, %s ",
			mtan_count(a, (uint64_t)mtan_result_get_int(l, i, MTAN_LEAK_BYTES, 0)), mtan_count(b, (uint64_t)blocks),
			blocks == 1 ? "block" : "blocks",
			mtan_leak_kind_words(mtan_leak_kind(mtan_result_get_text(l, i, MTAN_LEAK_KIND))),
			mtan_result_get_int(l, i, MTAN_LEAK_PID, 0), mtan_page_device(d, mtan_result_get_int(l, i, MTAN_LEAK_DEVICE, 0)));
		mtan_html(f, mtan_result_get_text(l, i, MTAN_LEAK_SPACE));
		fputs(")</summary>\n", f);
		if (mtan_page_stack(r->f, r->db, mtan_result_get_int(l, i, MTAN_LEAK_STACK, -1)))
			goto out;
		fputs("</details>\n", f);
	}
	if (cut)
		mtan_page_cut(r->f, "Leak sites", r->limit, "leaks");
	else if (!l->nrows)
		fputs("<p class=ok>No leaks.</p>\n", f);
	/* released by device close: not leaks */
	q.released = 1;
	q.limit = INT64_MAX;
	if (mtan_leak_sites(r->db, r->o, &q, &rel, NULL, NULL) || !(by_space = released_by_space(rel)))
		goto out;
	if (by_space->nrows) {
		fputs("<h3>Released by device close (not leaks)</h3>", f);
		mtan_render_html(by_space, f);
	}
	fputs("</section>\n", f);
	ret = 0;
out:
	mtan_result_free(l);
	mtan_result_free(rel);
	mtan_result_free(by_space);
	return ret;
}

/* ------------------------------------------------------------------ flame graphs */

/* One flame graph of flame.sql's bytes of (leaked, peak), drawn by flame_svg.c. */
static int flame_graph(struct report *r, const char *of, const char *title, const char *none)
{
	struct mtan_flame fl;
	if (mtan_flame_build(r->db, of, r->o, &fl))
		return -1;
	mtan_flame_svg(r->f, &fl, title, none);
	mtan_flame_free(&fl);
	return 0;
}

static int flames(struct report *r)
{
	fputs("<section id=flame><h2>Flame graphs</h2>\n<p class=meta>Each box is a frame, as wide as the bytes "
	      "of the stacks through it; the outermost frames at the bottom, the allocation at the top; grey "
	      "frames are the allocator's and the runtime's. Hover over a box for its bytes; click it to "
	      "zoom in, and the bottom box to zoom out. Boxes narrower "
	      "than half a unit are left out (their bytes stay in the box below). "
	      "<code>mtan export --folded --of leaked|peak</code> writes the same for other flame graph "
	      "tools.</p>\n", r->f);
	if (flame_graph(r, "leaked", "Leaked bytes by stack", "Nothing leaked.") ||
	    flame_graph(r, "peak", "Bytes live at the peak by stack (every process, device and space)",
			"Nothing was live at any time."))
		return -1;
	mtan_flame_svg_script(r->f);
	fputs("</section>\n", r->f);
	return 0;
}

/* The anomalies in seq order (report.sql), at most limit: kind, pid, device, space,
 * address, seq, thread, function, size. NULL (reported). */
static struct mtan_result *anomaly_list(sqlite3 *db, long long limit)
{
	static const struct mtan_col cols[] = {
		{"kind", NULL, MTAN_K_TEXT}, {"pid", NULL, MTAN_K_INT}, {"device", NULL, MTAN_K_DEVICE},
		{"space", NULL, MTAN_K_TEXT}, {"address", NULL, MTAN_K_HEX}, {"seq", NULL, MTAN_K_INT},
		{"thread", NULL, MTAN_K_INT}, {"function", NULL, MTAN_K_TEXT}, {"size", NULL, MTAN_K_SIZE},
	};
	static const int from[] = {0, 1, 2, 3, 4, 5, 7, 8, 9}; /* report.sql's anomalies */
	struct mtan_result *v = mtan_result_new(cols, 9);
	sqlite3_stmt *st = NULL;
	int rc;
	if (!v) {
		mtan_err("out of memory");
		return NULL;
	}
	if (mtan_prepare(db, "report", "anomalies", &st))
		goto fail;
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"), limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		for (int c = 0; c < 9; c++)
			mtan_result_column(v, st, from[c]);
	if (rc != SQLITE_DONE) {
		mtan_sqlerr(db, "cannot read the database");
		goto fail;
	}
	if (mtan_result_ok(v))
		goto fail;
	sqlite3_finalize(st);
	return v;
fail:
	sqlite3_finalize(st);
	mtan_result_free(v);
	return NULL;
}

static int anomalies(struct report *r)
{
	struct mtan_result *v = anomaly_list(r->db, r->limit + 1); /* one more: cut? */
	FILE *f = r->f;
	if (!v)
		return -1;
	fputs("<section id=anomalies><h2>Anomalies</h2>\n", f);
	int cut = (long long)v->nrows > r->limit;
	mtan_result_truncate(v, (size_t)r->limit);
	if (v->nrows)
		mtan_render_html(v, f);
	if (cut)
		mtan_page_cut(f, "Anomalies", r->limit, "sql TRACE 'SELECT * FROM anomalies'");
	else if (!v->nrows)
		fputs("<p class=ok>None: every free matched a live block.</p>", f);
	fputs("</section>\n", f);
	mtan_result_free(v);
	return 0;
}

/* "seq, thread" of race v's row i, from columns seq and tid (NULL when seq is). */
static void seq_tid(struct mtan_result *t, const struct mtan_result *v, size_t i, int seq, int tid)
{
	char b[48];
	if (mtan_result_cell(v, i, seq)->type == MTAN_CELL_NULL) {
		mtan_result_null(t);
		return;
	}
	snprintf(b, sizeof b, "%lld, %lld", mtan_result_get_int(v, i, seq, 0), mtan_result_get_int(v, i, tid, 0));
	mtan_result_text(t, b);
}

/* The races, as mtan races lists them (races.c), each event's seq and thread in one cell. */
static int races(struct report *r)
{
	static const struct mtan_col cols[] = {
		{"form", NULL, MTAN_K_TEXT}, {"pid", NULL, MTAN_K_INT}, {"device", NULL, MTAN_K_DEVICE},
		{"space", NULL, MTAN_K_TEXT}, {"address", NULL, MTAN_K_HEX},
		{"free", "free (seq, thread)", MTAN_K_NTEXT}, {"reuse", "reuse (seq, thread)", MTAN_K_NTEXT},
		{"late", "late alloc (seq, thread)", MTAN_K_NTEXT}, {"window", NULL, MTAN_K_NS},
	};
	struct mtan_result *v, *t = NULL;
	FILE *f = r->f;
	int ret = -1;
	if (mtan_races(r->db, r->o, &whole, r->limit + 1, &v)) /* one more: cut? */
		return -1;
	size_t n = v->nrows < (size_t)r->limit ? v->nrows : (size_t)r->limit;
	if (!(t = mtan_result_new(cols, 9))) {
		mtan_err("out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		mtan_result_text(t, mtan_result_get_text(v, i, MTAN_RACE_FORM));
		mtan_result_int(t, mtan_result_get_int(v, i, MTAN_RACE_PID, 0));
		mtan_result_int(t, mtan_result_get_int(v, i, MTAN_RACE_DEVICE, 0));
		mtan_result_text(t, mtan_result_get_text(v, i, MTAN_RACE_SPACE));
		mtan_result_int(t, mtan_result_get_int(v, i, MTAN_RACE_ADDRESS, 0));
		seq_tid(t, v, i, MTAN_RACE_FREE_SEQ, MTAN_RACE_FREE_TID);
		seq_tid(t, v, i, MTAN_RACE_REUSE_SEQ, MTAN_RACE_REUSE_TID);
		seq_tid(t, v, i, MTAN_RACE_LATE_SEQ, MTAN_RACE_LATE_TID);
		mtan_result_int(t, mtan_result_get_int(v, i, MTAN_RACE_WINDOW_NS, 0));
	}
	if (mtan_result_ok(t))
		goto out;
	fputs("<section id=races><h2>Address-reuse races</h2>\n<p class=meta>The tracked order contradicts the "
	      "allocator's: an allocator reported an event after releasing its lock (repaired in the "
	      "lifetimes; see <code>mtan races</code>).</p>\n", f);
	if (n)
		mtan_render_html(t, f);
	if (v->nrows > n)
		mtan_page_cut(f, "Races", r->limit, "races");
	else if (!n)
		fputs("<p class=ok>None.</p>", f);
	fputs("</section>\n", f);
	ret = 0;
out:
	mtan_result_free(t);
	mtan_result_free(v);
	return ret;
}

static int frag_row(void *ctx, const struct mtan_frag *fr)
{
	FILE *f = ((struct report *)ctx)->f;
	char d[24], a[32];
	fprintf(f, "<tr><td class=n>%lld</td>", fr->pid);
	mtan_page_td_text(f, mtan_page_device(d, fr->device));
	mtan_page_td_text(f, fr->name);
	fprintf(f, "<td class=n>%s</td>", fr->has_time ? mtan_when(a, (double)fr->time_ns) : "");
	if (fr->has_capacity)
		mtan_page_td_size(f, fr->capacity);
	else
		fputs("<td class=n></td>", f);
	mtan_page_td_count(f, fr->blocks);
	mtan_page_td_size(f, fr->live);
	mtan_page_td_size(f, fr->free_bytes);
	mtan_page_td_count(f, fr->holes);
	mtan_page_td_size(f, fr->largest);
	fprintf(f, "<td class=n>%.1f%%</td></tr>\n", 100 * fr->ext);
	return 0;
}

/* As mtan frag: each space at its peak (not the view fragmentation, which scans every
 * lifetime for each space). */
static int fragmentation(struct report *r)
{
	struct mtan_window w = {0, INT64_MAX, 1, INT64_MAX, 0, 0};
	fputs("<section id=frag><h2>Fragmentation at each space's peak</h2>\n<table><tr><th class=n>pid</th>"
	      "<th>device</th><th>space</th><th class=n>at</th><th class=n>capacity</th><th class=n>live blocks</th>"
	      "<th class=n>live</th><th class=n>free</th><th class=n>holes</th><th class=n>largest free</th>"
	      "<th class=n>external fragmentation</th></tr>\n", r->f);
	if (mtan_frag_each(r->db, r->o, &w, MTAN_AT_PEAK, frag_row, r))
		return -1;
	fputs("</table></section>\n", r->f);
	return 0;
}

/* The top sites by bytes, as mtan top ranks them (top.c) over the whole trace. */
static int top_sites(struct report *r)
{
	struct mtan_top *t = mtan_top_count(r->db, r->o, &whole, 1000000); /* temporaries: within 1 ms */
	struct mtan_result *v = NULL;
	FILE *f = r->f;
	int ret = -1;
	if (!t || mtan_top_rank(r->db, t, 0, r->limit + 1, &v)) /* one more: cut? */
		goto out;
	fputs("<section id=top><h2>Top allocation sites</h2>\n<p class=meta>By bytes allocated over the run "
	      "(as <code>mtan top</code>); temporaries: blocks freed within 1 ms.</p>\n", f);
	for (size_t i = 0; i < v->nrows && (long long)i < r->limit; i++) {
		char a[32], b[32], c[32], e[32], d[24];
		fprintf(f, "<details class=site><summary>%s in %s allocations, %s temporaries, %s leaked (pid %lld, %s ",
			mtan_size(a, (uint64_t)mtan_result_get_int(v, i, 7, 0)), mtan_count(b, (uint64_t)mtan_result_get_int(v, i, 6, 0)),
			mtan_count(c, (uint64_t)mtan_result_get_int(v, i, 8, 0)), mtan_size(e, (uint64_t)mtan_result_get_int(v, i, 11, 0)),
			mtan_result_get_int(v, i, 2, 0), mtan_page_device(d, mtan_result_get_int(v, i, 3, 0)));
		mtan_html(f, mtan_result_get_text(v, i, 4));
		fputs(")</summary>\n", f);
		if (mtan_page_stack(r->f, r->db, mtan_result_get_int(v, i, 5, -1)))
			goto out;
		fputs("</details>\n", f);
	}
	if ((long long)v->nrows > r->limit)
		mtan_page_cut(r->f, "Sites", r->limit, "top");
	fputs("</section>\n", f);
	ret = 0;
out:
	mtan_result_free(v);
	mtan_top_free(t);
	return ret;
}

static int page(struct report *r, const char *name)
{
	FILE *f = r->f;
	char *cmdline = mtan_meta_text(r->db, "cmdline"), *host = mtan_meta_text(r->db, "host");
	long long realtime = mtan_meta_int(r->db, "realtime_ns", 0);
	int complete = mtan_meta_int(r->db, "complete", 0) != 0, ret = -1;
	mtan_page_head(f, name, cmdline, host, realtime, complete);
	if (summary(r) || charts(r) || growth(r) || leaks(r) || flames(r) || anomalies(r) || races(r) || fragmentation(r) || top_sites(r))
		goto out;
	mtan_page_foot(f);
	ret = 0;
out:
	free(cmdline);
	free(host);
	return ret;
}

int cmd_report(int argc, char **argv)
{
	struct mtan_opts o;
	struct report r;
	sqlite3 *db = NULL;
	char *path = NULL, *tmp = NULL, *dbpath = NULL;
	FILE *f = NULL;
	output = NULL;
	memset(&r, 0, sizeof r);
	struct mtan_extra extra[16];
	const struct mtan_extra *lists[] = {own, mtan_supp_options, NULL};
	mtan_join_options(extra, 15, lists);
	int ret = mtan_parse(argc, argv, "report", cmd_report_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	if (mtan_open(&o, &db, NULL, &dbpath))
		goto out;
	int to_stdout = output && !strcmp(output, "-");
	if (!to_stdout) {
		if (output)
			path = strdup(output);
		else if (asprintf(&path, "%s.html", o.input) < 0)
			path = NULL;
		if (!path || asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0) {
			tmp = NULL;
			mtan_err("out of memory");
			goto out;
		}
		if (mtan_output_ok(path, o.input, 1) || mtan_output_not_db(path, dbpath))
			goto out;
		if (!(f = fopen(tmp, "w"))) {
			mtan_err("cannot create '%s': %s", tmp, strerror(errno));
			goto out;
		}
	}
	r.db = db;
	r.o = &o;
	r.f = to_stdout ? stdout : f;
	r.limit = o.limit >= 0 ? o.limit : 20;
	const char *name = strrchr(o.input, '/') ? strrchr(o.input, '/') + 1 : o.input;
	if (page(&r, name))
		goto out;
	if (fflush(r.f) || ferror(r.f)) {
		mtan_err("cannot write '%s': %s", to_stdout ? "stdout" : tmp, strerror(errno));
		goto out;
	}
	if (f) {
		int rc = fclose(f);
		f = NULL;
		if (rc || rename(tmp, path) < 0) {
			mtan_err("cannot write '%s': %s", path, strerror(errno));
			goto out;
		}
		if (!o.quiet)
			mtan_note("report written to '%s'", path);
	}
	ret = 0;
out:
	if (f)
		fclose(f);
	if (ret && tmp)
		unlink(tmp);
	free(path);
	free(tmp);
	free(dbpath);
	sqlite3_close(db);
	return ret;
}
