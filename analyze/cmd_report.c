/* cmd_report.c: `mtan report`: the whole trace on one self-contained HTML page (inline CSS
 * and SVG, nothing fetched): summary, live memory over time per device and space with the
 * marks, growth, leak sites with their stacks, anomalies, races, fragmentation, top sites. */
#include "commands.h"
#include "db.h"
#include "flame.h"
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

static const char style[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1100px;"
	"padding:0 16px;color:#1d2330;background:#fff}\n"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde1e8;"
	"padding-bottom:4px}h3{font-size:14px;margin:16px 0 4px}\n"
	".meta{color:#5b6474;margin:0 0 12px}code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}\n"
	"table{border-collapse:collapse;margin:6px 0}td,th{padding:3px 10px;text-align:left;vertical-align:top}"
	"th{background:#f2f4f7;font-weight:600}tr:nth-child(even) td{background:#fafbfc}td.n,th.n{text-align:right;"
	"font-variant-numeric:tabular-nums}\n"
	".kv td:first-child{color:#5b6474}.bad{color:#b42318;font-weight:600}.ok{color:#067647;font-weight:600}\n"
	"figure{margin:10px 0 18px}figcaption{font-weight:600;margin-bottom:2px}svg text{font:11px system-ui,sans-serif;"
	"fill:#5b6474}\n"
	".site{border:1px solid #dde1e8;border-radius:6px;padding:6px 10px;margin:8px 0}.site summary{cursor:pointer;"
	"font-weight:600}\n"
	"ol.stack{margin:4px 0 2px;padding-left:28px}ol.stack li{font-family:ui-monospace,Menlo,Consolas,monospace;"
	"font-size:12.5px}ol.stack li.rt{color:#8a93a3}.where{color:#5b6474}\n"
	"footer{margin-top:32px;color:#8a93a3;font-size:12px}\n"
	".legend{margin:2px 0 0;font-size:12.5px}p.zoom{margin:6px 0 0;font-size:12.5px;color:#5b6474}.legend .key{margin-right:16px;white-space:nowrap}\n"
	"svg.flame text{font:11px ui-monospace,Menlo,Consolas,monospace;fill:#1d2330}svg.flame g:hover rect{"
	"stroke:#1d2330;stroke-width:.8}\n";

static void td_text(FILE *f, const char *s)
{
	fputs("<td>", f);
	mtan_html(f, s);
	fputs("</td>", f);
}

static void td_count(FILE *f, long long v)
{
	char b[32];
	fprintf(f, "<td class=n>%s</td>", mtan_count(b, (uint64_t)(v < 0 ? 0 : v)));
}

static void td_size(FILE *f, long long v)
{
	char b[32];
	fprintf(f, "<td class=n title=\"%lld bytes\">%s</td>", v, mtan_size(b, (uint64_t)(v < 0 ? 0 : v)));
}

static const char *dev_name(char *buf, long long device)
{
	if (device == -1)
		return "host";
	snprintf(buf, 24, "device %lld", device);
	return buf;
}


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
		td_text(f, dev_name(d, sqlite3_column_int64(st, 0)));
		td_text(f, col_text(st, 1));
		td_count(f, sqlite3_column_int64(st, 2));
		td_count(f, sqlite3_column_int64(st, 3));
		td_size(f, sqlite3_column_int64(st, 4));
		td_size(f, sqlite3_column_int64(st, 5));
		/* a device's capacity is a space's only when the device has that one space (the
		 * client API gives none per space) */
		if (sqlite3_column_type(st, 10) == SQLITE_NULL)
			fputs("<td class=n></td>", f);
		else if (sqlite3_column_int64(st, 11) == 1)
			td_size(f, sqlite3_column_int64(st, 10));
		else
			fprintf(f, "<td class=\"n where\" title=\"the device's capacity, for all its spaces: the client API "
				   "gives none per space\">device %s</td>", mtan_size(a, (uint64_t)sqlite3_column_int64(st, 10)));
		td_size(f, sqlite3_column_int64(st, 7));
		td_count(f, sqlite3_column_int64(st, 6));
		td_size(f, sqlite3_column_int64(st, 9));
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

/* A stack as an ordered list, innermost first; frames before the site (the allocator and
 * runtime) greyed. */
static int stack_list(struct report *r, long long stack)
{
	sqlite3_stmt *fr;
	int rc, n = 0;
	FILE *f = r->f;
	if (stack < 0) {
		fputs("<p class=where>(no stack recorded)</p>\n", f);
		return 0;
	}
	if (mtan_prepare(r->db, "report", "frames", &fr))
		return -1;
	sqlite3_bind_int64(fr, 1, stack);
	fputs("<ol class=stack start=0>\n", f);
	while ((rc = sqlite3_step(fr)) == SQLITE_ROW) {
		const char *fn = col_text(fr, 1), *file = col_text(fr, 2), *mod = col_text(fr, 4);
		const char *mbase = mod && strrchr(mod, '/') ? strrchr(mod, '/') + 1 : mod;
		fprintf(f, "<li%s>", sqlite3_column_int(fr, 7) ? "" : " class=rt");
		if (fn) {
			mtan_html(f, fn);
		} else if (mod) {
			mtan_html(f, mbase);
			fprintf(f, "+0x%" PRIx64, (uint64_t)sqlite3_column_int64(fr, 5));
		} else {
			fprintf(f, "0x%" PRIx64, (uint64_t)sqlite3_column_int64(fr, 6));
		}
		if (file) {
			const char *fbase = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
			fputs(" <span class=where>", f);
			mtan_html(f, fbase);
			if (sqlite3_column_type(fr, 3) != SQLITE_NULL)
				fprintf(f, ":%d", sqlite3_column_int(fr, 3));
			fputs("</span>", f);
		}
		if (fn && mod) {
			fputs(" <span class=where>in ", f);
			mtan_html(f, mbase);
			fputs("</span>", f);
		}
		fputs("</li>\n", f);
		n++;
	}
	sqlite3_finalize(fr);
	fputs("</ol>\n", f);
	return rc == SQLITE_DONE ? 0 : sqlerr(r);
}

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
		td_text(f, dev_name(d, sqlite3_column_int64(st, 0)));
		td_text(f, col_text(st, 1));
		fprintf(f, "<td class=%s>", grows ? "bad" : "ok");
		mtan_html(f, verdict);
		double rate = sqlite3_column_double(st, 3);
		fprintf(f, "</td><td class=n>%s%s/s</td>", rate < 0 ? "-" : "", mtan_size(a, (uint64_t)fabs(rate)));
		fprintf(f, "<td class=n>%s</td>", mtan_when(a, (double)sqlite3_column_int64(st, 5)));
		fprintf(f, "<td class=n>%s</td>", mtan_when(b, (double)sqlite3_column_int64(st, 6)));
		td_size(f, sqlite3_column_int64(st, 7));
		td_size(f, sqlite3_column_int64(st, 8));
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
		fprintf(f, "<h3>Growing sites: %s ", dev_name(d, sqlite3_column_int64(st, 0)));
		mtan_html(f, col_text(st, 1));
		fputs("</h3>\n", f);
		sqlite3_reset(sites);
		sqlite3_bind_int64(sites, 1, sqlite3_column_int64(st, 0));
		sqlite3_bind_text(sites, 2, col_text(st, 1), -1, SQLITE_TRANSIENT);
		while ((rc = sqlite3_step(sites)) == SQLITE_ROW) {
			fprintf(f, "<details class=site open><summary>+%s in %s more blocks (pid %lld)</summary>\n",
				mtan_size(a, (uint64_t)sqlite3_column_int64(sites, 2)),
				mtan_count(b, (uint64_t)sqlite3_column_int64(sites, 3)), sqlite3_column_int64(sites, 0));
			if (stack_list(r, sqlite3_column_type(sites, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(sites, 1)))
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

/* Says a list stopped at --limit (the report shows the first entries of each list). */
static void cut_note(struct report *r, const char *what, const char *cmd)
{
	fprintf(r->f, "<p class=meta>%s: the first %lld shown (<code>--limit</code>); "
		"<code>mtan %s</code> lists them all.</p>\n", what, r->limit, cmd);
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
			mtan_result_get_int(l, i, MTAN_LEAK_PID, 0), dev_name(d, mtan_result_get_int(l, i, MTAN_LEAK_DEVICE, 0)));
		mtan_html(f, mtan_result_get_text(l, i, MTAN_LEAK_SPACE));
		fputs(")</summary>\n", f);
		if (stack_list(r, mtan_result_get_int(l, i, MTAN_LEAK_STACK, -1)))
			goto out;
		fputs("</details>\n", f);
	}
	if (cut)
		cut_note(r, "Leak sites", "leaks");
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

#define FW 1068.0  /* a flame graph's width in SVG units */
#define FROW 17.0  /* a frame's row */
#define FMIN 0.5   /* narrower frames are left out; their bytes stay in their parent's box */
#define FCHAR 6.7  /* a character of the frames' 11-unit monospace font, wide enough for most */

/* The deepest frame wide enough to draw under node i. */
static int flame_top(const struct mtan_flame *fl, size_t i, double scale)
{
	int d = fl->v[i].depth;
	for (size_t c = fl->v[i].child; c; c = fl->v[c].next) {
		if ((double)fl->v[c].bytes * scale < FMIN)
			continue;
		int k = flame_top(fl, c, scale);
		if (k > d)
			d = k;
	}
	return d;
}

/* Writes at most room characters of s (UTF-8), escaped; a longer s is cut to room - 2 and "..". */
static void html_fit(FILE *f, const char *s, int room)
{
	size_t chars = 0, cut = 0;
	for (size_t i = 0; s[i]; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80 && chars++ == (size_t)(room - 2))
			cut = i;
	if (chars <= (size_t)room) {
		mtan_html(f, s);
		return;
	}
	char *head = strndup(s, cut);
	mtan_html(f, head ? head : "");
	fputs("..", f);
	free(head);
}

/* Frame i at x and those above it: a box as wide as its bytes, named where it has room,
 * every number in its tooltip. Colours stay with the name from run to run: warm for the
 * program's frames, grey for the allocator's and the runtime's. */
static void flame_frame(FILE *f, const struct mtan_flame *fl, size_t i, double x, double scale, int top)
{
	const struct mtan_flame_node *n = &fl->v[i];
	double w = (double)n->bytes * scale, y = (double)(top - n->depth) * FROW;
	uint64_t h = 1469598103934665603ull;
	char a[32], b[32];
	for (const unsigned char *p = (const unsigned char *)n->name; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	h ^= h >> 31;
	int red = 205 + (int)(h % 50), green = (int)((h >> 8) % 200), blue = (int)((h >> 16) % 55);
	if (!n->depth)
		red = green = blue = 214;
	else if (n->runtime)
		red = green = 196 + (int)(h % 26), blue = red + 8;
	fputs("<g><title>", f);
	mtan_html(f, n->name);
	fprintf(f, ": %s (%s bytes), %.1f%%</title><rect x=\"%.2f\" y=\"%.0f\" width=\"%.2f\" height=\"%.0f\" "
		   "rx=\"2\" fill=\"rgb(%d,%d,%d)\"/>", mtan_size(a, (uint64_t)n->bytes), mtan_count(b, (uint64_t)n->bytes),
		100.0 * (double)n->bytes / (double)fl->v[0].bytes, x, y, w, FROW - 1, red, green, blue);
	int room = (int)((w - 6) / FCHAR);
	if (room >= 3) {
		fprintf(f, "<text x=\"%.2f\" y=\"%.0f\">", x + 3, y + 12);
		html_fit(f, n->name, room);
		fputs("</text>", f);
	}
	fputs("</g>\n", f);
	for (size_t c = n->child; c; c = fl->v[c].next) {
		if ((double)fl->v[c].bytes * scale >= FMIN)
			flame_frame(f, fl, c, x, scale, top);
		x += (double)fl->v[c].bytes * scale;
	}
}

/* Click a box to zoom to it (its stacks fill the width, the boxes below it stand for
 * its callers, the rest steps aside); click the root to zoom out. The page works the
 * same without it. */
static const char flame_script[] =
	"<script>\n"
	"document.querySelectorAll('svg.flame').forEach(function (svg) {\n"
	"  var W = svg.viewBox.baseVal.width, boxes = [];\n"
	"  svg.querySelectorAll('g').forEach(function (g) {\n"
	"    var r = g.querySelector('rect'), t = g.querySelector('text');\n"
	"    var name = g.querySelector('title').textContent.replace(/: [^:]*$/, '');\n"
	"    boxes.push({g: g, r: r, t: t, name: name, x: +r.getAttribute('x'), w: +r.getAttribute('width'),\n"
	"                y: +r.getAttribute('y')});\n"
	"    g.style.cursor = 'pointer';\n"
	"  });\n"
	"  function fit(b, x, w) {\n"
	"    b.r.setAttribute('x', x.toFixed(2)); b.r.setAttribute('width', w.toFixed(2));\n"
	"    var room = Math.floor((w - 6) / " "6.7" "), s = b.name;\n"
	"    if (!b.t) { b.t = document.createElementNS(svg.namespaceURI, 'text'); b.g.appendChild(b.t); }\n"
	"    b.t.setAttribute('x', (x + 3).toFixed(2)); b.t.setAttribute('y', b.y + 12);\n"
	"    b.t.textContent = room < 3 ? '' : s.length <= room ? s : s.slice(0, room - 2) + '..';\n"
	"  }\n"
	"  function zoom(z) {\n"
	"    boxes.forEach(function (b) {\n"
	"      var inside = b.x >= z.x - 0.01 && b.x + b.w <= z.x + z.w + 0.01;\n"
	"      var below = b.y > z.y && b.x <= z.x + 0.01 && b.x + b.w >= z.x + z.w - 0.01;\n"
	"      if (b.y <= z.y && inside) { fit(b, (b.x - z.x) * W / z.w, b.w * W / z.w); b.g.style.display = ''; }\n"
	"      else if (below) { fit(b, 0, W); b.g.style.display = ''; b.r.style.opacity = 0.6; }\n"
	"      else b.g.style.display = 'none';\n"
	"      if (!below) b.r.style.opacity = '';\n"
	"    });\n"
	"  }\n"
	"  boxes.forEach(function (b) { b.g.addEventListener('click', function () { zoom(b); }); });\n"
	"});\n"
	"</script>\n";

/* One flame graph of flame.sql's bytes of (leaked, peak), or what says there are none. */
static int flame_graph(struct report *r, const char *of, const char *title, const char *none)
{
	struct mtan_flame fl;
	FILE *f = r->f;
	char a[32];
	if (mtan_flame_build(r->db, of, r->o, &fl))
		return -1;
	long long total = fl.v[0].bytes;
	fputs("<figure class=flame><figcaption>", f);
	mtan_html(f, title);
	fprintf(f, " <span class=where>%s</span></figcaption>\n", mtan_size(a, (uint64_t)total));
	if (total <= 0) {
		fprintf(f, "<p class=ok>%s</p></figure>\n", none);
		mtan_flame_free(&fl);
		return 0;
	}
	double scale = FW / (double)total;
	int top = flame_top(&fl, 0, scale);
	fprintf(f, "<svg class=\"flame\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" "
		   "role=\"img\"><title>", FW, (double)(top + 1) * FROW);
	mtan_html(f, title);
	fputs("</title>\n", f);
	flame_frame(f, &fl, 0, 0, scale, top);
	fputs("</svg></figure>\n", f);
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
	fputs(flame_script, r->f);
	fputs("</section>\n", r->f);
	return 0;
}

static int anomalies(struct report *r)
{
	sqlite3_stmt *st;
	FILE *f = r->f;
	int rc, n = 0, cut = 0;
	long long shown = 0;
	if (mtan_prepare(r->db, "report", "anomalies", &st))
		return -1;
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":limit"), r->limit + 1); /* one more: cut? */
	fputs("<section id=anomalies><h2>Anomalies</h2>\n", f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (shown == r->limit) {
			cut = 1;
			break;
		}
		shown++;
		char d[24];
		if (!n++)
			fputs("<table><tr><th>kind</th><th class=n>pid</th><th>device</th><th>space</th><th>address</th>"
			      "<th class=n>seq</th><th class=n>thread</th><th>function</th><th class=n>size</th></tr>\n", f);
		fputs("<tr>", f);
		td_text(f, col_text(st, 0));
		fprintf(f, "<td class=n>%lld</td>", sqlite3_column_int64(st, 1));
		td_text(f, dev_name(d, sqlite3_column_int64(st, 2)));
		td_text(f, col_text(st, 3));
		fprintf(f, "<td class=mono>0x%" PRIx64 "</td>", (uint64_t)sqlite3_column_int64(st, 4));
		fprintf(f, "<td class=n>%lld</td><td class=n>%lld</td>", sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 7));
		td_text(f, col_text(st, 8));
		if (sqlite3_column_type(st, 9) == SQLITE_NULL)
			fputs("<td class=n></td>", f);
		else
			td_size(f, sqlite3_column_int64(st, 9));
		fputs("</tr>\n", f);
	}
	sqlite3_finalize(st);
	if (!cut && rc != SQLITE_DONE)
		return sqlerr(r);
	if (n)
		fputs("</table>", f);
	if (cut)
		cut_note(r, "Anomalies", "sql TRACE 'SELECT * FROM anomalies'");
	else if (!n)
		fputs("<p class=ok>None: every free matched a live block.</p>", f);
	fputs("</section>\n", f);
	return 0;
}

