/* chrome.h: the Chrome trace export (chrome.c). */
#ifndef MTAN_CHROME_H
#define MTAN_CHROME_H

#include <sqlite3.h>
#include <stdio.h>
#include "opts.h"

/* chrome.c: the Trace Event Format (Chrome's about:tracing, Perfetto): live bytes per
 * process, device and space as counters, marks as instant events, process and thread
 * names. */
int mtan_export_chrome(sqlite3 *db, const struct mtan_opts *o, FILE *f);


#endif
