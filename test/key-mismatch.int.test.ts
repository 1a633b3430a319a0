// Every service, on the real stack: a customer's event whose Kafka key is not its customerId (another customer's, or
// none) goes to the DLQ as KeyMismatch, byte for byte with its headers, counted and logged at warn without its
// payload, and the good record after it on the same partition is processed. Applied, it would have put part of the
// customer's state on another partition (issue 11, defect 7). Each service runs in process on topics of its own.
import type { Kafka, Message } from 'kafkajs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DelinquencyEvent, InvoiceEvent, OrderEvent, PaymentEvent } from '../shared/contracts/events.generated.ts';
import type { EventSerde } from '../shared/contracts/serde.ts';
import type { AnyEvent, TopicSpec } from '../shared/contracts/topics.ts';
import { deriveEventId } from '../shared/ids.ts';
import { DlqHeaders } from '../shared/kafka/dlq.ts';
import { createLogger, type Logger } from '../shared/logger.ts';
import { dayFromIso, startOfDay } from '../shared/time.ts';
import { loadExposureConfig } from '../services/exposure/src/config.ts';
import { ExposureService } from '../services/exposure/src/service.ts';
import { contractsOf, dropKeys, testEnv, type TestEnv } from '../services/exposure/test/harness.ts';
import { loadDelinquencyConfig } from '../services/delinquency/src/config.ts';
import { DelinquencyService } from '../services/delinquency/src/service.ts';
import { openSandbox, readAll, readDelinquency, waitConsumed, type Sandbox } from '../services/delinquency/test/real-stack.ts';
import { loadReportingConfig } from '../services/reporting/src/config.ts';
import { ReportingService } from '../services/reporting/src/service.ts';
import { endOffsets, metricSeries, sinkEnv, sinkTopics, waitForSinkAt, type SinkTopics } from '../services/reporting/test/sink-stack.ts';
import { reportingDatabase, type ReportingDb } from '../services/reporting/test/support.ts';
import { collect, deleteTopics, produce, testKafka, uniqueId, waitUntil, type CollectedMessage } from './kafka.ts';
import { getStack, type Stack } from './stack.ts';

const PARTITION = 0;
const CUSTOMER = 'KM-ACME';
const id = (name: string) => deriveEventId('key-mismatch-int-test', name);

let stack: Stack;
beforeAll(async () => {
  stack = await getStack();
});

const stops: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
});

/** A service's logger at warn, its JSON lines kept. */
function warnLog(service: string): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger(service, { level: 'warn', destination: { write: (line: string) => void lines.push(line) } }), lines };
}

/** The three records, in this order on one partition: keyed by another customer, by nothing, by the customerId. */
async function mismatchedThenGood<S extends AnyEvent, E extends S>(
  kafka: Kafka,
  serde: EventSerde,
  spec: TopicSpec<S>,
  make: (name: string) => E,
): Promise<{ sent: Message[]; good: E }> {
  const [wrong, none, good] = [make('wrong-key'), make('no-key'), make('good')];
  const value = (e: E) => serde.encode(spec, e);
  const sent: Message[] = [
    { partition: PARTITION, key: 'KM-OTHER', value: await value(wrong), headers: { trace: 'wrong-key' } },
    { partition: PARTITION, key: null, value: await value(none), headers: { trace: 'no-key' } },
    { partition: PARTITION, key: CUSTOMER, value: await value(good), headers: { trace: 'good' } },
  ];
  await produce(kafka, spec.name, sent);
  return { sent, good };
}

/**
 * Both mismatched records in the DLQ byte for byte, with their own headers and the runner's, for `service`; `first` is
 * the offset the three records begin at.
 */
