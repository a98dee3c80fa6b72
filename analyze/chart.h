/* chart.h: what the charts of live bytes show, and marks (chart.c). */
#ifndef MTAN_CHART_H
#define MTAN_CHART_H

#include <sqlite3.h>
#include <stdint.h>
#include <stddef.h>
#include "opts.h"
#include "scope.h"

/* ---- chart.c: what the charts of live bytes show (report and timeline) ---- */
/* A change of live bytes: live after it, the most within since the point before (one
 * event: live), exit: a process's exit took the blocks it still held. */
struct mtan_pt {
	int64_t seq, ns, live, max;
	int exit;
};
/* A column of a chart: live as it begins (in), the least and most within, live at its end. */
struct mtan_chart_col {
	int64_t in, lo, hi, out;
	int used; /* something happened in it; else the level carries on */
};
struct mtan_chart_series {
	long long device;
	char *space;
	int64_t capacity;              /* the space's own (a device with one space), -1 unknown */
	struct mtan_pt *p;             /* in seq order, inside the window */
	size_t n, cap;
	int64_t live, before;          /* while loading; the level as the window opens */
	int64_t peak, held;            /* the most live; live at the end, not counting exits */
	int64_t life_seq0, life_ns0, life_seq1, life_ns1; /* a device's open and close, -1 none */
	int64_t base_seq;              /* where the device's setup ended (its baseline), -1 none */
	/* after mtan_series_columns: the axis (seq or ns) from x0 to x1, own_span when it is a
	 * device's life rather than the whole run, and the columns over it */
	int by_seq, own_span;
	double x0, x1;
	double life[4];                /* own_span: the life charted, seqs then times */
	int64_t start;                 /* live at x0 */
	struct mtan_chart_col *col;
	int ncols;
};
struct mtan_charts {
	struct mtan_chart_series *s; /* host first, then devices in order, spaces by name */
	size_t n;
	int exact;             /* event by event (else the loader's time buckets) */
	int coarse;            /* mtan_coarse_times: a short run may be charted by seq */
	int64_t seq0, seq1, ns0, ns1; /* the run (inside the window) */
};
/* Every device's and space's series in o's scope and the window w (NULL: all). 0 or -1
 * (reported); c is released by mtan_charts_release either way. */
int mtan_charts_load(sqlite3 *db, const struct mtan_opts *o, const struct mtan_window *w, struct mtan_charts *c);
void mtan_charts_release(struct mtan_charts *c);
/* Chooses s's axis (its span and time or seq) and cuts it into ncols columns. 0 or -1. */
int mtan_series_columns(const struct mtan_charts *c, struct mtan_chart_series *s, int ncols);
/* 1 when s's level, once settled (after the device's setup, else from where it first
 * reaches 90% of its peak, to its close), moves by under a tenth of its peak: *lo and *hi
 * are the least and most live there. */
int mtan_series_settled(const struct mtan_chart_series *s, int64_t *lo, int64_t *hi);
/* A round step (1, 2, 2.5, 5 x 10^k) cutting span into about want parts. */
double mtan_nice_step(double span, int want);
/* The top of a size axis (a multiple of *step, round in the unit peak is shown in). */
double mtan_size_axis(double peak, int want, double *step);
/* A size tick's label in the unit of the axis' top ("1.5 MiB"), as many decimals as step
 * needs; a time tick's ("36.2 ms") in the unit of hi. buf: 32 bytes. */
char *mtan_size_tick(char *buf, double v, double top, double step);
char *mtan_time_tick(char *buf, double ns, double hi, double step);

/* Marks, and their groups: one per label, or per family of numbered labels ("round 0",
 * "round 1", ...). A group of MTAN_MARKS_MANY or more is drawn as light ticks. */
#define MTAN_MARKS_MANY 4
struct mtan_mark {
	int64_t seq, ns;
	char *label;
	int group;
};
struct mtan_mark_group {
	char *first_label, *last_label;
	size_t family_len, count;
	int numbered, family; /* family: labels that differ in their number */
	int64_t first_seq, first_ns, last_seq, last_ns;
};
struct mtan_marks {
	struct mtan_mark *m;
	size_t n;
	struct mtan_mark_group *g;
	size_t ng;
};
int mtan_marks_load(sqlite3 *db, const struct mtan_opts *o, struct mtan_marks *m);
void mtan_marks_release(struct mtan_marks *m);
/* "frame", or "round 0 ... round 49" for a family. */
char *mtan_mark_group_name(char *buf, size_t size, const struct mtan_mark_group *g);

#endif
