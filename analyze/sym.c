/* sym.c: releasing a symbolized address (sym.h). */
#include "sym.h"

#include <stdlib.h>

void mtan_sym_release(struct mtan_sym *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ninlined; i++) {
		free(s->inlined[i].function);
		free(s->inlined[i].file);
	}
	free(s->inlined);
	free(s->function);
	free(s->file);
	s->inlined = NULL;
	s->ninlined = 0;
	s->function = s->file = NULL;
}
