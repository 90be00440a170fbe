-- The database's own floor for a synchronous recharge, which commits twice: the debit with its order, then (after the
-- upstream's answer) the settlement. As the gateway sends them (Recharge/RechargeOrderWrites.cs): the placement is one
-- statement, a transaction of its own (the wallet's conditional debit, the journal, its entries and the order;
-- LedgerService.TryPostAloneAsync), and the settlement is Recharge/RechargeSuccessStatement.cs's statement, also a transaction
-- of its own: it locks the open order, adds the reseller's points to its reward account (a row per reseller, as hot as
-- its wallet) and writes the outcome with the reward block. Its constants are the values the gateway binds (the stages a
-- request may settle from, no lease); "ok":true is split in two ('…":' || 'true…') only because pgbench would take
-- :true for a variable, and the text is the same. BenchFloorScriptTests fails when this copy and the gateway's differ.
-- A recharge cannot answer faster than these two commits; run.sh prints this script's tps and p50/p95/p99 beside the
-- ceiling. :wallets and the schema as in submit.sql.
\set wallet random(1, :wallets)
WITH wallet AS (
    UPDATE ledger_accounts SET balance = balance - 99.00
     WHERE id = :wallet AND kind = 'ResellerWallet' AND balance - 99.00 >= 0
    RETURNING balance),
journal AS (
    INSERT INTO ledger_journals (created_at, description, kind, reference)
    SELECT now(), 'Recharge GP 01700000000', 'RechargeDebit', 'RC-' || gen_random_uuid() FROM wallet
    RETURNING id, reference),
entries AS (
    INSERT INTO ledger_entries (account_id, amount, created_at, journal_id)
    SELECT entry.account, entry.amount, now(), journal.id
      FROM journal, (VALUES (:wallet, -99.00), (1001, 100.00), (1003, -1.00)) AS entry (account, amount))
INSERT INTO recharge_orders (order_number, reseller_id, phone, operator_code, operator_name, account_type, amount,
    commission, debit_amount, before_balance, after_balance, status, debit_journal_id, connector, stage, attempts,
    next_attempt_at, created_at, updated_at)
SELECT journal.reference, :wallet, '01700000000', 'GP', 'Grameenphone', 'prepaid', 100.00, 1.00, 99.00,
    wallet.balance + 99.00, wallet.balance, 'Processing', journal.id, 'sandbox', 'Sending', 0, now() + interval '30 seconds',
    now(), now()
  FROM journal, wallet
RETURNING id \gset o_
WITH target AS (
    SELECT r.id, r.reseller_id,
        trunc(r.amount * coalesce((SELECT s.points_percent FROM reward_settings AS s WHERE s.id = 1), 0) / 100, 2) AS points,
        EXISTS (SELECT 1 FROM webhook_endpoints AS e WHERE e.reseller_id = r.reseller_id AND e.status = 'Enabled') AS has_endpoints
    FROM recharge_orders AS r
    WHERE r.id = :o_id AND r.status = 'Processing' AND r.stage = ANY ('{Manual,Sending,Unknown}')
        AND (r.lease_expires_at IS NULL OR r.lease_expires_at < now())
    FOR UPDATE OF r),
open AS (
    SELECT target.id, target.reseller_id, target.points FROM target WHERE NOT target.has_endpoints),
granted AS (
    INSERT INTO reseller_reward_accounts AS a (reseller_id, points, lifetime_points, level_id)
    SELECT open.reseller_id, open.points, open.points, (
        SELECT l.id FROM reward_levels AS l WHERE l.min_lifetime_points <= open.points
        ORDER BY l.min_lifetime_points DESC LIMIT 1)
    FROM open
    ON CONFLICT (reseller_id) DO UPDATE SET
        points = a.points + excluded.points,
        lifetime_points = a.lifetime_points + excluded.lifetime_points,
        level_id = (
            SELECT l.id FROM reward_levels AS l WHERE l.min_lifetime_points <= a.lifetime_points + excluded.lifetime_points
            ORDER BY l.min_lifetime_points DESC LIMIT 1)
    RETURNING a.level_id),
settled AS (
    UPDATE recharge_orders AS o SET status = 'Success', stage = 'Done', operator_transaction_id = 'SBX-' || :o_id,
        reward_result = '{"ok":' || 'true,"points":{"ok":' || 'true,"message":"Points awarded successfully","points":'
            || open.points::text || ',"new_level_id":' || coalesce(reached.id::text, 'null')
            || ',"new_level_key":' || coalesce(to_json(reached.key)::text, 'null')
            || '},"cashback":{"ok":' || 'true,"message":"No eligible active offer found"}}',
        next_attempt_at = NULL, lease_owner = NULL, lease_expires_at = NULL, completed_at = now(), updated_at = now()
    FROM open CROSS JOIN granted LEFT JOIN reward_levels AS reached ON reached.id = granted.level_id
    WHERE o.id = open.id
    RETURNING o.reward_result)
SELECT target.has_endpoints, settled.reward_result FROM target LEFT JOIN settled ON true;
