// No secret in any output: a config with known secret values (given directly and as <NAME>_FILE) goes through the
// error paths of loadConfig, the logger (fields, messages, errors, kafkajs' log lines) and the HTTP endpoints
// (/healthz, /readyz, /metrics); then everything they wrote is searched for the secrets.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { commonSpec, ConfigError, databaseSpec, loadConfig, optional, redisSpec, str, url } from '../config.ts';
import { ConsumerHealth, startHealthServer } from '../health.ts';
import { createLogger, kafkaLogCreator } from '../logger.ts';
import { createRegistry, createRunnerMetrics } from '../metrics.ts';
import { redisClientArgs } from '../redis/connect.ts';

const SECRETS = {
  kafka: 'kafka-Pa55-7c1f',
  registry: 'registry-Pa55-91ab',
  redis: 'redis-Pa55-e3d2',
  database: 'db/Pa55@x', // characters that need escaping in a URL
  redisFile: 'redis-file-Pa55-77aa',
  migration: 'owner-Pa55-5e1f',
  writer: 'writer-Pa55-0c3b',
};
const dir = mkdtempSync(join(tmpdir(), 'o2c-secrets-'));
const registryPasswordFile = join(dir, 'registry.password');
writeFileSync(registryPasswordFile, `${SECRETS.registry}\n`);
const databaseUrlFile = join(dir, 'database.url');
writeFileSync(databaseUrlFile, `postgres://o2c_writer:${encodeURIComponent(SECRETS.database)}@db:5432/o2c\n`);

const redisPasswordFile = join(dir, 'redis.password');
writeFileSync(redisPasswordFile, `${SECRETS.redisFile}\n`);
const writerPasswordFile = join(dir, 'writer.password');
writeFileSync(writerPasswordFile, SECRETS.writer);

const spec = {
  ...commonSpec('exposure', { httpPort: 0 }),
  ...redisSpec,
  ...databaseSpec,
  // The reporting sink's owner URL and a role password the migrations set.
  MIGRATION_DATABASE_URL: optional(url({ protocols: ['postgres'] })),
  O2C_WRITER_PASSWORD: optional(str()),
};
const goodEnv = {
  KAFKA_BROKERS: '127.0.0.1:9094',
  KAFKA_SASL_MECHANISM: 'scram-sha-512',
  KAFKA_SASL_USERNAME: 'exposure',
  KAFKA_SASL_PASSWORD: SECRETS.kafka,
  SCHEMA_REGISTRY_URL: 'https://registry:8081',
  SCHEMA_REGISTRY_USERNAME: 'exposure',
  SCHEMA_REGISTRY_PASSWORD_FILE: registryPasswordFile,
  REDIS_URL: `rediss://exposure:${SECRETS.redis}@cache:6380`,
  DATABASE_URL_FILE: databaseUrlFile,
  MIGRATION_DATABASE_URL: `postgres://postgres:${SECRETS.migration}@db:5432/o2c`,
  O2C_WRITER_PASSWORD_FILE: writerPasswordFile,
};
/** Redis as a service user with the password in REDIS_PASSWORD_FILE, as the secure stack runs it. */
const redisFileEnv = { ...goodEnv, REDIS_URL: 'rediss://exposure@cache:6380', REDIS_PASSWORD_FILE: redisPasswordFile };

/** Everything any path below wrote. */
const output: string[] = [];
const destination = new Writable({
  write(chunk: Buffer, _enc, done) {
    output.push(chunk.toString());
    done();
  },
});

