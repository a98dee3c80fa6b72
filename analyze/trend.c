/* trend.c: plateau, growth or sawtooth of a series of live bytes over time, with robust
 * statistics: the Theil-Sen slope (the median of the pairwise slopes) and the
 * Mann-Kendall trend test, on the part of the series after warm-up and before teardown.
 * Pure functions over arrays: `mtan growth` and the unit tests call them. */
#include "mtan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GRID 512          /* the series is resampled on this many evenly spaced times */
#define WARMUP 0.10       /* the first tenth of the span is warm-up */
#define MIN_POINTS 8      /* fewer points after warm-up: too little to call growth */
#define Z_GROWTH 2.326    /* one-sided p < 0.01 */
#define MATERIAL 0.02     /* a trend must move the series by 2% of its median level */
#define RESET 0.5         /* a sawtooth's drop: half the range of the series ... */
#define RESET_SPAN 3      /* ... within this many grid steps ... */
#define RESET_STEPS 4     /* ... and this many times a typical step */
#define MIN_RESETS 3
#define MIN_CYCLE 4       /* grid points a tooth spans at least, on average */
#define TEETH 0.25        /* teeth are at least a quarter of the highest level */
#define BYTES_ONLY 3.0    /* without more blocks, growth means bytes at least tripled */
#define PLATEAU 0.9       /* the plateau is reached at 90% of the level it holds */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The k-th smallest of v[0..n) (0-based); reorders v. */
static double select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		double pivot = v[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				double t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return v[k];
	}
	return v[k];
}

static double median_of(double *v, size_t n)
{
	if (!n)
		return 0;
	double a = select_kth(v, n, (n - 1) / 2);
	if (n % 2)
		return a;
	double b = select_kth(v, n, n / 2);
	return (a + b) / 2;
}

int mtan_theil_sen(const double *x, const double *y, size_t n, double *slope, double *intercept)
{
	*slope = 0;
	*intercept = n ? y[0] : 0;
	if (n < 2)
		return 0;
	size_t m = 0, cap = n * (n - 1) / 2;
	double *s = malloc(cap * sizeof(*s));
	if (!s)
		return -1;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (x[j] != x[i])
				s[m++] = (y[j] - y[i]) / (x[j] - x[i]);
	*slope = median_of(s, m);
	/* the intercept: the median of y - slope * x */
	for (size_t i = 0; i < n; i++)
		s[i] = y[i] - *slope * x[i];
	*intercept = median_of(s, n);
	free(s);
	return 0;
}

double mtan_mann_kendall(const double *y, size_t n, double *s_out)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			s += (y[j] > y[i]) - (y[j] < y[i]);
	if (s_out)
		*s_out = s;
	if (n < 3)
		return 0;
	/* the variance of S with ties: groups of equal values count t(t-1)(2t+5) less */
	double *v = malloc(n * sizeof(*v));
	double var = (double)n * (double)(n - 1) * (double)(2 * n + 5);
	if (v) {
		memcpy(v, y, n * sizeof(*v));
		qsort(v, n, sizeof(*v), cmp_double);
		for (size_t i = 0; i < n;) {
			size_t j = i;
			while (j < n && v[j] == v[i])
				j++;
			double t = (double)(j - i);
			var -= t * (t - 1) * (2 * t + 5);
			i = j;
		}
		free(v);
	}
	var /= 18;
	if (var <= 0)
		return 0;
	/* continuity correction */
	double z = s > 0 ? (s - 1) / sqrt(var) : s < 0 ? (s + 1) / sqrt(var) : 0;
	return z;
}

/* Samples a step function (the state after each point) at g evenly spaced times over
 * [t[0], t[n-1]]: out_t and out_y get g values each. */
static void resample(const double *t, const double *y, size_t n, size_t g, double *out_t, double *out_y)
{
	double t0 = t[0], span = t[n - 1] - t[0];
	size_t k = 0;
	for (size_t i = 0; i < g; i++) {
		double at = g > 1 ? t0 + span * (double)i / (double)(g - 1) : t0;
		while (k + 1 < n && t[k + 1] <= at)
			k++;
		out_t[i] = at;
		out_y[i] = y[k];
	}
}

struct trend {
	double slope, intercept, z, median, range;
};

static int trend_of(const double *t, const double *y, size_t n, struct trend *tr)
{
	memset(tr, 0, sizeof(*tr));
	if (mtan_theil_sen(t, y, n, &tr->slope, &tr->intercept))
		return -1;
	tr->z = mtan_mann_kendall(y, n, NULL);
	double *v = malloc(n * sizeof(*v));
	if (!v)
		return -1;
	memcpy(v, y, n * sizeof(*v));
	double lo = y[0], hi = y[0];
	for (size_t i = 0; i < n; i++) {
		lo = y[i] < lo ? y[i] : lo;
		hi = y[i] > hi ? y[i] : hi;
	}
	tr->median = median_of(v, n);
	tr->range = hi - lo;
	free(v);
	return 0;
}

/* A significant, material upward trend over a span of time. */
static int rises(const struct trend *tr, double span)
{
	double level = fabs(tr->median) > 1 ? fabs(tr->median) : 1;
	return tr->z > Z_GROWTH && tr->slope > 0 && tr->slope * span >= MATERIAL * level;
}

/* Resets of a sawtooth in y[0..n): drops of at least RESET of the range within RESET_SPAN
 * steps, and far larger than a typical step (noise drops as often as it rises); a rise
 * back re-arms. idx (may be NULL) gets where each was. */
