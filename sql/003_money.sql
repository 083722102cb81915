-- Money (seeds 001 and 004): orders from Toss Payments and Payaction bank
-- deposits, and one append-only points ledger that both credit.

-- The balance is a cache of the ledger, changed only by the statement that
-- appends the ledger row it reflects.
ALTER TABLE users
    ADD COLUMN remaining_points bigint NOT NULL DEFAULT 0 CHECK (remaining_points >= 0),
    ADD CONSTRAINT users_username UNIQUE (username);

-- Users with money history are kept (deactivated, never deleted): RESTRICT.
CREATE TABLE payment_orders (
    id               bigserial PRIMARY KEY,
    user_id          bigint NOT NULL REFERENCES users (id),
    order_id         text NOT NULL UNIQUE,
    provider         text NOT NULL CHECK (provider IN ('toss', 'payaction')),
    amount           bigint NOT NULL CHECK (amount > 0),
    order_name       text NOT NULL,
    billing_name     text,
    status           text NOT NULL DEFAULT 'READY'
                     CHECK (status IN ('READY', 'DONE', 'FAILED', 'CANCELLED')),
    payment_key      text,
    failure_code     text,
    failure_message  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    approved_at      timestamptz
);
CREATE INDEX payment_orders_user_id ON payment_orders (user_id, created_at);
CREATE INDEX payment_orders_status ON payment_orders (status, created_at);

-- Every change to a balance, forever. The unique source reference makes
-- each credit and debit exactly-once.
CREATE TABLE point_ledger (
    id             bigserial PRIMARY KEY,
    user_id        bigint NOT NULL REFERENCES users (id),
    delta          bigint NOT NULL CHECK (delta <> 0),
    balance_after  bigint NOT NULL CHECK (balance_after >= 0),
    reason         text NOT NULL,
    source_type    text NOT NULL,
    source_id      text NOT NULL,
    actor          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source_type, source_id)
);
CREATE INDEX point_ledger_user_id ON point_ledger (user_id, id);

CREATE FUNCTION point_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'point_ledger is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER point_ledger_no_update BEFORE UPDATE OR DELETE ON point_ledger
    FOR EACH ROW EXECUTE FUNCTION point_ledger_append_only();
CREATE TRIGGER point_ledger_no_truncate BEFORE TRUNCATE ON point_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION point_ledger_append_only();

-- Users whose balance is not the sum of their ledger: empty when all is well.
CREATE VIEW point_balance_mismatches AS
    SELECT u.id AS user_id, u.remaining_points, coalesce(l.total, 0) AS ledger_sum
    FROM users u
    LEFT JOIN (SELECT user_id, sum(delta) AS total FROM point_ledger GROUP BY user_id) l
        ON l.user_id = u.id
    WHERE u.remaining_points <> coalesce(l.total, 0);

-- Refunds through Toss. The points are taken back before Toss is asked
-- (PENDING), so a user cannot spend them while the refund is in flight.
CREATE TABLE payment_cancels (
    id               bigserial PRIMARY KEY,
    order_id         text NOT NULL REFERENCES payment_orders (order_id),
    amount           bigint NOT NULL CHECK (amount > 0),
    reason           text NOT NULL,
    status           text NOT NULL DEFAULT 'PENDING'
                     CHECK (status IN ('PENDING', 'DONE', 'FAILED')),
    transaction_key  text,
    failure_code     text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX payment_cancels_one_pending ON payment_cancels (order_id)
    WHERE status = 'PENDING';

-- Every Payaction webhook delivery, for deduplication and review; a
-- delivery whose trace id was seen before is not stored again.
CREATE TABLE payaction_webhooks (
    id            bigserial PRIMARY KEY,
    trace_id      text UNIQUE,
    order_number  text NOT NULL,
    order_status  text NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('credited', 'already_matched',
                  'unknown_order', 'order_not_open', 'amount_mismatch', 'ignored_status')),
    body          text NOT NULL,     -- as received (jsonb would refuse \u0000)
    received_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payaction_webhooks_order ON payaction_webhooks (order_number);

-- Deductions of many requests in one transaction, so that concurrent
-- requests share one commit. Each is exactly-once by its source reference
-- and never takes a balance below zero; users are locked in id order, so
-- two batches cannot deadlock. A source already used returns its entry.
CREATE FUNCTION points_deduct_batch(uids bigint[], amounts bigint[], reasons text[],
                                    sources text[])
RETURNS TABLE (o_ord int, o_outcome text, o_ledger_id bigint, o_user_id bigint,
               o_delta bigint, o_balance_after bigint, o_reason text)
LANGUAGE plpgsql AS $$
DECLARE
    i int;
    lid bigint;
BEGIN
    FOR i IN SELECT k FROM generate_subscripts(uids, 1) k ORDER BY uids[k], k LOOP
        o_ord := i;
        SELECT pl.id, pl.user_id, pl.delta, pl.balance_after, pl.reason
          INTO o_ledger_id, o_user_id, o_delta, o_balance_after, o_reason
          FROM point_ledger pl WHERE pl.source_type = 'deduct' AND pl.source_id = sources[i];
        IF FOUND THEN
            o_outcome := 'replay';
            RETURN NEXT;
            CONTINUE;
        END IF;
        UPDATE users u SET remaining_points = u.remaining_points - amounts[i]
         WHERE u.id = uids[i] AND u.remaining_points >= amounts[i]
        RETURNING u.remaining_points INTO o_balance_after;
        IF NOT FOUND THEN
            o_outcome := 'short';
            o_ledger_id := NULL;
            o_user_id := uids[i];
            o_delta := NULL;
            o_reason := NULL;
            RETURN NEXT;
            CONTINUE;
        END IF;
        INSERT INTO point_ledger (user_id, delta, balance_after, reason, source_type,
                                  source_id, actor)
        VALUES (uids[i], -amounts[i], o_balance_after, reasons[i], 'deduct', sources[i],
                uids[i]::text)
        ON CONFLICT (source_type, source_id) DO NOTHING
        RETURNING id INTO lid;
        IF lid IS NULL THEN
            -- the same source committed meanwhile elsewhere: undo, return that one
            UPDATE users u SET remaining_points = u.remaining_points + amounts[i]
             WHERE u.id = uids[i];
            SELECT pl.id, pl.user_id, pl.delta, pl.balance_after, pl.reason
              INTO o_ledger_id, o_user_id, o_delta, o_balance_after, o_reason
              FROM point_ledger pl WHERE pl.source_type = 'deduct' AND pl.source_id = sources[i];
            o_outcome := 'replay';
        ELSE
            o_outcome := 'new';
            o_ledger_id := lid;
            o_user_id := uids[i];
            o_delta := -amounts[i];
            o_reason := reasons[i];
        END IF;
        RETURN NEXT;
    END LOOP;
END $$;
