/* cmd_push.c: `mtan push --clickhouse http://HOST:PORT TRACE...`: many machines' traces in
 * one ClickHouse database. Creates the tables and views (queries/clickhouse.sql) when they
 * are missing, then sends each trace's rows (queries/push.sql) over ClickHouse's HTTP
 * interface, every row with its run and host. */
#include "commands.h"
#include "db.h"
#include "opts.h"
#include "output.h"
#include "sql.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char cmd_push_usage[] =
	"push [options] --clickhouse http://HOST:PORT TRACE|DB...\n\n"
	"Sends traces to a ClickHouse server, for fleets: traces from many machines, or more\n"
	"of them than one machine's disk holds. Creates the tables lifetimes, stacks,\n"
	"stack_frames, frames, marks, timeline_buckets and space_stats and the views\n"
	"leak_sites, timeline and summary (SQLite's columns, see SCHEMA.md, plus run and host)\n"
	"when they are missing, then inserts each trace's rows over ClickHouse's HTTP\n"
	"interface. A run is named by the trace's file name and its start ('run.zst@2025-01-02\n"
	"T03:04:05.678Z'); the host is the one the trace recorded, else this machine's name,\n"
	"or --host. A run already there (same run and host) is left as it is. Exits 1 when the\n"
	"server cannot be reached or refuses a statement.";

static const char *url, *host_opt;

static int take_clickhouse(struct mtan_opts *o, const char *arg)
{
	(void)o;
	url = arg;
	return 0;
}

static int take_host(struct mtan_opts *o, const char *arg)
{
	(void)o;
	host_opt = arg;
	return 0;
}

static const struct mtan_extra extra[] = {
	{{"clickhouse", required_argument, NULL, 256}, "  --clickhouse URL      the server's HTTP interface: http://HOST:PORT (required)", take_clickhouse},
	{{"host", required_argument, NULL, 257}, "  --host NAME           the host every row carries (default: the trace's, else this machine's)", take_host},
	{{0, 0, 0, 0}, NULL, NULL},
};

/* What the server answered. */
struct reply {
	char *text;
	size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *data)
{
	struct reply *r = data;
	char *q = realloc(r->text, r->len + size * n + 1);
	if (!q)
		return 0;
	memcpy(q + r->len, p, size * n);
	r->len += size * n;
	q[r->len] = 0;
	r->text = q;
	return size * n;
}

/* Sends query (with body, may be NULL) to the server. 0 and the answer in *answer
 * (caller frees; may be NULL), or -1 after one line naming the server and the trouble. */
static int post(CURL *c, const char *query, const char *body, size_t len, char **answer)
{
	struct reply r = {NULL, 0};
	char *q = curl_easy_escape(c, query, 0), *full = NULL;
	int ret = -1;
	if (!q || asprintf(&full, "%s%s?query=%s", url, url[strlen(url) - 1] == '/' ? "" : "/", q) < 0) {
		full = NULL;
		mtan_err("out of memory");
		goto out;
	}
	curl_easy_setopt(c, CURLOPT_URL, full);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	CURLcode rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		mtan_err("push: cannot reach ClickHouse at '%s': %s", url, curl_easy_strerror(rc));
		goto out;
	}
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		const char *t = r.text ? r.text : "";
		mtan_err("push: ClickHouse at '%s' refused it (HTTP %ld): %.*s", url, status,
			 (int)strcspn(t, "\n"), t);
		goto out;
	}
	if (answer) {
		*answer = r.text ? r.text : strdup("");
		r.text = NULL;
	}
	ret = 0;
out:
	curl_free(q);
	free(full);
	free(r.text);
	return ret;
}

/* A value in ClickHouse's TabSeparated form: \N for NULL; backslash, tab and newline
 * escaped. */