static size_t resets(const double *y, size_t n, double range, size_t *idx)
{
	size_t count = 0;
	int armed = 1;
	double low = y[0];
	if (range <= 0 || n < 2)
		return 0;
	double *d = malloc((n - 1) * sizeof(*d));
	if (!d)
		return 0;
	for (size_t i = 1; i < n; i++)
		d[i - 1] = fabs(y[i] - y[i - 1]);
	double typical = median_of(d, n - 1);
	free(d);
	double drop = RESET * range > RESET_STEPS * typical ? RESET * range : RESET_STEPS * typical;
	for (size_t i = 1; i < n; i++) {
		size_t from = i > RESET_SPAN ? i - RESET_SPAN : 0;
		double high = y[from];
		for (size_t j = from; j < i; j++)
			high = y[j] > high ? y[j] : high;
		if (armed && high - y[i] >= drop) {
			if (idx)
				idx[count] = i;
			count++;
			armed = 0;
			low = y[i];
		} else if (!armed) {
			low = y[i] < low ? y[i] : low;
			if (y[i] - low >= RESET * range)
				armed = 1;
		}
	}
	return count;
}

int mtan_growth_verdict(const struct mtan_series *s, struct mtan_verdict *v)
{
	int ret = -1;
	double *gt = NULL, *gy = NULL, *gb = NULL, *floors = NULL, *ft = NULL;
	size_t *at = NULL;
	memset(v, 0, sizeof(*v));
	v->verdict = MTAN_PLATEAU;
	v->plateau_t = NAN;
	if (s->n == 0)
		return 0;
	size_t g = s->n < 2 ? 1 : GRID;
	gt = malloc(g * sizeof(*gt));
	gy = malloc(g * sizeof(*gy));
	gb = malloc(g * sizeof(*gb));
	floors = malloc(g * sizeof(*floors));
	ft = malloc(g * sizeof(*ft));
	at = malloc(g * sizeof(*at));
	if (!gt || !gy || !gb || !floors || !ft || !at)
		goto out;
	resample(s->t, s->bytes, s->n, g, gt, gy);
	if (s->blocks)
		resample(s->t, s->blocks, s->n, g, gt, gb);
	double span = gt[g - 1] - gt[0];
	size_t w = 0;
	while (w < g && gt[w] < gt[0] + WARMUP * span)
		w++;
	if (w >= g)
		w = g - 1;
	/* teardown: a final descent of at least a quarter of the range is not judged */
	double lo = gy[w], hi = gy[w];
	for (size_t i = w; i < g; i++) {
		lo = gy[i] < lo ? gy[i] : lo;
		hi = gy[i] > hi ? gy[i] : hi;
	}
	/* ... it starts after the last point still 90% of the way up from the end */
	size_t e = g - 1;
	double last = gy[g - 1];
	if (hi > lo && hi - last >= 0.25 * (hi - lo))
		while (e > w && gy[e] < last + 0.9 * (hi - last))
			e--;
	v->start_t = gt[w];
	v->end_t = gt[e];
	size_t n = e - w + 1;
	if (n < MIN_POINTS || span <= 0) {
		v->plateau_t = gt[0];
		ret = 0;
		goto out;
	}
	struct trend tb, tn;
	if (trend_of(gt + w, gy + w, n, &tb))
		goto out;
	double aspan = gt[e] - gt[w];
	v->rate = tb.slope * 1e9;
	v->z = tb.z;
	double top = gy[w];
	for (size_t i = w; i <= e; i++)
		top = gy[i] > top ? gy[i] : top;
	size_t nres = tb.range >= TEETH * top ? resets(gy + w, n, tb.range, at) : 0;
	v->resets = (int)nres;
	if (nres >= MIN_RESETS && nres * MIN_CYCLE <= n) {
		/* a sawtooth grows only if the floor it drops back to rises */
		size_t k = 0, from = 0;
		for (size_t r = 0; r <= nres; r++) {
			size_t to = r < nres ? at[r] : n;
			double m = gy[w + from];
			size_t mi = from;
			for (size_t i = from; i < to; i++)
				if (gy[w + i] < m) {
					m = gy[w + i];
					mi = i;
				}
			floors[k] = m;
			ft[k++] = gt[w + mi];
			from = to;
		}
		struct trend tf;
		if (trend_of(ft, floors, k, &tf))
			goto out;
		double level = fabs(tb.median) > 1 ? fabs(tb.median) : 1;
		v->rate = tf.slope * 1e9;
		v->verdict = tf.slope > 0 && tf.slope * aspan >= 0.25 * tb.range && tf.slope * aspan >= MATERIAL * level
				     ? MTAN_GROWTH : MTAN_SAWTOOTH;
		ret = 0;
		goto out;
	}
	int grows = rises(&tb, aspan);
	if (grows && s->blocks) {
		if (trend_of(gt + w, gb + w, n, &tn))
			goto out;
		/* the bytes' fitted line at the window's two ends (not `last` above: the data's) */
		double fit0 = tb.intercept + tb.slope * gt[w], fit1 = tb.intercept + tb.slope * gt[e];
		grows = rises(&tn, aspan) || (fit0 > 0 ? fit1 >= BYTES_ONLY * fit0 : fit1 > 0);
	}
	if (grows) {
		v->verdict = MTAN_GROWTH;
	} else {
		/* reached: the start of the last stretch at or above 90% of the level held */
		double level = gy[w];
		for (size_t i = w; i <= e; i++)
			level = gy[i] > level ? gy[i] : level;
		size_t p = e;
		while (p > 0 && gy[p - 1] >= PLATEAU * level)
			p--;
		v->plateau_t = gt[p];
	}
	ret = 0;
out:
	free(gt);
	free(gy);
	free(gb);
	free(floors);
	free(ft);
	free(at);
	return ret;
}

const char *mtan_verdict_name(int verdict)
{
	switch (verdict) {
	case MTAN_GROWTH: return "growth";
	case MTAN_SAWTOOTH: return "sawtooth";
	default: return "plateau";
	}
}
