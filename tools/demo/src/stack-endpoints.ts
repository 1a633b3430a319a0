// Where the demo finds Kafka, the registry, Redis and Postgres: the four environment variables when all are set,
// else the local stack, brought up with stack/up.sh (idempotent: a stack already up is left alone) unless told not
// to, and read from the endpoints file it writes.
import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tailOf } from './service-process.ts';

export const STACK_VARS = ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'REDIS_URL', 'DATABASE_URL'] as const;
export type StackVar = (typeof STACK_VARS)[number];
export type StackEndpoints = Readonly<Record<StackVar, string>>;

export interface ResolvedStack {
  readonly endpoints: StackEndpoints;
  readonly source: 'env' | 'local';
}

/** The endpoints given in the environment: all four, or none (undefined); some but not all is an error. */
export function endpointsFromEnv(env: Readonly<Record<string, string | undefined>>): StackEndpoints | undefined {
  const set = STACK_VARS.filter((v) => env[v]);
  if (set.length === 0) return undefined;
  if (set.length < STACK_VARS.length) {
    const missing = STACK_VARS.filter((v) => !env[v]);
    throw new Error(`${set.join(', ')} set but ${missing.join(', ')} not: set all four, or none to use the local stack`);
  }
  return Object.fromEntries(STACK_VARS.map((v) => [v, env[v]!])) as StackEndpoints;
}

/** The KEY=value lines of stack/.data/stack.env. */
export function parseStackEnv(text: string): StackEndpoints | undefined {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z_]+)=(.*)$/.exec(line);
    if (m) vars.set(m[1]!, m[2]!.trim().replace(/^(['"])(.*)\1$/, '$2'));
  }
  if (STACK_VARS.some((v) => !vars.get(v))) return undefined;
  return Object.fromEntries(STACK_VARS.map((v) => [v, vars.get(v)!])) as StackEndpoints;
}

async function runStackUp(repoRoot: string, logFile: string): Promise<void> {
  const log = await open(logFile, 'a');
  try {
    const child = spawn('bash', [join(repoRoot, 'stack', 'up.sh')], { cwd: repoRoot, stdio: ['ignore', log.fd, log.fd] });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) {
      throw new Error(`stack/up.sh failed (exit ${code}); its output (${logFile}) ends with:\n${await tailOf(logFile, 40)}`);
    }
  } finally {
    await log.close();
  }
}

export async function resolveStack(options: {
  repoRoot: string;
  env: Readonly<Record<string, string | undefined>>;
  stackUp: boolean;
  logFile: string;
  onStackUp?: () => void;
}): Promise<ResolvedStack> {
  const given = endpointsFromEnv(options.env);
  if (given) return { endpoints: given, source: 'env' };
  if (options.stackUp) {
    options.onStackUp?.();
    await runStackUp(options.repoRoot, options.logFile);
  }
  const file = join(options.repoRoot, 'stack', '.data', 'stack.env');
  const text = await readFile(file, 'utf8').catch(() => '');
  const endpoints = parseStackEnv(text);
  if (!endpoints) {
    throw new Error(
      `no stack endpoints: ${file} is missing or incomplete; run \`npm run stack:up\` (or drop --no-stack-up), ` +
        `or set ${STACK_VARS.join(', ')}`,
    );
  }
  return { endpoints, source: 'local' };
}
