/* progress.c: one line on stderr saying how a load is getting on, for loads that take more
 * than a moment (0.5 s), only when stderr is a terminal and -q was not given; rewritten in
 * place at most ten times a second and cleared when the load ends. */
#include "mtan.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int enabled = 1, shown;
static double started, last, after = 0.5;
static char name[256];
static const char *last_phase;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mtan_progress_quiet(int quiet)
{
	enabled = !quiet;
}

void mtan_progress_start(const char *trace)
{
	/* MTAN_PROGRESS_AFTER_MS: how long a load goes before the line shows (tests: 0) */
	const char *e = getenv("MTAN_PROGRESS_AFTER_MS");
	char *end;
	long ms = e ? strtol(e, &end, 10) : -1;
	after = e && *e && !*end && ms >= 0 ? (double)ms / 1000 : 0.5;
	snprintf(name, sizeof name, "%s", trace);
	started = now();
	last = 0;
	shown = 0;
}

void mtan_progress(const char *phase, double fraction, uint64_t events)
{
	if (!enabled || !*name || !isatty(STDERR_FILENO))
		return;
	double t = now();
	if (t - started < after || (shown && t - last < 0.1 && phase == last_phase))
		return;
	char count[32];
	fprintf(stderr, "\rmtan: loading '%s': %s", name, phase);
	if (fraction >= 0)
		fprintf(stderr, " %d%%", (int)(fraction * 100 + 0.5) > 100 ? 100 : (int)(fraction * 100 + 0.5));
	if (events)
		fprintf(stderr, " (%s events)", mtan_count(count, events));
	fprintf(stderr, ", %.1f s\033[K", t - started);
	fflush(stderr);
	last = t;
	last_phase = phase;
	shown = 1;
}

void mtan_progress_end(void)
{
	if (shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	shown = 0;
	*name = 0;
}