static void tsv_text(FILE *f, const unsigned char *s, int n)
{
	for (int i = 0; i < n; i++) {
		switch (s[i]) {
		case '\\': fputs("\\\\", f); break;
		case '\t': fputs("\\t", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case 0: fputs("\\0", f); break;
		default: fputc(s[i], f);
		}
	}
}

static void tsv_cell(FILE *f, sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		fputs("\\N", f);
		break;
	case SQLITE_INTEGER:
		fprintf(f, "%lld", (long long)sqlite3_column_int64(st, i));
		break;
	case SQLITE_FLOAT:
		fprintf(f, "%.17g", sqlite3_column_double(st, i));
		break;
	default:
		tsv_text(f, sqlite3_column_text(st, i), sqlite3_column_bytes(st, i));
	}
}

/* Sends one table's rows (push.sql's section of that name), in batches of about 16 MiB.
 * 0, or -1 (told). */
static int push_table(CURL *c, sqlite3 *db, const char *table, const char *run, const char *host)
{
	sqlite3_stmt *st = NULL;
	char *buf = NULL, *query = NULL;
	size_t len = 0;
	FILE *m = NULL;
	int ret = -1, rc;
	if (mtan_prepare(db, "push", table, &st))
		return -1;
	if (asprintf(&query, "INSERT INTO %s FORMAT TabSeparated", table) < 0) {
		query = NULL;
		goto nomem;
	}
	int ncols = sqlite3_column_count(st);
	for (;;) {
		if (!m && !(m = open_memstream(&buf, &len)))
			goto nomem;
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			tsv_text(m, (const unsigned char *)run, (int)strlen(run));
			fputc('\t', m);
			tsv_text(m, (const unsigned char *)host, (int)strlen(host));
			for (int i = 0; i < ncols; i++) {
				fputc('\t', m);
				tsv_cell(m, st, i);
			}
			fputc('\n', m);
			if (ftell(m) < (16 << 20))
				continue;
		} else if (rc != SQLITE_DONE) {
			mtan_sqlerr(db, table);
			goto out;
		}
		if (fclose(m)) {
			m = NULL;
			goto nomem;
		}
		m = NULL;
		if (len && post(c, query, buf, len, NULL))
			goto out;
		free(buf);
		buf = NULL;
		len = 0;
		if (rc == SQLITE_DONE)
			break;
	}
	ret = 0;
	goto out;
nomem:
	mtan_err("out of memory");
out:
	if (m)
		fclose(m);
	free(buf);
	free(query);
	sqlite3_finalize(st);
	return ret;
}

/* The run's name: the trace's file name and its start ("run.zst@2025-01-02T03:04:05.678Z";
 * without a wall clock, its modification time). Caller frees. */
static char *run_name(const char *input, long long realtime_ns, long long mtime_ns)
{
	const char *base = strrchr(input, '/');
	long long ns = realtime_ns > 0 ? realtime_ns : mtime_ns;
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;
	char when[64] = "";
	char *out;
	if (ns > 0 && gmtime_r(&sec, &tm))
		snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns / 1000000 % 1000);
	if (asprintf(&out, "%s@%s", base ? base + 1 : input, *when ? when : "unknown") < 0)
		return NULL;
	return out;
}

static const char *const tables[] = {"lifetimes", "stacks", "stack_frames", "frames", "marks",
				     "timeline_buckets", "space_stats", "sampling"};

/* One trace: its database, its run and host, and, unless the server has the run, its
 * rows. 0, or -1 (told). */