function expectLetters(letters: readonly CollectedMessage[], sent: readonly Message[], source: string, service: string, first = 0): void {
  const h = (m: CollectedMessage, name: string) => m.headers[name]?.toString();
  expect(letters).toHaveLength(2);
  letters.forEach((letter, i) => {
    expect(letter.value).toEqual(sent[i]!.value);
    expect(letter.key).toEqual(sent[i]!.key === null ? null : Buffer.from(sent[i]!.key as string));
    expect(h(letter, 'trace')).toBe(sent[i]!.headers!.trace);
    expect(h(letter, DlqHeaders.ERROR_CLASS)).toBe('KeyMismatch');
    expect(h(letter, DlqHeaders.SERVICE)).toBe(service);
    expect(h(letter, DlqHeaders.SOURCE_TOPIC)).toBe(source);
    expect(h(letter, DlqHeaders.SOURCE_PARTITION)).toBe(String(PARTITION));
    expect(h(letter, DlqHeaders.SOURCE_OFFSET)).toBe(String(first + i));
    expect(h(letter, DlqHeaders.ERROR_MESSAGE)).toContain(`customer "${CUSTOMER}" has ${i === 0 ? 'key "KM-OTHER"' : 'no key'}`);
  });
}

/** The service counted both as KeyMismatch of the topic, and logged each at warn without the payload. */
async function expectCountedAndLogged(port: number, service: string, source: string, lines: string[], payloadText: string, first = 0) {
  await waitUntil(
    async () => (await metricSeries(port, 'o2c_dlq_records_total')).get(`error_class="KeyMismatch",topic="${source}"`) === 2,
    `${service}: both dead letters counted`,
  );
  const warned = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.errorClass === 'KeyMismatch');
  expect(warned.map((l) => [l.level, l.topic, l.partition, l.offset])).toEqual([
    ['warn', source, PARTITION, String(first)],
    ['warn', source, PARTITION, String(first + 1)],
  ]);
  for (const l of warned) expect(JSON.stringify(l)).not.toContain(payloadText);
}

const order = (name: string): Extract<OrderEvent, { eventType: 'OrderPlaced' }> => ({
  eventId: id(`order-${name}`),
  eventType: 'OrderPlaced',
  occurredAt: Date.parse('2024-03-01T10:00:00Z'),
  customerId: CUSTOMER,
  source: 'test',
  causationId: null,
  payload: { orderId: `KM-O-${name}`, amount: 12_345, currency: 'EUR' },
});

