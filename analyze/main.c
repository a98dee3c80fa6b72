/* main.c: mtan's entry point. One sorted table of commands drives dispatch, `mtan help`
 * and `mtan --help`; each command lives in its own cmd_<name>.c with its own options. */
#include "commands.h"
#include "db.h"
#include "opts.h"
#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmd_help(int argc, char **argv);
static const char cmd_help_usage[] =
	"help [COMMAND]\n       help --man\n\n"
	"Shows the commands, or one command's options. --man writes mtan's manual page (roff,\n"
	"as doc/mtan.1 holds it) from the same table and usage texts.";

/* Sorted by name; adding a command is one file and one row here. */
static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *summary;
} commands[] = {
	{"check", cmd_check, cmd_check_usage, "for CI: exit 1 on leaks over a limit, anomalies or growth"},
	{"diff", cmd_diff, cmd_diff_usage, "leak sites that changed between two runs: new, fixed, grown, shrunk"},
	{"export", cmd_export, cmd_export_usage, "events or lifetimes as CSV; folded stacks, pprof, speedscope, Chrome trace"},
	{"frag", cmd_frag, cmd_frag_usage, "fragmentation per device and space: holes, largest free block"},
	{"frees", cmd_frees, cmd_frees_usage, "unmatched and double frees, with the nearest earlier block"},
	{"growth", cmd_growth, cmd_growth_usage, "plateau, growth or sawtooth per device and space, growing sites"},
	{"help", cmd_help, cmd_help_usage, "show the commands, or one command's options"},
	{"import", cmd_import, cmd_import_usage, "a CSV of events from another tracker -> a trace (see CSV.md)"},
	{"leaks", cmd_leaks, cmd_leaks_usage, "blocks never freed, grouped by allocation site"},
	{"live", cmd_live, cmd_live_usage, "watch a trace being recorded: live bytes, top sites, growth, each second"},
	{"load", cmd_load, cmd_load_usage, "load a trace into its database (other commands do it as needed)"},
	{"push", cmd_push, cmd_push_usage, "send traces to a ClickHouse server, for fleets of machines"},
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
	      "database. Without either, a command takes the newest trace (*.zst) in the\n"
	      "current directory and says which on stderr (diff, sql and import name theirs).\n"
	      "\ncommands:\n", f);
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

/* Writes text as roff lines: backslashes and hyphens escaped, no line starting with a
 * control character. */
static void roff(FILE *f, const char *text, size_t len)
{
	int bol = 1;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (bol && (c == '.' || c == '\''))
			fputs("\\&", f);
		if (c == '\\')
			fputs("\\e", f);
		else if (c == '-')
			fputs("\\-", f);
		else
			fputc(c, f);
		bol = c == '\n';
	}
	if (len && text[len - 1] != '\n')
		fputc('\n', f);
}

/* A command's --help, as it prints it, into a string (caller frees); NULL on failure. */
static char *help_text(const struct command *c, size_t *len)
{
	char *args[] = {(char *)c->name, "--help", NULL}, *text = NULL;
	FILE *tmp = tmpfile();
	int saved = -1;
	fflush(stdout);
	if (!tmp || (saved = dup(STDOUT_FILENO)) < 0 || dup2(fileno(tmp), STDOUT_FILENO) < 0)
		goto out;
	if (c->fn == cmd_help)
		printf("usage: mtan %s\n", c->usage);
	else
		c->fn(2, args);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	long n = ftell(tmp);
	if (n < 0 || !(text = malloc((size_t)n + 1)))
		goto out;
	rewind(tmp);
	*len = fread(text, 1, (size_t)n, tmp);
	text[*len] = 0;
out:
	if (saved >= 0)
		close(saved);
	if (tmp)
		fclose(tmp);
	return text;
}

