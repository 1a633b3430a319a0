// Configuration is read from the environment once, at start-up, into a frozen typed object. Every variable is
// checked before the service touches the network, and all problems are reported together, each naming its variable,
// so a bad deployment fails in one round trip instead of one variable at a time.
//
// Secrets: a variable marked `secret()` (or named like one: *_PASSWORD, *_TOKEN, DATABASE_URL, REDIS_URL, ...) may
// instead be given as a file, `<NAME>_FILE` (the Docker and Kubernetes secrets convention); its value is never echoed
// in an error, and every secret loaded is remembered so that maskSecrets() (the logger's filter) removes it from any
// text, a library's error message included.
import { accessSync, constants as fsConstants, readFileSync, statSync } from 'node:fs';

/** Thrown when a variable cannot be turned into the value its spec wants; `loadConfig` prefixes the name. */
class VarError extends Error {}

/** How one environment variable becomes a value. An unset or empty variable arrives as `undefined`. */
export interface Var<T> {
  parse(raw: string | undefined): T;
  /** Human description of what is accepted, for error messages. */
  readonly expects: string;
  /** Also read from `<NAME>_FILE`; never echoed; masked wherever it appears in a log line. */
  readonly secret?: boolean;
  /** Rules across variables, run once every variable parsed: each problem names the variables it is about. */
  check?(value: T, config: Readonly<Record<string, unknown>>): readonly string[];
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
  return { ...inner, parse: (raw) => (raw === undefined ? undefined : inner.parse(raw)) };
}

/** Marks a variable as a secret (see the header): `<NAME>_FILE` is accepted and the value is never shown. */
export function secret<T>(inner: Var<T>): Var<T> {
  return { ...inner, secret: true };
}

/** Adds rules across variables to a variable (see Var.check). */
export function checked<T>(inner: Var<T>, check: (value: T, config: Readonly<Record<string, unknown>>) => readonly string[]): Var<T> {
  return { ...inner, check };
}

