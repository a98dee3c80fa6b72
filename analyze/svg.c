/* svg.c: the report's section "Live memory over time": a chart of live bytes per device
 * and space as inline SVG (the data from chart.c), round ticks, the marks placed so their
 * labels never overlap (a label repeated many times: light ticks and one legend entry),
 * and the marks grouped by label in a table. */
#include "chart.h"
#include "opts.h"
#include "output.h"
#include "svg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CW 960.0 /* the chart's size in SVG units */
#define CH 200.0
#define ML 70.0  /* margins: left (sizes), right, bottom (ticks) */
#define MR 14.0
#define MB 28.0
#define LANE 15.0   /* a row of mark labels above the plot */
#define LANES 3
#define CHAR_W 6.4  /* a character of the 11-unit labels, wide enough for most */
#define NCOLS 876   /* a column per unit of the plot's width */
#define ZH 120.0    /* the panel above a settled level (its floor): its height */

static const char *const palette[] = {"#8e4ec6", "#12a594", "#f76b15", "#0090ff", "#d6409f", "#978365"};
#define SINGLE "#e5484d" /* marks drawn one by one */


struct plot {
	const struct mtan_chart_series *s;
	double mt;     /* the plot's top: below the lanes of mark labels */
	double top;    /* the size axis' top, above floor */
	double floor;  /* the size axis' bottom: 0, or a settled level's in the panel above it */
	double h;      /* the SVG's height */
};

static double px(const struct plot *p, double x)
{
	return ML + (x - p->s->x0) / (p->s->x1 - p->s->x0) * (CW - ML - MR);
}

/* Above the top or below the floor (the panel's): at the edge. */
static double py(const struct plot *p, double v)
{
	double f = (v - p->floor) / p->top;
	f = f < 0 ? 0 : f > 1 ? 1 : f;
	return p->mt + (p->h - p->mt - MB) * (1 - f);
}

/* Where a mark sits on s's axis; 0 when outside it. */
static int mark_x(const struct mtan_chart_series *s, const struct mtan_mark *m, double *x)
{
	*x = s->by_seq ? (double)m->seq : (double)m->ns;
	return *x >= s->x0 && *x <= s->x1;
}

/* The size ticks: from 0, or in the panel above a floor, the floor's size and then what
 * stands above it (+64 KiB), round as the main chart's. */
static void axes(FILE *f, const struct plot *p, double ystep)
{
	const struct mtan_chart_series *s = p->s;
	char a[32];
	for (double v = 0; v <= p->top + ystep / 2; v += ystep) {
		double y = py(p, p->floor + v);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", ML, y, CW - MR, y,
			v == 0 ? "#9aa3b2" : "#e6e9ee");
		fprintf(f, "<text class=\"ytick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s%s</text>\n", ML - 6,
			y + 4, v && p->floor ? "+" : "", v == 0 ? p->floor ? mtan_size(a, (uint64_t)p->floor) : "0"
			: mtan_size_tick(a, v, p->top, ystep));
	}
	double xstep = mtan_nice_step(s->x1 - s->x0, 7);
	if (s->by_seq && xstep < 1)
		xstep = 1;
	for (double x = ceil(s->x0 / xstep - 1e-9) * xstep; x <= s->x1 + 1e-9; x += xstep) {
		double X = px(p, x);
		if (s->by_seq)
			mtan_count(a, (uint64_t)llround(x));
		else
			mtan_time_tick(a, x, fmax(fabs(s->x0), fabs(s->x1)), xstep);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#9aa3b2\"/>", X, p->h - MB, X,
			p->h - MB + 4);
		fprintf(f, "<text class=\"xtick\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", X, p->h - MB + 15, a);
	}
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", CW - MR, p->h - 2,
		s->by_seq ? "event order (seq)" : "time since the trace began");
}

/* The live bytes: the area under the level at each column's end, the level as a line, and
 * where a column held more for an instant than as it began and ended, a light bar up to
 * that most (only as wide as the column: it never suggests memory that was live longer). */
