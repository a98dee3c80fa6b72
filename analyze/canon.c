/* canon.c: stacks that read the same. The compiler may copy one call (an unrolled loop, a
 * duplicated tail), so one line of source has several return addresses and the trace
 * several stacks whose symbolized frames are identical: the loader gives every stack the
 * id of the first stack that reads as it does (stacks.canonical), and sites group by it. */
#include "canon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct text {      /* a distinct frame text */
	uint64_t hash;
	char *key;
};
struct seq {       /* a distinct stack: its frame texts and site */
	uint64_t hash;
	uint32_t id, n;
	uint32_t *t;
	int site;
};

struct mtan_canon {
	struct text *texts; /* open addressing; key NULL: free slot */
	size_t ntexts, captexts;
	uint32_t next_text;
	uint32_t *text_ids; /* parallel to texts */
	struct seq *seqs;
	size_t nseqs, capseqs;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ull;
	return h;
}

struct mtan_canon *mtan_canon_new(void)
{
	return calloc(1, sizeof(struct mtan_canon));
}

void mtan_canon_free(struct mtan_canon *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->captexts; i++)
		free(c->texts[i].key);
	for (size_t i = 0; i < c->capseqs; i++)
		free(c->seqs[i].t);
	free(c->texts);
	free(c->text_ids);
	free(c->seqs);
	free(c);
}

static int grow_texts(struct mtan_canon *c)
{
	size_t cap = c->captexts ? c->captexts * 2 : 4096;
	struct text *t = calloc(cap, sizeof(*t));
	uint32_t *ids = calloc(cap, sizeof(*ids));
	if (!t || !ids) {
		free(t);
		free(ids);
		return -1;
	}
	for (size_t i = 0; i < c->captexts; i++) {
		if (!c->texts[i].key)
			continue;
		size_t j = c->texts[i].hash & (cap - 1);
		while (t[j].key)
			j = (j + 1) & (cap - 1);
		t[j] = c->texts[i];
		ids[j] = c->text_ids[i];
	}
	free(c->texts);
	free(c->text_ids);
	c->texts = t;
	c->text_ids = ids;
	c->captexts = cap;
	return 0;
}

uint32_t mtan_canon_frame(struct mtan_canon *c, const char *function, const char *file, int line,
			  const char *module, uint64_t offset, uint64_t address, int inlined)
{
	char *key = NULL;
	/* what a report shows of the frame: a frame without a function is known by its
	 * place in its module (or its address), so two of them never read the same */
	int len = function ? asprintf(&key, "%s\037%s\037%d\037%s\037%d", function, file ? file : "", line,
				      module ? module : "", inlined)
		  : module ? asprintf(&key, "\037%s\037%d\037%s\037%d\037%llx", file ? file : "", line, module,
				      inlined, (unsigned long long)offset)
			   : asprintf(&key, "\037\037\037\037%d\037%llx", inlined, (unsigned long long)address);
	if (len < 0)
		return 0;
	if ((c->ntexts + 1) * 2 > c->captexts && grow_texts(c)) {
		free(key);
		return 0;
	}
	uint64_t h = fnv(1469598103934665603ull, key, (size_t)len);
	size_t j = h & (c->captexts - 1);
	for (; c->texts[j].key; j = (j + 1) & (c->captexts - 1))
		if (c->texts[j].hash == h && !strcmp(c->texts[j].key, key)) {
			free(key);
			return c->text_ids[j];
		}
	c->texts[j].hash = h;
	c->texts[j].key = key;
	c->text_ids[j] = ++c->next_text;
	c->ntexts++;
	return c->next_text;
}

static int grow_seqs(struct mtan_canon *c)
{
	size_t cap = c->capseqs ? c->capseqs * 2 : 1024;
	struct seq *s = calloc(cap, sizeof(*s));
	if (!s)
		return -1;
	for (size_t i = 0; i < c->capseqs; i++) {
		if (!c->seqs[i].id)
			continue;
		size_t j = c->seqs[i].hash & (cap - 1);
		while (s[j].id)
			j = (j + 1) & (cap - 1);
		s[j] = c->seqs[i];
	}
	free(c->seqs);
	c->seqs = s;
	c->capseqs = cap;
	return 0;
}

uint32_t mtan_canon_stack(struct mtan_canon *c, uint32_t id, const uint32_t *t, uint32_t n, int site)
{
	if ((c->nseqs + 1) * 2 > c->capseqs && grow_seqs(c))
		return 0;
	uint64_t h = fnv(fnv(1469598103934665603ull, &site, sizeof site), t, n * sizeof(*t));
	size_t j = h & (c->capseqs - 1);
	for (; c->seqs[j].id; j = (j + 1) & (c->capseqs - 1)) {
		const struct seq *s = &c->seqs[j];
		if (s->hash == h && s->n == n && s->site == site && !memcmp(s->t, t, n * sizeof(*t)))
			return s->id;
	}
	struct seq *s = &c->seqs[j];
	if (!(s->t = malloc((n ? n : 1) * sizeof(*t))))
		return 0;
	memcpy(s->t, t, n * sizeof(*t));
	s->hash = h;
	s->id = id;
	s->n = n;
	s->site = site;
	c->nseqs++;
	return id;
}