/** The path of a readable regular file (a CA bundle, a certificate), checked at start-up rather than at first use. */
export function file(opts: Defaults<string> = {}): Var<string> {
  const expects = 'the path of a readable file';
  return {
    expects,
    parse: (raw) =>
      required(raw, opts, (path) => {
        try {
          if (!statSync(path).isFile()) throw new VarError(`must be ${expects}; it is not a regular file`);
          accessSync(path, fsConstants.R_OK);
        } catch (e) {
          if (e instanceof VarError) throw e;
          throw new VarError(`must be ${expects} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
        return path;
      }),
  };
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
/** Connection URLs that carry a password by convention. */
const SECRET_URL_NAME = /(^|_)(DATABASE|REDIS)_URL$/;

/** Whether a variable is a secret: marked so, or named like one (which covers specs that predate the marker). */
export function isSecret(name: string, v?: Pick<Var<unknown>, 'secret'>): boolean {
  return v?.secret === true || SECRET_NAME.test(name) || SECRET_URL_NAME.test(name);
}

/** What an error message may echo of a value: nothing for secrets, URLs with their password masked. */
export function displayValue(name: string, raw: string, v?: Pick<Var<unknown>, 'secret'>): string {
  if (SECRET_NAME.test(name)) return '<redacted>';
  // A secret URL is shown with its password masked, so long as it parses: an unparsed one has no known password.
  if (isSecret(name, v) && !(raw.includes('://') && URL.canParse(raw))) return '<redacted>';
  return JSON.stringify(maskSecrets(raw));
}

/** Replaces the password of every `scheme://user:password@` in a string with `***`. */
export function maskUrlPasswords(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s/]*@/gi, '$1***@');
}

// Secret values loaded in this process, longest first (so a secret containing another is masked whole). Shorter
// ones are not remembered: masking every "abc" in every log line would garble the logs and protect little.
const MIN_REMEMBERED_SECRET = 4;
let knownSecrets: string[] = [];

/** Remembers a secret value (and, for a URL, its password) so maskSecrets() removes it from any text. */
export function rememberSecret(value: string): void {
  const found = [value];
  if (value.includes('://') && URL.canParse(value)) {
    const password = new URL(value).password;
    found.splice(0, 1, password);
    try {
      found.push(decodeURIComponent(password));
    } catch {
      // a malformed escape: the raw form is remembered
    }
  }
  const fresh = found.filter((s) => s.length >= MIN_REMEMBERED_SECRET && !knownSecrets.includes(s));
  if (fresh.length > 0) knownSecrets = [...knownSecrets, ...fresh].sort((a, b) => b.length - a.length);
}

/** maskUrlPasswords, and every remembered secret replaced with `***`. */
export function maskSecrets(text: string): string {
  let out = maskUrlPasswords(text);
  for (const s of knownSecrets) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}

/** A secret file's content: the value, without the one final newline editors and `echo` add. */
function readSecretFile(path: string): string {
  return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
}

/** The raw value of one variable: from the environment, or for a secret from `<NAME>_FILE`; a problem otherwise. */
function rawValue(
  name: string,
  v: Var<unknown>,
  env: Record<string, string | undefined>,
): { raw: string | undefined } | { problem: string } {
  const raw = env[name] === '' ? undefined : env[name];
  if (!isSecret(name, v)) return { raw };
  const fileName = `${name}_FILE`;
  const path = env[fileName] === '' ? undefined : env[fileName];
  if (path === undefined) {
    if (raw !== undefined) rememberSecret(raw);
    return { raw };
  }
  if (raw !== undefined) return { problem: `${name} and ${fileName} are both set: set one of them` };
  let content: string;
  try {
    content = readSecretFile(path);
  } catch (e) {
    return { problem: `${fileName}=${JSON.stringify(path)} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (content === '') return { problem: `${fileName}=${JSON.stringify(path)} is empty` };
  rememberSecret(content);
  return { raw: content };
}

/**
 * Parses every variable of `spec` from `env`. An empty value counts as unset (compose files often write `FOO=`).
 * Throws a ConfigError listing every bad or missing variable; returns a frozen object keyed like the spec.
 */
export function loadConfig<S extends Spec>(spec: S, env: Record<string, string | undefined> = process.env): Config<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, v] of Object.entries(spec)) {
    const value = rawValue(name, v, env);
    if ('problem' in value) {
      problems.push(value.problem);
      continue;
    }
    const { raw } = value;
    try {
      out[name] = v.parse(raw);
    } catch (e) {
      if (!(e instanceof VarError)) throw e;
      problems.push(raw === undefined ? `${name} ${e.message}` : `${name}=${displayValue(name, raw, v)} ${e.message}`);
    }
  }
  // Rules across variables only once each variable is valid on its own: a rule about a bad value would say it twice.
  if (problems.length === 0) {
    for (const [name, v] of Object.entries(spec)) problems.push(...(v.check?.(out[name], out) ?? []));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out) as Config<S>;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const SASL_MECHANISMS = ['scram-sha-512', 'scram-sha-256', 'plain'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

const isSet = (v: unknown): boolean => v !== undefined;

/**
 * How a client authenticates to Kafka and protects the connection: SASL (SCRAM or PLAIN) with a username and
 * password, TLS with a CA bundle (the system CAs without one) and optionally a client certificate. Unset: plaintext,
 * unauthenticated, as the local stack's default broker.
 */
export const kafkaSecuritySpec = {
  KAFKA_SASL_MECHANISM: checked(optional(oneOf(SASL_MECHANISMS)), (mechanism, c) => {
    if (mechanism === undefined) {
      const given = ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'].filter((n) => isSet(c[n]));
      return given.length === 0 ? [] : [`${given.join(' and ')} set but KAFKA_SASL_MECHANISM is not: set it (e.g. scram-sha-512)`];
    }
    const missing = [
      ...(isSet(c.KAFKA_SASL_USERNAME) ? [] : ['KAFKA_SASL_USERNAME']),
      ...(isSet(c.KAFKA_SASL_PASSWORD) ? [] : ['KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE)']),
    ];
    return [
      ...(missing.length === 0 ? [] : [`KAFKA_SASL_MECHANISM=${mechanism} needs ${missing.join(' and ')}`]),
      // PLAIN sends the password as it is: only inside TLS.
      ...(mechanism === 'plain' && c.KAFKA_TLS !== true ? ['KAFKA_SASL_MECHANISM=plain needs KAFKA_TLS=true (PLAIN sends the password in clear)'] : []),
    ];
  }),
  KAFKA_SASL_USERNAME: optional(str()),
  KAFKA_SASL_PASSWORD: secret(optional(str())),
  KAFKA_TLS: checked(bool({ default: false }), (tls, c) => {
    const files = ['KAFKA_TLS_CA_FILE', 'KAFKA_TLS_CERT_FILE', 'KAFKA_TLS_KEY_FILE'].filter((n) => isSet(c[n]));
    return [
      ...(!tls && files.length > 0 ? [`${files.join(', ')} set but KAFKA_TLS is not true`] : []),
      ...(isSet(c.KAFKA_TLS_CERT_FILE) !== isSet(c.KAFKA_TLS_KEY_FILE)
        ? ['KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE go together (a client certificate and its key): set both or neither']
        : []),
    ];
  }),
  /** PEM CA bundle the brokers' certificates must chain to; unset: the system CAs. */
  KAFKA_TLS_CA_FILE: optional(file()),
  /** PEM client certificate and key, for brokers that ask for one. */
  KAFKA_TLS_CERT_FILE: optional(file()),
  KAFKA_TLS_KEY_FILE: optional(file()),
};

/** The schema registry: its URL, basic-auth credentials, and a CA bundle for an https URL. */
export const registrySpec = {
  SCHEMA_REGISTRY_URL: url({ protocols: ['http', 'https'] }),
  SCHEMA_REGISTRY_USERNAME: checked(optional(str()), (username, c) =>
    isSet(username) === isSet(c.SCHEMA_REGISTRY_PASSWORD)
      ? []
      : ['SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD (or SCHEMA_REGISTRY_PASSWORD_FILE) go together: set both or neither'],
  ),
  SCHEMA_REGISTRY_PASSWORD: secret(optional(str())),
  SCHEMA_REGISTRY_CA_FILE: checked(optional(file()), (ca, c) =>
    isSet(ca) && !String(c.SCHEMA_REGISTRY_URL).startsWith('https:')
      ? ['SCHEMA_REGISTRY_CA_FILE set but SCHEMA_REGISTRY_URL is not an https URL']
      : [],
  ),
};

/**
 * What every service reads: Kafka and the registry (where and how to authenticate), its namespace (topic prefix and
 * consumer group), its HTTP address for /metrics and /healthz, logging, and the topic layout (one partition count for
 * every topic, so customers stay co-partitioned).
 */
export function commonSpec(service: string, defaults: { httpPort: number }) {
  return {
    KAFKA_BROKERS: hostPorts(),
    KAFKA_CLIENT_ID: str({ default: service }),
    // The namespace: a test or a parallel environment runs against its own topics and subjects and its own group.
    O2C_TOPIC_PREFIX: str({ default: '' }),
    KAFKA_GROUP_ID: str({ default: service }),
    ...kafkaSecuritySpec,
    KAFKA_PARTITIONS: int({ default: 12, min: 1, max: 10_000 }),
    KAFKA_REPLICATION_FACTOR: int({ default: 1, min: 1, max: 32 }),
    // retention.ms of the non-compacted topics a service creates (-1: forever). A stateful service rebuilds a lost
    // partition state from its input logs, which is complete only while they keep every record.
    KAFKA_TOPIC_RETENTION_MS: int({ default: -1, min: -1 }),
    // Fetch tuning: a fetch returns as soon as minBytes are there, or after maxWait. minBytes 1 keeps decisions fast
    // when idle; under load, batches grow by themselves with what arrived while the previous batch ran.
    KAFKA_FETCH_MIN_BYTES: int({ default: 1, min: 1 }),
    KAFKA_FETCH_MAX_WAIT_MS: int({ default: 500, min: 0, max: 60_000 }),
    KAFKA_MAX_BYTES_PER_PARTITION: int({ default: 1_048_576, min: 1024 }),
    ...registrySpec,
    // false for a registry that forbids services to write: start-up then only checks that each subject exists and
    // accepts this service's schema, and neither registers nor sets compatibility.
    SCHEMA_AUTO_REGISTER: bool({ default: true }),
    // How long start-up keeps retrying a broker, registry, Redis or Postgres that does not answer yet (compose starts
    // everything at once) before it fails naming the variable and the address.
    STARTUP_TIMEOUT_MS: int({ default: 120_000, min: 100, max: 3_600_000 }),
    // Loopback unless told otherwise: /metrics is for a local scraper or a container network (compose sets 0.0.0.0).
    HTTP_HOST: str({ default: '127.0.0.1' }),
    HTTP_PORT: int({ default: defaults.httpPort, min: 0, max: 65_535 }),
    LOG_LEVEL: oneOf(LOG_LEVELS, { default: 'info' }),
  };
}

/**
 * Redis: where (`redis://` or `rediss://` for TLS), as whom (`redis://user:password@host:port`, one ACL user per
 * service), the password apart from the URL (REDIS_PASSWORD or REDIS_PASSWORD_FILE, so the URL holds no secret), and
 * the CA bundle a `rediss` server's certificate must chain to (unset: the system CAs).
 */
export const redisSpec = {
  REDIS_URL: checked(secret(url({ protocols: ['redis', 'rediss'] })), (redisUrl, c) => {
    const u = new URL(String(redisUrl));
    return [
      ...(isSet(c.REDIS_PASSWORD) && u.password !== '' ? ['REDIS_URL has a password and REDIS_PASSWORD (or REDIS_PASSWORD_FILE) is set: give one of them'] : []),
      ...(isSet(c.REDIS_TLS_CA_FILE) && u.protocol !== 'rediss:' ? ['REDIS_TLS_CA_FILE set but REDIS_URL is not a rediss:// URL'] : []),
    ];
  }),
  REDIS_PASSWORD: secret(optional(str())),
  REDIS_TLS_CA_FILE: optional(file()),
  // The Redis side of the namespace: every key of the service starts with it.
  REDIS_KEY_PREFIX: str({ default: 'o2c' }),
};
export const databaseSpec = { DATABASE_URL: secret(url({ protocols: ['postgres', 'postgresql'] })) };

export type CommonConfig = Config<ReturnType<typeof commonSpec>>;

/**
 * What a stateful service (shared/stateful/stateful-service.ts) reads besides the common variables: Redis, and how it
 * consumes and publishes. The same variables and defaults for exposure, delinquency and scoring.
 */
export const statefulSpec = {
  ...redisSpec,
  // Batches of different partitions handled at once; one partition's topics are still handled one at a time.
  KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY: int({ default: 12, min: 1, max: 1000 }),
  // Idempotent producers the outbox is published through, partition p by producer p % n: one kafkajs idempotent
  // producer sends one request at a time, so a single one would make every partition wait for the others.
  KAFKA_PRODUCERS: int({ default: 4, min: 1, max: 64 }),
  // How soon the group notices a member that died without leaving (kill -9) and hands its partitions over.
  KAFKA_SESSION_TIMEOUT_MS: int({ default: 30_000, min: 1000 }),
  KAFKA_HEARTBEAT_INTERVAL_MS: int({ default: 3000, min: 100 }),
  // Partition p of the inputs in event-time order (a replay of pre-loaded topics applies as it happened); how long
  // records parked for that order stay in memory before they are fetched again.
  EVENT_TIME_ALIGNMENT: bool({ default: true }),
  // Short: a parked live order waits up to this long (2000 gave the latency step's p99 2 s; replays wait on known lag).
  ALIGN_MAX_IDLE_MS: int({ default: 250, min: 0, max: 600_000 }),
};

export type StatefulConfig = Config<ReturnType<typeof commonSpec> & typeof statefulSpec>;
