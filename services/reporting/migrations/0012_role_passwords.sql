-- No role password by default (issue 13). 0003 gave o2c_writer and grafana_reader their own names as passwords when
-- the migrator was given none. From here a role's password is:
--   given      o2c.<role>_password (O2C_WRITER_PASSWORD, GRAFANA_READER_PASSWORD): set, as 0003 did;
--   dev        o2c.dev_role_passwords = on (O2C_DEV_ROLE_PASSWORDS=1: the local stack, the tests, the demo): the
--              development default, the role's name, where the role has no password;
--   otherwise  none (PASSWORD NULL): nobody logs in as the role with a password until one is given; peer, cert or
--              trust authentication still work where pg_hba.conf allows them.
-- A role's password is only changed when it has to be (read from pg_authid, when the migrating role may), so the
-- migrations of many databases on one server do not all rewrite the same cluster-wide roles. The rule is a function
-- so that a test can run it on roles of its own.
CREATE FUNCTION o2c_meta.apply_role_passwords(roles text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  r text;
  pw text;
  has_password boolean;
  dev boolean := coalesce(current_setting('o2c.dev_role_passwords', true), '') = 'on';
BEGIN
  FOREACH r IN ARRAY roles LOOP
    pw := nullif(current_setting('o2c.' || r || '_password', true), '');
    BEGIN
      SELECT rolpassword IS NOT NULL INTO has_password FROM pg_authid WHERE rolname = r;
    EXCEPTION WHEN insufficient_privilege THEN
      has_password := NULL; -- not a superuser: unknown, so the rule sets it either way
    END;
    IF pw IS NOT NULL THEN
      EXECUTE format('ALTER ROLE %I PASSWORD %L', r, pw);
    ELSIF dev THEN
      IF has_password IS NOT TRUE THEN
        EXECUTE format('ALTER ROLE %I PASSWORD %L', r, r);
      END IF;
    ELSIF has_password IS NOT FALSE THEN
      EXECUTE format('ALTER ROLE %I PASSWORD NULL', r);
    END IF;
  END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION o2c_meta.apply_role_passwords(text[]) FROM PUBLIC;

SELECT o2c_meta.apply_role_passwords(ARRAY['o2c_writer', 'grafana_reader']);
