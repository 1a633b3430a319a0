// services/reporting: every input and derived topic lands in the reporting schema of Postgres, each batch and its
// offsets in one transaction, for Grafana and the KPI views.
//
// Start: migrate as the schema owner (MIGRATION_DATABASE_URL), then write as o2c_writer (DATABASE_URL, never a
// superuser), prepare topics and schemas, move the group's Kafka offsets back to Postgres'
// where they are ahead (an empty or restored database), then run the shared runner with the sink as its handler.
// Postgres down or slow: the sink's TransientError pauses the partition and the runner retries it with backoff; the
// pool drops broken connections and opens new ones once the server answers again.
import { fileURLToPath } from 'node:url';
import type { Admin } from 'kafkajs';
import { ConfigError, maskSecrets } from '../../../shared/config.ts';
import { topicRegistry, type TopicRegistry } from '../../../shared/contracts/topics.ts';
import { startHealthServer, type HealthServer } from '../../../shared/health.ts';
import { logStartOffsets, prepareContracts, retryKafkaStartup } from '../../../shared/kafka/admin.ts';
import { createKafka } from '../../../shared/kafka/client.ts';
import { createDlqPublisher } from '../../../shared/kafka/dlq.ts';
import { fetchOptions, specDecoder, startRunner, type Runner } from '../../../shared/kafka/runner.ts';
import type { Service } from '../../../shared/lifecycle.ts';
import type { Logger } from '../../../shared/logger.ts';
import { createRegistry, createRunnerMetrics, initialiseRunnerCounters } from '../../../shared/metrics.ts';
import { migrate } from '../../../shared/pg/migrate.ts';
import { createPool, reachDatabase, withRootCert, type Pool } from '../../../shared/pg/pool.ts';
import { migrationSettings, SERVICE, type ReportingConfig } from './config.ts';
import { alignGroupWithStore } from './adapters/group-offsets.ts';
import { createSinkMetrics } from './adapters/metrics.ts';
import { readOffsets } from './adapters/pg-writer.ts';
import { keepUndecodable, type SinkInput } from './adapters/dead-letters.ts';
import { createSink } from './adapters/sink.ts';

/**
 * Refuses to run the sink as a superuser or as the owner of the audit log (the schema owner): either could rewrite
 * the append-only log the writer role may only insert into.
 */
async function refusePrivilegedRole(pool: Pool, databaseUrl: string): Promise<void> {
  const { rows } = await pool.query<{ user: string; super: boolean; owner: boolean }>(
    // From the catalogs by name: a role without USAGE on the schema may still own a table in it.
    `SELECT current_user AS user, r.rolsuper AS super,
            coalesce((SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c
                        JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'reporting' AND c.relname = 'audit_log'), false) AS owner
       FROM pg_roles r WHERE r.rolname = current_user`,
  );
  const role = rows[0];
  if (role?.super || role?.owner) {
    throw new ConfigError([
      `DATABASE_URL=${JSON.stringify(maskSecrets(databaseUrl))} connects as ${role.super ? 'the superuser' : 'the owner of reporting.audit_log'} ` +
        `${role.user}: the sink runs as o2c_writer (the owner that migrates goes in MIGRATION_DATABASE_URL)`,
    ]);
  }
}

/** The topics the sink consumes: every Avro topic. */
export const reportingInputs = (topics: TopicRegistry) =>
  [
    topics.CUSTOMERS,
    topics.CUSTOMER_CHANGES,
    topics.ORDERS,
    topics.INVOICES,
    topics.PAYMENTS,
    topics.CREDIT_ACTIONS,
    topics.CREDIT_HOLDS,
    topics.DELINQUENCY,
    topics.EXPOSURE,
    topics.GROUP_EXPOSURE,
    topics.CREDIT_SCORES,
    topics.CREDIT_REVIEWS,
    topics.COLLECTIONS,
    topics.PROMISE_OUTCOMES,
    topics.NOTIFICATIONS,
  ] as const;

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

// Fail a connection attempt or a stalled statement instead of hanging the partition: the runner retries it.
const CONNECT_TIMEOUT_MS = 10_000;
const QUERY_TIMEOUT_MS = 120_000;

export interface ReportingServiceOptions {
  config: ReportingConfig;
  logger: Logger;
  /** A failure the service cannot recover from after start (the consumer crashed for good). */
  onFatal: (error: Error) => void;
}

