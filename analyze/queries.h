/* queries.h: the SQL of queries/<name>.sql, compiled into mtan by tools/sql2c as
 * build/gen/queries.c. Read it through mtan_sql() (sql.c), which also finds sections. */
#ifndef MTAN_QUERIES_H
#define MTAN_QUERIES_H

struct mtan_query {
	const char *name; /* the file name without .sql */
	const char *sql;  /* its whole text */
};
extern const struct mtan_query mtan_queries[]; /* ends with {0, 0} */

#endif
