/* The trend estimator of `mtan growth` (analyze/trend.c) on synthetic series: the
 * Theil-Sen slope and the Mann-Kendall test, then the verdicts (flat with noise: plateau;
 * linear: growth at its slope; sawtooth; growth then teardown: still growth; a warm-up of
 * any length found from the data; the same verdict for every draw of noise; staircases
 * over the recurrences of a mark; too little signal: too_short). */
#include "trend.h"
#include "unit.h"

#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N 1000
static double t[N], y[N], b[N];

static uint64_t rnd_state = 0x9E3779B97F4A7C15ull;
/* Uniform in [-1, 1). */
static double noise(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (double)(rnd_state >> 11) / (double)(1ull << 52) - 1.0;
}

/* n points 1 ms apart (times in ns). */
static void times(size_t n)
{
	for (size_t i = 0; i < n; i++)
		t[i] = (double)i * 1e6;
}

static struct mtan_verdict judge(size_t n, int with_blocks)
{
	struct mtan_series s = {t, y, with_blocks ? b : NULL, n, 0};
	struct mtan_verdict v;
	if (mtan_growth_verdict(&s, &v))
		v.verdict = -1;
	return v;
}

static void theil_sen_exact_line(void)
{
	times(100);
	for (size_t i = 0; i < 100; i++)
		y[i] = 5000 + 3.0 * t[i];
	double slope, icpt;
	CHECK(mtan_theil_sen(t, y, 100, &slope, &icpt) == 0);
	CHECK(fabs(slope - 3.0) < 1e-12);
	CHECK(fabs(icpt - 5000) < 1e-6);
}

/* a quarter of the points wildly off: the median of the slopes does not move much */
static void theil_sen_outliers(void)
{
	times(200);
	for (size_t i = 0; i < 200; i++)
		y[i] = 2.0 * t[i] + (i % 4 == 0 ? 1e9 * (noise() + 1.5) : 0);
	double slope, icpt;
	CHECK(mtan_theil_sen(t, y, 200, &slope, &icpt) == 0);
	CHECK(fabs(slope - 2.0) / 2.0 < 0.05);
}

static void mann_kendall(void)
{
	double s, z;
	for (size_t i = 0; i < 50; i++)
		y[i] = (double)i;
	z = mtan_mann_kendall(y, 50, &s);
	CHECK(s == 50 * 49 / 2);
	CHECK(z > 8);
	for (size_t i = 0; i < 50; i++)
		y[i] = (double)(50 - i);
	z = mtan_mann_kendall(y, 50, &s);
	CHECK(s == -(50 * 49 / 2));
	CHECK(z < -8);
	for (size_t i = 0; i < 50; i++)
		y[i] = 7; /* all tied: no trend, no division by zero */
	z = mtan_mann_kendall(y, 50, &s);
	CHECK(s == 0 && z == 0);
	/* 1..10 with two neighbours swapped twice: 43 concordant pairs, 2 discordant */
	double small[] = {1, 2, 3, 5, 4, 6, 7, 8, 10, 9};
	z = mtan_mann_kendall(small, 10, &s);
	CHECK(s == 41);
	CHECK(fabs(z - 40.0 / sqrt(10.0 * 9 * 25 / 18)) < 1e-9);
}

static void flat_with_noise_is_plateau(void)
{
	times(N);
	for (size_t i = 0; i < N; i++) {
		y[i] = 1e6 + 5e4 * noise();
		b[i] = 400 + (double)(int)(3 * noise());
	}
	struct mtan_verdict v = judge(N, 0);
	CHECK_EQ_U(v.verdict, MTAN_PLATEAU);
	CHECK(!isnan(v.plateau_t));
	v = judge(N, 1);
	CHECK_EQ_U(v.verdict, MTAN_PLATEAU);
	/* a rate of zero give or take the noise: under 1% of the level per second of run */
	CHECK(fabs(v.rate) < 1e4);
}

static void linear_is_growth_at_its_slope(void)
{
	times(N);
	/* 250 bytes per ms = 250,000 bytes/s, with noise of +-2,000 bytes */
	for (size_t i = 0; i < N; i++) {
		y[i] = 1e5 + 250.0 * (double)i + 2000 * noise();
		b[i] = 10 + (double)(i / 4);
	}
	struct mtan_verdict v = judge(N, 1);
	CHECK_EQ_U(v.verdict, MTAN_GROWTH);
	CHECK(fabs(v.rate - 250000.0) / 250000.0 < 0.01);
	CHECK(isnan(v.plateau_t));
	v = judge(N, 0);
	CHECK_EQ_U(v.verdict, MTAN_GROWTH);
	CHECK(fabs(v.rate - 250000.0) / 250000.0 < 0.01);
}

