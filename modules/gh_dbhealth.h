/* Whether each server's database can be reached, per child: once no
 * connection can be had, requests get 503 at once instead of each asking
 * mod_dbd for one (a storm of connection attempts, each logged by mod_dbd),
 * and one request at a time probes the server with PQping, backing off up
 * to a second, until it answers. Repeated failures are logged once per
 * interval with a count. */
#ifndef GH_DBHEALTH_H
#define GH_DBHEALTH_H

#include "httpd.h"
#include <libpq-fe.h>

void gh_dbhealth_child_init(apr_pool_t *pchild);

/* 1: go ahead and ask mod_dbd for a connection; 0: the database is known
 * to be down, answer 503. After a 1, the caller reports gh_dbhealth_up or
 * gh_dbhealth_down. */
int gh_dbhealth_admit(request_rec *r);

/* A connection to a live server was had. */
void gh_dbhealth_up(request_rec *r);

/* No connection could be had (why: for the log). */
void gh_dbhealth_down(request_rec *r, const char *why);

/* Learns from a fresh connection where its server is, for the probes. */
void gh_dbhealth_learn(request_rec *r, PGconn *pg);

/* Logs, at most once per interval per server with the count of the
 * others, that a connection was lost during what. */
void gh_dbhealth_log_lost(request_rec *r, const char *what, const char *first_line);

#endif