export class ReportingService implements Service {
  private pool: Pool | undefined;
  private admin: Admin | undefined;
  private runner: Runner | undefined;
  private health: HealthServer | undefined;

  constructor(private readonly o: ReportingServiceOptions) {}

  /** The bound /metrics and /healthz port once started (the real one when HTTP_PORT is 0), as the stateful services'. */
  get httpPort(): number {
    if (!this.health) throw new Error(`the ${SERVICE} service is not started`);
    return this.health.port;
  }

  async start(): Promise<void> {
    const { config, logger, onFatal } = this.o;
    const log = logger.child({ component: SERVICE });

    // Its own connections: the database settings a migration makes reach only sessions opened after it.
    const migrationUrl = withRootCert(config.MIGRATION_DATABASE_URL, config.PGSSLROOTCERT);
    const owner = createPool(migrationUrl, { applicationName: `o2c-${SERVICE}-migrate`, max: 1 });
    try {
      await reachDatabase(owner, {
        variable: 'MIGRATION_DATABASE_URL', url: config.MIGRATION_DATABASE_URL, timeoutMs: config.STARTUP_TIMEOUT_MS, logger: log,
      });
      const { applied } = await migrate(owner, { component: SERVICE, dir: MIGRATIONS_DIR, settings: migrationSettings(config) });
      log.info({ applied: applied.map((m) => m.file) }, 'migrations up to date');
    } finally {
      await owner.end();
    }

    const pool = (this.pool = createPool(withRootCert(config.DATABASE_URL, config.PGSSLROOTCERT), {
      applicationName: `o2c-${SERVICE}`,
      max: config.REPORTING_CONCURRENCY,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      queryTimeoutMillis: QUERY_TIMEOUT_MS,
    }));
    // An idle connection whose server went away emits 'error'; the pool drops it, and unhandled it would kill us.
    pool.on('error', (error) => log.warn({ err: error }, 'idle Postgres connection failed; the pool replaces it'));
    await reachDatabase(pool, { variable: 'DATABASE_URL', url: config.DATABASE_URL, timeoutMs: config.STARTUP_TIMEOUT_MS, logger: log });
    await refusePrivilegedRole(pool, config.DATABASE_URL);

    const topics = topicRegistry(config.O2C_TOPIC_PREFIX);
    const kafka = createKafka(config, logger);
    const { serde } = await prepareContracts({
      kafka, registry: config, topics, partitions: config.KAFKA_PARTITIONS, startup: config, logger,
    });
    const inputs = reportingInputs(topics);
    const names = inputs.map((t) => t.name);

    const admin = (this.admin = kafka.admin());
    await admin.connect();
    const groupId = config.KAFKA_GROUP_ID;
    const stored = await readOffsets(pool, groupId);
    await retryKafkaStartup('aligning the group offsets with the store', () =>
      alignGroupWithStore({ kafka, admin, groupId, topics: names, stored, logger: log }),
      { logger: log, withinMs: config.STARTUP_TIMEOUT_MS, brokers: config.KAFKA_BROKERS });

    const registry = createRegistry(SERVICE);
    const runnerMetrics = createRunnerMetrics(registry, SERVICE);
    initialiseRunnerCounters(runnerMetrics, names);
    // The runner starts and stops it; the sink sends undecodable records through it inside its transactions.
    const dlq = createDlqPublisher({ kafka, service: SERVICE, topic: topics.DLQ.name });
    this.runner = await startRunner<SinkInput>({
      kafka,
      groupId,
      topics: names,
      decode: keepUndecodable(specDecoder(serde, inputs)),
      handleBatch: createSink({
        pool,
        group: groupId,
        logStartOffset: logStartOffsets(admin),
        metrics: createSinkMetrics(registry, SERVICE, names),
        dlq,
        dlqRecords: runnerMetrics.dlqRecords,
        logger,
      }),
      dlq,
      metrics: runnerMetrics,
      logger,
      maxRecordsPerCall: config.REPORTING_BATCH_RECORDS,
      partitionsConsumedConcurrently: config.REPORTING_CONCURRENCY,
      fetch: fetchOptions(config),
      onFatal,
    });
    this.health = await startHealthServer({ host: config.HTTP_HOST, port: config.HTTP_PORT, registry, checks: [this.runner.health] });
  }

  async stop(): Promise<void> {
    await this.runner?.stop();
    await this.admin?.disconnect();
    await this.health?.close();
    await this.pool?.end();
  }
}
