// The delinquency service on the real stack (Kafka, registry, Redis): a literal history with business-date ticks
// gives exactly what the core gives when driven directly; bad input goes to the DLQ and the partition moves on; a
// restart that re-reads every input from the earliest offset, with Redis keeping its state, emits nothing new.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DelinquencyEvent, InvoiceEvent, PaymentEvent } from '../../../shared/contracts/events.generated.ts';
import type { AnyEvent, TopicSpec } from '../../../shared/contracts/topics.ts';
import { DlqHeaders } from '../../../shared/kafka/dlq.ts';
import { deriveEventId } from '../../../shared/ids.ts';
import { createLogger } from '../../../shared/logger.ts';
import { dayFromIso, startOfDay } from '../../../shared/time.ts';
import { getStack, type Stack } from '../../../test/stack.ts';
import type { CollectedMessage } from '../../../test/kafka.ts';
import { loadDelinquencyConfig } from '../src/config.ts';
import { HeldInputHeaders } from '../src/adapters/dead-letters.ts';
import { defaultPolicy, type DelinquencyInput } from '../src/domain/index.ts';
import { DelinquencyService } from '../src/service.ts';
import { drive, type Item } from './drive.ts';
import { openSandbox, produceEvents, readAll, readDelinquency, topicSize, waitConsumed, type Sandbox } from './real-stack.ts';

const PARTITIONS = 2;
const d = dayFromIso;
const id = (name: string) => deriveEventId('delinquency-int-test', name);

function input(name: string, customerId: string, iso: string, body: Pick<DelinquencyInput, 'eventType' | 'payload'>) {
  return { eventId: id(name), occurredAt: startOfDay(d(iso)) + 43_200_000, customerId, source: 'test', causationId: null, ...body } as DelinquencyInput;
}
const issue = (name: string, c: string, iso: string, invoiceId: string, dueIso: string, amount: number) =>
  input(name, c, iso, {
    eventType: 'InvoiceIssued',
    payload: { invoiceId, orderId: null, amount, currency: 'EUR', issueDate: d(iso), dueDate: d(dueIso) },
  });
const pay = (name: string, c: string, iso: string, invoiceId: string, amount: number) =>
  input(name, c, iso, {
    eventType: 'PaymentReceived',
    payload: { paymentId: name, amount, currency: 'EUR', receivedDate: d(iso), allocations: [{ invoiceId, amount }] },
  });

// The history, day by day; each day both ticked topics tick first (the promise: what is dated earlier came before).
// Invalid whatever the state, so rejected on arrival even when held inputs wait: InvalidEvent, original bytes.
const zeroInvoice = issue('zero-invoice', 'BETA', '2024-01-02', 'B-0', '2024-01-05', 0);
const reversalOfNothing = input('reverse-unknown', 'ALPHA', '2024-01-20', {
  eventType: 'PaymentReversed', // held until 2024-01-20, then rejected on release: UnknownReference, re-encoded
  payload: { paymentId: 'never-received', reason: 'NSF' },
});
const HISTORY: Record<string, DelinquencyInput[]> = {
  '2024-01-01': [
    issue('a1', 'ALPHA', '2024-01-01', 'A-1', '2024-01-10', 100_00), // overdue 01-11, 15 days late when paid
    issue('b1', 'BETA', '2024-01-01', 'B-1', '2024-01-05', 50_00), // overdue 01-06, partly paid, 90+ by mid-April
    reversalOfNothing,
  ],
  '2024-01-02': [zeroInvoice],
  '2024-01-08': [pay('pb1', 'BETA', '2024-01-08', 'B-1', 20_00)],
  '2024-01-25': [pay('pa1', 'ALPHA', '2024-01-25', 'A-1', 100_00)],
  '2024-03-01': [issue('a2', 'ALPHA', '2024-03-01', 'A-2', '2024-03-31', 70_00)], // still open at the end, due later
};
const LAST_DAY = d('2024-04-15');

let stack: Stack;
let box: Sandbox;
let service: DelinquencyService;

async function startService(): Promise<DelinquencyService> {
  const s = new DelinquencyService({
    config: loadDelinquencyConfig(box.env),
    logger: createLogger('delinquency-test', { level: 'silent' }),
    onFatal: (e) => {
      throw e;
    },
  });
  await s.start();
  return s;
}

