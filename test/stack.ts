// Finds the real stack for integration and end-to-end tests (and, for the tests of authentication and ACLs, the
// local stack's secure broker: ensureSecureStack), in this order:
//   1. explicit endpoints: KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL and DATABASE_URL all set (CI, a remote stack);
//   2. testcontainers, when a Docker engine answers: Kafka (KRaft), Apicurio Registry, Redis and Postgres containers;
//   3. the local stack started by `npm run stack:up`, whose endpoints are in stack/.data/stack.env.
// Each endpoint is checked before a test uses it, so a missing stack fails in seconds with what to do about it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';

export interface Stack {
  readonly source: 'env' | 'testcontainers' | 'local';
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly redisUrl: string;
  readonly databaseUrl: string;
  /** The same endpoints as environment variables, for a service's loadConfig. */
  readonly env: Readonly<Record<StackVar, string>>;
}

const STACK_VARS = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'REDIS_URL', 'DATABASE_URL'] as const;
type StackVar = (typeof STACK_VARS)[number];

const STACK_ENV_FILE = fileURLToPath(new URL('../stack/.data/stack.env', import.meta.url));
const CHECK_TIMEOUT_MS = 3000;

function stackOf(source: Stack['source'], env: Record<StackVar, string>): Stack {
  return {
    source,
    kafkaBrokers: env.KAFKA_BROKERS.split(',').map((b) => b.trim()),
    schemaRegistryUrl: env.SCHEMA_REGISTRY_URL,
    redisUrl: env.REDIS_URL,
    databaseUrl: env.DATABASE_URL,
    env: Object.freeze({ ...env }),
  };
}

/** Resolves once `socket` emits `opened`, then closes it; rejects on its error or timeout. */
function opens(socket: Socket, opened: 'connect' | 'secureConnect'): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once(opened, () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error('timed out'));
    });
    socket.once('error', reject);
  });
}

/** Resolves when a TCP connection to host:port opens; rejects with the reason otherwise. */
const tcpAnswers = (host: string, port: number): Promise<void> =>
  opens(connect({ host, port, timeout: CHECK_TIMEOUT_MS }), 'connect');

function hostPort(endpoint: string, defaultPort: number): [string, number] {
  const u = new URL(endpoint.includes('://') ? endpoint : `tcp://${endpoint}`);
  return [u.hostname, u.port === '' ? defaultPort : Number(u.port)];
}