/* The races, as mtan races lists them (races.c). */
static int races(struct report *r)
{
	struct mtan_result *v;
	FILE *f = r->f;
	if (mtan_races(r->db, r->o, &whole, r->limit + 1, &v)) /* one more: cut? */
		return -1;
	fputs("<section id=races><h2>Address-reuse races</h2>\n<p class=meta>The tracked order contradicts the "
	      "allocator's: an allocator reported an event after releasing its lock (repaired in the "
	      "lifetimes; see <code>mtan races</code>).</p>\n", f);
	size_t n = v->nrows < (size_t)r->limit ? v->nrows : (size_t)r->limit;
	if (n)
		fputs("<table><tr><th>form</th><th class=n>pid</th><th>device</th><th>space</th><th>address</th>"
		      "<th class=n>free (seq, thread)</th><th class=n>reuse (seq, thread)</th>"
		      "<th class=n>late alloc (seq, thread)</th><th class=n>window</th></tr>\n", f);
	for (size_t i = 0; i < n; i++) {
		char d[24], a[32];
#define V(c) mtan_result_get_int(v, i, MTAN_RACE_##c, 0)
		fputs("<tr>", f);
		td_text(f, mtan_result_get_text(v, i, MTAN_RACE_FORM));
		fprintf(f, "<td class=n>%lld</td>", V(PID));
		td_text(f, dev_name(d, V(DEVICE)));
		td_text(f, mtan_result_get_text(v, i, MTAN_RACE_SPACE));
		fprintf(f, "<td class=mono>0x%" PRIx64 "</td>", (uint64_t)V(ADDRESS));
		fprintf(f, "<td class=n>%lld, %lld</td><td class=n>%lld, %lld</td>", V(FREE_SEQ), V(FREE_TID),
			V(REUSE_SEQ), V(REUSE_TID));
		if (mtan_result_cell(v, i, MTAN_RACE_LATE_SEQ)->type == MTAN_CELL_NULL)
			fputs("<td class=n></td>", f);
		else
			fprintf(f, "<td class=n>%lld, %lld</td>", V(LATE_SEQ), V(LATE_TID));
		fprintf(f, "<td class=n>%s</td></tr>\n", mtan_when(a, (double)V(WINDOW_NS)));
#undef V
	}
	if (n)
		fputs("</table>", f);
	if (v->nrows > n)
		cut_note(r, "Races", "races");
	else if (!n)
		fputs("<p class=ok>None.</p>", f);
	fputs("</section>\n", f);
	mtan_result_free(v);
	return 0;
}