const topicOf = (e: DelinquencyInput): TopicSpec =>
  e.eventType === 'PaymentReceived' || e.eventType === 'PaymentReversed' ? box.topics.PAYMENTS : box.topics.INVOICES;

const tick = (spec: TopicSpec, day: number, partition: number) => ({
  spec,
  partition,
  event: {
    eventId: id(`tick-${spec.name}-${partition}-${day}`),
    eventType: 'BusinessDateTick',
    occurredAt: startOfDay(day),
    customerId: '',
    source: 'test',
    causationId: null,
    payload: { businessDate: day },
  } as InvoiceEvent | PaymentEvent,
});

/** What goes to Kafka, and the same history as the core's driver sees it (ticks per topic, not per partition). */
function schedule(): { records: Array<{ spec: TopicSpec; event: AnyEvent; partition?: number }>; items: Item[] } {
  const records: Array<{ spec: TopicSpec; event: AnyEvent; partition?: number }> = [];
  const items: Item[] = [];
  for (let day = d('2024-01-01'); day <= LAST_DAY; day++) {
    for (const spec of [box.topics.INVOICES, box.topics.PAYMENTS]) {
      for (let p = 0; p < PARTITIONS; p++) records.push(tick(spec, day, p));
    }
    items.push({ tick: 'invoices', businessDate: day }, { tick: 'payments', businessDate: day });
    const today = HISTORY[new Date(startOfDay(day)).toISOString().slice(0, 10)] ?? [];
    for (const e of today) {
      records.push({ spec: topicOf(e), event: e });
      items.push({ input: e });
    }
  }
  return { records, items };
}

const withoutCause = (e: DelinquencyEvent) => ({ ...e, causationId: null });
const byId = (a: DelinquencyEvent, b: DelinquencyEvent) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
const header = (m: CollectedMessage, name: string) => m.headers[name]?.toString();

beforeAll(async () => {
  stack = await getStack();
  box = await openSandbox(stack, 'dq-int', PARTITIONS);
  const { records } = schedule();
  // A record no serde can read, for ALPHA's partition, between ALPHA's first invoice and its payment.
  const poison = { key: 'ALPHA', value: Buffer.from('not avro at all') };
  await produceEvents(box, records.slice(0, records.length / 2));
  await box.producer.send({ topic: box.topics.INVOICES.name, messages: [poison], acks: -1 });
  await produceEvents(box, records.slice(records.length / 2));
  service = await startService();
  await waitConsumed(box);
});

afterAll(async () => {
  await service?.stop();
  await box?.close();
});