/** The endpoints that do not answer, each with why; empty when all do. */
async function unreachable(stack: Stack): Promise<string[]> {
  const checks: Array<[string, () => Promise<void>]> = [
    ...stack.kafkaBrokers.map((b): [string, () => Promise<void>] => [`Kafka ${b}`, () => tcpAnswers(...hostPort(b, 9092))]),
    [
      `schema registry ${stack.schemaRegistryUrl}`,
      async () => {
        const res = await fetch(`${stack.schemaRegistryUrl}/subjects`, { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
        if (!res.ok) throw new Error(`GET /subjects answered ${res.status}`);
      },
    ],
    [`Redis ${stack.redisUrl}`, () => tcpAnswers(...hostPort(stack.redisUrl, 6379))],
    [`Postgres ${stack.databaseUrl}`, () => tcpAnswers(...hostPort(stack.databaseUrl, 5432))],
  ];
  const results = await Promise.all(
    checks.map(async ([name, check]) => {
      try {
        await check();
        return undefined;
      } catch (e) {
        return `${name} (${(e as Error).message})`;
      }
    }),
  );
  return results.filter((r): r is string => r !== undefined);
}

function fromEnv(): Stack | undefined {
  const set = STACK_VARS.filter((v) => process.env[v]);
  if (set.length === 0) return undefined;
  if (set.length < STACK_VARS.length) {
    const missing = STACK_VARS.filter((v) => !process.env[v]);
    throw new Error(`stack: ${set.join(', ')} set but ${missing.join(', ')} not: set all four, or none`);
  }
  return stackOf('env', Object.fromEntries(STACK_VARS.map((v) => [v, process.env[v]!])) as Record<StackVar, string>);
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/** A free host port, so Kafka can advertise the address tests will reach it at before it starts. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the four containers; the reaper (Ryuk) removes them when the test process exits. */
async function fromContainers(): Promise<Stack> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const kafkaPort = await freePort();
  const [kafka, registry, redis, postgres] = await Promise.all([
    new GenericContainer('apache/kafka:3.9.1')
      .withExposedPorts({ container: 9092, host: kafkaPort })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort}`,
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start(),
    new GenericContainer('apicurio/apicurio-registry:3.0.6')
      .withExposedPorts(8080)
      .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080).forStatusCode(200))
      .start(),
    new GenericContainer('redis:7-alpine').withExposedPorts(6379).withWaitStrategy(Wait.forListeningPorts()).start(),
    new GenericContainer('postgres:16-alpine')
      .withExposedPorts(5432)
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'o2c' })
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start(),
  ]);
  const at = (c: typeof redis, port: number) => `${c.getHost()}:${c.getMappedPort(port)}`;
  return stackOf('testcontainers', {
    KAFKA_BROKERS: `127.0.0.1:${kafka.getMappedPort(9092)}`,
    SCHEMA_REGISTRY_URL: `http://${at(registry, 8080)}/apis/ccompat/v7`,
    REDIS_URL: `redis://${at(redis, 6379)}`,
    DATABASE_URL: `postgres://postgres@${at(postgres, 5432)}/o2c`,
  });
}

async function fromLocalStack(): Promise<Stack> {
  let text: string;
  try {
    text = await readFile(STACK_ENV_FILE, 'utf8');
  } catch {
    throw new Error(
      `stack: no endpoints in the environment, no Docker, and no local stack (${STACK_ENV_FILE} missing): ` +
        'run `npm run stack:up`, or set KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL and DATABASE_URL',
    );
  }
  const vars = new Map(
    text
      .split('\n')
      .map((line) => /^\s*([A-Z_]+)=(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!.trim().replace(/^(['"])(.*)\1$/, '$2')]),
  );
  const missing = STACK_VARS.filter((v) => !vars.get(v));
  if (missing.length > 0) throw new Error(`stack: ${STACK_ENV_FILE} lacks ${missing.join(', ')}: rerun \`npm run stack:up\``);
  return stackOf('local', Object.fromEntries(STACK_VARS.map((v) => [v, vars.get(v)!])) as Record<StackVar, string>);
}

async function discover(): Promise<Stack> {
  const stack = fromEnv() ?? ((await dockerAnswers()) ? await fromContainers() : await fromLocalStack());
  const down = await unreachable(stack);
  if (down.length > 0) {
    const hint = stack.source === 'local' ? 'run `npm run stack:up` (and `npm run stack:status` to see what is down)' : 'check the endpoints';
    throw new Error(`stack (${stack.source}): not answering: ${down.join('; ')}: ${hint}`);
  }
  return stack;
}

/**
 * For vitest's globalSetup: finds the stack once for the whole run, starting the local one with stack/up.sh when
 * neither endpoints nor Docker are there, and exports its endpoints to the environment so every test file (and every
 * service a test spawns) uses the same stack instead of discovering, or starting containers, again.
 */
export async function ensureStack(): Promise<Stack> {
  let stack: Stack;
  const explicit = fromEnv();
  if (explicit) stack = explicit;
  else if (await dockerAnswers()) stack = await fromContainers();
  else {
    stack = await fromLocalStack().catch(() => undefined as unknown as Stack);
    if (!stack || (await unreachable(stack)).length > 0) {
      execFileSync('bash', [fileURLToPath(new URL('../stack/up.sh', import.meta.url))], { stdio: 'inherit' });
      stack = await fromLocalStack();
    }
  }
  const down = await unreachable(stack);
  if (down.length > 0) throw new Error(`stack (${stack.source}): not answering: ${down.join('; ')}`);
  for (const v of STACK_VARS) process.env[v] = stack.env[v];
  return stack;
}

let found: Promise<Stack> | undefined;

/** The stack this test process uses, found once. */
export function getStack(): Promise<Stack> {
  found ??= discover();
  return found;
}

/** The secure broker of the local stack (STACK_SECURE=1 stack/up.sh): SASL_SSL, one principal per service and tool. */
export interface SecureStack {
  readonly brokers: readonly string[];
  readonly caFile: string;
  /** The secure Redis (TLS, one ACL user per service), without a user: rediss://host:port. */
  readonly redisUrl: string;
  /** A principal's environment for loadConfig: the stack's endpoints, the secure broker, its username and password file. */
  env(principal: string): Readonly<Record<string, string>>;
  /** A principal's password, for tests that must give it as a value (or get it wrong). */
  password(principal: string): string;
}

const SECURE_ENV_FILE = fileURLToPath(new URL('../stack/.data/stack-secure.env', import.meta.url));

function envFileVars(text: string): Map<string, string> {
  return new Map(
    text
      .split('\n')
      .map((line) => /^\s*([A-Z_]+)=(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!.trim()]),
  );
}

async function readSecureStack(): Promise<SecureStack | undefined> {
  const vars = envFileVars(await readFile(SECURE_ENV_FILE, 'utf8').catch(() => ''));
  const brokers = vars.get('SECURE_KAFKA_BROKERS');
  const caFile = vars.get('SECURE_CA_FILE');
  const envDir = vars.get('SECURE_ENV_DIR');
  const secretsDir = vars.get('SECURE_SECRETS_DIR');
  const redisUrl = vars.get('SECURE_REDIS_URL');
  if (!brokers || !caFile || !envDir || !secretsDir || !redisUrl) return undefined;
  return {
    brokers: brokers.split(','),
    caFile,
    redisUrl,
    env: (principal) => Object.freeze(Object.fromEntries(envFileVars(readFileSync(join(envDir, `${principal}.env`), 'utf8')))),
    password: (principal) => readFileSync(join(secretsDir, `${principal}.password`), 'utf8').trim(),
  };
}

/** Resolves when a TLS session with endpoint (host:port) opens and its certificate verifies against the stack's CA. */
async function tlsAnswers(endpoint: string, caFile: string): Promise<void> {
  const ca = await readFile(caFile);
  const [host, port] = hostPort(endpoint, 9094);
  await opens(tlsConnect({ host, port, ca, timeout: CHECK_TIMEOUT_MS }), 'secureConnect');
}

/**
 * The secure broker and Redis, started with `STACK_SECURE=1 stack/up.sh` when either does not answer (about 20 s on
 * first start; the plaintext stack is left as it is). Never skipped: without Java or openssl it fails saying why.
 */
export async function ensureSecureStack(): Promise<SecureStack> {
  const answering = async (s: SecureStack | undefined) =>
    s !== undefined &&
    (await Promise.all([tlsAnswers(s.brokers[0]!, s.caFile), tlsAnswers(new URL(s.redisUrl).host, s.caFile)]).then(() => true, () => false));
  let secure = await readSecureStack();
  if (!(await answering(secure))) {
    execFileSync('bash', [fileURLToPath(new URL('../stack/up.sh', import.meta.url))], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, STACK_SECURE: '1' },
    });
    secure = await readSecureStack();
  }
  if (!secure || !(await answering(secure))) throw new Error(`secure stack: not answering after stack/up.sh (see ${SECURE_ENV_FILE})`);
  return secure;
}
