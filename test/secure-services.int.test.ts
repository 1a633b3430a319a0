// The services on the local stack's secure broker, each as its own principal (stack/secure/principals.ts): they
// start (contracts checked, group joined, /healthz healthy) with nothing but the ACLs of their inputs, outputs and
// group, over SASL_SSL with the stack's CA and the password from KAFKA_SASL_PASSWORD_FILE.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../shared/logger.ts';
import type { Service } from '../shared/lifecycle.ts';
import { loadDelinquencyConfig } from '../services/delinquency/src/config.ts';
import { DelinquencyService } from '../services/delinquency/src/service.ts';
import { loadExposureConfig } from '../services/exposure/src/config.ts';
import { ExposureService } from '../services/exposure/src/service.ts';
import { uniqueId } from './kafka.ts';
import { ensureSecureStack, type SecureStack } from './stack.ts';

let secure: SecureStack;
beforeAll(async () => {
  secure = await ensureSecureStack();
});

const redisPrefix = uniqueId('secure');
afterAll(async () => {
  const redis = new Redis(secure.env('exposure').REDIS_URL!);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
});

/** A principal's environment, with Redis keys of the test's own and an HTTP port picked by the system. */
const envOf = (principal: string) => ({ ...secure.env(principal), HTTP_PORT: '0', REDIS_KEY_PREFIX: redisPrefix });

async function healthz(port: number): Promise<unknown> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return res.json();
}

async function startStop(service: Service & { readonly httpPort: number | undefined }): Promise<void> {
  await service.start();
  try {
    // Healthy once the consumer joined its group: reads of every input and the group authorized.
    const deadline = Date.now() + 30_000;
    let body: unknown;
    while (Date.now() < deadline) {
      body = await healthz(service.httpPort!);
      if ((body as { status: string }).status === 'ok') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(body).toMatchObject({ status: 'ok' });
  } finally {
    await service.stop();
  }
}

describe('the services on the secure broker', () => {
  const logger = createLogger('secure-services', { level: 'silent' });

  it('exposure starts as the exposure principal', async () => {
    const config = loadExposureConfig(envOf('exposure'));
    expect(config).toMatchObject({ KAFKA_SASL_USERNAME: 'exposure', KAFKA_TLS: true, KAFKA_GROUP_ID: 'exposure' });
    await startStop(new ExposureService({ config, logger, onFatal: (e) => { throw e; } }));
  });

  it('delinquency starts as the delinquency principal', async () => {
    const config = loadDelinquencyConfig(envOf('delinquency'));
    await startStop(new DelinquencyService({ config, logger, onFatal: (e) => { throw e; } }));
  });
});
