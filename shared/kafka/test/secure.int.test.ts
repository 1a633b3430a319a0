// The clients against the local stack's secure broker (SASL_SSL, SCRAM-SHA-512, StandardAuthorizer with the ACLs of
// stack/secure/principals.ts), started by ensureSecureStack when it does not answer: each principal reaches what its
// ACLs allow and is refused the rest, and a wrong password or a missing CA stops start-up naming the variable.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import kafkajs from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { commonSpec, ConfigError, loadConfig } from '../../config.ts';
import { Topics } from '../../contracts/topics.ts';
import { createLogger } from '../../logger.ts';
import { prepareContracts } from '../admin.ts';
import { createIdempotentProducer, createKafka } from '../client.ts';
import { ensureSecureStack, type SecureStack } from '../../../test/stack.ts';
import { uniqueId } from '../../../test/kafka.ts';

let secure: SecureStack;
beforeAll(async () => {
  secure = await ensureSecureStack();
});

const configOf = (principal: string, overrides: Record<string, string | undefined> = {}) =>
  loadConfig(commonSpec(principal, { httpPort: 0 }), { ...secure.env(principal), ...overrides });

/** A logger into an array of lines, to check what a failure logged. */
function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger('secure-test', { level: 'debug', destination }) };
}

const quiet = createLogger('secure-test', { level: 'silent' });

async function send(principal: string, topic: string): Promise<void> {
  const producer = createIdempotentProducer(createKafka(configOf(principal), quiet));
  await producer.connect();
  try {
    await producer.send({ topic, messages: [{ key: uniqueId('C'), value: 'secure-test' }] });
  } finally {
    await producer.disconnect();
  }
}

describe('the secure broker', () => {
  it('lets the exposure principal start (contracts check) and write its outputs, over SASL_SSL with the CA', async () => {
    const config = configOf('exposure');
    expect(config).toMatchObject({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'exposure', KAFKA_TLS: true });
    const kafka = createKafka(config, quiet);
    // What a service does first: the topics and their configs checked (Describe, DescribeConfigs), the schemas.
    await prepareContracts({ kafka, registry: config, partitions: 12 });
    await send('exposure', Topics.CREDIT_HOLDS.name);
  });

  it('lets the exposure principal read its inputs in its own group', async () => {
    const key = uniqueId('C');
    const admin = createIdempotentProducer(createKafka(configOf('admin'), quiet));
    await admin.connect();
    await admin.send({ topic: Topics.ORDERS.name, messages: [{ key, value: 'order' }] });
    await admin.disconnect();

    const consumer = createKafka(configOf('exposure'), quiet).consumer({ groupId: 'exposure', maxWaitTimeInMs: 100 });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [Topics.ORDERS.name], fromBeginning: true });
      const seen = new Promise<void>((resolve, reject) => {
        consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
        void consumer.run({
          eachMessage: async ({ message }) => {
            if (message.key?.toString() === key) resolve();
          },
        });
      });
      await seen;
    } finally {
      await consumer.disconnect();
    }
  });

  it('refuses o2c.credit-actions.v1 to the exposure principal and takes it from the console', async () => {
    const refused = await send('exposure', Topics.CREDIT_ACTIONS.name).then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(kafkajs.KafkaJSProtocolError);
    expect((refused as kafkajs.KafkaJSProtocolError).type).toBe('TOPIC_AUTHORIZATION_FAILED');
    await send('console', Topics.CREDIT_ACTIONS.name);
  });

  it('stops start-up on a wrong password with a message naming KAFKA_SASL_PASSWORD, never the password', async () => {
    const wrong = `wrong-${secure.password('exposure').slice(0, 8)}-password`;
    const { lines, logger } = capturedLogger();
    const admin = createKafka(configOf('exposure', { KAFKA_SASL_PASSWORD_FILE: undefined, KAFKA_SASL_PASSWORD: wrong }), logger).admin();
    const error = await admin.connect().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('KAFKA_SASL_PASSWORD');
    expect(message).toContain('"exposure"');
    for (const text of [message, ...lines]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(secure.password('exposure'));
    }
  });

  it('stops start-up when TLS has no CA, or the wrong one, naming KAFKA_TLS_CA_FILE', async () => {
    const started = Date.now();
    const noCa = await createKafka(configOf('exposure', { KAFKA_TLS_CA_FILE: undefined }), quiet).admin().connect()
      .then(() => undefined, (e: unknown) => e);
    expect(noCa).toBeInstanceOf(ConfigError);
    expect((noCa as Error).message).toMatch(/KAFKA_TLS_CA_FILE is not set .*certificate.*127\.0\.0\.1:9094/);

    const dir = mkdtempSync(join(tmpdir(), 'o2c-other-ca-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=another CA',
      '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem')], { stdio: 'ignore' });
    const otherCa = await createKafka(configOf('exposure', { KAFKA_TLS_CA_FILE: join(dir, 'ca.pem') }), quiet).admin().connect()
      .then(() => undefined, (e: unknown) => e);
    expect(otherCa).toBeInstanceOf(ConfigError);
    expect((otherCa as Error).message).toContain(`KAFKA_TLS_CA_FILE="${join(dir, 'ca.pem')}" does not verify the certificate`);
    // At once, not after kafkajs' retries of a broker that is down.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
