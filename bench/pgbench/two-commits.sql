-- The database's own floor for a synchronous recharge, which commits twice: the debit with its order, then (after the
-- upstream's answer) the settlement. As the gateway does it: the placement is one statement, a transaction of its own
-- (the wallet's conditional debit, the journal, its entries and the order; LedgerService.TryPostAloneAsync), and the
-- settlement locks the order, writes its outcome and commits. A recharge cannot answer faster than these two commits;
-- run.sh prints this script's tps and p50/p95/p99 beside the ceiling. :wallets as in submit.sql.
\set wallet random(1, :wallets)
WITH debit AS (
    UPDATE bench.ledger_accounts SET balance = balance - 99.00
     WHERE id = :wallet AND kind = 'ResellerWallet' AND balance - 99.00 >= 0
    RETURNING id),
journal AS (
    INSERT INTO bench.ledger_journals (created_at, description, kind, reference)
    SELECT now(), 'Recharge GP 01700000000', 'RechargeDebit', 'PB-' || gen_random_uuid() FROM debit
    RETURNING id, reference),
entries AS (
    INSERT INTO bench.ledger_entries (account_id, amount, created_at, journal_id)
    SELECT entry.account, entry.amount, now(), journal.id
      FROM journal, (VALUES (:wallet, -99.00), (1001, 100.00), (1003, -1.00)) AS entry (account, amount))
INSERT INTO bench.bill_orders (amount, attempts, commission, connector, created_at, customer_number, debit_amount,
    debit_journal_id, fee, module_data, order_number, provider_id, provider_name, reseller_id, service_id, service_name,
    stage, status, total_amount, updated_at)
SELECT 100.00, 0, 1.00, 'sandbox', now(), '01700000000', 99.00, journal.id, 0.00, '{}', journal.reference, 1, 'GP',
    :wallet, 1, 'Recharge', 'New', 'Processing', 100.00, now()
  FROM journal
RETURNING id \gset o_
BEGIN;
SELECT id FROM bench.bill_orders WHERE id = :o_id AND status = 'Processing' FOR UPDATE;
UPDATE bench.bill_orders SET status = 'Success', stage = 'Done', updated_at = now(), completed_at = now() WHERE id = :o_id;
COMMIT;
