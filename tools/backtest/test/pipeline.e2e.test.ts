// The backtest against the real pipeline: the shipped ledger (data/ar-late-payments.csv) imported by the importer
// CLI into a fresh namespace on the real stack, the delinquency service and then the exposure service consuming it
// as separate processes under the strict example policy (tools/backtest/policies/strict.json: its authority matrix
// as CREDIT_POLICY_FILE, its variables in their environment, the importer run with its credit limit), and what
// exposure published on o2c.credit-holds.v1 held to the backtest's in-memory replay of the same file: the same
// orders held and released, the same held value, the same order events one for one by id, and so every figure the
// backtest derives from them.
//
// Delinquency runs to the end before exposure starts, as a replay of a written history does: exposure's event-time
// aligner then waits on the delinquency topic's known lag instead of running ahead of it, which is the order the
// backtest replays in (src/replay.ts). The strict policy holds OVERDUE too, so that order matters here.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreditHoldEvent } from '../../../shared/contracts/events.generated.ts';
import { topicRegistry, type TopicRegistry } from '../../../shared/contracts/topics.ts';
import { prepareContracts } from '../../../shared/kafka/admin.ts';
import { uniqueId } from '../../../test/kafka.ts';
import { getStack, type Stack } from '../../../test/stack.ts';
import { readTopics } from '../../bench/src/topic-reader.ts';
import { removeNamespace, serviceEnv, type DemoNamespace } from '../../demo/src/namespace.ts';
import { caughtUp, readService, type ServiceReading } from '../../demo/src/pipeline-state.ts';
import { parsePromText } from '../../demo/src/prom-text.ts';
import { freePort, ServiceProcess, tailOf, type ServiceName } from '../../demo/src/service-process.ts';
import { AR_LATE_PAYMENTS } from '../../import-ledger/src/mapping.ts';
import { endOffsetSums } from '../../lib/end-offsets.ts';
import { backtest, type BacktestResult } from '../src/backtest.ts';
import { policyFigures } from '../src/metrics.ts';
import { loadPolicyFile, type BacktestPolicy } from '../src/policy.ts';
import { replayPolicy, type PolicyReplay } from '../src/replay.ts';
import { readLedger } from '../../import-ledger/src/rows.ts';
import { ledgerSourceId } from '../../import-ledger/src/replay.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const LEDGER = fileURLToPath(new URL('../../../data/ar-late-payments.csv', import.meta.url));
const POLICY = fileURLToPath(new URL('../policies/strict.json', import.meta.url));
const PARTITIONS = 12;
/** Generous: the machine's two cores are shared; a caught-up pipeline is seen as soon as it is. */
const CATCH_UP_WITHIN_MS = 300_000;
const STOP_GRACE_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function runImporter(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'tools/import-ledger/main.ts', ...args],
      { cwd: REPO_ROOT, env, maxBuffer: 16 * 1024 * 1024, timeout: 180_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

let stack: Stack;
let ns: DemoNamespace;
let topics: TopicRegistry;
let logDir: string;
let policy: BacktestPolicy;
let result: BacktestResult;
let replayed: PolicyReplay;
let published: CreditHoldEvent[];
let dlqRecords: number;
const exits: Array<[string, number | null]> = [];

/** Runs one service until it has consumed everything on its input topics, then stops it with SIGTERM. */
async function runToEnd(name: ServiceName, env: Record<string, string>): Promise<void> {
  const service = await ServiceProcess.start({
    name,
    repoRoot: REPO_ROOT,
    logDir,
    port: await freePort(),
    env: { ...process.env, LOG_LEVEL: 'warn', KAFKA_PARTITIONS: String(PARTITIONS), ...serviceEnv(ns, stack.env, name), ...env },
  });
  const admin = new kafkajs.Kafka({ brokers: [...stack.kafkaBrokers], logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await service.waitHealthy(120_000);
    const deadline = Date.now() + CATCH_UP_WITHIN_MS;
    let previous: ServiceReading[] | undefined;
    for (;;) {
      if (!service.running) throw new Error(`${name} died:\n${await tailOf(service.logFile)}`);
      if (Date.now() > deadline) throw new Error(`${name} not caught up within ${CATCH_UP_WITHIN_MS / 1000} s:\n${await tailOf(service.logFile)}`);
      // A service busy with a big batch may not answer within the scrape timeout: that reading is skipped.
      const reading = await service.metrics().then((text) => readService(name, parsePromText(text)), () => undefined);
      const ends = await endOffsetSums(admin, Object.values(topics).map((t) => t.name));
      if (reading && caughtUp(previous, [reading], ends)) break;
      previous = reading ? [reading] : undefined;
      await sleep(1000);
    }
  } finally {
    await admin.disconnect();
    exits.push([name, (await service.stop(STOP_GRACE_MS)).code]);
  }
}

async function readCreditHolds(): Promise<CreditHoldEvent[]> {
  const kafka = new kafkajs.Kafka({ brokers: [...stack.kafkaBrokers], logLevel: kafkajs.logLevel.NOTHING });
  const { serde } = await prepareContracts({ kafka, registry: stack.schemaRegistryUrl, topics, partitions: PARTITIONS });
  const admin = kafka.admin();
  await admin.connect();
  const events: CreditHoldEvent[] = [];
  try {
    await readTopics(kafka, admin, {
      groupId: `${ns.topicPrefix}read-credit-holds`,
      topics: [topics.CREDIT_HOLDS.name],
      signal: AbortSignal.timeout(120_000),
      onRecord: async (_topic, _partition, m) => {
        events.push((await serde.decode(topics.CREDIT_HOLDS, m.value)) as CreditHoldEvent);
      },
    });
  } finally {
    await admin.disconnect();
  }
  return events;
}

const ORDER_EVENTS = new Set(['OrderCreditApproved', 'OrderCreditHeld', 'OrderCreditReleased', 'OrderCreditRejected']);
const orderEventIds = (events: readonly CreditHoldEvent[]) => [...new Set(events.filter((e) => ORDER_EVENTS.has(e.eventType)).map((e) => e.eventId))].sort();

beforeAll(async () => {
  stack = await getStack();
  const id = uniqueId('backtest');
  ns = { runId: id, topicPrefix: `${id}.`, redisPrefix: `o2c-${id}`, database: `o2c_${id.replace(/[^a-z0-9]/g, '_')}` };
  topics = topicRegistry(ns.topicPrefix);
  logDir = await mkdtemp(join(tmpdir(), 'o2c-backtest-e2e-'));

  policy = loadPolicyFile(POLICY, AR_LATE_PAYMENTS.amountScale);
  const bytes = await readFile(LEDGER);
  result = await backtest({ file: LEDGER, bytes, mapping: AR_LATE_PAYMENTS, policies: [policy], partitions: PARTITIONS });
  const { rows } = readLedger(bytes.toString('utf8'), AR_LATE_PAYMENTS);
  replayed = await replayPolicy(rows, policy, { sourceId: ledgerSourceId(bytes), currency: AR_LATE_PAYMENTS.currency, partitions: PARTITIONS });

  const imported = await runImporter([LEDGER, '--credit-limit', policy.creditLimit.label, '--currency', AR_LATE_PAYMENTS.currency], {
    ...process.env,
    ...stack.env,
    O2C_TOPIC_PREFIX: ns.topicPrefix,
    KAFKA_PARTITIONS: String(PARTITIONS),
  });
  if (imported.code !== 0) throw new Error(`import-ledger exited ${imported.code}:\n${imported.stderr}`);

  const policyFile = join(logDir, 'credit-policy.json');
  await writeFile(policyFile, JSON.stringify(policy.serviceDocument));
  await runToEnd('delinquency', { ...policy.env });
  await runToEnd('exposure', { ...policy.env, CREDIT_POLICY_FILE: policyFile });
  published = await readCreditHolds();
  const admin = new kafkajs.Kafka({ brokers: [...stack.kafkaBrokers], logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    dlqRecords = (await endOffsetSums(admin, [topics.DLQ.name])).get(topics.DLQ.name) ?? 0;
  } finally {
    await admin.disconnect();
  }
}, 900_000);

afterAll(async () => {
  if (ns) expect(await removeNamespace(ns, stack.env)).toEqual([]);
  if (logDir) await rm(logDir, { recursive: true, force: true });
}, 90_000);

describe('the backtest against the pipeline on the shipped ledger, under the strict policy', () => {
  it('counts the orders held and released and the held value the exposure service published', () => {
    const [column] = result.policies;
    const pipeline = policyFigures(replayed.book, published);
    expect(published.length).toBeGreaterThan(0);
    expect(dlqRecords).toBe(0);
    expect({ held: pipeline.orders.held, released: pipeline.orders.released, heldValue: pipeline.value.held }).toEqual({
      held: column!.figures.orders.held,
      released: column!.figures.orders.released,
      heldValue: column!.figures.value.held,
    });
    // The policy bites, with both of its reasons: a comparison of two empty columns would prove nothing.
    expect(column!.figures.orders.held).toBeGreaterThan(100);
    expect(column!.figures.reasons.OVERDUE).toBeGreaterThan(0);
    // And so every other figure: durations, reasons, what was held when invoiced, each month-end.
    expect(pipeline).toEqual(column!.figures);
  });

  it('derives the same order events, one for one by id (the backtest uses the importer ids)', () => {
    expect(orderEventIds(published)).toEqual(orderEventIds(replayed.holds));
  });

  it('stopped both services cleanly', () => {
    expect(exits).toEqual([['delinquency', 0], ['exposure', 0]]);
  });
});
