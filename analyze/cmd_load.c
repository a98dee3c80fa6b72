/* cmd_load.c: `mtan load TRACE`: builds the database of a trace (or says it is current),
 * for users who want it ready, or at a path of their own with --db. */
#include "mtan.h"

#include <stdlib.h>

const char cmd_load_usage[] =
	"load [options] TRACE\n\n"
	"Loads TRACE into its database (TRACE.db, or --db PATH) unless that is up to date.\n"
	"Every other command does this as needed; load is for doing it ahead of time.\n"
	"Symbols found are kept for the next load of the same programs in\n"
	"$XDG_CACHE_HOME/mtan/symbols (else ~/.cache/mtan/symbols); MTAN_SYMBOL_CACHE=off\n"
	"neither reads nor writes that cache. Symbolizing runs on a second thread beside the\n"
	"pairing (MTAN_THREADS=1: one thread; the database is the same). A long load says its\n"
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
		if (st.seconds >= 0)
			fprintf(stderr, "mtan: loaded '%s' into '%s': %llu events, %llu lifetimes, %llu leaks (%.1f s)\n",
				o.input, path, (unsigned long long)st.events, (unsigned long long)st.lifetimes,
				(unsigned long long)st.leaks, st.seconds);
		else
			fprintf(stderr, "mtan: '%s' is up to date: %lld events, %lld lifetimes, %lld leaks\n",
				path, mtan_meta_int(db, "loaded_events", 0), mtan_meta_int(db, "lifetimes", 0),
				mtan_meta_int(db, "leaks", 0));
	}
	ret = 0;
out:
	sqlite3_close(db);
	free(path);
	return ret;
}
