/* intern.h: numbers for strings (intern.c). */
#ifndef MTAN_INTERN_H
#define MTAN_INTERN_H

#include <stddef.h>

/* ---- intern.c: numbers for strings, in the order they come (0 first) ---- */
struct mtan_intern {
	char **key;     /* key[i]: the i-th key (NUL added after its len bytes) */
	size_t *len;
	size_t n, cap;
	size_t *slots, nslots; /* open addressing: indexes into key, SIZE_MAX empty */
};
/* The number of key[0..len) (copied when new; *added, if not NULL, says so); -1 when
 * memory ran out. An all-zero struct is an empty table. */
long mtan_intern(struct mtan_intern *t, const void *key, size_t len, int *added);
/* The same for a string; NULL is "". */
long mtan_intern_str(struct mtan_intern *t, const char *s);
void mtan_intern_release(struct mtan_intern *t);


#endif
