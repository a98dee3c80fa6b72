/* symindex.h: a module's symbol table sorted by address (symindex.c), naming an address
 * the way libdwfl's dwfl_module_addrinfo does without scanning the whole table for each
 * address. Used by symbols.c alone (and its unit test). */
#ifndef MTAN_SYMINDEX_H
#define MTAN_SYMINDEX_H

#include <elfutils/libdwfl.h>

struct mtan_symindex;

/* Reads dm's symbol table (the one libdwfl chose: .symtab, a debug file's, .dynsym, with
 * the MiniDebugInfo table) once. dm is borrowed for the index's life, which must end
 * before its Dwfl's. NULL on no memory. */
struct mtan_symindex *mtan_symindex_new(Dwfl_Module *dm);
/* The name of the symbol dwfl_module_addrinfo(dm, a, ...) names (the same choice among
 * aliases, sized and sizeless symbols, globals before locals), borrowed from dm's
 * string table; NULL when it names none. */
const char *mtan_symindex_name(struct mtan_symindex *x, GElf_Addr a);
void mtan_symindex_free(struct mtan_symindex *x);

#endif
