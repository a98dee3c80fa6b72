/* cmd_load.c: `mtan load TRACE`: builds the database of a trace (or says it is current),
 * for users who want it ready, or at a path of their own with --db. */
#include "commands.h"
#include "db.h"
#include "load.h"
#include "opts.h"
#include "output.h"

#include <stdint.h>
#include <stdlib.h>

const char cmd_load_usage[] =
	"load [options] TRACE\n\n"
	"Loads TRACE into its database (TRACE.db, or --db PATH) unless that is up to date.\n"
	"Every other command does this as needed; load is for doing it ahead of time.\n"
	"Symbols found are kept for the next load of the same programs in\n"
	"$XDG_CACHE_HOME/mtan/symbols (else ~/.cache/mtan/symbols); MTAN_SYMBOL_CACHE=off\n"
	"neither reads nor writes that cache. Symbolizing, and writing the lifetimes that\n"
	"have ended, run on threads of their own beside the pairing (MTAN_THREADS=1: one\n"
	"thread; the database is the same). A long load says its\n"
	"phase, the percentage done and the time left on stderr: one line rewritten on a\n"
	"terminal, else a line every 10 s; -q says nothing.";

static int take_force(struct mtan_opts *o, const char *arg)
{
	(void)arg;
	o->force = 1;
	return 0;
}

static const struct mtan_extra extra[] = {
	{{"force", no_argument, NULL, 'f'}, "  -f, --force           rebuild the database even when it is up to date", take_force},
	{{0, 0, 0, 0}, NULL, NULL},
};

int cmd_load(int argc, char **argv)
{
	struct mtan_opts o;
	struct mtan_load_stats st;
	sqlite3 *db = NULL;
	char *path = NULL;
	int ret = mtan_parse(argc, argv, "load", cmd_load_usage, extra, &o);
	if (ret != MTAN_GO)
		return ret;
	ret = 1;
	if (mtan_open(&o, &db, &st, &path))
		goto out;
	if (!o.quiet) {
		uint64_t ev = st.seconds >= 0 ? st.events : (uint64_t)mtan_meta_int(db, "loaded_events", 0);
		uint64_t lt = st.seconds >= 0 ? st.lifetimes : (uint64_t)mtan_meta_int(db, "lifetimes", 0);
		uint64_t lk = st.seconds >= 0 ? st.leaks : (uint64_t)mtan_meta_int(db, "leaks", 0);
		char e[32], l[32], k[32], counts[160];
		snprintf(counts, sizeof counts, "%s event%s, %s lifetime%s, %s leak%s", mtan_count(e, ev),
			 ev == 1 ? "" : "s", mtan_count(l, lt), lt == 1 ? "" : "s", mtan_count(k, lk), lk == 1 ? "" : "s");
		if (st.seconds >= 0)
			fprintf(stderr, "mtan: loaded '%s' into '%s': %s (%.1f s)\n", o.input, path, counts, st.seconds);
		else
			fprintf(stderr, "mtan: '%s' is up to date: %s\n", path, counts);
	}
	ret = 0;
out:
	sqlite3_close(db);
	free(path);
	return ret;
}