function configErrorOf(env: Record<string, string>): string {
  try {
    loadConfig(spec, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

afterAll(() => {
  const all = output.join('\n');
  expect(all.length).toBeGreaterThan(0);
  for (const s of [...Object.values(SECRETS), encodeURIComponent(SECRETS.database)]) expect(all).not.toContain(s);
});

describe('secrets', () => {
  it('are in the config, where the services need them', () => {
    const config = loadConfig(spec, goodEnv);
    expect(config.KAFKA_SASL_PASSWORD).toBe(SECRETS.kafka);
    expect(config.SCHEMA_REGISTRY_PASSWORD).toBe(SECRETS.registry);
    expect(new URL(config.DATABASE_URL).password).toBe(encodeURIComponent(SECRETS.database));
    expect(config.O2C_WRITER_PASSWORD).toBe(SECRETS.writer);
    expect(loadConfig(spec, redisFileEnv).REDIS_PASSWORD).toBe(SECRETS.redisFile);
  });

  it('never appear in a configuration error', () => {
    const messages = [
      // bad values of secret variables
      configErrorOf({ ...goodEnv, REDIS_URL: `http://exposure:${SECRETS.redis}@cache:6380` }),
      configErrorOf({ ...goodEnv, KAFKA_SASL_PASSWORD_FILE: registryPasswordFile }),
      configErrorOf({ ...goodEnv, DATABASE_URL_FILE: '', DATABASE_URL: `mysql://u:${SECRETS.database}@db/o2c` }),
      configErrorOf({ ...goodEnv, DATABASE_URL_FILE: '', DATABASE_URL: `postgres://u:${SECRETS.database}@db/o2c` }),
      // a rule across variables, with every secret set
      configErrorOf({ ...goodEnv, KAFKA_SASL_MECHANISM: 'plain' }),
      configErrorOf({ ...goodEnv, KAFKA_SASL_MECHANISM: '' }),
      configErrorOf({ ...redisFileEnv, REDIS_URL: `rediss://exposure:${SECRETS.redis}@cache:6380` }),
      configErrorOf({ ...goodEnv, MIGRATION_DATABASE_URL: `mysql://postgres:${SECRETS.migration}@db/o2c` }),
    ];
    expect(messages[0]).toContain('REDIS_URL="http://exposure:***@cache:6380" must be a redis/rediss URL');
    expect(messages[1]).toContain('KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE are both set');
    output.push(...messages);
    const logger = createLogger('exposure', { destination });
    for (const m of messages) logger.fatal(m);
  });

  it('never appear in a log line: fields, messages, errors and kafkajs logs', () => {
    const config = loadConfig(spec, goodEnv);
    const logger = createLogger('exposure', { level: 'debug', destination });
    logger.info({ config }, 'configuration loaded');
    logger.info({ settings: { registry: config.SCHEMA_REGISTRY_URL, pw: config.SCHEMA_REGISTRY_PASSWORD } }, `connecting to ${config.REDIS_URL}`);
    // A library that puts what it was given into its error text.
    logger.error({ err: new Error(`auth failed for exposure/${SECRETS.kafka} at ${config.DATABASE_URL}`) }, 'start failed');
    logger.warn(`retrying with ${SECRETS.registry}`);
    // The client URL of a service user whose password came from REDIS_PASSWORD_FILE carries it (redisClientArgs).
    const fromFile = loadConfig(spec, redisFileEnv);
    const [clientUrl] = redisClientArgs(fromFile);
    expect(clientUrl).toContain(SECRETS.redisFile);
    logger.error({ err: new Error(`connect ECONNREFUSED ${clientUrl}`), url: clientUrl }, `Redis ${clientUrl} failed`);
    logger.info(`migrating as ${config.MIGRATION_DATABASE_URL} with writer password ${config.O2C_WRITER_PASSWORD}`);
    const kafkaLog = kafkaLogCreator(logger)(logLevel.DEBUG);
    kafkaLog({ namespace: 'Connection', level: logLevel.ERROR, label: 'ERROR', log: { message: `SASL as ${SECRETS.kafka}`, timestamp: 't', extra: SECRETS.redis } as never });
    expect(output.join('')).toContain('configuration loaded');
  });

  it('never appear in /healthz, /readyz or /metrics', async () => {
    loadConfig(spec, goodEnv);
    const registry = createRegistry('exposure');
    createRunnerMetrics(registry, 'exposure').dlqRecords.inc({ topic: 'o2c.orders.v1', error_class: 'CorruptAvro' });
    const consumer = new ConsumerHealth('consumer:exposure');
    consumer.crashed(new Error(`SASL authentication failed with password ${SECRETS.kafka}`), false);
    const server = await startHealthServer({ port: 0, registry, checks: [consumer] });
    try {
      for (const path of ['/healthz', '/readyz', '/metrics']) {
        const res = await fetch(`http://127.0.0.1:${server.port}${path}`);
        output.push(await res.text());
      }
      expect(output.join('')).toContain('"reason":"crashed"');
    } finally {
      await server.close();
    }
  });
});
