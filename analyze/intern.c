/* intern.c: numbers for byte strings, the first one given 0, the next 1, and so on: the
 * string table and the functions of a pprof profile, the shared frames of a speedscope
 * file. A key may hold NULs (several parts in one key). */
#include "intern.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const void *p, size_t len)
{
	uint64_t h = 1469598103934665603ull;
	for (const unsigned char *c = p; len--; c++)
		h = (h ^ *c) * 1099511628211ull;
	return h ^ (h >> 31);
}

/* Twice the slots, or 1024: the keys stay where they are, their slots are redone. */
static int grow(struct mtan_intern *t)
{
	size_t n = t->nslots ? t->nslots * 2 : 1024;
	size_t *s = malloc(n * sizeof(*s));
	if (!s)
		return -1;
	for (size_t i = 0; i < n; i++)
		s[i] = SIZE_MAX;
	for (size_t k = 0; k < t->n; k++) {
		size_t j = hash(t->key[k], t->len[k]) & (n - 1);
		while (s[j] != SIZE_MAX)
			j = (j + 1) & (n - 1);
		s[j] = k;
	}
	free(t->slots);
	t->slots = s;
	t->nslots = n;
	return 0;
}

long mtan_intern(struct mtan_intern *t, const void *key, size_t len, int *added)
{
	if (added)
		*added = 0;
	if ((t->n + 1) * 2 > t->nslots && grow(t))
		return -1;
	size_t j = hash(key, len) & (t->nslots - 1);
	for (; t->slots[j] != SIZE_MAX; j = (j + 1) & (t->nslots - 1)) {
		size_t k = t->slots[j];
		if (t->len[k] == len && !memcmp(t->key[k], key, len))
			return (long)k;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		char **kv = realloc(t->key, cap * sizeof(*kv));
		if (!kv)
			return -1;
		t->key = kv;
		size_t *lv = realloc(t->len, cap * sizeof(*lv));
		if (!lv)
			return -1;
		t->len = lv;
		t->cap = cap;
	}
	char *copy = malloc(len + 1);
	if (!copy)
		return -1;
	memcpy(copy, key, len);
	copy[len] = 0;
	t->key[t->n] = copy;
	t->len[t->n] = len;
	t->slots[j] = t->n;
	if (added)
		*added = 1;
	return (long)t->n++;
}

long mtan_intern_str(struct mtan_intern *t, const char *s)
{
	return mtan_intern(t, s ? s : "", s ? strlen(s) : 0, NULL);
}

void mtan_intern_release(struct mtan_intern *t)
{
	if (!t)
		return;
	for (size_t k = 0; k < t->n; k++)
		free(t->key[k]);
	free(t->key);
	free(t->len);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}
