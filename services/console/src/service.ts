// services/console: the credit team's web console. Reads reporting (as o2c_console, read-only there), keeps its own
// users, sessions, sent actions and limit requests in schema console, reads the latest profiles from
// o2c.customers.v1, and writes only credit actions (o2c.credit-actions.v1) and approved profiles with their history
// (o2c.customers.v1, o2c.customer-changes.v1).
//
// Start: migrate as the owner (MIGRATION_DATABASE_URL; the reporting migrations must have run), connect as
// o2c_console, create the first admin from CONSOLE_ADMIN_PASSWORD when there is no user, prepare the contracts,
// read the profiles, serve HTTP. Stop: close the HTTP server (in-flight requests finish), the consumer, the producer.
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Admin } from 'kafkajs';
import { topicRegistry } from '../../../shared/contracts/topics.ts';
import { prepareContracts } from '../../../shared/kafka/admin.ts';
import { createKafka } from '../../../shared/kafka/client.ts';
import type { Service } from '../../../shared/lifecycle.ts';
import type { Logger } from '../../../shared/logger.ts';
import { createRegistry } from '../../../shared/metrics.ts';
import { migrate } from '../../../shared/pg/migrate.ts';
import { createPool, reachDatabase, withRootCert, type Pool } from '../../../shared/pg/pool.ts';
import { ConsoleStore } from './adapters/console-store.ts';
import { KafkaPublisher } from './adapters/kafka-publisher.ts';
import { ProfileCache } from './adapters/profile-cache.ts';
import { migrationSettings, SERVICE, type ConsoleConfig, type ConsoleDatabaseConfig } from './config.ts';
import { buildApp } from './web/app.ts';
import { hashPassword, passwordProblem } from './web/passwords.ts';
import { ConfigError } from '../../../shared/config.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

export interface ConsoleServiceOptions {
  config: ConsoleConfig;
  logger: Logger;
  onFatal: (error: Error) => void;
}

export async function migrateConsole(config: ConsoleDatabaseConfig, logger: Logger): Promise<void> {
  const owner = createPool(withRootCert(config.MIGRATION_DATABASE_URL, config.PGSSLROOTCERT), { applicationName: `o2c-${SERVICE}-migrate`, max: 1 });
  try {
    await reachDatabase(owner, { variable: 'MIGRATION_DATABASE_URL', url: config.MIGRATION_DATABASE_URL, timeoutMs: config.STARTUP_TIMEOUT_MS, logger });
    const { applied } = await migrate(owner, { component: SERVICE, dir: MIGRATIONS_DIR, settings: migrationSettings(config) });
    logger.info({ applied: applied.map((m) => m.file) }, 'migrations up to date');
  } finally {
    await owner.end();
  }
}

export class ConsoleService implements Service {
  private pool: Pool | undefined;
  private admin: Admin | undefined;
  private profiles: ProfileCache | undefined;
  private publisher: KafkaPublisher | undefined;
  private app: FastifyInstance | undefined;
  private port = 0;

  constructor(private readonly o: ConsoleServiceOptions) {}

  get httpPort(): number {
    if (!this.app) throw new Error(`the ${SERVICE} service is not started`);
    return this.port;
  }

  async start(): Promise<void> {
    const { config, logger } = this.o;
    const log = logger.child({ component: SERVICE });
    if (config.CONSOLE_ADMIN_PASSWORD !== undefined && passwordProblem(config.CONSOLE_ADMIN_PASSWORD)) {
      throw new ConfigError([`CONSOLE_ADMIN_PASSWORD: ${passwordProblem(config.CONSOLE_ADMIN_PASSWORD)}`]);
    }
    await migrateConsole(config, log);

    const pool = (this.pool = createPool(withRootCert(config.DATABASE_URL, config.PGSSLROOTCERT), {
      applicationName: `o2c-${SERVICE}`, max: 8, connectionTimeoutMillis: 10_000, queryTimeoutMillis: 60_000,
    }));
    await reachDatabase(pool, { variable: 'DATABASE_URL', url: config.DATABASE_URL, timeoutMs: config.STARTUP_TIMEOUT_MS, logger: log });
    const store = new ConsoleStore(pool);
    if (config.CONSOLE_ADMIN_PASSWORD !== undefined && (await store.userCount()) === 0) {
      await store.createUser({ username: config.CONSOLE_ADMIN_USER, role: 'ADMIN', passwordHash: await hashPassword(config.CONSOLE_ADMIN_PASSWORD), createdBy: 'CONSOLE_ADMIN_PASSWORD' });
      log.info({ username: config.CONSOLE_ADMIN_USER }, 'first admin created');
    }

    const topics = topicRegistry(config.O2C_TOPIC_PREFIX);
    const kafka = createKafka(config, logger);
    const { serde } = await prepareContracts({ kafka, registry: config, topics, partitions: config.KAFKA_PARTITIONS, startup: config, logger });
    const admin = (this.admin = kafka.admin());
    await admin.connect();
    this.profiles = new ProfileCache({ kafka, admin, serde, spec: topics.CUSTOMERS, groupId: config.KAFKA_GROUP_ID, logger: log });
    await this.profiles.start();
    this.publisher = await KafkaPublisher.open(kafka, serde, topics);

    const registry = createRegistry(SERVICE);
    const app = (this.app = await buildApp({
      pool, publisher: this.publisher, profiles: this.profiles, registry, logger: log,
      sessions: { idleMs: config.CONSOLE_SESSION_IDLE_MINUTES * 60_000, maxMs: config.CONSOLE_SESSION_MAX_HOURS * 3_600_000 },
      signIn: { maxFailures: config.CONSOLE_SIGNIN_MAX_FAILURES, windowMs: config.CONSOLE_SIGNIN_WINDOW_MINUTES * 60_000 },
      secureCookies: config.CONSOLE_COOKIE_SECURE, pageSize: config.CONSOLE_PAGE_SIZE,
      ready: () => this.profiles?.ready === true,
    }));
    await app.listen({ host: config.HTTP_HOST, port: config.HTTP_PORT });
    const address = app.server.address();
    this.port = typeof address === 'object' && address ? address.port : config.HTTP_PORT;
    log.info({ host: config.HTTP_HOST, port: this.port }, 'console listening');
  }

  async stop(): Promise<void> {
    await this.app?.close();
    await this.profiles?.stop();
    await this.publisher?.close();
    await this.admin?.disconnect();
    await this.pool?.end();
  }
}