static void data(FILE *f, const struct plot *p)
{
	const struct mtan_chart_series *s = p->s;
	double colw = (CW - ML - MR) / s->ncols;
	/* the steps: between columns the level carries on */
	char *d = NULL;
	size_t dn = 0;
	FILE *m = open_memstream(&d, &dn);
	if (!m)
		return;
	int64_t live = s->start;
	fprintf(m, "M%.1f %.1f", ML, py(p, (double)live));
	for (int k = 0; k < s->ncols; k++) {
		const struct mtan_chart_col *c = &s->col[k];
		if (!c->used || c->out == live)
			continue;
		fprintf(m, "H%.1fV%.1f", ML + k * colw, py(p, (double)c->out));
		live = c->out;
	}
	fprintf(m, "H%.1f", CW - MR);
	fclose(m);
	fprintf(f, "<path class=\"area\" fill=\"#c7d7fe\" stroke=\"none\" d=\"%sV%.1fH%.1fZ\"/>\n", d, py(p, p->floor), ML);
	/* transient peaks */
	fputs("<path class=\"peaks\" fill=\"#dfe6fd\" stroke=\"none\" d=\"", f);
	for (int k = 0; k < s->ncols; k++) {
		const struct mtan_chart_col *c = &s->col[k];
		int64_t held = c->in > c->out ? c->in : c->out;
		if (c->used && c->hi > held)
			fprintf(f, "M%.1f %.1fH%.1fV%.1fH%.1fZ", ML + k * colw, py(p, (double)held), ML + (k + 1) * colw,
				py(p, (double)c->hi), ML + k * colw);
	}
	fputs("\"/>\n", f);
	fprintf(f, "<path class=\"live\" fill=\"none\" stroke=\"#3e63dd\" stroke-width=\"1.5\" d=\"%s\"/>\n", d);
	free(d);
}

/* The marks on s's axis: a group of many as light ticks along the bottom of the plot; the
 * others as dashed lines with their labels in the lanes above the plot, each in the first
 * lane where it overlaps nothing (a label that fits in none is left to its tooltip and the
 * table). Returns how many labels were left out. */
static int marks(FILE *f, const struct plot *p, const struct mtan_marks *mk)
{
	const struct mtan_chart_series *s = p->s;
	double lane_end[LANES];
	int left_out = 0;
	char b[32];
	for (int l = 0; l < LANES; l++)
		lane_end[l] = -1e9;
	for (size_t g = 0; g < mk->ng; g++) {
		if (mk->g[g].count < MTAN_MARKS_MANY)
			continue;
		char name[160];
		fprintf(f, "<path class=\"ticks\" stroke=\"%s\" stroke-opacity=\"0.55\" d=\"", palette[g % 6]);
		for (size_t i = 0; i < mk->n; i++) {
			double x;
			if (mk->m[i].group == (int)g && mark_x(s, &mk->m[i], &x))
				fprintf(f, "M%.1f %.1fv7", px(p, x), CH - MB - 7);
		}
		fputs("\"><title>", f);
		mtan_html(f, mtan_mark_group_name(name, sizeof name, &mk->g[g]));
		fprintf(f, ": %zu marks</title></path>\n", mk->g[g].count);
	}
	for (size_t i = 0; i < mk->n; i++) {
		const struct mtan_mark *m = &mk->m[i];
		double x;
		if (mk->g[m->group].count >= MTAN_MARKS_MANY || !mark_x(s, m, &x))
			continue;
		double X = px(p, x), w = (double)mtan_text_width(m->label) * CHAR_W;
		fputs("<g class=\"mark\"><title>mark ", f);
		mtan_html(f, m->label);
		fprintf(f, " at %s</title><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			   "stroke-dasharray=\"4 3\"/>", s->by_seq ? (snprintf(b, 32, "seq %lld", (long long)m->seq), b)
			: mtan_when(b, (double)m->ns), X, p->mt - 2, X, CH - MB, SINGLE);
		/* right of the line, or left of it near the right edge */
		int end = X + 3 + w > CW - MR;
		double a = end ? X - 3 - w : X + 3, z = end ? X - 3 : X + 3 + w;
		int lane = -1;
		for (int l = 0; l < LANES && lane < 0; l++)
			if (a >= lane_end[l] + 6)
				lane = l;
		if (lane >= 0) {
			lane_end[lane] = z;
			fprintf(f, "<text class=\"mark\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" style=\"fill:%s\">",
				end ? X - 3 : X + 3, p->mt - 5 - (LANES - 1 - lane) * LANE, end ? "end" : "start", SINGLE);
			mtan_html(f, m->label);
			fputs("</text>", f);
		} else
			left_out++;
		fputs("</g>\n", f);
	}
	return left_out;
}

