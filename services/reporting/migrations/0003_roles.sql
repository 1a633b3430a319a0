-- Roles: o2c_writer for the sink (reads and writes reporting, no DDL) and grafana_reader (SELECT on reporting only,
-- read-only sessions). Both log in with a password: the value of the setting o2c.<role>_password when the migrator is
-- given one (docker-compose does), else the development default equal to the role name. Roles are cluster-wide while
-- migrations run per database, so they are created only when missing, tolerating a concurrent creator.
DO $$
DECLARE
  r text;
  pw text;
BEGIN
  FOREACH r IN ARRAY ARRAY['o2c_writer', 'grafana_reader'] LOOP
    pw := nullif(current_setting('o2c.' || r || '_password', true), '');
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', r, coalesce(pw, r));
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
      END;
    ELSIF pw IS NOT NULL THEN
      EXECUTE format('ALTER ROLE %I PASSWORD %L', r, pw);
    END IF;
  END LOOP;
END
$$;

-- Dashboards must never write, hold locks for long or see anything but reporting.
ALTER ROLE grafana_reader SET default_transaction_read_only = on;
ALTER ROLE grafana_reader SET statement_timeout = '30s';

GRANT USAGE ON SCHEMA reporting TO o2c_writer, grafana_reader;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA reporting TO o2c_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA reporting TO grafana_reader;
-- Tables of later migrations (created by the same migrating role) get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA reporting GRANT SELECT, INSERT, UPDATE ON TABLES TO o2c_writer;
ALTER DEFAULT PRIVILEGES IN SCHEMA reporting GRANT SELECT ON TABLES TO grafana_reader;
