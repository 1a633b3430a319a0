-- Session defaults for every connection to this database, Grafana's included.
-- UTC: dates, day buckets and date-to-timestamp casts mean UTC days, as the events do.
-- No JIT: the KPI functions are estimated far above jit_above_cost though they run in milliseconds, and compiling
-- them would cost more than a second per dashboard query.
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET timezone TO %L', current_database(), 'UTC');
  EXECUTE format('ALTER DATABASE %I SET jit TO off', current_database());
END
$$;