/* a warm-up ramp then flat: plateau, reached where the ramp ends */
static void ramp_then_flat_is_plateau(void)
{
	times(N);
	for (size_t i = 0; i < N; i++) {
		y[i] = i < 60 ? 1000.0 * (double)i : 60000 + 200 * noise();
		b[i] = i < 60 ? (double)i : 60;
	}
	struct mtan_verdict v = judge(N, 1);
	CHECK_EQ_U(v.verdict, MTAN_PLATEAU);
	/* 90% of the level (60,000 + noise) at i = 55, on a grid of 2 ms */
	CHECK(fabs(v.plateau_t - 55e6) <= 4e6);
}

/* ramps of 100 ms up to 1 MB, each dropped back to 10 KB: sawtooth */
static void sawtooth(void)
{
	times(N);
	for (size_t i = 0; i < N; i++) {
		y[i] = 1e4 + 1e4 * (double)(i % 100);
		b[i] = 1 + (double)(i % 100);
	}
	struct mtan_verdict v = judge(N, 1);
	CHECK_EQ_U(v.verdict, MTAN_SAWTOOTH);
	CHECK(v.resets >= 8);
	v = judge(N, 0);
	CHECK_EQ_U(v.verdict, MTAN_SAWTOOTH);
}

/* the same teeth on a floor that keeps rising: growth */
static void sawtooth_on_rising_floor_is_growth(void)
{
	times(N);
	for (size_t i = 0; i < N; i++) {
		y[i] = 2000.0 * (double)i + 1e4 * (double)(i % 100);
		b[i] = (double)i + (double)(i % 100);
	}
	struct mtan_verdict v = judge(N, 1);
	CHECK_EQ_U(v.verdict, MTAN_GROWTH);
}

/* growth all run long, everything freed at shutdown: the teardown does not hide it */
static void growth_then_teardown(void)
{
	times(N);
	for (size_t i = 0; i < N; i++) {
		y[i] = i < 990 ? 320.0 * (double)i + 100 * noise() : 4096;
		b[i] = i < 990 ? (double)(2 * i) : 1;
	}
	struct mtan_verdict v = judge(N, 1);
	CHECK_EQ_U(v.verdict, MTAN_GROWTH);
	CHECK(fabs(v.rate - 320000.0) / 320000.0 < 0.01);
	CHECK(v.end_t < t[990]);
	v = judge(N, 0);
	CHECK_EQ_U(v.verdict, MTAN_GROWTH);
}

/* one buffer replaced by a bigger one now and then: bytes creep up by less than 3x with
 * the block count flat; that is a plateau of one buffer, not an accumulation */
static void one_growing_buffer_is_plateau(void)
{
	times(N);
	for (size_t i = 0; i < N; i++) {
		y[i] = 65536 + 4096.0 * (double)(i / 50);
		b[i] = 1;
	}
	struct mtan_verdict v = judge(N, 1);
	CHECK_EQ_U(v.verdict, MTAN_PLATEAU);
	/* without the block counts, the bytes alone rise: growth */
	v = judge(N, 0);
	CHECK_EQ_U(v.verdict, MTAN_GROWTH);
}

/* a single step (a cache filled once) is not a trend */
static void one_step_is_plateau(void)
{
	times(N);
	for (size_t i = 0; i < N; i++) {
		y[i] = i < 700 ? 1e5 : 1.5e5;
		b[i] = i < 700 ? 100 : 150;
	}
	struct mtan_verdict v = judge(N, 1);
	CHECK_EQ_U(v.verdict, MTAN_PLATEAU);
}

/* the flaky case of issue 14: a pool that warms up for 39% of the run, then holds its
 * level with noise from timing: plateau for every draw of the noise, reached where the
 * ramp ends, and the judged part starts there (the warm-up is found, not 10%) */
static void warm_up_then_flat_is_plateau_every_time(void)
{
	times(N);
	for (int draw = 0; draw < 50; draw++) {
		for (size_t i = 0; i < N; i++) {
			double level = i < 390 ? 40.0 * (double)i / 390.0 : 40.0;
			y[i] = 65536.0 * (double)(int)level + 3 * 65536.0 * (noise() > 0.9);
			b[i] = (double)(int)level + 3 * (noise() > 0.9);
		}
		struct mtan_verdict v = judge(N, 1);
		CHECK_EQ_U(v.verdict, MTAN_PLATEAU);
		CHECK(v.plateau_t >= 340e6 && v.plateau_t <= 392e6);
		CHECK(v.start_t >= 340e6);
	}
}

