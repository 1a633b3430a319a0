// The services on the local stack's secure broker and Redis, each as its own principal and Redis user
// (stack/secure/principals.ts, shared/redis/acl.ts): with nothing but their ACLs they start (contracts checked,
// group joined, /healthz healthy) over SASL_SSL and rediss with the stack's CA and the passwords from their files,
// and handle a customer's events end to end into their Redis state (the reporting sink: into Postgres as
// o2c_writer; notifications also through its SMTP delivery, its own group and its delivery log). Nothing they log
// or serve shows a password.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostPorts, int, kafkaSecuritySpec, loadConfig, redisSpec, str } from '../shared/config.ts';
import { topicRegistry, type AnyEvent, type TopicSpec } from '../shared/contracts/topics.ts';
import type { EventSerde } from '../shared/contracts/serde.ts';
import { prepareContracts } from '../shared/kafka/admin.ts';
import { createIdempotentProducer, createKafka } from '../shared/kafka/client.ts';
import { createLogger } from '../shared/logger.ts';
import type { Service } from '../shared/lifecycle.ts';
import { connectRedis } from '../shared/redis/connect.ts';
import { partitionKeys } from '../shared/redis/keys.ts';
import { loadDelinquencyConfig } from '../services/delinquency/src/config.ts';
import { DelinquencyService } from '../services/delinquency/src/service.ts';
import { loadExposureConfig } from '../services/exposure/src/config.ts';
import { ExposureService } from '../services/exposure/src/service.ts';
import { loadReportingConfig } from '../services/reporting/src/config.ts';
import { ReportingService } from '../services/reporting/src/service.ts';
import { reportingDatabaseEnv } from '../services/reporting/test/support.ts';
import { createPool } from '../shared/pg/pool.ts';
import { createTempDatabase } from '../shared/pg/testing.ts';
import { loadNotificationsConfig } from '../services/notifications/src/config.ts';
import { NotificationsService } from '../services/notifications/src/service.ts';
import { startSmtpServer } from '../services/notifications/test/smtp-server.ts';
import { loadScoringConfig } from '../services/scoring/src/config.ts';
import { ScoringService } from '../services/scoring/src/service.ts';
import { exampleEvent } from '../shared/contracts/test/examples.ts';
import { uniqueId, waitUntil } from './kafka.ts';
import { spawnService } from './service-spawn.ts';
import { ensureSecureStack, type SecureStack } from './stack.ts';

const PARTITIONS = 12;
let secure: SecureStack;
let admin: Redis;
let serde: EventSerde;
const topics = topicRegistry('');
// The services' Redis users may use `o2c.<namespace>` (stack/secure/setup.ts): keys of this run only.
const redisPrefix = `o2c.${uniqueId('secure')}`;

/** Every line the services logged, and every /healthz and /metrics body they served. */
const output: string[] = [];
const destination = new Writable({
  write(chunk: Buffer, _enc, done) {
    output.push(chunk.toString());
    done();
  },
});
const logger = createLogger('secure-services', { level: 'debug', destination });

const adminSpec = { KAFKA_BROKERS: hostPorts(), KAFKA_CLIENT_ID: str({ default: 'secure-services-test' }), ...kafkaSecuritySpec, ...redisSpec, STARTUP_TIMEOUT_MS: int({ default: 30_000 }) };

beforeAll(async () => {
  secure = await ensureSecureStack();
  const config = loadConfig(adminSpec, secure.env('admin'));
  admin = await connectRedis(config, logger);
  ({ serde } = await prepareContracts({ kafka: createKafka(config, logger), registry: secure.env('admin').SCHEMA_REGISTRY_URL!, topics, partitions: PARTITIONS }));
});

afterAll(async () => {
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${redisPrefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await admin.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await admin?.quit();
  }
  // No password of any principal or Redis user in what the services logged or served.
  const all = output.join('\n');
  expect(all).toContain('"clientId":"secure-services-test"');
  for (const user of ['exposure', 'delinquency', 'scoring', 'notifications', 'reporting']) {
    const secrets = user === 'reporting' ? [secure.password(user)] : [secure.password(user), secure.password(`redis-${user}`)];
    for (const secret of secrets) expect(all).not.toContain(secret);
  }
});

