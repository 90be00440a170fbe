-- The database's own floor for a synchronous recharge, which commits twice: the debit with its order, then (after the
-- upstream's answer) the settlement. As the gateway sends them (Recharge/RechargeOrderWrites.cs): the placement is one
-- statement, a transaction of its own (the wallet's conditional debit, the journal, its entries and the order;
-- LedgerService.TryPostAloneAsync), and the settlement locks the order, writes its outcome with one UPDATE and commits.
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
BEGIN;
SELECT id FROM recharge_orders WHERE id = :o_id AND status = 'Processing' FOR UPDATE;
UPDATE recharge_orders SET status = 'Success', stage = 'Done', operator_transaction_id = 'SBX-' || :o_id,
    reward_result = '{"ok": true}', next_attempt_at = NULL, completed_at = now(), updated_at = now()
 WHERE id = :o_id;
COMMIT;
