import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError, bool, commonSpec, file, hostPorts, int, list, loadConfig, oneOf, optional, redisSpec, secret, statefulSpec, str, url,
} from '../config.ts';

const dir = mkdtempSync(join(tmpdir(), 'o2c-config-'));
/** A file in a fresh temporary directory, with this content. */
function fileWith(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** The ConfigError problems of loading `spec` from `env`. */
function problems(spec: Parameters<typeof loadConfig>[0], env: Record<string, string>): readonly string[] {
  try {
    loadConfig(spec, env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('combinators', () => {
  it('str: takes the value, falls back to the default, requires it otherwise', () => {
    expect(loadConfig({ A: str(), B: str({ default: 'd' }) }, { A: 'x' })).toEqual({ A: 'x', B: 'd' });
    expect(problems({ A: str() }, {})).toEqual(['A is required']);
  });

  it('int: whole numbers within bounds only', () => {
    const spec = { N: int({ min: 1, max: 10 }) };
    expect(loadConfig(spec, { N: '10' }).N).toBe(10);
    expect(loadConfig(spec, { N: ' 3 ' }).N).toBe(3);
    for (const bad of ['0', '11', '1.5', '1e3', 'abc', '0x10', '9007199254740993']) {
      expect(problems(spec, { N: bad })).toEqual([`N=${JSON.stringify(bad)} must be an integer in [1, 10]`]);
    }
    expect(loadConfig({ N: int({ default: 7 }) }, {}).N).toBe(7);
  });

  it('bool: the usual spellings, case-insensitive', () => {
    const spec = { B: bool() };
    for (const t of ['true', 'TRUE', '1', 'yes', 'on']) expect(loadConfig(spec, { B: t }).B).toBe(true);
    for (const f of ['false', '0', 'No', 'off']) expect(loadConfig(spec, { B: f }).B).toBe(false);
    expect(problems(spec, { B: 'maybe' })[0]).toMatch(/^B="maybe" must be true\/false/);
    expect(loadConfig({ B: bool({ default: false }) }, {}).B).toBe(false);
  });

  it('url: parses and checks the protocol', () => {
    const spec = { R: url({ protocols: ['redis', 'rediss'] }) };
    expect(loadConfig(spec, { R: 'rediss://cache:6380' }).R).toBe('rediss://cache:6380');
    expect(problems(spec, { R: 'http://cache' })).toEqual(['R="http://cache" must be a redis/rediss URL']);
    expect(problems({ U: url() }, { U: 'not a url' })).toEqual(['U="not a url" must be a URL']);
  });

  it('list: comma-separated, trimmed, empty items dropped, at least one', () => {
    expect(loadConfig({ L: list() }, { L: ' a:1, b:2 ,,' }).L).toEqual(['a:1', 'b:2']);
    expect(problems({ L: list() }, { L: ' , ' })[0]).toMatch(/^L=" , " must be a comma-separated list/);
    expect(loadConfig({ L: list({ default: ['x'] }) }, {}).L).toEqual(['x']);
  });

  it('hostPorts: every item a host and a port in 1-65535', () => {
    expect(loadConfig({ B: hostPorts() }, { B: 'kafka-1:9092, 10.0.0.2:19092,[::1]:9092' }).B)
      .toEqual(['kafka-1:9092', '10.0.0.2:19092', '[::1]:9092']);
    for (const bad of ['kafka', 'kafka:', 'kafka:0', 'kafka:65536', 'PLAINTEXT://kafka:9092', 'a b:9092', 'k:9092,kafka']) {
      expect(problems({ B: hostPorts() }, { B: bad }), bad).toHaveLength(1);
      expect(problems({ B: hostPorts() }, { B: bad })[0]).toMatch(/^B=".*" must be a comma-separated list of host:port/);
    }
    expect(problems({ B: hostPorts() }, {})).toEqual(['B is required']);
  });

  it('oneOf: only the listed values', () => {
    const spec = { M: oneOf(['live', 'replay'], { default: 'live' }) };
    expect(loadConfig(spec, {}).M).toBe('live');
    expect(loadConfig(spec, { M: 'replay' }).M).toBe('replay');
    expect(problems(spec, { M: 'Live' })).toEqual(['M="Live" must be one of live, replay']);
  });

  it('optional: absent is undefined, present must still be valid', () => {
    const spec = { P: optional(int({ min: 0 })) };
    expect(loadConfig(spec, {}).P).toBeUndefined();
    expect(loadConfig(spec, { P: '5' }).P).toBe(5);
    expect(problems(spec, { P: '-1' })[0]).toMatch(/^P="-1" must be an integer/);
  });
});

describe('loadConfig', () => {
  it('reports every bad or missing variable at once, by name', () => {
    const spec = { A: str(), B: int({ min: 0 }), C: bool(), D: str({ default: 'ok' }) };
    const err = (() => {
      try {
        loadConfig(spec, { B: '-4', C: 'nope' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.problems).toHaveLength(3);
    expect(err!.message).toMatch(/A is required/);
    expect(err!.message).toMatch(/B="-4" must be/);
    expect(err!.message).toMatch(/C="nope" must be/);
    expect(err!.message).not.toMatch(/\n/); // one line for the log
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ A: str({ default: 'd' }) }, { A: '' }).A).toBe('d');
    expect(problems({ A: str() }, { A: '' })).toEqual(['A is required']);
  });

  it('never echoes secrets: secret-named variables are redacted, URL passwords masked', () => {
    const msgs = problems(
      { DB_PASSWORD: int(), API_TOKEN: int(), REDIS_URL: url({ protocols: ['redis'] }) },
      { DB_PASSWORD: 'hunter2', API_TOKEN: 'tok', REDIS_URL: 'http://u:pa55@h:1' },
    );
    expect(msgs).toEqual([
      'DB_PASSWORD=<redacted> must be an integer in [-9007199254740991, 9007199254740991]',
      'API_TOKEN=<redacted> must be an integer in [-9007199254740991, 9007199254740991]',
      'REDIS_URL="http://u:***@h:1" must be a redis URL',
    ]);
  });

  it('returns a frozen object', () => {
    const config = loadConfig({ L: list() }, { L: 'a' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.L)).toBe(true);
  });
});

describe('commonSpec', () => {
  const env = { KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7' };

  it('needs only the brokers and the registry; the rest has defaults', () => {
    const config = loadConfig(commonSpec('exposure', { httpPort: 9464 }), env);
    expect(config).toMatchObject({
      KAFKA_BROKERS: ['127.0.0.1:9092'], KAFKA_CLIENT_ID: 'exposure', KAFKA_PARTITIONS: 12, HTTP_PORT: 9464, LOG_LEVEL: 'info',
    });
  });

  it('gives every service the same namespace variables: production names, the service as its group, o2c keys', () => {
    const config = loadConfig({ ...commonSpec('scoring', { httpPort: 0 }), ...redisSpec }, { ...env, REDIS_URL: 'redis://127.0.0.1:6379' });
    expect(config).toMatchObject({ O2C_TOPIC_PREFIX: '', KAFKA_GROUP_ID: 'scoring', REDIS_KEY_PREFIX: 'o2c' });
    const named = loadConfig(commonSpec('scoring', { httpPort: 0 }), { ...env, O2C_TOPIC_PREFIX: 't1.', KAFKA_GROUP_ID: 'g1' });
    expect(named).toMatchObject({ O2C_TOPIC_PREFIX: 't1.', KAFKA_GROUP_ID: 'g1' });
  });

  it('gives the stateful services one set of consumer and producer defaults, each bound checked by name', () => {
    const spec = { ...commonSpec('scoring', { httpPort: 0 }), ...statefulSpec };
    expect(loadConfig(spec, { ...env, REDIS_URL: 'redis://127.0.0.1:6379' })).toMatchObject({
      KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY: 12, KAFKA_PRODUCERS: 4, KAFKA_SESSION_TIMEOUT_MS: 30_000,
      KAFKA_HEARTBEAT_INTERVAL_MS: 3000, EVENT_TIME_ALIGNMENT: true, ALIGN_MAX_IDLE_MS: 250, REDIS_KEY_PREFIX: 'o2c',
    });
    expect(problems(spec, { ...env, REDIS_URL: 'redis://127.0.0.1:6379', KAFKA_PRODUCERS: '0' })).toEqual([
      'KAFKA_PRODUCERS="0" must be an integer in [1, 64]',
    ]);
  });

  it('names what is missing for a service that also needs Redis', () => {
    expect(problems({ ...commonSpec('exposure', { httpPort: 0 }), ...redisSpec }, { LOG_LEVEL: 'loud' })).toEqual([
      'KAFKA_BROKERS is required',
      'SCHEMA_REGISTRY_URL is required',
      'LOG_LEVEL="loud" must be one of fatal, error, warn, info, debug, trace, silent',
      'REDIS_URL is required',
    ]);
  });
});

describe('secrets from <NAME>_FILE', () => {
  const spec = { DB_PASSWORD: optional(str()), REDIS_URL: secret(url({ protocols: ['redis'] })), PLAIN: optional(str()) };

  it('reads the file, without its final newline, for every secret variable', () => {
    const config = loadConfig(spec, {
      DB_PASSWORD_FILE: fileWith('db', 'pa ss\n'),
      REDIS_URL_FILE: fileWith('redis', 'redis://:pw@cache:6379\r\n'),
    });
    expect(config).toEqual({ DB_PASSWORD: 'pa ss', REDIS_URL: 'redis://:pw@cache:6379', PLAIN: undefined });
    expect(loadConfig(spec, { DB_PASSWORD_FILE: fileWith('two', 'a\n\n'), REDIS_URL: 'redis://c:1' }).DB_PASSWORD).toBe('a\n');
  });

  it('takes no _FILE for a variable that is not a secret', () => {
    expect(loadConfig(spec, { REDIS_URL: 'redis://c:1', PLAIN_FILE: fileWith('plain', 'x') }).PLAIN).toBeUndefined();
  });

  it('refuses both set, an unreadable file and an empty one, naming the variables but not the value', () => {
    const msgs = problems(spec, {
      DB_PASSWORD: 'given-twice', DB_PASSWORD_FILE: fileWith('db2', 'given-twice'),
      REDIS_URL_FILE: join(dir, 'missing'),
    });
    expect(msgs).toEqual([
      'DB_PASSWORD and DB_PASSWORD_FILE are both set: set one of them',
      `REDIS_URL_FILE=${JSON.stringify(join(dir, 'missing'))} cannot be read (ENOENT)`,
    ]);
    expect(problems(spec, { REDIS_URL_FILE: fileWith('empty', '\n') })).toEqual([
      `REDIS_URL_FILE=${JSON.stringify(join(dir, 'empty'))} is empty`,
    ]);
    expect(JSON.stringify(msgs)).not.toContain('given-twice');
  });

  it('treats variables named like secrets as secrets without the marker (specs written before it)', () => {
    const legacy = { MIGRATION_DATABASE_URL: url({ protocols: ['postgres'] }), O2C_WRITER_PASSWORD: str() };
    const config = loadConfig(legacy, {
      MIGRATION_DATABASE_URL_FILE: fileWith('mig', 'postgres://owner:pw@db/o2c\n'),
      O2C_WRITER_PASSWORD_FILE: fileWith('writer', 'w-pass\n'),
    });
    expect(config).toEqual({ MIGRATION_DATABASE_URL: 'postgres://owner:pw@db/o2c', O2C_WRITER_PASSWORD: 'w-pass' });
  });
});

describe('file', () => {
  it('takes the path of a readable file; names what is wrong otherwise', () => {
    const ca = fileWith('ca.pem', 'pem');
    expect(loadConfig({ CA: file() }, { CA: ca }).CA).toBe(ca);
    expect(problems({ CA: file() }, { CA: join(dir, 'nope.pem') })).toEqual([
      `CA=${JSON.stringify(join(dir, 'nope.pem'))} must be the path of a readable file (ENOENT)`,
    ]);
    expect(problems({ CA: file() }, { CA: dir })).toEqual([
      `CA=${JSON.stringify(dir)} must be the path of a readable file; it is not a regular file`,
    ]);
  });
});

describe('Kafka and registry security', () => {
  const base = { KAFKA_BROKERS: '127.0.0.1:9094', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7' };
  const spec = commonSpec('exposure', { httpPort: 0 });
  const ca = fileWith('kafka-ca.pem', 'pem');

  it('defaults to plaintext without credentials, on loopback', () => {
    expect(loadConfig(spec, base)).toMatchObject({
      KAFKA_SASL_MECHANISM: undefined, KAFKA_TLS: false, KAFKA_TLS_CA_FILE: undefined, HTTP_HOST: '127.0.0.1',
      SCHEMA_REGISTRY_USERNAME: undefined,
    });
  });

  it('takes SCRAM over TLS with a CA and the password from a file', () => {
    const config = loadConfig(spec, {
      ...base, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'exposure',
      KAFKA_SASL_PASSWORD_FILE: fileWith('kafka-pw', 'k-pass\n'), KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: ca,
    });
    expect(config).toMatchObject({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_PASSWORD: 'k-pass', KAFKA_TLS: true, KAFKA_TLS_CA_FILE: ca });
  });

  it('names each inconsistent setting', () => {
    expect(problems(spec, { ...base, KAFKA_SASL_MECHANISM: 'scram-sha-256' })).toEqual([
      'KAFKA_SASL_MECHANISM=scram-sha-256 needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE)',
    ]);
    expect(problems(spec, { ...base, KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toEqual([
      'KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD set but KAFKA_SASL_MECHANISM is not: set it (e.g. scram-sha-512)',
    ]);
    expect(problems(spec, { ...base, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toEqual([
      'KAFKA_SASL_MECHANISM=plain needs KAFKA_TLS=true (PLAIN sends the password in clear)',
    ]);
    expect(problems(spec, { ...base, KAFKA_SASL_MECHANISM: 'scram' })).toEqual([
      'KAFKA_SASL_MECHANISM="scram" must be one of scram-sha-512, scram-sha-256, plain',
    ]);
    expect(problems(spec, { ...base, KAFKA_TLS_CA_FILE: ca })).toEqual(['KAFKA_TLS_CA_FILE set but KAFKA_TLS is not true']);
    expect(problems(spec, { ...base, KAFKA_TLS: 'yes', KAFKA_TLS_CA_FILE: join(dir, 'gone.pem') })).toEqual([
      `KAFKA_TLS_CA_FILE=${JSON.stringify(join(dir, 'gone.pem'))} must be the path of a readable file (ENOENT)`,
    ]);
    expect(problems(spec, { ...base, KAFKA_TLS: 'true', KAFKA_TLS_CERT_FILE: ca })).toEqual([
      'KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE go together (a client certificate and its key): set both or neither',
    ]);
    expect(problems(spec, { ...base, SCHEMA_REGISTRY_USERNAME: 'u' })).toEqual([
      'SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD (or SCHEMA_REGISTRY_PASSWORD_FILE) go together: set both or neither',
    ]);
    expect(problems(spec, { ...base, SCHEMA_REGISTRY_CA_FILE: ca })).toEqual([
      'SCHEMA_REGISTRY_CA_FILE set but SCHEMA_REGISTRY_URL is not an https URL',
    ]);
  });
});
