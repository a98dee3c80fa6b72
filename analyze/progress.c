/* progress.c: how a load is getting on, on stderr, unless -q: its phase, the whole load's
 * percentage and the time left. On a terminal one line, shown once the load takes more
 * than a moment (0.5 s), rewritten in place at most ten times a second and cleared when
 * the load ends; elsewhere (a log, a CI job) a line of its own every 10 s, so that a long
 * load never looks hung. */
#include "output.h"
#include "progress.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static int enabled = 1, shown, tty;
static double started, last, after = 0.5, every = 10;
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
	/* MTAN_PROGRESS_EVERY_MS: how often a line goes to a stderr that is not a terminal */
	e = getenv("MTAN_PROGRESS_EVERY_MS");
	ms = e ? strtol(e, &end, 10) : -1;
	every = e && *e && !*end && ms >= 0 ? (double)ms / 1000 : 10;
	tty = isatty(STDERR_FILENO);
	snprintf(name, sizeof name, "%s", trace);
	started = now();
	last = 0;
	shown = 0;
}

void mtan_progress(const char *phase, double fraction, uint64_t events)
{
	if (!enabled || !*name)
		return;
	double t = now();
	if (tty ? t - started < after || (shown && t - last < 0.1 && phase == last_phase)
		: t - (shown ? last : started) < every)
		return;
	char count[32], left[64] = "";
	fprintf(stderr, tty ? "\rmtan: loading '%s': %s" : "mtan: loading '%s': %s", name, phase);
	if (fraction > 1)
		fraction = 1;
	if (fraction >= 0)
		fprintf(stderr, " %d%%", (int)(fraction * 100));
	if (events)
		fprintf(stderr, " (%s events)", mtan_count(count, events));
	/* the rest goes at the pace so far: an estimate once there is something to go on */
	if (fraction >= 0.01 && fraction < 1 && t - started >= 1) {
		double rest = (t - started) * (1 - fraction) / fraction;
		snprintf(left, sizeof left, rest < 90 ? ", about %.0f s left" : ", about %.0f min left",
			 rest < 90 ? rest + 0.5 : rest / 60 + 0.5);
	}
	fprintf(stderr, tty ? ", %.1f s%s\033[K" : ", %.0f s so far%s\n", t - started, left);
	fflush(stderr);
	last = t;
	last_phase = phase;
	shown = 1;
}

void mtan_progress_end(void)
{
	if (shown && tty) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	shown = 0;
	*name = 0;
}
