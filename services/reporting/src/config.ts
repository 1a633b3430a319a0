// The reporting service's environment: the common variables, the database it writes as o2c_writer (and the one it
// migrates as the schema owner), TLS to Postgres, the role passwords the migrations set, and where it reads (a topic
// prefix and a group id, so a test or a parallel environment never shares them).
import { bool, checked, commonSpec, file, int, loadConfig, optional, secret, str, url, type Config } from '../../../shared/config.ts';
import { DEFAULT_DATABASE_URL, DEFAULT_WRITER_DATABASE_URL } from '../../../shared/pg/pool.ts';

export const SERVICE = 'reporting';

const postgresUrl = { protocols: ['postgres', 'postgresql'] } as const;
const SSLMODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];

/** A Postgres URL whose sslmode, if any, is one libpq knows. */
const databaseUrl = (name: string, defaultUrl: string) =>
  checked(secret(url({ ...postgresUrl, default: defaultUrl })), (value) => {
    const sslmode = new URL(value).searchParams.get('sslmode');
    return sslmode === null || SSLMODES.includes(sslmode) ? [] : [`${name}: sslmode=${sslmode} is not one of ${SSLMODES.join(', ')}`];
  });

export const reportingSpec = {
  ...commonSpec(SERVICE, { httpPort: 9466 }),
  /** The sink's connection: o2c_writer (start-up refuses a superuser). */
  DATABASE_URL: databaseUrl('DATABASE_URL', DEFAULT_WRITER_DATABASE_URL),
  /** The schema owner, for the migrations only (its connection is closed before the sink starts). */
  MIGRATION_DATABASE_URL: databaseUrl('MIGRATION_DATABASE_URL', DEFAULT_DATABASE_URL),
  /** The CA of a server reached with sslmode=verify-full (or verify-ca) whose URL names no sslrootcert, as libpq. */
  PGSSLROOTCERT: optional(file()),
  /** Passwords the role migrations give o2c_writer and grafana_reader; unset: none (see O2C_DEV_ROLE_PASSWORDS). */
  O2C_WRITER_PASSWORD: optional(str()),
  GRAFANA_READER_PASSWORD: optional(str()),
  /** Development only (the local stack, tests, the demo): a role given no password gets its name as password. */
  O2C_DEV_ROLE_PASSWORDS: bool({ default: false }),
  /** Records per transaction at most: big chunks make few multi-row statements. */
  REPORTING_BATCH_RECORDS: int({ default: 5000, min: 1, max: 100_000 }),
  /** Topic-partitions written at once, each on its own connection. */
  REPORTING_CONCURRENCY: int({ default: 2, min: 1, max: 64 }),
};

export type ReportingConfig = Config<typeof reportingSpec>;

export const loadReportingConfig = (env: Record<string, string | undefined> = process.env): ReportingConfig =>
  loadConfig(reportingSpec, env);

/** The custom settings the role migrations read (o2c.<role>_password, o2c.dev_role_passwords), for those given. */
export function migrationSettings(config: ReportingConfig): Record<string, string> {
  return {
    ...(config.O2C_WRITER_PASSWORD === undefined ? {} : { 'o2c.o2c_writer_password': config.O2C_WRITER_PASSWORD }),
    ...(config.GRAFANA_READER_PASSWORD === undefined ? {} : { 'o2c.grafana_reader_password': config.GRAFANA_READER_PASSWORD }),
    ...(config.O2C_DEV_ROLE_PASSWORDS ? { 'o2c.dev_role_passwords': 'on' } : {}),
  };
}
