-- The console's own tables (schema console) and its role o2c_console: reads the reporting schema through the
-- read-only grafana_reader (so tables of later reporting migrations are readable too), writes only its own tables.
-- The reporting migrations must have run first: they create the schema, grafana_reader and the password rule.
DO $$
BEGIN
  IF to_regnamespace('reporting') IS NULL OR NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'grafana_reader') THEN
    RAISE EXCEPTION 'the console reads the reporting schema: run the reporting migrations first (start services/reporting)';
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'o2c_console') THEN
    BEGIN
      CREATE ROLE o2c_console LOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- roles are cluster-wide: another database's migration created it meanwhile
    END;
  END IF;
END
$$;
SELECT o2c_meta.apply_role_passwords(ARRAY['o2c_console']);
GRANT grafana_reader TO o2c_console;
ALTER ROLE o2c_console SET statement_timeout = '30s';

CREATE SCHEMA console;

-- Roles as services/exposure's authority matrix names them (ActorRole).
CREATE TABLE console.users (
  username      text PRIMARY KEY CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
  role          text NOT NULL CHECK (role IN ('VIEWER', 'CREDIT_CONTROLLER', 'CREDIT_MANAGER', 'ADMIN')),
  password_hash text NOT NULL, -- scrypt$N$r$p$salt$hash (base64url)
  disabled      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now(),
  created_by    text NOT NULL
);

-- A session is found by the sha256 of its cookie, so a leaked table does not sign anybody in.
CREATE TABLE console.sessions (
  token_hash   text PRIMARY KEY,
  username     text NOT NULL REFERENCES console.users ON DELETE CASCADE,
  csrf_token   text NOT NULL,
  created_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON console.sessions (username);

-- Every credit action the console published, so a page can show it (and its outcome, from reporting.audit_log by
-- causation_id) before and after the sink has it.
CREATE TABLE console.credit_actions (
  event_id    uuid PRIMARY KEY,
  order_id    text NOT NULL,
  customer_id text NOT NULL,
  action      text NOT NULL CHECK (action IN ('RELEASE', 'REJECT')),
  actor       text NOT NULL,
  actor_role  text NOT NULL,
  reason      text NOT NULL,
  taken_at    timestamptz NOT NULL
);
CREATE INDEX credit_actions_order_idx ON console.credit_actions (order_id, taken_at);
CREATE INDEX credit_actions_time_idx ON console.credit_actions (taken_at);

-- Limit changes under four eyes: requested by one user, approved or rejected by another (the CHECK is the last line
-- of defence; the console refuses it before). Only an approval publishes a profile (profile_event_id).
CREATE TABLE console.limit_requests (
  request_id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id           text NOT NULL,
  currency              text NOT NULL,
  credit_limit_minor    bigint NOT NULL CHECK (credit_limit_minor >= 0),
  temp_limit_minor      bigint CHECK (temp_limit_minor > 0),
  temp_limit_expires_at timestamptz,
  reason                text NOT NULL CHECK (reason <> ''),
  source                text NOT NULL CHECK (source IN ('CONSOLE', 'SCORING')),
  requested_by          text NOT NULL,
  requested_role        text NOT NULL,
  requested_at          timestamptz NOT NULL,
  status                text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED')),
  decided_by            text,
  decided_role          text,
  decided_at            timestamptz,
  decision_reason       text,
  profile_event_id      uuid,
  CHECK ((temp_limit_minor IS NULL) = (temp_limit_expires_at IS NULL)),
  CHECK (decided_by IS NULL OR decided_by <> requested_by)
);
CREATE INDEX limit_requests_pending_idx ON console.limit_requests (requested_at) WHERE status = 'PENDING';
CREATE INDEX limit_requests_customer_idx ON console.limit_requests (customer_id, requested_at);

GRANT USAGE ON SCHEMA console TO o2c_console;
GRANT SELECT, INSERT, UPDATE ON console.users TO o2c_console;
GRANT SELECT, INSERT, UPDATE, DELETE ON console.sessions TO o2c_console;
GRANT SELECT, INSERT ON console.credit_actions TO o2c_console;
GRANT SELECT, INSERT, UPDATE ON console.limit_requests TO o2c_console;
