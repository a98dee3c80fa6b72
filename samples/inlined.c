/* inlined: leaks whose malloc is in code the compiler inlined (built with -O2).
 * Expected findings (mtan leaks):
 *   4 blocks of 40 bytes = 160 bytes: new_node() (inlined, at its malloc) inlined into
 *     push() (inlined, at its call of new_node) inlined into build_list() (noinline, at
 *     its call of push), called from main
 *   2 blocks of 24 bytes = 48 bytes: make_tag() (inlined, at its malloc) inlined into
 *     tag_all() (noinline, at its call of make_tag), called from main
 * Nothing else is allocated: no stdio. */
#include <stdlib.h>
#include <string.h>

struct node {
	struct node *next;
	long value[4];
};

static inline __attribute__((always_inline)) struct node *new_node(long v)
{
	struct node *n = malloc(sizeof(*n)); /* leak site of new_node */
	if (!n)
		abort();
	memset(n, 0, sizeof(*n));
	n->value[0] = v;
	return n;
}

static inline __attribute__((always_inline)) struct node *push(struct node *head, long v)
{
	struct node *n = new_node(v); /* call of new_node */
	n->next = head;
	return n;
}

__attribute__((noinline)) struct node *build_list(int count)
{
	struct node *head = NULL;
	for (int i = 0; i < count; i++)
		head = push(head, i); /* call of push */
	return head;
}

static inline __attribute__((always_inline)) char *make_tag(int i)
{
	char *t = malloc(24); /* leak site of make_tag */
	if (!t)
		abort();
	memset(t, 'a' + i, 23);
	t[23] = 0;
	return t;
}

__attribute__((noinline)) char **tag_all(char **tags, int count)
{
	for (int i = 0; i < count; i++)
		tags[i] = make_tag(i); /* call of make_tag */
	return tags;
}

/* the leaked pointers stay reachable only through these, which nobody frees */
struct node *list;
char *tags[2];

int main(void)
{
	list = build_list(4);
	tag_all(tags, 2);
	return 0;
}