/* its leaking twin: the same warm-up, then a buffer more every 4 ms from the middle on */
static void warm_up_then_leak_is_growth_every_time(void)
{
	times(N);
	for (int draw = 0; draw < 50; draw++) {
		for (size_t i = 0; i < N; i++) {
			double level = i < 390 ? 40.0 * (double)i / 390.0 : 40.0;
			level += i >= 500 ? (double)(i - 500) / 4.0 : 0;
			y[i] = 65536.0 * (double)(int)level + 3 * 65536.0 * (noise() > 0.9);
			b[i] = (double)(int)level + 3 * (noise() > 0.9);
		}
		struct mtan_verdict v = judge(N, 1);
		CHECK_EQ_U(v.verdict, MTAN_GROWTH);
	}
}

/* live bytes at each of 20 "round N" marks: a staircase of 1 MiB a round is growth at
 * 1 MiB per round, however close together the rounds were; a flat series is a plateau */
static void staircase_over_marks(void)
{
	double x[20], ys[20], bs[20];
	for (int i = 0; i < 20; i++) {
		x[i] = i;
		ys[i] = 4.0 * 1048576 + 1048576.0 * i;
		bs[i] = 4 + i;
	}
	struct mtan_verdict v;
	CHECK(mtan_growth_points(x, ys, bs, 20, &v) == 0);
	CHECK_EQ_U(v.verdict, MTAN_GROWTH);
	CHECK(fabs(v.rate - 1048576.0) < 1);
	for (int i = 0; i < 20; i++) {
		ys[i] = 4.0 * 1048576;
		bs[i] = 4;
	}
	CHECK(mtan_growth_points(x, ys, bs, 20, &v) == 0);
	CHECK_EQ_U(v.verdict, MTAN_PLATEAU);
	CHECK(v.plateau_t == 0);
	/* seven marks are too few */
	CHECK(mtan_growth_points(x, ys, bs, 7, &v) == 0);
	CHECK_EQ_U(v.verdict, MTAN_TOO_SHORT);
}

/* a state that holds past the last change: t_end stretches the series to the window's
 * end, so a window with a single change in it is judged, flat */
static void held_until_t_end(void)
{
	t[0] = 0;
	t[1] = 1e6;
	y[0] = 100;
	y[1] = 200;
	struct mtan_series s = {t, y, NULL, 2, 1e9};
	struct mtan_verdict v;
	CHECK(mtan_growth_verdict(&s, &v) == 0);
	CHECK_EQ_U(v.verdict, MTAN_PLATEAU);
	CHECK(v.plateau_t <= 2e6);
	CHECK(v.end_t == 1e9);
}

static void few_points(void)
{
	times(3);
	y[0] = 1;
	y[1] = 2;
	y[2] = 3;
	struct mtan_verdict v = judge(3, 0);
	CHECK_EQ_U(v.verdict, MTAN_PLATEAU);
	v = judge(1, 0); /* one instant: no time to judge over */
	CHECK_EQ_U(v.verdict, MTAN_TOO_SHORT);
	v = judge(0, 0);
	CHECK_EQ_U(v.verdict, MTAN_TOO_SHORT);
	CHECK(!strcmp(mtan_verdict_name(MTAN_TOO_SHORT), "too_short"));
	CHECK(!strcmp(mtan_verdict_name(MTAN_GROWTH), "growth"));
	CHECK(!strcmp(mtan_verdict_name(MTAN_SAWTOOTH), "sawtooth"));
	CHECK(!strcmp(mtan_verdict_name(MTAN_PLATEAU), "plateau"));
}

int main(void)
{
	RUN(theil_sen_exact_line);
	RUN(theil_sen_outliers);
	RUN(mann_kendall);
	RUN(flat_with_noise_is_plateau);
	RUN(linear_is_growth_at_its_slope);
	RUN(ramp_then_flat_is_plateau);
	RUN(sawtooth);
	RUN(sawtooth_on_rising_floor_is_growth);
	RUN(growth_then_teardown);
	RUN(one_growing_buffer_is_plateau);
	RUN(one_step_is_plateau);
	RUN(warm_up_then_flat_is_plateau_every_time);
	RUN(warm_up_then_leak_is_growth_every_time);
	RUN(staircase_over_marks);
	RUN(held_until_t_end);
	RUN(few_points);
	UNIT_EXIT();
}