describe('the delinquency service through Kafka and Redis', () => {
  it('emits exactly the events of the core driven directly; clock-driven ones without a causation id', async () => {
    const { items } = schedule();
    const expected = drive(items, defaultPolicy);
    const emitted = await readDelinquency(box);
    expect(emitted.map(withoutCause).sort(byId)).toEqual(expected.events.map(withoutCause).sort(byId));
    expect(emitted.length).toBeGreaterThan(10);
    // An input-driven event names its input; the driver names its ticks, the service names none.
    const cause = new Map(expected.events.map((e) => [e.eventId, e.causationId?.startsWith('tick-') ? null : e.causationId]));
    expect(new Map(emitted.map((e) => [e.eventId, e.causationId]))).toEqual(cause);
  });

  it('dead-letters what it cannot use and moves on: poison byte for byte, rejected inputs with their reason', async () => {
    const letters = await readAll(box.kafka, box.topics.DLQ.name);
    const byClass = new Map(letters.map((m) => [header(m, DlqHeaders.ERROR_CLASS), m]));
    expect([...byClass.keys()].sort()).toEqual(['InvalidEvent', 'InvalidMagicByte', 'UnknownReference']);

    expect(byClass.get('InvalidMagicByte')!.value?.toString()).toBe('not avro at all');

    const invalid = byClass.get('InvalidEvent')!;
    expect(await box.serde.decode(box.topics.INVOICES, invalid.value)).toEqual(zeroInvoice);
    expect(header(invalid, DlqHeaders.SOURCE_TOPIC)).toBe(box.topics.INVOICES.name);
    expect(header(invalid, DlqHeaders.SOURCE_PARTITION)).toBe(String(invalid.partition));
    expect(header(invalid, DlqHeaders.SOURCE_OFFSET)).toMatch(/^\d+$/);
    expect(header(invalid, DlqHeaders.SERVICE)).toBe('delinquency');
    expect(header(invalid, DlqHeaders.ERROR_MESSAGE)).toContain('positive');
    expect(header(invalid, HeldInputHeaders.VALUE_ORIGIN)).toBeUndefined();

    // Held (dated after the as-of date), rejected on release: re-encoded, with its own topic, partition and offset.
    const held = byClass.get('UnknownReference')!;
    expect(await box.serde.decode(box.topics.PAYMENTS, held.value)).toEqual(reversalOfNothing);
    expect(header(held, HeldInputHeaders.VALUE_ORIGIN)).toBe('re-encoded');
    expect(header(held, HeldInputHeaders.EVENT_ID)).toBe(reversalOfNothing.eventId);
    expect(header(held, DlqHeaders.SOURCE_TOPIC)).toBe(box.topics.PAYMENTS.name);
    expect(header(held, DlqHeaders.SOURCE_PARTITION)).toBe(String(held.partition));
    expect(header(held, DlqHeaders.SOURCE_OFFSET)).toMatch(/^\d+$/);

    // ALPHA's partition went on past the poison record: its invoice was cured on 2024-01-25.
    const cured = (await readDelinquency(box)).filter((e) => e.eventType === 'InvoiceCured');
    expect(cured.map((e) => [e.payload.invoiceId, e.payload.daysLate])).toEqual([['A-1', 15]]);
  });

  it('serves its metrics and health', async () => {
    const base = `http://127.0.0.1:${service.httpPort}`;
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/o2c_delinquency_events_emitted_total\{[^}]*type="InvoiceOverdue"[^}]*\} 3/);
    const open = [...metrics.matchAll(/^o2c_delinquency_open_invoices\{[^}]*\} (\d+)$/gm)].map((m) => Number(m[1]));
    expect(open.reduce((a, b) => a + b, 0)).toBe(2); // B-1 partly paid, A-2 not yet due
    // The held reversal rejected on release, counted from its batch's derived records (a re-encoded letter).
    const held = metrics.split('\n').filter((l) => l.startsWith('o2c_dlq_records_total{') && l.includes('error_class="UnknownReference"') && !l.endsWith(' 0'));
    expect(held).toEqual([`o2c_dlq_records_total{topic="${box.topics.PAYMENTS.name}",error_class="UnknownReference",service="delinquency"} 1`]);
    expect(metrics).toContain('o2c_delinquency_outbox_backlog_records');
    const asOf = [...metrics.matchAll(/^o2c_delinquency_as_of_timestamp_seconds\{partition="\d+",service="delinquency"\} (\d+)$/gm)];
    expect(asOf.length).toBeGreaterThan(0);
    for (const m of asOf) expect(Number(m[1]) % 86_400).toBe(0); // a date: midnight UTC
    expect(metrics).toMatch(/^o2c_commit_duration_seconds_count\{service="delinquency"\} [1-9]\d*$/m);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('emits nothing new when every input is delivered again while Redis keeps its state', async () => {
    const before = await topicSize(box.kafka, box.topics.DELINQUENCY.name);
    const domainLetters = async () =>
      (await readAll(box.kafka, box.topics.DLQ.name)).filter((m) => header(m, DlqHeaders.ERROR_CLASS) !== 'InvalidMagicByte').length;
    const lettersBefore = await domainLetters();
    await service.stop();
    const admin = box.kafka.admin();
    await admin.connect();
    try {
      for (const t of [box.topics.INVOICES, box.topics.PAYMENTS, box.topics.CUSTOMERS]) {
        await admin.resetOffsets({ groupId: box.groupId, topic: t.name, earliest: true });
      }
    } finally {
      await admin.disconnect();
    }
    service = await startService();
    await waitConsumed(box);
    expect(await topicSize(box.kafka, box.topics.DELINQUENCY.name)).toBe(before);
    expect(await domainLetters()).toBe(lettersBefore);
  });
});
