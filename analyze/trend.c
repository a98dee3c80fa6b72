/* trend.c: plateau, growth or sawtooth of a series of live bytes over time or over the
 * recurrences of a mark, with robust statistics: the Theil-Sen slope (the median of the
 * pairwise slopes) and the Mann-Kendall trend test, on the part of the series after a
 * warm-up found from the data and before teardown.
 * Pure functions over arrays: `mtan growth` and the unit tests call them. */
#include "trend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define GRID 512          /* the series is resampled on this many evenly spaced times */
#define PARTS 16          /* a long series is judged by the medians of this many parts */
#define WARMUP_STEPS 16   /* warm-up ends at one of these sixteenths of the series ... */
#define WARMUP_MAX 10     /* ... at the latest this one (a third or more is judged) */
#define MIN_POINTS 8      /* fewer points: too short to judge */
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

/* Samples a step function (the state after each point, the last one holding until t1) at
 * g evenly spaced times over [t[0], t1]: out_t and out_y get g values each. */
static void resample(const double *t, const double *y, size_t n, double t1, size_t g, double *out_t, double *out_y)
{
	double t0 = t[0], span = t1 - t[0];
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

/* The trend of y over x[a..b]: of the points themselves when there are few, else of the
 * medians of PARTS equal runs of them. Medians of parts are nearly independent where
 * neighbouring points are not (a step function sampled finely repeats itself), so the
 * Mann-Kendall test keeps its error rate and noise does not pass for a trend. */
static int part_trend(const double *x, const double *y, size_t a, size_t b, struct trend *tr)
{
	size_t n = b - a + 1;
	if (n < 2 * PARTS)
		return trend_of(x + a, y + a, n, tr);
	double mx[PARTS], my[PARTS], buf[GRID];
	size_t k = 0;
	for (size_t j = 0; j < PARTS; j++) {
		size_t lo = a + n * j / PARTS, hi = a + n * (j + 1) / PARTS;
		if (hi <= lo)
			continue;
		size_t m = hi - lo; /* hi > lo */
		if (m > GRID)
			m = GRID;
		mx[k] = (x[lo] + x[hi - 1]) / 2;
		for (size_t i = 0; i < m; i++)
			buf[i] = y[lo + (hi - lo) * i / m];
		my[k++] = median_of(buf, m);
	}
	return trend_of(mx, my, k, tr);
}

/* A significant, material upward trend over a span of x. */
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

/* Judges points (x increasing: times, or the recurrences of a mark): the teardown (a final
 * descent) and the warm-up (found from the data) left out, then sawtooth, growth or
 * plateau. v->start_t, end_t, plateau_t are values of x; v->rate is per unit of x. */
static int judge(const double *x, const double *y, const double *b, size_t n, struct mtan_verdict *v)
{
	int ret = -1;
	double *floors = NULL, *ft = NULL;
	size_t *at = NULL;
	v->verdict = MTAN_TOO_SHORT;
	v->plateau_t = NAN;
	if (n < MIN_POINTS || x[n - 1] <= x[0]) {
		v->start_t = x[0];
		v->end_t = x[n - 1];
		return 0;
	}
	floors = malloc(n * sizeof(*floors));
	ft = malloc(n * sizeof(*ft));
	at = malloc(n * sizeof(*at));
	if (!floors || !ft || !at)
		goto out;
	/* teardown: a final descent of at least a quarter of the range is not judged; it
	 * starts after the last point still 90% of the way up from the end */
	double lo = y[0], hi = y[0];
	for (size_t i = 0; i < n; i++) {
		lo = y[i] < lo ? y[i] : lo;
		hi = y[i] > hi ? y[i] : hi;
	}
	size_t e = n - 1;
	double last = y[n - 1];
	if (hi > lo && hi - last >= 0.25 * (hi - lo))
		while (e > 0 && y[e] < last + 0.9 * (hi - last))
			e--;
	if (e + 1 < MIN_POINTS) {
		v->start_t = x[0];
		v->end_t = x[e];
		ret = 0;
		goto out;
	}
	/* warm-up: the first start, among the first two thirds, after which live bytes no
	 * longer rise (a pool filling up, caches warming); none: growth from the start */
	size_t w = 0;
	for (size_t j = 0; j <= WARMUP_MAX; j++) {
		size_t c = (e + 1) * j / WARMUP_STEPS;
		if (e - c + 1 < MIN_POINTS)
			break;
		struct trend tc;
		if (part_trend(x, y, c, e, &tc))
			goto out;
		if (!rises(&tc, x[e] - x[c])) {
			w = c;
			break;
		}
	}
	size_t m = e - w + 1;
	v->verdict = MTAN_PLATEAU;
	v->start_t = x[w];
	v->end_t = x[e];
	v->points = m;
	struct trend tb, tn;
	if (part_trend(x, y, w, e, &tb))
		goto out;
	double aspan = x[e] - x[w];
	v->rate = tb.slope;
	v->z = tb.z;
	double top = y[w];
	for (size_t i = w; i <= e; i++)
		top = y[i] > top ? y[i] : top;
	size_t nres = tb.range >= TEETH * top ? resets(y + w, m, tb.range, at) : 0;
	if (nres < MIN_RESETS) { /* the medians smooth teeth away: their range is the points' */
		double plo = y[w], phi = y[w];
		for (size_t i = w; i <= e; i++) {
			plo = y[i] < plo ? y[i] : plo;
			phi = y[i] > phi ? y[i] : phi;
		}
		nres = phi - plo >= TEETH * top ? resets(y + w, m, phi - plo, at) : 0;
		if (nres >= MIN_RESETS)
			tb.range = phi - plo;
	}
	v->resets = (int)nres;
	if (nres >= MIN_RESETS && nres * MIN_CYCLE <= m) {
		/* a sawtooth grows only if the floor it drops back to rises */
		size_t k = 0, from = 0;
		for (size_t r = 0; r <= nres; r++) {
			size_t to = r < nres ? at[r] : m;
			double mn = y[w + from];
			size_t mi = from;
			for (size_t i = from; i < to; i++)
				if (y[w + i] < mn) {
					mn = y[w + i];
					mi = i;
				}
			floors[k] = mn;
			ft[k++] = x[w + mi];
			from = to;
		}
		struct trend tf;
		if (trend_of(ft, floors, k, &tf))
			goto out;
		double level = fabs(tb.median) > 1 ? fabs(tb.median) : 1;
		v->rate = tf.slope;
		v->verdict = tf.slope > 0 && tf.slope * aspan >= 0.25 * tb.range && tf.slope * aspan >= MATERIAL * level
				     ? MTAN_GROWTH : MTAN_SAWTOOTH;
		ret = 0;
		goto out;
	}
	int grows = rises(&tb, aspan);
	if (grows && b) {
		if (part_trend(x, b, w, e, &tn))
			goto out;
		/* the bytes' fitted line at the part's two ends (not the data's) */
		double fit0 = tb.intercept + tb.slope * x[w], fit1 = tb.intercept + tb.slope * x[e];
		grows = rises(&tn, aspan) || (fit0 > 0 ? fit1 >= BYTES_ONLY * fit0 : fit1 > 0);
	}
	if (grows) {
		v->verdict = MTAN_GROWTH;
	} else {
		/* reached: the start of the last stretch at or above 90% of the level held */
		double level = y[w];
		for (size_t i = w; i <= e; i++)
			level = y[i] > level ? y[i] : level;
		size_t p = e;
		while (p > 0 && y[p - 1] >= PLATEAU * level)
			p--;
		v->plateau_t = x[p];
		if (p > w) { /* the warm-up lasts until live bytes stop rising */
			v->start_t = x[p];
			v->points = e - p + 1;
		}
	}
	ret = 0;
out:
	free(floors);
	free(ft);
	free(at);
	return ret;
}

int mtan_growth_verdict(const struct mtan_series *s, struct mtan_verdict *v)
{
	int ret = -1;
	double *gt = NULL, *gy = NULL, *gb = NULL;
	memset(v, 0, sizeof(*v));
	v->verdict = MTAN_TOO_SHORT;
	v->plateau_t = NAN;
	if (s->n == 0)
		return 0;
	double t1 = s->t_end > s->t[s->n - 1] ? s->t_end : s->t[s->n - 1];
	v->start_t = s->t[0];
	v->end_t = t1;
	if (t1 <= s->t[0])
		return 0;
	gt = malloc(GRID * sizeof(*gt));
	gy = malloc(GRID * sizeof(*gy));
	gb = malloc(GRID * sizeof(*gb));
	if (!gt || !gy || !gb)
		goto out;
	resample(s->t, s->bytes, s->n, t1, GRID, gt, gy);
	if (s->blocks)
		resample(s->t, s->blocks, s->n, t1, GRID, gt, gb);
	if (judge(gt, gy, s->blocks ? gb : NULL, GRID, v))
		goto out;
	v->rate *= 1e9; /* per ns to per s */
	ret = 0;
out:
	free(gt);
	free(gy);
	free(gb);
	return ret;
}

int mtan_growth_points(const double *x, const double *y, const double *blocks, size_t n, struct mtan_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->verdict = MTAN_TOO_SHORT;
	v->plateau_t = NAN;
	if (!n)
		return 0;
	return judge(x, y, blocks, n, v);
}

const char *mtan_verdict_name(int verdict)
{
	switch (verdict) {
	case MTAN_GROWTH: return "growth";
	case MTAN_SAWTOOTH: return "sawtooth";
	case MTAN_TOO_SHORT: return "too_short";
	default: return "plateau";
	}
}