/** A principal's environment, with Redis keys of the test's own and an HTTP port picked by the system. */
const envOf = (principal: string) => ({ ...secure.env(principal), HTTP_PORT: '0', REDIS_KEY_PREFIX: redisPrefix });

async function served(port: number, path: string): Promise<string> {
  const body = await (await fetch(`http://127.0.0.1:${port}${path}`)).text();
  output.push(body);
  return body;
}

/** Produces events as the admin principal, keyed by customer, in order. */
async function produce(records: ReadonlyArray<{ spec: TopicSpec; event: AnyEvent }>): Promise<void> {
  const producer = createIdempotentProducer(createKafka(loadConfig(adminSpec, secure.env('admin')), logger));
  await producer.connect();
  try {
    for (const { spec, event } of records) {
      await producer.send({ topic: spec.name, messages: [{ key: event.customerId, value: await serde.encode(spec, event) }], acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
}

/** A customer of this run: a profile, an order and an invoice, fresh ids, in event-time order (and `more` after). */
async function produceCustomer(more: (customerId: string) => Array<{ spec: TopicSpec; event: AnyEvent }> = () => []): Promise<string> {
  const customerId = `secure-${randomUUID()}`;
  const at = (e: AnyEvent, occurredAt: number): AnyEvent => ({ ...e, eventId: randomUUID(), customerId, occurredAt });
  const t = Date.now();
  await produce([
    { spec: topics.CUSTOMERS, event: at(exampleEvent('CustomerCreditProfile'), t) },
    { spec: topics.ORDERS, event: at(exampleEvent('OrderPlaced'), t + 1) },
    { spec: topics.INVOICES, event: at(exampleEvent('InvoiceIssued'), t + 2) },
    ...more(customerId).map(({ spec, event }, i) => ({ spec, event: at(event, t + 3 + i) })),
  ]);
  return customerId;
}

/** Whether `service` has committed a state for the customer under this run's prefix, on any partition. */
async function hasState(service: string, customerId: string): Promise<boolean> {
  for (let p = 0; p < PARTITIONS; p++) {
    if ((await admin.exists(partitionKeys(service, p, redisPrefix).entity(customerId))) === 1) return true;
  }
  return false;
}

/**
 * Starts the service, waits until it is healthy and has stored the customer's state (by default in Redis), checks
 * its endpoints, stops it.
 */
async function runEndToEnd(
  name: string,
  service: Service & { readonly httpPort: number | undefined },
  stored: (customerId: string) => Promise<boolean> = (customerId) => hasState(name, customerId),
  more?: (customerId: string) => Array<{ spec: TopicSpec; event: AnyEvent }>,
): Promise<void> {
  const customerId = await produceCustomer(more);
  await service.start();
  try {
    // Healthy once the consumer joined its group: reads of every input and the group authorized.
    await waitUntil(async () => JSON.parse(await served(service.httpPort!, '/healthz')).status === 'ok', `${name} healthy`, 60_000);
    // Its commits passed its Redis user's ACL (or the writer role's grants): the customer's state is there.
    await waitUntil(() => stored(customerId), `${name}'s state of ${customerId}`, 90_000).catch((e: Error) => {
      // What the service warned about says why (a refused command, a partition in retry), not the time-out.
      const warnings = output.flatMap((l) => l.split('\n')).filter((l) => /"level":(40|50|60)/.test(l));
      throw new Error(`${e.message}; its last warnings:\n${warnings.slice(-10).join('\n')}`);
    });
    expect(await served(service.httpPort!, '/metrics')).toContain(`service="${name}"`);
  } finally {
    await service.stop();
  }
}

describe('the services on the secure broker and Redis', () => {
  it('exposure runs as the exposure principal and Redis user', async () => {
    const config = loadExposureConfig(envOf('exposure'));
    expect(config).toMatchObject({ KAFKA_SASL_USERNAME: 'exposure', KAFKA_TLS: true, KAFKA_GROUP_ID: 'exposure' });
    expect(config.REDIS_URL).toMatch(/^rediss:\/\/exposure@/);
    await runEndToEnd('exposure', new ExposureService({ config, logger, onFatal: (e) => { throw e; } }));
  });

  it('delinquency runs as the delinquency principal and Redis user', async () => {
    const config = loadDelinquencyConfig(envOf('delinquency'));
    expect(config.REDIS_URL).toMatch(/^rediss:\/\/delinquency@/);
    await runEndToEnd('delinquency', new DelinquencyService({ config, logger, onFatal: (e) => { throw e; } }));
  });

  it('scoring runs as the scoring principal and Redis user', async () => {
    const config = loadScoringConfig(envOf('scoring'));
    expect(config.REDIS_URL).toMatch(/^rediss:\/\/scoring@/);
    await runEndToEnd('scoring', new ScoringService({ config, logger, onFatal: (e) => { throw e; } }));
  });

  it('notifications runs as the notifications principal and Redis user, and mails through its delivery group and log', async () => {
    const smtp = await startSmtpServer();
    try {
      const config = loadNotificationsConfig({ ...envOf('notifications'), SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port) });
      expect(config).toMatchObject({ KAFKA_SASL_USERNAME: 'notifications', KAFKA_TLS: true, KAFKA_GROUP_ID: 'notifications' });
      expect(config.REDIS_URL).toMatch(/^rediss:\/\/notifications@/);
      const deliveryLogged = async (customerId: string): Promise<boolean> => {
        const noticeId = smtp.received.find((r) => r.header('x-o2c-customer-id') === customerId)?.header('x-o2c-notice-id');
        if (noticeId === undefined) return false;
        // sent and reported: the log's HSET/PEXPIRE passed the user's ACL and NoticeDelivered its WRITE on the topic.
        for (let p = 0; p < PARTITIONS; p++) {
          const entry = await admin.hgetall(partitionKeys('notifications-delivery', p, redisPrefix).entity(noticeId));
          if (entry.state !== undefined) return entry.state === 'sent' && entry.reported === '1';
        }
        return false;
      };
      await runEndToEnd(
        'notifications',
        new NotificationsService({ config, logger, onFatal: (e) => { throw e; } }),
        async (customerId) => (await hasState('notifications', customerId)) && (await deliveryLogged(customerId)),
        () => [
          // Opted in to credit-hold notices again, then an order held: a notice to mail.
          { spec: topics.CUSTOMERS, event: { ...exampleEvent('CustomerCreditProfile'), payload: { ...exampleEvent('CustomerCreditProfile').payload, noticeOptOuts: [] } } },
          { spec: topics.CREDIT_HOLDS, event: exampleEvent('OrderCreditHeld') },
          { spec: topics.COLLECTIONS, event: exampleEvent('PromiseToPay') },
        ],
      );
    } finally {
      await smtp.close();
    }
  });

  it('reporting runs as the reporting principal and writes as o2c_writer', async () => {
    const db = await createTempDatabase();
    const owner = createPool(db.url);
    try {
      const config = loadReportingConfig({ ...envOf('reporting'), ...reportingDatabaseEnv(db.url) });
      expect(new URL(config.DATABASE_URL).username).toBe('o2c_writer');
      await runEndToEnd('reporting', new ReportingService({ config, logger, onFatal: (e) => { throw e; } }), async (customerId) => {
        const { rows } = await owner.query('SELECT 1 FROM reporting.customers WHERE customer_id = $1', [customerId]).catch(() => ({ rows: [] }));
        return rows.length === 1;
      });
    } finally {
      await owner.end();
      await db.drop();
    }
  });

  it('a service process with a wrong Redis password exits 2 with one line naming REDIS_URL, never the password', { timeout: 90_000 }, async () => {
    const wrong = 'wrong-Redis-Pa55-for-exposure';
    const child = spawnService('exposure', { ...envOf('exposure'), REDIS_PASSWORD_FILE: '', REDIS_PASSWORD: wrong, LOG_LEVEL: 'info' });
    const code = await Promise.race([child.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 75_000))]);
    if (code === 'hung') await child.stop(1000);
    const context = `stdout:\n${child.stdout().slice(-3000)}\nstderr:\n${child.stderr().slice(-2000)}`;
    expect(code, context).toBe(2);
    const fatal = child.lines().filter((l) => l.level === 'fatal');
    expect(fatal, context).toHaveLength(1);
    expect(String(fatal[0]!.msg)).toContain(`REDIS_URL: Redis at ${secure.redisUrl.replace('://', '://exposure@')} refused the credentials`);
    expect(child.stdout() + child.stderr()).not.toContain(wrong);
    expect(child.stdout() + child.stderr()).not.toContain(secure.password('redis-exposure'));
  });
});
