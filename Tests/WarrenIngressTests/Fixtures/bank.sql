-- The `bank` fixture's database side, as its worker would leave it: view tables and inbox in
-- schema `accounts`, readable by `warren_reader` (the role the ingress logs in as).
-- Used by Tests/WarrenIngressTests (IngressHarness) and scripts/check-openapi.
DO $$ BEGIN CREATE ROLE warren_reader LOGIN PASSWORD 'warren_reader';
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
CREATE SCHEMA accounts;
CREATE TABLE accounts.accounts (id bigint PRIMARY KEY, owner text NOT NULL, balance numeric NOT NULL,
    currency text NOT NULL, opened_at timestamptz NOT NULL, nickname text);
CREATE TABLE accounts.statements (id bigint PRIMARY KEY, account_id bigint NOT NULL, amount numeric NOT NULL);
CREATE TABLE accounts.warren_inbox (message_id text PRIMARY KEY, type text NOT NULL, queue text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(), reply text, reply_type text);
GRANT USAGE ON SCHEMA accounts TO warren_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA accounts TO warren_reader;
