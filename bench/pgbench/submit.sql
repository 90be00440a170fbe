-- One bill submit as the gateway commits it: the conditional wallet debit, the journal and its four entries, the
-- order. :wallet is 1..1000 (many wallets) or 1 (hot wallet), set with pgbench -D wallets=N. The tables are unqualified:
-- step.sh sets the search_path to the schema it is given, bench (no foreign keys) or bench_fk (the gateway's; setup.sql).
\set wallet random(1, :wallets)
BEGIN;
UPDATE ledger_accounts SET balance = balance - 25.75
 WHERE id = :wallet AND kind = 'ResellerWallet' AND balance - 25.75 >= 0;
INSERT INTO ledger_journals (created_at, description, kind, reference)
VALUES (now(), 'Bill payment Bench Power / Bench prepaid meter', 'BillOrderDebit', 'PB-' || gen_random_uuid())
RETURNING id, reference \gset j_
INSERT INTO ledger_entries (account_id, amount, created_at, journal_id)
VALUES (:wallet, -25.75, now(), :j_id), (1001, 25.00, now(), :j_id), (1002, 1.00, now(), :j_id), (1003, -0.25, now(), :j_id);
INSERT INTO bill_orders (amount, attempts, commission, connector, created_at, customer_number, debit_amount,
    debit_journal_id, fee, module_data, order_number, provider_id, provider_name, reseller_id, service_id, service_name,
    stage, status, total_amount, updated_at)
VALUES (25.00, 0, 0.25, 'manual', now(), 'BENCH0000001', 25.75, :j_id, 1.00, '{"meter_number":"BENCH0000001"}',
    :j_reference, 1, 'Bench Power', :wallet, 1, 'Bench prepaid meter', 'New', 'Processing', 26.00, now());
COMMIT;
