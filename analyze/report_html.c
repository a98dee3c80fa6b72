/* report_html.c: the report's page (cmd_report.c): its skeleton and style, the cells and
 * stacks its sections write, the note on a list cut at --limit. Writes HTML only; the
 * report's analyses and the renderers (render.c) give what it shows. */
#include "db.h"
#include "opts.h"
#include "output.h"
#include "report_html.h"
#include "sql.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

static const char style[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1100px;"
	"padding:0 16px;color:#1d2330;background:#fff}\n"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde1e8;"
	"padding-bottom:4px}h3{font-size:14px;margin:16px 0 4px}\n"
	".meta{color:#5b6474;margin:0 0 12px}code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}\n"
	"table{border-collapse:collapse;margin:6px 0}td,th{padding:3px 10px;text-align:left;vertical-align:top}"
	"th{background:#f2f4f7;font-weight:600}tr:nth-child(even) td{background:#fafbfc}td.n,th.n{text-align:right;"
	"font-variant-numeric:tabular-nums}\n"
	".kv td:first-child{color:#5b6474}.bad{color:#b42318;font-weight:600}.ok{color:#067647;font-weight:600}\n"
	"figure{margin:10px 0 18px}figcaption{font-weight:600;margin-bottom:2px}svg text{font:11px system-ui,sans-serif;"
	"fill:#5b6474}\n"
	".site{border:1px solid #dde1e8;border-radius:6px;padding:6px 10px;margin:8px 0}.site summary{cursor:pointer;"
	"font-weight:600}\n"
	"ol.stack{margin:4px 0 2px;padding-left:28px}ol.stack li{font-family:ui-monospace,Menlo,Consolas,monospace;"
	"font-size:12.5px}ol.stack li.rt{color:#8a93a3}.where{color:#5b6474}\n"
	"footer{margin-top:32px;color:#8a93a3;font-size:12px}\n"
	".legend{margin:2px 0 0;font-size:12.5px}p.zoom{margin:6px 0 0;font-size:12.5px;color:#5b6474}.legend .key{margin-right:16px;white-space:nowrap}\n"
	"svg.flame text{font:11px ui-monospace,Menlo,Consolas,monospace;fill:#1d2330}svg.flame g:hover rect{"
	"stroke:#1d2330;stroke-width:.8}\n";

void mtan_page_td_text(FILE *f, const char *s)
{
	fputs("<td>", f);
	mtan_html(f, s);
	fputs("</td>", f);
}

void mtan_page_td_count(FILE *f, long long v)
{
	char b[32];
	fprintf(f, "<td class=n>%s</td>", mtan_count(b, (uint64_t)(v < 0 ? 0 : v)));
}

void mtan_page_td_size(FILE *f, long long v)
{
	char b[32];
	fprintf(f, "<td class=n title=\"%lld bytes\">%s</td>", v, mtan_size(b, (uint64_t)(v < 0 ? 0 : v)));
}

const char *mtan_page_device(char *buf, long long device)
{
	if (device == -1)
		return "host";
	snprintf(buf, 24, "device %lld", device);
	return buf;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* A stack as an ordered list, innermost first; frames before the site (the allocator and
 * runtime) greyed. */
int mtan_page_stack(FILE *f, sqlite3 *db, long long stack)
{
	sqlite3_stmt *fr;
	int rc, n = 0;
	if (stack < 0) {
		fputs("<p class=where>(no stack recorded)</p>\n", f);
		return 0;
	}
	if (mtan_prepare(db, "report", "frames", &fr))
		return -1;
	sqlite3_bind_int64(fr, 1, stack);
	fputs("<ol class=stack start=0>\n", f);
	while ((rc = sqlite3_step(fr)) == SQLITE_ROW) {
		const char *fn = col_text(fr, 1), *file = col_text(fr, 2), *mod = col_text(fr, 4);
		const char *mbase = mod && strrchr(mod, '/') ? strrchr(mod, '/') + 1 : mod;
		fprintf(f, "<li%s>", sqlite3_column_int(fr, 7) ? "" : " class=rt");
		if (fn) {
			mtan_html(f, fn);
		} else if (mod) {
			mtan_html(f, mbase);
			fprintf(f, "+0x%" PRIx64, (uint64_t)sqlite3_column_int64(fr, 5));
		} else {
			fprintf(f, "0x%" PRIx64, (uint64_t)sqlite3_column_int64(fr, 6));
		}
		if (file) {
			const char *fbase = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
			fputs(" <span class=where>", f);
			mtan_html(f, fbase);
			if (sqlite3_column_type(fr, 3) != SQLITE_NULL)
				fprintf(f, ":%d", sqlite3_column_int(fr, 3));
			fputs("</span>", f);
		}
		if (fn && mod) {
			fputs(" <span class=where>in ", f);
			mtan_html(f, mbase);
			fputs("</span>", f);
		}
		fputs("</li>\n", f);
		n++;
	}
	sqlite3_finalize(fr);
	fputs("</ol>\n", f);
	return rc == SQLITE_DONE ? 0 : mtan_sqlerr(db, "cannot read the database");
}

/* Says a list stopped at --limit (the report shows the first entries of each list). */
void mtan_page_cut(FILE *f, const char *what, long long limit, const char *cmd)
{
	fprintf(f, "<p class=meta>%s: the first %lld shown (<code>--limit</code>); "
		"<code>mtan %s</code> lists them all.</p>\n", what, limit, cmd);
}

void mtan_page_head(FILE *f, const char *name, const char *cmdline, const char *host, long long realtime_ns,
		    int complete)
{
	fputs("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n"
	      "<meta name=viewport content=\"width=device-width, initial-scale=1\">\n<title>mtan report: ", f);
	mtan_html(f, name);
	fprintf(f, "</title>\n<style>\n%s</style></head><body>\n<h1>Memory report: <code>", style);
	mtan_html(f, name);
	fputs("</code></h1>\n<p class=meta>", f);
	if (cmdline) {
		fputs("<code>", f);
		mtan_html(f, cmdline);
		fputs("</code>", f);
	}
	if (host) {
		fputs(" on ", f);
		mtan_html(f, host);
	}
	if (realtime_ns > 0) {
		time_t t = (time_t)(realtime_ns / 1000000000);
		struct tm tm;
		char when_s[64];
		if (gmtime_r(&t, &tm) && strftime(when_s, sizeof when_s, "%Y-%m-%d %H:%M:%S UTC", &tm))
			fprintf(f, ", recorded %s", when_s);
	}
	fprintf(f, "; %s</p>\n", complete ? "complete" : "<span class=bad>incomplete (the recording stopped early)</span>");
}

void mtan_page_foot(FILE *f)
{
	fprintf(f, "<footer>mtan %s, schema %d</footer>\n</body></html>\n", MTAN_VERSION, MTAN_SCHEMA_VERSION);
}
