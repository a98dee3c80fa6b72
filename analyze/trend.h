/* trend.h: plateau, growth or sawtooth of a series (trend.c). */
#ifndef MTAN_TREND_H
#define MTAN_TREND_H

#include <stddef.h>

/* ---- trend.c: plateau, growth or sawtooth of live bytes over time ---- */
/* A series of states: after the event at t[i] (ns), bytes[i] live in blocks[i] blocks
 * (blocks may be NULL); the last state holds until t_end (at most t[n-1]: until then). t
 * is non-decreasing. Borrowed. */
struct mtan_series {
	const double *t, *bytes, *blocks;
	size_t n;
	double t_end;
};
enum { MTAN_PLATEAU, MTAN_GROWTH, MTAN_SAWTOOTH, MTAN_TOO_SHORT };
struct mtan_verdict {
	int verdict;         /* MTAN_PLATEAU, MTAN_GROWTH, MTAN_SAWTOOTH or MTAN_TOO_SHORT */
	double rate;         /* the Theil-Sen slope over the judged part, per second (time) or
			      * per recurrence (marks); a sawtooth: of the floor it drops to */
	double plateau_t;    /* plateau: when it was reached (t units); NAN otherwise */
	double start_t, end_t; /* the judged part: after warm-up, before a teardown */
	double z;            /* the Mann-Kendall statistic of the judged part */
	int resets;          /* drops of a sawtooth */
	size_t points;       /* points judged (time: of the 512 resampled) */
};
/* Judges a series over time: resampled at 512 even times, a final descent (teardown) and
 * the warm-up (the first sixteenth, up to the eleventh, after which live bytes no longer
 * rise) left out; growth is a significant (Mann-Kendall, p < 0.01) and material upward
 * Theil-Sen trend of the medians of 16 parts, of blocks too when they are given (or bytes
 * at least tripling); sawtooth, repeated drops of half the range back to a floor that does
 * not rise. Fewer than 2 points or no time between them: too short. 0, or -1 out of
 * memory. */
int mtan_growth_verdict(const struct mtan_series *s, struct mtan_verdict *v);
/* The same over n points as they are (the live bytes at each recurrence of a mark: x the
 * recurrence's number): fewer than 8 is too short. 0, or -1 out of memory. */
int mtan_growth_points(const double *x, const double *y, const double *blocks, size_t n, struct mtan_verdict *v);
const char *mtan_verdict_name(int verdict);
/* The Theil-Sen estimator: the median of the pairwise slopes, and the median of
 * y - slope x. 0, or -1 out of memory. */
int mtan_theil_sen(const double *x, const double *y, size_t n, double *slope, double *intercept);
/* The Mann-Kendall statistic S (to *s, may be NULL) and its normal score Z, with the
 * variance corrected for ties and a continuity correction. */
double mtan_mann_kendall(const double *y, size_t n, double *s);


#endif