static int push_trace(CURL *c, const struct mtan_opts *o, const char *local_host)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *run = NULL, *host = NULL, *query = NULL, *answer = NULL;
	int ret = -1;
	if (mtan_open(o, &db, NULL, NULL) || mtan_prepare(db, "push", "run", &st))
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW) {
		mtan_sqlerr(db, "run");
		goto out;
	}
	const char *recorded = (const char *)sqlite3_column_text(st, 0);
	host = strdup(host_opt ? host_opt : recorded && *recorded ? recorded : local_host);
	run = run_name(o->input, sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2));
	if (!host || !run) {
		mtan_err("out of memory");
		goto out;
	}
	/* the names go in quoted: ClickHouse's string literal escapes, as TabSeparated's */
	FILE *m = open_memstream(&query, &(size_t){0});
	if (!m) {
		mtan_err("out of memory");
		goto out;
	}
	fputs("SELECT count() FROM lifetimes WHERE run = '", m);
	for (const char *s = run; *s; s++)
		fprintf(m, *s == '\'' || *s == '\\' ? "\\%c" : "%c", *s);
	fputs("' AND host = '", m);
	for (const char *s = host; *s; s++)
		fprintf(m, *s == '\'' || *s == '\\' ? "\\%c" : "%c", *s);
	fputc('\'', m);
	if (fclose(m) || !query) {
		mtan_err("out of memory");
		goto out;
	}
	if (post(c, query, NULL, 0, &answer))
		goto out;
	if (atoll(answer) > 0) {
		if (!o->quiet)
			mtan_note("push: run '%s' of host '%s' is there already: left as it is", run, host);
		ret = 0;
		goto out;
	}
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
		if (push_table(c, db, tables[i], run, host))
			goto out;
	if (!o->quiet)
		fprintf(stderr, "mtan: push: '%s' sent as run '%s' of host '%s'\n", o->input, run, host);
	ret = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(run);
	free(host);
	free(query);
	free(answer);
	return ret;
}

/* Whether argv[i] is an operand (a trace), not an option or an option's value. */
static int is_operand(char **argv, int i)
{
	if (argv[i][0] == '-' && argv[i][1])
		return 0;
	const char *prev = argv[i - 1];
	return i < 2 || (strcmp(prev, "--clickhouse") && strcmp(prev, "--host") && strcmp(prev, "--db") &&
			 strcmp(prev, "--sysroot") && strcmp(prev, "--debug-dir"));
}

int cmd_push(int argc, char **argv)
{
	static const char *const names[] = {"TRACE"};
	struct mtan_opts o;
	CURL *c = NULL;
	char **one = NULL;
	char local_host[256] = "unknown";
	int ret = 2, ntraces = 0;
	url = host_opt = NULL;
	/* the options once for each trace: mtan_parse_args takes a fixed number of operands */
	for (int i = 1; i < argc; i++)
		ntraces += is_operand(argv, i);
	if (!ntraces)
		return mtan_parse_args(argc, argv, "push", cmd_push_usage, extra, &o, names, 1);
	if (!(one = malloc((size_t)(argc + 1) * sizeof(*one)))) {
		mtan_err("out of memory");
		return 1;
	}
	for (int t = 1; t < argc; t++) {
		if (!is_operand(argv, t))
			continue;
		int n = 0;
		for (int i = 0; i < argc; i++)
			if (!i || i == t || !is_operand(argv, i))
				one[n++] = argv[i];
		one[n] = NULL;
		url = host_opt = NULL;
		int rc = mtan_parse_args(n, one, "push", cmd_push_usage, extra, &o, names, 1);
		if (rc != MTAN_GO) {
			ret = rc;
			goto out;
		}
		if (!url) {
			fprintf(stderr, "mtan: push: give the server: --clickhouse http://HOST:PORT\n"
					"mtan: try 'mtan push --help'\n");
			ret = 2;
			goto out;
		}
		if (!c) {
			ret = 1;
			if (curl_global_init(CURL_GLOBAL_DEFAULT) || !(c = curl_easy_init())) {
				mtan_err("push: cannot start libcurl");
				goto out;
			}
			if (gethostname(local_host, sizeof local_host - 1))
				snprintf(local_host, sizeof local_host, "unknown");
			curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
			curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
			/* the tables and views, when missing */
			char name[128];
			for (int i = 0; mtan_sql_section("clickhouse", i, name, sizeof name); i++) {
				int len;
				const char *sql = mtan_sql("clickhouse", name, &len);
				char *q = sql ? strndup(sql, (size_t)len) : NULL;
				int bad = !q || post(c, q, NULL, 0, NULL);
				free(q);
				if (bad)
					goto out;
			}
		}
		ret = 1;
		if (push_trace(c, &o, local_host))
			goto out;
	}
	ret = 0;
out:
	if (c) {
		curl_easy_cleanup(c);
		curl_global_cleanup();
	}
	free(one);
	return ret;
}
