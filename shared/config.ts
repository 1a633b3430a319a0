// Configuration is read from the environment once, at start-up, into a frozen typed object. Every variable is
// checked before the service touches the network, and all problems are reported together, each naming its variable,
// so a bad deployment fails in one round trip instead of one variable at a time.

/** Thrown when a variable cannot be turned into the value its spec wants; `loadConfig` prefixes the name. */
class VarError extends Error {}

/** How one environment variable becomes a value. An unset or empty variable arrives as `undefined`. */
export interface Var<T> {
  parse(raw: string | undefined): T;
  /** Human description of what is accepted, for error messages. */
  readonly expects: string;
}

interface Defaults<T> {
  default?: T;
}

function required<T>(raw: string | undefined, d: Defaults<T>, convert: (raw: string) => T): T {
  if (raw !== undefined) return convert(raw);
  if (d.default !== undefined) return d.default;
  throw new VarError('is required');
}

export function str(opts: Defaults<string> = {}): Var<string> {
  return { expects: 'a string', parse: (raw) => required(raw, opts, (s) => s) };
}

export function int(opts: Defaults<number> & { min?: number; max?: number } = {}): Var<number> {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = opts;
  const expects = `an integer in [${min}, ${max}]`;
  return {
    expects,
    parse: (raw) =>
      required(raw, opts, (s) => {
        const n = /^[+-]?\d+$/.test(s.trim()) ? Number(s) : Number.NaN;
        if (!Number.isSafeInteger(n) || n < min || n > max) throw new VarError(`must be ${expects}`);
        return n;
      }),
  };
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

export function bool(opts: Defaults<boolean> = {}): Var<boolean> {
  const expects = 'true/false (also 1/0, yes/no, on/off)';
  return {
    expects,
    parse: (raw) =>
      required(raw, opts, (s) => {
        const v = s.trim().toLowerCase();
        if (TRUE.has(v)) return true;
        if (FALSE.has(v)) return false;
        throw new VarError(`must be ${expects}`);
      }),
  };
}

/** A URL, optionally restricted to some protocols (without the colon: `['redis', 'rediss']`). */
export function url(opts: Defaults<string> & { protocols?: readonly string[] } = {}): Var<string> {
  const protocols = opts.protocols;
  const expects = protocols ? `a ${protocols.join('/')} URL` : 'a URL';
  return {
    expects,
    parse: (raw) =>
      required(raw, opts, (s) => {
        if (!URL.canParse(s)) throw new VarError(`must be ${expects}`);
        const protocol = new URL(s).protocol.slice(0, -1);
        if (protocols && !protocols.includes(protocol)) throw new VarError(`must be ${expects}`);
        return s;
      }),
  };
}

/** Comma-separated, trimmed, without empty items; at least one item. */
export function list(opts: Defaults<readonly string[]> = {}): Var<readonly string[]> {
  const expects = 'a comma-separated list';
  return {
    expects,
    parse: (raw) =>
      required(raw, opts, (s) => {
        const items = s.split(',').map((i) => i.trim()).filter((i) => i !== '');
        if (items.length === 0) throw new VarError(`must be ${expects} with at least one item`);
        return Object.freeze(items);
      }),
  };
}

/** Comma-separated `host:port` items (IPv6 hosts in brackets), each with a port in 1-65535; at least one. */
export function hostPorts(opts: Defaults<readonly string[]> = {}): Var<readonly string[]> {
  const expects = 'a comma-separated list of host:port';
  const inner = list(opts);
  return {
    expects,
    parse: (raw) => {
      let items: readonly string[];
      try {
        items = inner.parse(raw);
      } catch (e) {
        if (raw === undefined) throw e;
        throw new VarError(`must be ${expects} with at least one item`);
      }
      for (const item of items) {
        const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(item);
        const port = m ? Number(m[2]) : 0;
        if (!m || port < 1 || port > 65_535) throw new VarError(`must be ${expects} (e.g. kafka-1:9092,kafka-2:9092); "${item}" is not`);
      }
      return items;
    },
  };
}

export function oneOf<const T extends string>(values: readonly T[], opts: Defaults<T> = {}): Var<T> {
  const expects = `one of ${values.join(', ')}`;
  return {
    expects,
    parse: (raw) =>
      required(raw, opts, (s) => {
        if (!(values as readonly string[]).includes(s)) throw new VarError(`must be ${expects}`);
        return s as T;
      }),
  };
}

/** The variable may be absent; when present it must still be valid. */
export function optional<T>(inner: Var<T>): Var<T | undefined> {
  return { expects: inner.expects, parse: (raw) => (raw === undefined ? undefined : inner.parse(raw)) };
}

export type Spec = Record<string, Var<unknown>>;
export type Config<S extends Spec> = { readonly [K in keyof S]: S[K] extends Var<infer T> ? T : never };

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|API_?KEY|PRIVATE/i;

/** What an error message may echo of a value: nothing for secrets, URLs with their password masked. */
export function displayValue(name: string, raw: string): string {
  if (SECRET_NAME.test(name)) return '<redacted>';
  return JSON.stringify(maskUrlPasswords(raw));
}

/** Replaces the password of every `scheme://user:password@` in a string with `***`. */
export function maskUrlPasswords(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s/]*@/gi, '$1***@');
}

/**
 * Parses every variable of `spec` from `env`. An empty value counts as unset (compose files often write `FOO=`).
 * Throws a ConfigError listing every bad or missing variable; returns a frozen object keyed like the spec.
 */
export function loadConfig<S extends Spec>(spec: S, env: Record<string, string | undefined> = process.env): Config<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, v] of Object.entries(spec)) {
    const raw = env[name] === '' ? undefined : env[name];
    try {
      out[name] = v.parse(raw);
    } catch (e) {
      if (!(e instanceof VarError)) throw e;
      problems.push(raw === undefined ? `${name} ${e.message}` : `${name}=${displayValue(name, raw)} ${e.message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out) as Config<S>;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * What every service reads: Kafka and the registry, its HTTP port for /metrics and /healthz, logging, and the
 * topic layout (one partition count for every topic, so customers stay co-partitioned).
 */
export function commonSpec(service: string, defaults: { httpPort: number }) {
  return {
    KAFKA_BROKERS: hostPorts(),
    KAFKA_CLIENT_ID: str({ default: service }),
    KAFKA_PARTITIONS: int({ default: 12, min: 1, max: 10_000 }),
    KAFKA_REPLICATION_FACTOR: int({ default: 1, min: 1, max: 32 }),
    // Fetch tuning: a fetch returns as soon as minBytes are there, or after maxWait. minBytes 1 keeps decisions fast
    // when idle; under load, batches grow by themselves with what arrived while the previous batch ran.
    KAFKA_FETCH_MIN_BYTES: int({ default: 1, min: 1 }),
    KAFKA_FETCH_MAX_WAIT_MS: int({ default: 500, min: 0, max: 60_000 }),
    KAFKA_MAX_BYTES_PER_PARTITION: int({ default: 1_048_576, min: 1024 }),
    SCHEMA_REGISTRY_URL: url({ protocols: ['http', 'https'] }),
    HTTP_PORT: int({ default: defaults.httpPort, min: 0, max: 65_535 }),
    LOG_LEVEL: oneOf(LOG_LEVELS, { default: 'info' }),
  };
}

export const redisSpec = { REDIS_URL: url({ protocols: ['redis', 'rediss'] }) };
export const databaseSpec = { DATABASE_URL: url({ protocols: ['postgres', 'postgresql'] }) };

export type CommonConfig = Config<ReturnType<typeof commonSpec>>;
