/* stacktext.h: a stack as the CSV's stack column holds it (stacktext.c). */
#ifndef MTAN_STACKTEXT_H
#define MTAN_STACKTEXT_H

#include <sqlite3.h>
#include <stddef.h>
#include "extframes.h"

/* ---- stacktext.c: a stack as the CSV's stack column holds it (CSV.md) ---- */
/* Stack's frames, innermost first, ';' between them, into *text (malloc'd, caller frees;
 * "" for no stack, stack < 0). frames: export.sql's "stack", bound and reset here. 0, or
 * -1 (told). */
int mtan_stack_text(sqlite3_stmt *frames, long long stack, char **text);
/* One frame of a stack column: what the text says, borrowed from it. */
struct mtan_text_frame {
	struct mtan_ext_frame f;
	int has_address, inlined;
};
/* Splits text (modified in place) into its frames, innermost first: *out (malloc'd,
 * caller frees; its strings point into text) and *n of them (0 for an empty text). 0; -1
 * when the text is malformed, with the reason in why[0..size); -2 when memory ran out. */
int mtan_stack_parse(char *text, struct mtan_text_frame **out, size_t *n, char *why, size_t size);


#endif
