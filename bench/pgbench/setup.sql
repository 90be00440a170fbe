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
-- What a recharge's success settlement reads and writes beside its order (two-commits.sql): the points programme, the
-- levels, each reseller's reward account, and the webhook endpoints it tests for (none here, as in the suite).
CREATE TABLE bench.reward_settings (LIKE public.reward_settings INCLUDING ALL);
CREATE TABLE bench.reward_levels (LIKE public.reward_levels INCLUDING ALL);
CREATE TABLE bench.reseller_reward_accounts (LIKE public.reseller_reward_accounts INCLUDING ALL);
CREATE TABLE bench.webhook_endpoints (LIKE public.webhook_endpoints INCLUDING ALL);
INSERT INTO bench.reward_settings SELECT * FROM public.reward_settings;
INSERT INTO bench.reward_levels SELECT * FROM public.reward_levels;
INSERT INTO bench.ledger_accounts (id, balance, code, created_at, kind, reseller_id)
SELECT g, 1000000000.00, 'bench-wallet-' || g, now(), 'ResellerWallet', g FROM generate_series(1, 1000) g;
INSERT INTO bench.ledger_accounts (id, balance, code, created_at, kind)
VALUES (1001, 0, 'bench-upstream', now(), 'UpstreamPayable'), (1002, 0, 'bench-fee', now(), 'FeeIncome'),
       (1003, 0, 'bench-commission', now(), 'CommissionExpense');
VACUUM ANALYZE bench.ledger_accounts, bench.reward_settings, bench.reward_levels;

-- bench_fk: the same tables with the gateway's own foreign keys, every one these tables have in public, so the
-- ceiling measured there pays for the referential checks the gateway's transaction pays: each inserted row that names a
-- parent locks that parent row FOR KEY SHARE, and the house accounts, the one operator and the one bill service are
-- parents of every transaction. The parents outside them are stand-ins holding only their key (a check looks the
-- key up in its primary key index and locks the row, whatever else the row holds).
DROP SCHEMA IF EXISTS bench_fk CASCADE;
CREATE SCHEMA bench_fk;
-- The tables as in schema bench: the same copies of public's, the same accounts and the same reward programme.
DO $copy$
DECLARE
    copied text;
BEGIN
    FOREACH copied IN ARRAY ARRAY['ledger_accounts', 'ledger_journals', 'ledger_entries', 'bill_orders', 'recharge_orders',
            'reward_settings', 'reward_levels', 'reseller_reward_accounts', 'webhook_endpoints'] LOOP
        EXECUTE format('CREATE TABLE bench_fk.%I (LIKE public.%I INCLUDING ALL)', copied, copied);
    END LOOP;
END
$copy$;
INSERT INTO bench_fk.ledger_accounts SELECT * FROM bench.ledger_accounts;
INSERT INTO bench_fk.reward_settings SELECT * FROM bench.reward_settings;
INSERT INTO bench_fk.reward_levels SELECT * FROM bench.reward_levels;
CREATE TABLE bench_fk.resellers (id integer PRIMARY KEY);
INSERT INTO bench_fk.resellers SELECT g FROM generate_series(1, 1000) g;
CREATE TABLE bench_fk.mobile_operators (code character varying(16) PRIMARY KEY);
INSERT INTO bench_fk.mobile_operators VALUES ('GP');
CREATE TABLE bench_fk.bill_services (id integer PRIMARY KEY);
INSERT INTO bench_fk.bill_services VALUES (1);
DO $mirror$
DECLARE
    fk record;
BEGIN
    -- pg_get_constraintdef names the parent without its schema while public is on the search_path.
    SET LOCAL search_path = public;
    FOR fk IN
        SELECT c.conrelid::regclass::text AS child, c.conname AS name, pg_get_constraintdef(c.oid) AS definition
          FROM pg_constraint c
         WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
           AND c.conrelid::regclass::text IN ('ledger_accounts', 'ledger_journals', 'ledger_entries', 'bill_orders', 'recharge_orders',
                'reward_settings', 'reward_levels', 'reseller_reward_accounts', 'webhook_endpoints')
    LOOP
        -- A parent with no table in bench_fk stops the set-up here: give it a stand-in above.
        EXECUTE format('ALTER TABLE bench_fk.%I ADD CONSTRAINT %I %s', fk.child, fk.name,
            regexp_replace(fk.definition, 'REFERENCES ', 'REFERENCES bench_fk.'));
    END LOOP;
END
$mirror$;
VACUUM ANALYZE bench_fk.ledger_accounts, bench_fk.reward_settings, bench_fk.reward_levels, bench_fk.resellers, bench_fk.mobile_operators, bench_fk.bill_services;
