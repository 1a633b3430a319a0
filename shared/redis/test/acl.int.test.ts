// The Redis ACL users of shared/redis/acl.ts on the secure stack's Redis (rediss, the stack's CA, one user per
// service): a service's user can do everything the shared kit does on its own keys, and is refused (NOPERM) on
// another service's keys, outside its prefix and for a command it does not need; refused credentials or an
// untrusted certificate stop start-up with a ConfigError naming the variable, never showing the password.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueId } from '../../../test/kafka.ts';
import { ensureSecureStack, type SecureStack } from '../../../test/stack.ts';
import { ConfigError, int, loadConfig, redisSpec } from '../../config.ts';
import { createLogger } from '../../logger.ts';
import { SERVICE_COMMANDS } from '../acl.ts';
import { connectRedis } from '../connect.ts';
import { PartitionStore } from '../partition-store.ts';

const logger = createLogger('redis-acl-test', { level: 'silent' });
const spec = { ...redisSpec, STARTUP_TIMEOUT_MS: int({ default: 10_000 }) };
// The stack's users may use `o2c` and `o2c.<namespace>` prefixes (stack/secure/setup.ts).
const prefix = `o2c.${uniqueId('acl')}`;

let secure: SecureStack;
let admin: Redis;
let exposure: Redis;

const connectAs = (principal: string, overrides: Record<string, string> = {}) =>
  connectRedis(loadConfig(spec, { ...secure.env(principal), ...overrides }), logger);

beforeAll(async () => {
  secure = await ensureSecureStack();
  admin = await connectAs('admin');
  exposure = await connectAs('exposure');
});

afterAll(async () => {
  for (const client of [exposure, admin]) client?.disconnect();
});

describe('a service user on the secure Redis', () => {
  it('runs every call of the shared kit on its own keys', async () => {
    const store = new PartitionStore(exposure, 'exposure', prefix);
    try {
      const loaded = await store.load(0, ['c1']);
      const committed = await store.commit(0, {
        expectedVersion: loaded.version,
        offsets: new Map([['o2c.orders.v1', 1n]]),
        states: new Map([['c1', { kind: 'replace', fields: new Map([['_', '{"a":1}']]) }]]),
        index: new Map([['c1', 20_000]]),
        outbox: [{ topic: 'o2c.credit-holds.v1', key: 'c1', value: Buffer.from('v') }],
        incomplete: 'a test mark',
      });
      if (committed === 'stale') throw new Error('unexpected stale commit');
      // A second commit on the same connection goes by EVALSHA (the first was an EVAL).
      await store.commit(0, { expectedVersion: committed.version, offsets: new Map(), states: new Map([['c1', { kind: 'delete' }]]), index: new Map([['c1', null]]), outbox: [] });
      expect((await store.load(0, ['c1'])).incomplete).toBe('a test mark');
      expect(await store.due(0, 30_000)).toEqual(new Map());
      const outbox = await store.readOutbox(0, 10);
      expect(outbox.flatMap((e) => e.records.map((r) => r.key))).toEqual(['c1']);
      await store.ackOutbox(0, outbox.map((e) => e.id));
      expect(await store.outboxLength(0)).toBe(0);
    } finally {
      const k = store.keys(0);
      await admin.del(k.offsets, k.outbox, k.index, k.legacyState, k.entity('c1'));
    }
  });

  it('is refused on another service’s keys and outside its prefix', async () => {
    await expect(exposure.hgetall(`${prefix}:delinquency:{p0}:offsets`)).rejects.toThrow(/NOPERM/);
    await expect(exposure.hgetall(`other:exposure:{p0}:offsets`)).rejects.toThrow(/NOPERM/);
    await expect(exposure.hgetall('o2c:delinquency:{p0}:state')).rejects.toThrow(/NOPERM/);
    // Its commit script on another service's keys: Redis checks a script's calls against the caller's ACL.
    const foreign = new PartitionStore(exposure, 'delinquency', prefix);
    await expect(foreign.commit(0, { expectedVersion: 0, offsets: new Map([['t', 1n]]), states: new Map(), outbox: [] })).rejects.toThrow(
      /NOPERM|can't run this command|permissions/i,
    );
  });

  it('is refused for a command the kit does not send', async () => {
    const own = `${prefix}:exposure:{p0}:state`;
    for (const refused of [
      () => exposure.get(own),
      () => exposure.unlink(own),
      () => exposure.keys('*'),
      () => exposure.flushdb(),
      () => exposure.call('CONFIG', 'GET', 'dir'),
      () => exposure.call('ACL', 'LIST'),
      () => exposure.call('SCRIPT', 'FLUSH'),
    ]) {
      await expect(refused()).rejects.toThrow(/NOPERM/);
    }
    // A script may not reach past the user's commands either.
    await expect(exposure.eval("return redis.call('GET', KEYS[1])", 1, own)).rejects.toThrow(/can't run this command|NOPERM/i);
    expect(SERVICE_COMMANDS).not.toContain('get');
    // Nor past its keys: DEL is the kit's, on its own keys only.
    await expect(exposure.eval("return redis.call('DEL', KEYS[1])", 1, `${prefix}:delinquency:{p0}:offsets`)).rejects.toThrow(
      /can't run this command|NOPERM|permissions/i,
    );
  });
});

describe('connecting to the secure Redis', () => {
  const refusal = async (overrides: Record<string, string>): Promise<string> => {
    const error: unknown = await connectAs('exposure', overrides).then(
      (client) => {
        client.disconnect();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  };

  it('stops at once on a wrong password, naming REDIS_URL without the password', async () => {
    const wrong = 'not-the-Pa55word-of-exposure';
    const message = await refusal({ REDIS_PASSWORD_FILE: '', REDIS_PASSWORD: wrong });
    expect(message).toContain(`REDIS_URL: Redis at ${secure.redisUrl.replace('://', '://exposure@')} refused the credentials`);
    expect(message).not.toContain(wrong);

    const inUrl = await refusal({ REDIS_PASSWORD_FILE: '', REDIS_URL: secure.redisUrl.replace('://', `://exposure:${wrong}@`) });
    expect(inUrl).toContain('REDIS_URL: Redis at rediss://exposure:***@');
    expect(inUrl).not.toContain(wrong);
    expect(inUrl).not.toContain(secure.password('redis-exposure'));
  });

  it('stops at once on a user that does not exist', async () => {
    const message = await refusal({ REDIS_URL: secure.redisUrl.replace('://', '://mallory@') });
    expect(message).toContain('REDIS_URL: Redis at rediss://mallory@');
  });

  it('stops at once on a certificate the CA does not verify, naming REDIS_TLS_CA_FILE', async () => {
    const message = await refusal({ REDIS_TLS_CA_FILE: '' });
    expect(message).toContain('REDIS_TLS_CA_FILE: the certificate of Redis at rediss://exposure@');
  });
});