/* The legend under a chart: each group of many marks, and the labels left out. */
static void legend(FILE *f, const struct mtan_chart_series *s, const struct mtan_marks *mk, int left_out)
{
	int n = 0;
	for (size_t g = 0; g < mk->ng; g++) {
		size_t in = 0;
		double x;
		for (size_t i = 0; i < mk->n; i++)
			in += mk->m[i].group == (int)g && mark_x(s, &mk->m[i], &x);
		if (mk->g[g].count < MTAN_MARKS_MANY || !in)
			continue;
		char name[160];
		fprintf(f, "%s<span class=key><svg width=\"10\" height=\"12\"><path d=\"M5 1v10\" stroke=\"%s\" "
			   "stroke-width=\"2\"/></svg> ", n++ ? "" : "<p class=legend>", palette[g % 6]);
		mtan_html(f, mtan_mark_group_name(name, sizeof name, &mk->g[g]));
		fprintf(f, " <span class=where>&times;%zu</span></span>\n", in);
	}
	if (left_out)
		fprintf(f, "%s<span class=\"key where\">%d more %s without room for %s label (see Marks)</span>\n",
			n++ ? "" : "<p class=legend>", left_out, left_out == 1 ? "mark" : "marks",
			left_out == 1 ? "its" : "their");
	if (n)
		fputs("</p>\n", f);
}

/* Under a chart whose level, once settled, moves little against its height (a device's
 * tensors on top of its system buffers): the same axis of time, its sizes from that floor
 * to the most above it. dev: "device N". */
static void zoom(FILE *f, const struct mtan_chart_series *s, const char *dev)
{
	int64_t lo, hi;
	char a[32], b[32], c[32];
	if (!mtan_series_settled(s, &lo, &hi))
		return;
	struct plot p = {s, 8, 0, (double)lo, ZH};
	double ystep;
	p.top = mtan_size_axis((double)(hi - lo), 3, &ystep);
	fprintf(f, "<p class=zoom>Above %s: from %s (%s bytes) up to %s more</p>\n",
		s->base_seq >= 0 ? "the baseline (what the device allocated during setup)"
		: "its settled level (from where it first reached 90% of its peak)", mtan_size(a, (uint64_t)lo),
		mtan_count(b, (uint64_t)lo), mtan_size(c, (uint64_t)(hi - lo)));
	fprintf(f, "<svg class=\"zoom\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" "
		   "role=\"img\" data-floor=\"%lld\" data-high=\"%lld\"><title>%s ", CW, ZH, (long long)lo, (long long)hi,
		s->device == -1 ? "host" : dev);
	mtan_html(f, s->space);
	fputs(": live bytes above its settled level</title>\n", f);
	axes(f, &p, ystep);
	data(f, &p);
	fputs("</svg>\n", f);
}

