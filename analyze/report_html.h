/* report_html.h: the report's page, its cells and stacks (report_html.c). */
#ifndef MTAN_REPORT_HTML_H
#define MTAN_REPORT_HTML_H

#include <sqlite3.h>
#include <stdio.h>

/* From <!DOCTYPE html> to the line under the title: the trace's name, its command line and
 * host (NULL: unknown), when it was recorded (0: unknown), whether it is complete. */
void mtan_page_head(FILE *f, const char *name, const char *cmdline, const char *host, long long realtime_ns,
		    int complete);
/* mtan's version and schema, and the page's end. */
void mtan_page_foot(FILE *f);
/* Table cells: text escaped; a count as 1,234 and a size as 14.8 MiB with its bytes in a
 * title, right-aligned (a negative one as 0). */
void mtan_page_td_text(FILE *f, const char *s);
void mtan_page_td_count(FILE *f, long long v);
void mtan_page_td_size(FILE *f, long long v);
/* "host" for device -1, else "device N" in buf (24 bytes). */
const char *mtan_page_device(char *buf, long long device);
/* A stack (report.sql's frames) as an ordered list, innermost first, the frames before
 * its site greyed; stack < 0: a line saying none was recorded. 0, or -1 (reported). */
int mtan_page_stack(FILE *f, sqlite3 *db, long long stack);
/* Says a list stopped at limit entries and which mtan command lists them all. */
void mtan_page_cut(FILE *f, const char *what, long long limit, const char *cmd);

#endif
