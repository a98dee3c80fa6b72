/* main.c: mtan's entry point. One sorted table of commands drives dispatch, `mtan help`
 * and `mtan --help`; each command lives in its own cmd_<name>.c with its own options. */
#include "mtan.h"

#include <string.h>

static int cmd_help(int argc, char **argv);
static const char cmd_help_usage[] = "help [COMMAND]\n\nShows the commands, or one command's options.";

/* Sorted by name; adding a command is one file and one row here. */
static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *summary;
} commands[] = {
	{"check", cmd_check, cmd_check_usage, "for CI: exit 1 on leaks over a limit (with suppressions) or anomalies"},
	{"diff", cmd_diff, cmd_diff_usage, "leak sites that changed between two runs: new, fixed, grown, shrunk"},
	{"export", cmd_export, cmd_export_usage, "events or lifetimes as CSV; folded stacks for flame graphs"},
	{"frag", cmd_frag, cmd_frag_usage, "fragmentation per device and space: holes, largest free block"},
	{"frees", cmd_frees, cmd_frees_usage, "unmatched and double frees, with the nearest earlier block"},
	{"growth", cmd_growth, cmd_growth_usage, "plateau, growth or sawtooth per device and space, growing sites"},
	{"help", cmd_help, cmd_help_usage, "show the commands, or one command's options"},
	{"import", cmd_import, cmd_import_usage, "a CSV of events from another tracker -> a trace (see CSV.md)"},
	{"leaks", cmd_leaks, cmd_leaks_usage, "blocks never freed, grouped by allocation site"},
	{"load", cmd_load, cmd_load_usage, "load a trace into its database (other commands do it as needed)"},
	{"races", cmd_races, cmd_races_usage, "address-reuse races: the tracked order contradicts the allocator's"},
	{"report", cmd_report, cmd_report_usage, "one self-contained HTML page: summary, charts over time, leaks, anomalies"},
	{"sql", cmd_sql, cmd_sql_usage, "run an SQL query of your own over the trace's database (read-only)"},
	{"summary", cmd_summary, cmd_summary_usage, "events, bytes, peak, leaks and anomalies in totals"},
	{"timeline", cmd_timeline, cmd_timeline_usage, "live bytes and blocks over time per device and space (chart, csv, json)"},
	{"top", cmd_top, cmd_top_usage, "allocation sites by bytes, by count and by short-lived temporaries"},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fputs("usage: mtan [--version] [--help] COMMAND [options] TRACE|DB\n\n"
	      "TRACE is a trace recorded by mtrec (.zst); its database is built beside it\n"
	      "(TRACE.db) on first use and reused while the trace is unchanged. DB is such a\n"
	      "database.\n\ncommands:\n", f);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nRun 'mtan COMMAND --help' for the options of a command.\n", f);
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	const struct command *c = find(argv[1]);
	if (!c) {
		fprintf(stderr, "mtan: unknown command '%s'\nmtan: try 'mtan help'\n", argv[1]);
		return 2;
	}
	if (c->fn == cmd_help) {
		printf("usage: mtan %s\n", c->usage);
		return 0;
	}
	char *args[] = {argv[1], "--help", NULL};
	return c->fn(2, args);
}

int main(int argc, char **argv)
{
	static const struct option top[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0, 0, 0, 0},
	};
	int c;
	opterr = 0;
	/* '+': stop at the command name; what follows is the command's to parse */
	while ((c = getopt_long(argc, argv, "+hV", top, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("mtan %s (schema %d)\n", MTAN_VERSION, MTAN_SCHEMA_VERSION);
			return 0;
		default:
			fprintf(stderr, "mtan: unknown option '%s'\n", argv[optind - 1]);
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	const struct command *cmd = find(argv[optind]);
	if (!cmd) {
		fprintf(stderr, "mtan: unknown command '%s'\nmtan: try 'mtan help'\n", argv[optind]);
		return 2;
	}
	return cmd->fn(argc - optind, argv + optind);
}
