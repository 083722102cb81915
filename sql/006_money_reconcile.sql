-- Money reconciliation (issue 11): one refund at a time per order, decided
-- under the order's lock; refunds made at Toss taken back through the
-- ledger once per Toss cancel, the part already spent recorded as the
-- user's debt and paid first from later credits; virtual-account orders
-- that wait for their deposit.

ALTER TABLE payment_orders DROP CONSTRAINT payment_orders_status_check,
    ADD CONSTRAINT payment_orders_status_check
        CHECK (status IN ('READY', 'WAITING_FOR_DEPOSIT', 'DONE', 'FAILED', 'CANCELLED'));

-- Points owed: refunds Toss made after the points were spent.
ALTER TABLE users
    ADD COLUMN points_debt bigint NOT NULL DEFAULT 0 CHECK (points_debt >= 0);

-- A ledger row moves the balance, the debt, or both.
ALTER TABLE point_ledger
    ADD COLUMN debt_delta bigint NOT NULL DEFAULT 0,
    ADD COLUMN debt_after bigint NOT NULL DEFAULT 0 CHECK (debt_after >= 0),
    DROP CONSTRAINT point_ledger_delta_check,
    ADD CONSTRAINT point_ledger_moves CHECK (delta <> 0 OR debt_delta <> 0);

-- Users whose balance or debt is not the sum of their ledger.
CREATE OR REPLACE VIEW point_balance_mismatches AS
    SELECT u.id AS user_id, u.remaining_points, coalesce(l.total, 0) AS ledger_sum,
           u.points_debt, coalesce(l.debt, 0) AS ledger_debt
    FROM users u
    LEFT JOIN (SELECT user_id, sum(delta) AS total, sum(debt_delta) AS debt
               FROM point_ledger GROUP BY user_id) l ON l.user_id = u.id
    WHERE u.remaining_points <> coalesce(l.total, 0) OR u.points_debt <> coalesce(l.debt, 0);

-- Every Toss cancel of a paid order is one row: 'api' ones asked for here,
-- 'toss' ones made at Toss (its console) and found by reconciliation.
ALTER TABLE payment_cancels
    ADD COLUMN origin text NOT NULL DEFAULT 'api' CHECK (origin IN ('api', 'toss'));
CREATE UNIQUE INDEX payment_cancels_transaction ON payment_cancels (transaction_key)
    WHERE transaction_key IS NOT NULL;

-- A credit, exactly once by its source: the user's debt is paid first, the
-- rest raises the balance. A source used before returns its entry (o_new
-- false); no row when the user does not exist.
CREATE FUNCTION points_credit(uid bigint, amt bigint, why text, stype text, sid text,
                              who text)
RETURNS TABLE (o_new boolean, o_id bigint, o_user_id bigint, o_amount bigint,
               o_balance_after bigint, o_reason text)
LANGUAGE plpgsql AS $$
DECLARE
    pay bigint;
BEGIN
    RETURN QUERY SELECT false, pl.id, pl.user_id, pl.delta - pl.debt_delta, pl.balance_after,
                        pl.reason
                   FROM point_ledger pl WHERE pl.source_type = stype AND pl.source_id = sid;
    IF FOUND THEN
        RETURN;
    END IF;
    SELECT least(amt, u.points_debt) INTO pay FROM users u WHERE u.id = uid FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    RETURN QUERY WITH u AS (
        UPDATE users SET remaining_points = remaining_points + amt - pay,
                         points_debt = points_debt - pay
         WHERE id = uid RETURNING remaining_points, points_debt)
    INSERT INTO point_ledger AS pl (user_id, delta, balance_after, debt_delta, debt_after,
                                    reason, source_type, source_id, actor)
    SELECT uid, amt - pay, u.remaining_points, -pay, u.points_debt, why, stype, sid, who FROM u
    RETURNING true, pl.id, pl.user_id, amt, pl.balance_after, pl.reason;
END $$;

-- Takes back amt refunded by Toss, exactly once by its source: what the
-- balance holds, and the rest as debt.
CREATE FUNCTION points_take_back(uid bigint, amt bigint, why text, stype text, sid text)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    take bigint;
    lid bigint;
BEGIN
    SELECT pl.id INTO lid FROM point_ledger pl
     WHERE pl.source_type = stype AND pl.source_id = sid;
    IF FOUND THEN
        RETURN lid;
    END IF;
    SELECT least(amt, u.remaining_points) INTO take FROM users u WHERE u.id = uid FOR UPDATE;
    WITH u AS (
        UPDATE users SET remaining_points = remaining_points - take,
                         points_debt = points_debt + amt - take
         WHERE id = uid RETURNING remaining_points, points_debt)
    INSERT INTO point_ledger (user_id, delta, balance_after, debt_delta, debt_after, reason,
                              source_type, source_id)
    SELECT uid, -take, u.remaining_points, amt - take, u.points_debt, why, stype, sid FROM u
    RETURNING id INTO lid;
    RETURN lid;