describe('a record keyed by anything but its customerId goes to the DLQ as KeyMismatch, and the partition moves on', () => {
  it('exposure: the order after it is decided', async () => {
    const kafka = testKafka(stack);
    const redis = new Redis(stack.redisUrl);
    const t: TestEnv = testEnv(stack, 'km-exposure', 2);
    stops.push(async () => {
      await deleteTopics(kafka, Object.values(t.topics).map((s) => s.name));
      await dropKeys(redis, t);
      redis.disconnect();
    });
    const serde = await contractsOf(kafka, stack, t);
    const { sent, good } = await mismatchedThenGood(kafka, serde, t.topics.ORDERS, order);
    const dlq = await collect(kafka, t.topics.DLQ.name);
    const holds = await collect(kafka, t.topics.CREDIT_HOLDS.name);
    stops.push(() => Promise.all([dlq.stop(), holds.stop()]));

    const { logger, lines } = warnLog('exposure');
    const service = new ExposureService({
      config: loadExposureConfig(t.env),
      logger,
      onFatal: (e) => {
        throw e;
      },
    });
    await service.start();
    stops.push(() => service.stop());

    // No profile yet, so held: what matters is that the good order, and only it, was decided.
    const decidedOrders = async () => {
      const events = await Promise.all(holds.messages.map((m) => serde.decode(t.topics.CREDIT_HOLDS, m.value)));
      return events.flatMap((e) => ('orderId' in e.payload ? [e.payload.orderId] : []));
    };
    await waitUntil(async () => (await decidedOrders()).includes(good.payload.orderId), 'the good order to be decided');
    expect(await decidedOrders()).toEqual([good.payload.orderId]);
    expectLetters(await dlq.waitFor(2), sent, t.topics.ORDERS.name, 'exposure');
    await expectCountedAndLogged(service.httpPort, 'exposure', t.topics.ORDERS.name, lines, 'KM-O-');
  });

  it('delinquency: the invoice after it is aged; a tick without a key is no mismatch', async () => {
    const box: Sandbox = await openSandbox(stack, 'km-delinquency', 2);
    stops.push(() => box.close());
    const asOf = dayFromIso('2024-03-01');
    // Ticks name no customer: one keyed '' as our producers write them, one with no key at all.
    const tick = (spec: TopicSpec<InvoiceEvent> | TopicSpec<PaymentEvent>) => ({
      eventId: id(`tick-${spec.name}`),
      eventType: 'BusinessDateTick' as const,
      occurredAt: startOfDay(asOf),
      customerId: '',
      source: 'test',
      causationId: null,
      payload: { businessDate: asOf },
    });
    await produce(box.kafka, box.topics.INVOICES.name, [
      { partition: PARTITION, key: null, value: await box.serde.encode(box.topics.INVOICES, tick(box.topics.INVOICES)) },
    ]);
    await produce(box.kafka, box.topics.PAYMENTS.name, [
      { partition: PARTITION, key: '', value: await box.serde.encode(box.topics.PAYMENTS, tick(box.topics.PAYMENTS)) },
    ]);
    // Issued already 30 days past due, before the as-of date: applied on arrival, overdue at once.
    const invoice = (name: string): Extract<InvoiceEvent, { eventType: 'InvoiceIssued' }> => ({
      eventId: id(`invoice-${name}`),
      eventType: 'InvoiceIssued',
      occurredAt: startOfDay(asOf - 1) + 43_200_000,
      customerId: CUSTOMER,
      source: 'test',
      causationId: null,
      payload: { invoiceId: `KM-I-${name}`, orderId: null, amount: 10_000, currency: 'EUR', issueDate: asOf - 60, dueDate: asOf - 30 },
    });
    // After the tick at offset 0.
    const { sent, good } = await mismatchedThenGood(box.kafka, box.serde, box.topics.INVOICES, invoice);

    const { logger, lines } = warnLog('delinquency');
    const service = new DelinquencyService({
      config: loadDelinquencyConfig(box.env),
      logger,
      onFatal: (e) => {
        throw e;
      },
    });
    await service.start();
    stops.push(() => service.stop());
    await waitConsumed(box);

    const emitted: DelinquencyEvent[] = await readDelinquency(box);
    const invoiceIds = new Set(emitted.flatMap((e) => ('invoiceId' in e.payload ? [e.payload.invoiceId] : [])));
    expect([...invoiceIds]).toEqual([good.payload.invoiceId]);
    expect(emitted.map((e) => e.eventType)).toContain('InvoiceOverdue');

    expectLetters(await readAll(box.kafka, box.topics.DLQ.name), sent, box.topics.INVOICES.name, 'delinquency', 1);
    await expectCountedAndLogged(service.httpPort!, 'delinquency', box.topics.INVOICES.name, lines, 'KM-I-', 1);
  });

  it('reporting: the order after it lands in Postgres', async () => {
    const t: SinkTopics = await sinkTopics(stack);
    const rdb: ReportingDb = await reportingDatabase();
    stops.push(async () => {
      await rdb.close();
      await t.drop();
    });
    const { sent, good } = await mismatchedThenGood(t.kafka, t.serde, t.topics.ORDERS, order);
    const ends = await endOffsets(t);

    const group = uniqueId('km-reporting');
    const { logger, lines } = warnLog('reporting');
    const service = new ReportingService({
      config: loadReportingConfig(sinkEnv(stack, t, rdb.db.url, group)),
      logger,
      onFatal: (e) => {
        throw e;
      },
    });
    await service.start();
    stops.push(() => service.stop());
    await waitForSinkAt(rdb.pool, group, ends);

    const { rows } = await rdb.pool.query<{ order_id: string; customer_id: string }>(
      'SELECT order_id, customer_id FROM reporting.orders ORDER BY order_id',
    );
    expect(rows).toEqual([{ order_id: good.payload.orderId, customer_id: CUSTOMER }]);
    expectLetters(await readAll(t.kafka, t.topics.DLQ.name), sent, t.topics.ORDERS.name, 'reporting');
    await expectCountedAndLogged(service.httpPort!, 'reporting', t.topics.ORDERS.name, lines, 'KM-O-');
  });
});