static int chart(FILE *f, const struct mtan_charts *c, struct mtan_chart_series *s, const struct mtan_marks *mk)
{
	char a[32], b[32], d[24];
	if (mtan_series_columns(c, s, NCOLS))
		return -1;
	/* lanes for labels only where a mark drawn one by one falls on this axis */
	int lanes = 0;
	for (size_t i = 0; i < mk->n && !lanes; i++) {
		double x;
		lanes = mk->g[mk->m[i].group].count < MTAN_MARKS_MANY && mark_x(s, &mk->m[i], &x);
	}
	struct plot p = {s, lanes ? 8 + LANES * LANE : 10, 0, 0, CH};
	double ystep;
	p.top = mtan_size_axis((double)s->peak, 4, &ystep);
	fprintf(f, "<figure class=chart><figcaption>%s ", s->device == -1 ? "host" : (snprintf(d, 24, "device %lld",
		s->device), d));
	mtan_html(f, s->space);
	fprintf(f, " <span class=where>peak %s", mtan_size(a, (uint64_t)s->peak));
	if (s->capacity > 0)
		fprintf(f, " of %s", mtan_size(b, (uint64_t)s->capacity));
	if (s->own_span)
		fprintf(f, "; the device's life, %s", s->by_seq ? "seq " : "");
	if (s->own_span && s->by_seq)
		fprintf(f, "%s to %s", mtan_count(a, (uint64_t)s->life[0]), mtan_count(b, (uint64_t)s->life[1]));
	else if (s->own_span)
		fprintf(f, "%s to %s", mtan_when(a, s->life[2]), mtan_when(b, s->life[3]));
	if (s->by_seq)
		fputs(", by event order", f);
	fputs("</span></figcaption>\n", f);
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" width=\"100%%\" role=\"img\" "
		   "data-x0=\"%.0f\" data-x1=\"%.0f\" data-axis=\"%s\"><title>",
		CW, CH, s->x0, s->x1, s->by_seq ? "seq" : "ns");
	fprintf(f, "%s ", s->device == -1 ? "host" : d);
	mtan_html(f, s->space);
	fputs(": live bytes</title>\n", f);
	axes(f, &p, ystep);
	data(f, &p);
	int left_out = marks(f, &p, mk);
	fputs("</svg>", f);
	zoom(f, s, d);
	legend(f, s, mk, left_out);
	fputs("</figure>\n", f);
	return 0;
}

/* The marks table: one row per label (or family of numbered labels). */
static void marks_table(FILE *f, const struct mtan_marks *mk)
{
	char name[160], a[32], b[32];
	if (!mk->ng)
		return;
	fputs("<h3>Marks</h3><table class=marks><tr><th>label</th><th class=n>count</th><th class=n>first</th>"
	      "<th class=n>last</th></tr>\n", f);
	for (size_t g = 0; g < mk->ng; g++) {
		const struct mtan_mark_group *q = &mk->g[g];
		fputs("<tr><td>", f);
		mtan_html(f, mtan_mark_group_name(name, sizeof name, q));
		fprintf(f, "</td><td class=n>%s</td>", mtan_count(a, q->count));
		fprintf(f, "<td class=n title=\"seq %lld\">%s</td>", (long long)q->first_seq, mtan_when(b, (double)q->first_ns));
		fprintf(f, "<td class=n title=\"seq %lld\">%s</td></tr>\n", (long long)q->last_seq, mtan_when(b, (double)q->last_ns));
	}
	fputs("</table>\n", f);
}

int mtan_svg_timeline(sqlite3 *db, const struct mtan_opts *o, FILE *f)
{
	struct mtan_charts c;
	struct mtan_marks mk;
	int ret = -1;
	memset(&mk, 0, sizeof mk);
	struct mtan_opts all = *o;
	all.pid = -1;
	all.scope.has_device = 0;
	all.scope.space = NULL;
	if (mtan_charts_load(db, &all, NULL, &c) || mtan_marks_load(db, &all, &mk))
		goto out;
	fputs("<section id=timeline><h2>Live memory over time</h2>\n<p class=meta>The line: live bytes (every "
	      "process), down at every free, device close and process exit (what a process still held "
	      "went with it: its leaks are in Leaks); light bars: more was live for an instant than the "
	      "chart can draw apart. A device that lived a small part of the run is charted over its "
	      "life; a chart whose events crowd into a few ticks of the recorder's clock goes by event "
	      "order (seq) instead of time. Dashed: marks; light ticks: a mark repeated many times.</p>\n", f);
	if (!c.exact)
		fputs("<p class=meta>This trace is large: the charts are drawn from the loader's timeline (4,096 "
		      "steps over the run), where a process's exit does not end its blocks.</p>\n", f);
	for (size_t i = 0; i < c.n; i++)
		if (chart(f, &c, &c.s[i], &mk))
			goto out;
	marks_table(f, &mk);
	fputs("</section>\n", f);
	ret = 0;
out:
	mtan_charts_release(&c);
	mtan_marks_release(&mk);
	return ret;
}
