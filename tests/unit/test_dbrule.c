/* gh_dbrule: which statements only read, SQLSTATEs, the resend rule, and
 * once-per-interval log lines. */
#include "check.h"
#include "suites.h"
#include "gh_dbrule.h"

static void read_only(void)
{
    /* the areas' reads, as written in their tables */
    CHECK_INT_EQ(gh_dbrule_read_only("SELECT 1"), 1);
    CHECK_INT_EQ(gh_dbrule_read_only("SELECT remaining_points FROM users WHERE id = %lld"), 1);
    CHECK_INT_EQ(gh_dbrule_read_only(
        "SELECT id, message, sender, to_char(created_at AT TIME ZONE 'UTC', "
        "'YYYY-MM-DD\"T\"HH24\":\"MI\":\"SS\"Z\"') FROM chat_messages WHERE room_id = %lld"
        " AND id < coalesce(CAST(%s AS bigint), 9223372036854775807) ORDER BY id DESC"
        " LIMIT %lld"), 1);
    CHECK_INT_EQ(gh_dbrule_read_only(
        "SELECT u.remaining_points, (SELECT coalesce(sum(delta), 0) FROM point_ledger"
        " WHERE user_id = u.id) FROM users u WHERE u.id = ANY(CAST(%s AS bigint[]))"), 1);
    CHECK_INT_EQ(gh_dbrule_read_only("  -- note\n select count(*) from t /* x */"), 1);
    CHECK_INT_EQ(gh_dbrule_read_only("WITH p AS (SELECT CAST(%s AS text) AS n) SELECT n FROM p"),
                 1);
    /* words inside literals and quoted names do not count */
    CHECK_INT_EQ(gh_dbrule_read_only("SELECT 'DELETE it' AS \"update\" FROM t"), 1);
    CHECK_INT_EQ(gh_dbrule_read_only("SELECT 'it''s INSERT' FROM t"), 1);

    /* writes, locks, and calls that might write */
    CHECK_INT_EQ(gh_dbrule_read_only("INSERT INTO t VALUES (1)"), 0);
    CHECK_INT_EQ(gh_dbrule_read_only("UPDATE t SET a = 1"), 0);
    CHECK_INT_EQ(gh_dbrule_read_only("DELETE FROM t"), 0);
    CHECK_INT_EQ(gh_dbrule_read_only(
        "WITH room AS (SELECT id FROM chat_rooms WHERE id = %lld FOR NO KEY UPDATE)"
        " INSERT INTO chat_messages (room_id) SELECT id FROM room RETURNING id"), 0);
    CHECK_INT_EQ(gh_dbrule_read_only("WITH d AS (DELETE FROM t RETURNING id) SELECT * FROM d"), 0);
    CHECK_INT_EQ(gh_dbrule_read_only("SELECT id FROM t FOR UPDATE"), 0);
    CHECK_INT_EQ(gh_dbrule_read_only("SELECT id FROM t FOR SHARE"), 0);
    CHECK_INT_EQ(gh_dbrule_read_only(
        "SELECT o_ord, o_outcome FROM points_deduct_batch(CAST(%s AS bigint[]))"), 0);
    CHECK_INT_EQ(gh_dbrule_read_only("SELECT pg_notify('c', 'x')"), 0);
    CHECK_INT_EQ(gh_dbrule_read_only("SELECT nextval ('s')"), 0);
    CHECK_INT_EQ(gh_dbrule_read_only("SELECT * INTO t2 FROM t"), 0);
    CHECK_INT_EQ(gh_dbrule_read_only("SELECT 1; DELETE FROM t"), 0);
    CHECK_INT_EQ(gh_dbrule_read_only("SELECT $$x$$"), 0);
    CHECK_INT_EQ(gh_dbrule_read_only("SET plan_cache_mode = force_generic_plan"), 0);
    CHECK_INT_EQ(gh_dbrule_read_only(""), 0);
    CHECK_INT_EQ(gh_dbrule_read_only(NULL), 0);
}