static int frag_row(void *ctx, const struct mtan_frag *fr)
{
	FILE *f = ((struct report *)ctx)->f;
	char d[24], a[32];
	fprintf(f, "<tr><td class=n>%lld</td>", fr->pid);
	td_text(f, dev_name(d, fr->device));
	td_text(f, fr->name);
	fprintf(f, "<td class=n>%s</td>", fr->has_time ? mtan_when(a, (double)fr->time_ns) : "");
	if (fr->has_capacity)
		td_size(f, fr->capacity);
	else
		fputs("<td class=n></td>", f);
	td_count(f, fr->blocks);
	td_size(f, fr->live);
	td_size(f, fr->free_bytes);
	td_count(f, fr->holes);
	td_size(f, fr->largest);
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
			mtan_result_get_int(v, i, 2, 0), dev_name(d, mtan_result_get_int(v, i, 3, 0)));
		mtan_html(f, mtan_result_get_text(v, i, 4));
		fputs(")</summary>\n", f);
		if (stack_list(r, mtan_result_get_int(v, i, 5, -1)))
			goto out;
		fputs("</details>\n", f);
	}
	if ((long long)v->nrows > r->limit)
		cut_note(r, "Sites", "top");
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
	fputs("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n"
	      "<meta name=viewport content=\"width=device-width, initial-scale=1\">\n<title>mtan report: ", f);
	mtan_html(f, name);
	fprintf(f, "</title>\n<style>\n%s</style></head><body>\n<h1>Memory report: <code>", style);
	mtan_html(f, name);
	fputs("</code></h1>\n<p class=meta>", f);
	if (cmdline) {
		fputs("<code>", f);
		mtan_html(f, cmdline);
		fputs("</code>", f);
	}
	if (host) {
		fputs(" on ", f);
		mtan_html(f, host);
	}
	if (realtime > 0) {
		time_t t = (time_t)(realtime / 1000000000);
		struct tm tm;
		char when_s[64];
		if (gmtime_r(&t, &tm) && strftime(when_s, sizeof when_s, "%Y-%m-%d %H:%M:%S UTC", &tm))
			fprintf(f, ", recorded %s", when_s);
	}
	fprintf(f, "; %s</p>\n", complete ? "complete" : "<span class=bad>incomplete (the recording stopped early)</span>");
	if (summary(r) || charts(r) || growth(r) || leaks(r) || flames(r) || anomalies(r) || races(r) || fragmentation(r) || top_sites(r))
		goto out;
	fprintf(f, "<footer>mtan %s, schema %d</footer>\n</body></html>\n", MTAN_VERSION, MTAN_SCHEMA_VERSION);
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
