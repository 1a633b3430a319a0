// The reporting service's environment: the common variables, the database it writes (and the one it migrates as the
// schema owner), the role passwords the migrations set, and where it reads (a topic prefix and a group id, so a test
// or a parallel environment never shares them).
import { commonSpec, int, loadConfig, optional, str, url, type Config } from '../../../shared/config.ts';
import { DEFAULT_DATABASE_URL } from '../../../shared/pg/pool.ts';

export const SERVICE = 'reporting';

const postgresUrl = { protocols: ['postgres', 'postgresql'] } as const;

export const reportingSpec = {
  ...commonSpec(SERVICE, { httpPort: 9466 }),
  DATABASE_URL: url({ ...postgresUrl, default: DEFAULT_DATABASE_URL }),
  /** The schema owner, for the migrations; unset: DATABASE_URL migrates too. */
  MIGRATION_DATABASE_URL: optional(url(postgresUrl)),
  /** Passwords the roles migration gives o2c_writer and grafana_reader; unset: the development default. */
  O2C_WRITER_PASSWORD: optional(str()),
  GRAFANA_READER_PASSWORD: optional(str()),
  /** Records per transaction at most: big chunks make few multi-row statements. */
  REPORTING_BATCH_RECORDS: int({ default: 5000, min: 1, max: 100_000 }),
  /** Topic-partitions written at once, each on its own connection. */
  REPORTING_CONCURRENCY: int({ default: 2, min: 1, max: 64 }),
};

export type ReportingConfig = Config<typeof reportingSpec>;

export const loadReportingConfig = (env: Record<string, string | undefined> = process.env): ReportingConfig =>
  loadConfig(reportingSpec, env);

/** The custom settings the roles migration reads (o2c.<role>_password), for those given. */
export function migrationSettings(config: ReportingConfig): Record<string, string> {
  return {
    ...(config.O2C_WRITER_PASSWORD === undefined ? {} : { 'o2c.o2c_writer_password': config.O2C_WRITER_PASSWORD }),
    ...(config.GRAFANA_READER_PASSWORD === undefined ? {} : { 'o2c.grafana_reader_password': config.GRAFANA_READER_PASSWORD }),
  };
}