static void sqlstates(void)
{
    char st[6];

    CHECK_INT_EQ(gh_dbrule_sqlstate("ERROR:  23505: duplicate key value violates unique"
                                    " constraint \"x\"\nDETAIL:  Key (a)=(1).", st), 1);
    CHECK_STR_EQ(st, "23505");
    CHECK_INT_EQ(gh_dbrule_sqlstate("FATAL:  57P01: terminating connection due to "
                                    "administrator command\nLOCATION:  ProcessInterrupts\n"
                                    "server closed the connection unexpectedly", st), 1);
    CHECK_STR_EQ(st, "57P01");
    /* a localized severity */
    CHECK_INT_EQ(gh_dbrule_sqlstate("FEHLER:  22P02: ungültige Eingabesyntax", st), 1);
    CHECK_STR_EQ(st, "22P02");
    /* the first server error, after libpq's own line */
    CHECK_INT_EQ(gh_dbrule_sqlstate("could not send data to server: Broken pipe\n"
                                    "FATAL:  57P01: terminating connection", st), 1);
    CHECK_STR_EQ(st, "57P01");
    CHECK_INT_EQ(gh_dbrule_sqlstate("server closed the connection unexpectedly\n"
                                    "\tThis probably means the server terminated abnormally", st),
                 0);
    CHECK_STR_EQ(st, "");
    CHECK_INT_EQ(gh_dbrule_sqlstate("ERROR:  bad: not a state", st), 0);
    CHECK_INT_EQ(gh_dbrule_sqlstate("ERROR:  23505", st), 0);
    CHECK_INT_EQ(gh_dbrule_sqlstate(NULL, st), 0);
}

static void rolled_back(void)
{
    CHECK_INT_EQ(gh_dbrule_rolled_back("40P01"), 1);      /* deadlock_detected */
    CHECK_INT_EQ(gh_dbrule_rolled_back("40001"), 1);      /* serialization_failure */
    CHECK_INT_EQ(gh_dbrule_rolled_back("23505"), 0);      /* a unique violation is the caller's */
    CHECK_INT_EQ(gh_dbrule_rolled_back("40003"), 0);      /* statement_completion_unknown */
    CHECK_INT_EQ(gh_dbrule_rolled_back(""), 0);
}

static void resend(void)
{
    /* a read is always safe to send again */
    CHECK_INT_EQ(gh_dbrule_resend("", 1, 0), 1);
    CHECK_INT_EQ(gh_dbrule_resend("57P02", 1, 0), 1);
    /* a write: only when the server said it ended the session on its own */
    CHECK_INT_EQ(gh_dbrule_resend("57P01", 0, 0), 1);
    CHECK_INT_EQ(gh_dbrule_resend("57P05", 0, 0), 1);
    /* or had said FATAL before the statement was sent */
    CHECK_INT_EQ(gh_dbrule_resend("", 0, 1), 1);
    CHECK_INT_EQ(gh_dbrule_resend("", 0, 0), 0);          /* EOF: may have committed */
    CHECK_INT_EQ(gh_dbrule_resend("57P02", 0, 0), 0);     /* crash: quickdie, any moment */
    CHECK_INT_EQ(gh_dbrule_resend("08006", 0, 0), 0);
    CHECK_INT_EQ(gh_dbrule_resend("23505", 0, 0), 0);

    CHECK_INT_EQ(gh_dbrule_data_error("22P02"), 1);
    CHECK_INT_EQ(gh_dbrule_data_error("22001"), 1);
    CHECK_INT_EQ(gh_dbrule_data_error("23514"), 1);
    CHECK_INT_EQ(gh_dbrule_data_error("23505"), 1);
    CHECK_INT_EQ(gh_dbrule_data_error("P0001"), 0);
    CHECK_INT_EQ(gh_dbrule_data_error("57P01"), 0);
    CHECK_INT_EQ(gh_dbrule_data_error(""), 0);
}

static void lograte(void)
{
    gh_dbrule_lograte_t lr = { 0, 0 };
    apr_interval_time_t sec = apr_time_from_sec(1);
    apr_time_t t0 = apr_time_from_sec(1000);
    unsigned long n = 99;

    CHECK_INT_EQ(gh_dbrule_lograte(&lr, t0, sec, &n), 1);
    CHECK_INT_EQ((int)n, 0);
    for (int i = 1; i <= 5; i++) {
        n = 99;
        CHECK_INT_EQ(gh_dbrule_lograte(&lr, t0 + i * 1000, sec, &n), 0);
        CHECK_INT_EQ((int)n, 99);
    }
    CHECK_INT_EQ(gh_dbrule_lograte(&lr, t0 + sec, sec, &n), 1);
    CHECK_INT_EQ((int)n, 5);
    CHECK_INT_EQ(gh_dbrule_lograte(&lr, t0 + 3 * sec, sec, &n), 1);
    CHECK_INT_EQ((int)n, 0);
    /* a clock that went back does not silence the line for good */
    CHECK_INT_EQ(gh_dbrule_lograte(&lr, t0, sec, &n), 1);
}

void test_dbrule(apr_pool_t *p)
{
    (void)p;
    read_only();
    sqlstates();
    resend();
    rolled_back();
    lograte();
}
