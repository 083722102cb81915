/* The rules gh_db and gh_batch apply to a statement and its failure, as
 * pure logic (APR only): whether a statement only reads, what SQLSTATE an
 * error carries, whether a statement whose connection broke may be sent
 * again, and the once-per-interval counting of repeated log lines. */
#ifndef GH_DBRULE_H
#define GH_DBRULE_H

#include "apr_time.h"

/* Whether sql certainly only reads: it starts with SELECT or WITH, has no
 * data-modifying or locking word, and calls no function but built-ins
 * known to change nothing. Anything else counts as a write. */
int gh_dbrule_read_only(const char *sql);

/* The SQLSTATE of the first server error in a verbose libpq message
 * ("ERROR:  23505: duplicate key ...", "FATAL:  57P01: terminating ...")
 * into out; returns 0 and sets "" when there is none (libpq's own
 * messages, such as "server closed the connection unexpectedly"). */
int gh_dbrule_sqlstate(const char *msg, char out[6]);

/* Whether a statement whose connection was lost while it ran may be sent
 * again on a fresh connection: always when it only reads; a write only
 * when it never took effect: sqlstate says so, or the server's FATAL
 * came before the statement was sent (fatal_before; see gh_db.c). */
int gh_dbrule_resend(const char *sqlstate, int read_only, int fatal_before);

/* Whether a statement that failed with sqlstate on a live connection was
 * rolled back by the server for its concurrency alone, so that running it
 * again is safe and may succeed: 40P01 deadlock_detected, 40001
 * serialization_failure (every statement here is autocommitted). */
int gh_dbrule_rolled_back(const char *sqlstate);

/* Whether sqlstate is about the data one statement was given: class 22
 * (data exception) or 23 (integrity constraint violation). */
int gh_dbrule_data_error(const char *sqlstate);

/* A repeated log line, said once per interval with the count of the
 * repeats it stands for. Zeroed to start; the caller serialises. */
typedef struct {
    apr_time_t said_at;         /* 0: never said */
    unsigned long repeats;      /* since said_at, not yet said */
} gh_dbrule_lograte_t;

/* Records one occurrence at now. Returns 1 when it is to be logged, with
 * *repeats the occurrences left unsaid since the last line; else 0. */
int gh_dbrule_lograte(gh_dbrule_lograte_t *lr, apr_time_t now, apr_interval_time_t interval,
                      unsigned long *repeats);

#endif
