// The real AR ledger (data/ar-late-payments.csv, 2,466 invoices of 100 customers) replayed through the
// real stack: the ledger importer's events in event time with daily business-date ticks through 2014-01-31 on every
// partition, the delinquency service consuming them, o2c.delinquency.v1 read back. The file states its own truth
// (DaysLate). Then the same replay again with the service as a child process killed -9 in the middle and restarted:
// the same event ids with the same contents.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DelinquencyEvent, DelinquencyStatus } from '../../../shared/contracts/events.generated.ts';
import type { AnyEvent, TopicSpec } from '../../../shared/contracts/topics.ts';
import { createLogger } from '../../../shared/logger.ts';
import { PartitionStore } from '../../../shared/redis/partition-store.ts';
import { dayFromIso } from '../../../shared/time.ts';
import { getStack, type Stack } from '../../../test/stack.ts';
import { waitUntil } from '../../../test/kafka.ts';
import { DEFAULT_CREDIT_LIMIT, parseCreditLimit } from '../../../tools/import-ledger/src/credit-policy.ts';
import { AR_LATE_PAYMENTS } from '../../../tools/import-ledger/src/mapping.ts';
import { ledgerReplay } from '../../../tools/import-ledger/src/replay.ts';
import { readLedger } from '../../../tools/import-ledger/src/rows.ts';
import { loadDelinquencyConfig } from '../src/config.ts';
import { defaultPolicy, statusOf, type DelinquencyInput } from '../src/domain/index.ts';
import { drive, type Item } from './drive.ts';
import { DelinquencyService } from '../src/service.ts';
import { openSandbox, produceEvents, readDelinquency, topicSize, waitConsumed, type Sandbox } from './real-stack.ts';

const LEDGER = fileURLToPath(new URL('../../../data/ar-late-payments.csv', import.meta.url));
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const PARTITIONS = 12;
const STATUS_RANK: readonly DelinquencyStatus[] = ['CURRENT', 'OVERDUE', 'DELINQUENT', 'SEVERE'];

const text = readFileSync(LEDGER, 'utf8');
const file: Array<{ customerID: string; invoiceNumber: string; DaysLate: string }> = parse(text, { columns: true });
const daysLate = new Map(file.map((r) => [r.invoiceNumber, Number(r.DaysLate)]));
const worstLate = new Map<string, number>();
for (const r of file) worstLate.set(r.customerID, Math.max(worstLate.get(r.customerID) ?? 0, Number(r.DaysLate)));

/** The importer's records for the topics the service reads (same ids every run: the source id is fixed). */
function ledgerRecords(box: Sandbox): Array<{ spec: TopicSpec; event: AnyEvent; partition?: number }> {
  const replay = ledgerReplay(readLedger(text, AR_LATE_PAYMENTS).rows, {
    sourceId: 'ledger:delinquency-e2e',
    currency: 'EUR',
    partitions: PARTITIONS,
    creditLimit: parseCreditLimit(DEFAULT_CREDIT_LIMIT, AR_LATE_PAYMENTS.amountScale),
    endDay: dayFromIso('2014-01-31'),
  });
  return replay.records
    .filter((r) => r.topic === 'INVOICES' || r.topic === 'PAYMENTS' || r.topic === 'CUSTOMERS')
    .map((r) => ({ spec: box.topics[r.topic] as TopicSpec, event: r.event as AnyEvent, partition: r.partition }));
}

let stack: Stack;
const boxes: Sandbox[] = [];
let uninterrupted: DelinquencyEvent[];

async function sandbox(name: string): Promise<Sandbox> {
  const box = await openSandbox(stack, name, PARTITIONS);
  boxes.push(box);
  await produceEvents(box, ledgerRecords(box));
  return box;
}

beforeAll(async () => {
  stack = await getStack();
  const box = await sandbox('dq-ledger');
  const service = new DelinquencyService({
    config: loadDelinquencyConfig(box.env),
    logger: createLogger('delinquency-e2e', { level: 'silent' }),
    onFatal: (e) => {
      throw e;
    },
  });
  await service.start();
  try {
    await waitConsumed(box, 300_000);
  } finally {
    await service.stop();
  }
  uninterrupted = await readDelinquency(box);
  expect(await topicSize(box.kafka, box.topics.DLQ.name)).toBe(0);
}, 600_000);

afterAll(async () => {
  await Promise.all(boxes.map((b) => b.close()));
});

const ofType = <T extends DelinquencyEvent['eventType']>(events: DelinquencyEvent[], t: T) =>
  events.filter((e): e is Extract<DelinquencyEvent, { eventType: T }> => e.eventType === t);