/* mtan's manual page: the commands and every command's usage from the table. */
static int man_page(FILE *f)
{
	fprintf(f, ".\\\" doc/mtan.1: written by 'mtan help --man' (make man) from the command table; do not edit\n"
		   ".TH MTAN 1 \"\" \"mtan %s\" \"User Commands\"\n", MTAN_VERSION);
	fputs(".SH NAME\nmtan \\- find leaks, growth and other trouble in memory traces recorded by mtrec\n"
	      ".SH SYNOPSIS\n.B mtan\n[\\fB\\-\\-version\\fR] [\\fB\\-\\-help\\fR]\n.I COMMAND\n"
	      "[\\fIoptions\\fR] \\fITRACE\\fR|\\fIDB\\fR\n"
	      ".SH DESCRIPTION\n"
	      "\\fBmtan\\fR loads a trace written by \\fBmtrec\\fR(1) into an SQLite database once\n"
	      "(\\fITRACE\\fB.db\\fR beside it, rebuilt when the trace changes; or \\fB\\-\\-db\\fR \\fIPATH\\fR) and answers\n"
	      "each command with SQL over it. A command takes the trace or such a database; given neither, it\n"
	      "takes the newest trace (*.zst) in the current directory and says which on stderr (\\fBdiff\\fR,\n"
	      "\\fBsql\\fR and \\fBimport\\fR name theirs). The schema is\n"
	      "documented in SCHEMA.md (share/doc/mtrec), for queries of your own with \\fBmtan sql\\fR or\n"
	      "\\fBsqlite3\\fR(1); the CSV that \\fBmtan import\\fR reads and \\fBmtan export\\fR writes, in CSV.md.\n"
	      ".PP\nReports come as a table for people (sizes like 14.8 MiB, fitted to the terminal's width),\n"
	      "as CSV (\\fB\\-\\-format csv\\fR) or as JSON (\\fB\\-\\-format json\\fR). Loads that take more\n"
	      "than a moment show their progress on stderr when it is a terminal.\n"
	      ".SH COMMANDS\n", f);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		fprintf(f, ".TP\n.B %s\n", commands[i].name);
		roff(f, commands[i].summary, strlen(commands[i].summary));
	}
	fputs(".SH \"COMMANDS IN DETAIL\"\nEach command's usage and options, as \\fBmtan\\fR \\fICOMMAND\\fR "
	      "\\fB\\-\\-help\\fR shows them.\n", f);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		size_t len = 0;
		char *text = help_text(&commands[i], &len);
		if (!text) {
			mtan_err("help: cannot write the manual page: %s", strerror(errno));
			return 1;
		}
		const char *body = text;
		if (!strncmp(body, "usage: ", 7))
			body += 7;
		fprintf(f, ".SS %s\n.nf\n", commands[i].name);
		roff(f, body, len - (size_t)(body - text));
		fputs(".fi\n", f);
		free(text);
	}
	fputs(".SH ENVIRONMENT\n"
	      ".TP\n.B COLUMNS\nThe width tables, charts and report lines fit (else the terminal's):\n"
	      "text in a table is cut with \"...\", numbers never; a table still too wide prints a block\n"
	      "per row. Off a terminal without COLUMNS nothing is cut (charts and notes take 100).\n"
	      "CSV and JSON are never cut.\n"
	      ".TP\n.B TMPDIR\nWhere a trace's database goes when the trace's directory is not writable\n"
	      "(\\fI$TMPDIR\\fB/mtan\\-\\fIUID\\fR).\n"
	      ".TP\n.B MTAN_PROGRESS_AFTER_MS\nHow long a load runs before its progress shows (default 500; for tests).\n"
	      ".TP\n.B XDG_CACHE_HOME\nWhere a load keeps what it symbolized, one file per build id, for the next\n"
	      "load of the same programs (\\fI$XDG_CACHE_HOME\\fB/mtan/symbols\\fR, else\n"
	      "\\fI~/.cache\\fB/mtan/symbols\\fR). Removing it is always safe.\n"
	      ".TP\n.B MTAN_SYMBOL_CACHE\n\\fBoff\\fR: that cache is neither read nor written.\n"
	      ".SH \"EXIT STATUS\"\n0 done; 1 an error, or findings for \\fBcheck\\fR; 2 a usage error.\n"
	      ".SH EXAMPLES\n.nf\nmtrec \\-o run.zst ./myapp\nmtan summary run.zst\nmtan leaks run.zst\n"
	      "mtan timeline \\-\\-device 3          # the newest trace here\n"
	      "mtan check run.zst \\-\\-suppressions lsan.supp \\-\\-max\\-leaked 64K\n"
	      "mtan sql run.zst \"SELECT * FROM leak_sites ORDER BY bytes DESC LIMIT 5\"\n"
	      "mtan export run.zst \\-\\-folded | flamegraph.pl > leaks.svg\n"
	      "mtan export run.zst \\-\\-as pprof \\-o run.pb.gz && go tool pprof \\-top run.pb.gz\n"
	      "mtan export run.zst \\-\\-as speedscope \\-o run.speedscope.json\n"
	      "mtan export run.zst \\-\\-as chrome \\-o run.trace.json  # ui.perfetto.dev\n"
	      "mtan diff before.zst after.zst\nmtan report run.zst \\-o report.html\n.fi\n"
	      ".SH \"SEE ALSO\"\n\\fBmtrec\\fR(1), \\fBsqlite3\\fR(1)\n", f);
	return fflush(f) || ferror(f) ? 1 : 0;
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--man"))
		return man_page(stdout);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		printf("usage: mtan %s\n", cmd_help_usage);
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
		default: {
			/* getopt_long sets optopt to 'h' or 'V' for --help=X or --version=X, to the letter
			 * of an unknown short option, else to 0 (argv[optind - 1] is the long one) */
			if (optopt == 'h' || optopt == 'V') {
				fprintf(stderr, "mtan: '--%s' takes no value\n", optopt == 'h' ? "help" : "version");
				return 2;
			}
			char s[3] = {'-', (char)optopt, 0};
			const char *opt = optopt ? s : argv[optind - 1];
			/* a command's option put before the command: say where it goes, not the commands */
			fprintf(stderr, "mtan: '%.*s' goes after the command: mtan COMMAND [options] TRACE|DB\n",
				(int)strcspn(opt, "="), opt);
			return 2;
		}
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
