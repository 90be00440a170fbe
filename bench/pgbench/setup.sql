-- The pgbench ceiling's tables: copies of the gateway's own (columns, defaults, identity, CHECK constraints and
-- indexes; no foreign keys) in a schema of their own, so the ceiling pays for the same index maintenance and
-- constraint checks as the gateway's transaction, and nothing it writes is seen by the gateway.
-- Run against a migrated PaymentHub database. 1,000 wallets plus four house accounts (ids 1..4 are wallets' peers).
DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;
CREATE TABLE bench.ledger_accounts (LIKE public.ledger_accounts INCLUDING ALL);
CREATE TABLE bench.ledger_journals (LIKE public.ledger_journals INCLUDING ALL);
CREATE TABLE bench.ledger_entries (LIKE public.ledger_entries INCLUDING ALL);
CREATE TABLE bench.bill_orders (LIKE public.bill_orders INCLUDING ALL);
CREATE TABLE bench.recharge_orders (LIKE public.recharge_orders INCLUDING ALL);
INSERT INTO bench.ledger_accounts (id, balance, code, created_at, kind, reseller_id)
SELECT g, 1000000000.00, 'bench-wallet-' || g, now(), 'ResellerWallet', g FROM generate_series(1, 1000) g;
INSERT INTO bench.ledger_accounts (id, balance, code, created_at, kind)
VALUES (1001, 0, 'bench-upstream', now(), 'UpstreamPayable'), (1002, 0, 'bench-fee', now(), 'FeeIncome'),
       (1003, 0, 'bench-commission', now(), 'CommissionExpense');
VACUUM ANALYZE bench.ledger_accounts;