describe('the real ledger replayed through Kafka, the service and Redis', () => {
  it("gives the core's events for the importer's order (each day: invoice events, then payments), whatever the read order", () => {
    const records = ledgerRecords(boxes[0]!);
    const items: Item[] = records.flatMap((r): Item[] => {
      if (r.spec === boxes[0]!.topics.CUSTOMERS) return [{ input: r.event as DelinquencyInput }];
      const clock = r.spec === boxes[0]!.topics.INVOICES ? 'invoices' : 'payments';
      return r.event.eventType === 'BusinessDateTick' && r.partition === 0
        ? [{ tick: clock, businessDate: r.event.payload.businessDate }]
        : r.event.eventType === 'BusinessDateTick' ? [] : [{ input: r.event as DelinquencyInput }];
    });
    const core = drive(items, defaultPolicy).events.map((e) => (e.causationId?.startsWith('tick-') ? { ...e, causationId: null } : e));
    expect(new Map(uninterrupted.map((e) => [e.eventId, e]))).toEqual(new Map(core.map((e) => [e.eventId, e])));
  });

  it('makes exactly the 877 late invoices go overdue, once each', () => {
    const overdue = ofType(uninterrupted, 'InvoiceOverdue').map((e) => e.payload.invoiceId);
    const late = file.filter((r) => Number(r.DaysLate) > 0).map((r) => r.invoiceNumber);
    expect(late).toHaveLength(877);
    expect(overdue).toHaveLength(877);
    expect(new Set(overdue)).toEqual(new Set(late));
  });

  it("cures every invoice once, with the file's DaysLate as its days late", () => {
    const cured = ofType(uninterrupted, 'InvoiceCured');
    expect(cured).toHaveLength(2_466);
    expect(new Map(cured.map((e) => [e.payload.invoiceId, e.payload.daysLate]))).toEqual(daysLate);
  });

  it("takes each customer to the worst days past due of the file's maximum DaysLate, and to that status", () => {
    const worstCured = new Map<string, number>();
    const worstStatus = new Map<string, number>();
    for (const e of ofType(uninterrupted, 'InvoiceCured')) {
      worstCured.set(e.customerId, Math.max(worstCured.get(e.customerId) ?? 0, e.payload.daysLate));
    }
    for (const e of ofType(uninterrupted, 'CustomerDelinquencyChanged')) {
      worstStatus.set(e.customerId, Math.max(worstStatus.get(e.customerId) ?? 0, STATUS_RANK.indexOf(e.payload.toStatus)));
    }
    expect(worstCured).toEqual(worstLate);
    const reached = new Map([...worstLate.keys()].map((c) => [c, STATUS_RANK[worstStatus.get(c) ?? 0]]));
    expect(reached).toEqual(new Map([...worstLate].map(([c, late]) => [c, statusOf(late, defaultPolicy)])));
  });
});

describe('the same replay with the service killed -9 in the middle and restarted', () => {
  let box: Sandbox;
  const children: ChildProcess[] = [];

  const startChild = (): ChildProcess => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { cwd: REPO, env: { ...process.env, ...box.env }, stdio: 'ignore' });
    children.push(child);
    return child;
  };
  const exited = (child: ChildProcess) =>
    new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
      else child.once('exit', (code, signal) => resolve({ code, signal }));
    });

  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  it('publishes the same event ids with the same contents as the uninterrupted run', async () => {
    box = await sandbox('dq-crash');
    const first = startChild();
    const total = uninterrupted.length;
    await waitUntil(async () => (await topicSize(box.kafka, box.topics.DELINQUENCY.name)) >= total / 4, 'a quarter of the events', 120_000);
    first.kill('SIGKILL');
    expect(await exited(first)).toEqual({ code: null, signal: 'SIGKILL' });

    // It died in the middle: some partition had not applied all of its inputs.
    const store = new PartitionStore(box.redis, 'delinquency', box.redisPrefix);
    const inputs = [box.topics.INVOICES, box.topics.PAYMENTS, box.topics.CUSTOMERS].map((t) => t.name);
    let applied = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      for (const next of (await store.load(p, [])).offsets.values()) applied += Number(next);
    }
    const ends = (await Promise.all(inputs.map((t) => topicSize(box.kafka, t)))).reduce((a, b) => a + b, 0);
    expect(applied).toBeLessThan(ends);

    const second = startChild();
    await waitConsumed(box, 300_000);
    second.kill('SIGTERM');
    expect(await exited(second)).toEqual({ code: 0, signal: null });

    const afterCrash = await readDelinquency(box);
    const byId = new Map<string, DelinquencyEvent>();
    for (const e of afterCrash) {
      const seen = byId.get(e.eventId);
      if (seen) expect(e).toEqual(seen); // at-least-once publish may repeat an id, never with other contents
      byId.set(e.eventId, e);
    }
    expect(byId).toEqual(new Map(uninterrupted.map((e) => [e.eventId, e])));
  }, 600_000);
});