END $$;

-- Starts a refund of a paid order: under the order's lock, with every
-- refund committed before it in view, so two requests can never both
-- start one. The points leave first (PENDING), so they cannot be spent
-- while Toss is asked. o_pending: another refund is in flight (nothing
-- done); o_cancel_id NULL: nothing done (see the other columns for why).
CREATE FUNCTION payment_cancel_begin(uid bigint, oid text, req bigint, why text)
RETURNS TABLE (o_status text, o_payment_key text, o_amount bigint, o_left bigint,
               o_cancel_id bigint, o_balance bigint, o_pending boolean)
LANGUAGE plpgsql AS $$
DECLARE
    ord record;
BEGIN
    SELECT po.amount, po.status, po.payment_key INTO ord FROM payment_orders po
     WHERE po.order_id = oid AND po.user_id = uid AND po.provider = 'toss' FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    o_status := ord.status;
    o_payment_key := ord.payment_key;
    o_pending := EXISTS (SELECT 1 FROM payment_cancels pc
                          WHERE pc.order_id = oid AND pc.status = 'PENDING');
    SELECT ord.amount - coalesce(sum(pc.amount), 0) INTO o_left FROM payment_cancels pc
     WHERE pc.order_id = oid AND pc.status <> 'FAILED';
    o_amount := coalesce(req, o_left);
    IF o_pending OR ord.status <> 'DONE' OR o_amount <= 0 OR o_amount > o_left THEN
        RETURN NEXT;
        RETURN;
    END IF;
    UPDATE users SET remaining_points = remaining_points - o_amount
     WHERE id = uid AND remaining_points >= o_amount RETURNING remaining_points INTO o_balance;
    IF FOUND THEN
        INSERT INTO payment_cancels (order_id, amount, reason) VALUES (oid, o_amount, why)
        RETURNING id INTO o_cancel_id;
        INSERT INTO point_ledger (user_id, delta, balance_after, reason, source_type, source_id)
        VALUES (uid, -o_amount, o_balance, 'Refund of order ' || oid, 'toss_cancel',
                o_cancel_id::text);
    END IF;
    RETURN NEXT;
END $$;

-- Brings a paid order's refunds in line with Toss's cancels (transaction
-- keys, amounts, reasons) while none of ours is in flight (o_pending): a
-- cancel of ours whose key was never learnt claims its own; any other is
-- a refund made at Toss, recorded and taken back once. Toss's balance of 0
-- closes the order.
CREATE FUNCTION payment_refunds_sync(oid text, tkeys text[], amounts bigint[],
                                     reasons text[], toss_balance bigint)
RETURNS TABLE (o_pending boolean, o_taken int, o_closed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    ord record;
    cid bigint;
BEGIN
    o_pending := false;
    o_taken := 0;
    o_closed := false;
    SELECT po.user_id, po.status INTO ord FROM payment_orders po
     WHERE po.order_id = oid AND po.provider = 'toss' FOR UPDATE;
    IF NOT FOUND OR ord.status <> 'DONE' THEN
        RETURN NEXT;
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM payment_cancels pc WHERE pc.order_id = oid AND pc.status = 'PENDING')
    THEN
        o_pending := true;
        RETURN NEXT;
        RETURN;
    END IF;
    FOR i IN 1 .. coalesce(array_length(tkeys, 1), 0) LOOP
        CONTINUE WHEN EXISTS (SELECT 1 FROM payment_cancels pc
                               WHERE pc.transaction_key = tkeys[i]);
        UPDATE payment_cancels SET transaction_key = tkeys[i], updated_at = now()
         WHERE id = (SELECT pc.id FROM payment_cancels pc WHERE pc.order_id = oid
                      AND pc.status = 'DONE' AND pc.transaction_key IS NULL
                      AND pc.amount = amounts[i] ORDER BY pc.id LIMIT 1);
        CONTINUE WHEN FOUND;
        INSERT INTO payment_cancels (order_id, amount, reason, status, transaction_key, origin)
        VALUES (oid, amounts[i], coalesce(reasons[i], 'Refunded at Toss'), 'DONE', tkeys[i],
                'toss')
        RETURNING id INTO cid;
        PERFORM points_take_back(ord.user_id, amounts[i], 'Refunded at Toss: order ' || oid,
                                 'toss_refund', tkeys[i]);
        o_taken := o_taken + 1;
    END LOOP;
    IF toss_balance = 0 THEN
        UPDATE payment_orders SET status = 'CANCELLED', updated_at = now()
         WHERE order_id = oid AND status = 'DONE';
        o_closed := FOUND;
    END IF;
    RETURN NEXT;
END $$;

-- The user's own orders, newest first, a page at a time.
CREATE INDEX payment_orders_user_page ON payment_orders (user_id, id);
