// Figures for the delinquency service on the real stack (not a test: it prints, it does not judge):
//   1. Redis bytes per open invoice: MEMORY USAGE of a partition's state hash over the open invoices it holds;
//   2. the rate at which one tick that makes 100,000 invoices overdue emits its events through the real adapter
//      (DelinquencyDomain + BatchProcessor + PartitionStore + OutboxPublisher to Kafka), state pre-loaded in Redis;
//   3. the wall time of the real ledger's replay through the service (12 partitions, ticks through 2014-01-31).
// Run: npx tsx services/delinquency/bench/delinquency.bench.ts [customers=10000] [invoicesPerCustomer=10]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { InvoiceEvent, PaymentEvent } from '../../../shared/contracts/events.generated.ts';
import type { AnyEvent, TopicSpec } from '../../../shared/contracts/topics.ts';
import { deriveEventId } from '../../../shared/ids.ts';
import { createLogger } from '../../../shared/logger.ts';
import { OutboxPublisher } from '../../../shared/redis/outbox-publisher.ts';
import { PartitionStore, type EntityChange } from '../../../shared/redis/partition-store.ts';
import { BatchProcessor } from '../../../shared/stateful/batch-processor.ts';
import { startOfDay, dayFromIso } from '../../../shared/time.ts';
import { getStack } from '../../../test/stack.ts';
import { DEFAULT_CREDIT_LIMIT, parseCreditLimit } from '../../../tools/import-ledger/src/credit-policy.ts';
import { AR_LATE_PAYMENTS } from '../../../tools/import-ledger/src/mapping.ts';
import { ledgerReplay } from '../../../tools/import-ledger/src/replay.ts';
import { readLedger } from '../../../tools/import-ledger/src/rows.ts';
import { loadDelinquencyConfig } from '../src/config.ts';
import { rejectedRecordLetter } from '../../../shared/stateful/rejected-letter.ts';
import { CLOCK_ENTITY, DelinquencyDomain, type ClockEntity, type Entity, type InputRecord } from '../src/adapters/partition-domain.ts';
import { entityCodec } from '../src/adapters/state-codec.ts';
import { applyEvent, defaultPolicy, emptyState, nextDueDay, observeTick, emptyWatermark } from '../src/domain/index.ts';
import { DelinquencyService } from '../src/service.ts';
import { openSandbox, produceEvents, waitConsumed, type Sandbox } from '../test/real-stack.ts';

const CUSTOMERS = Number(process.argv[2] ?? 10_000);
const PER_CUSTOMER = Number(process.argv[3] ?? 10);
const DUE = dayFromIso('2024-03-01');
const PARTITION = 0;
const id = (first: string | number, ...rest: Array<string | number>) => deriveEventId('delinquency-bench', String(first), ...rest);

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

/** One partition holding CUSTOMERS x PER_CUSTOMER open invoices, all due on DUE, as of DUE (nothing overdue yet). */
async function preload(box: Sandbox, store: PartitionStore): Promise<void> {
  const states = new Map<string, EntityChange>();
  /** As the service stores an entity (state-codec.ts). */
  const whole = (entity: Entity): EntityChange => ({ kind: 'replace', fields: entityCodec.encode(entity) });
  const index = new Map<string, number | null>();
  for (let c = 0; c < CUSTOMERS; c++) {
    const customerId = `CUST-${String(c).padStart(6, '0')}`;
    let s = emptyState();
    for (let i = 0; i < PER_CUSTOMER; i++) {
      const invoiceId = `INV-${c}-${i}`;
      const issued = {
        eventId: id(customerId, invoiceId),
        eventType: 'InvoiceIssued',
        occurredAt: startOfDay(DUE - 30) + 43_200_000,
        customerId,
        source: 'bench',
        causationId: null,
        payload: { invoiceId, orderId: null, amount: 125_00 + i, currency: 'EUR', issueDate: DUE - 30, dueDate: DUE },
      } as const;
      s = applyEvent(s, issued, DUE, defaultPolicy).state;
    }
    states.set(customerId, whole({ s }));
    index.set(customerId, nextDueDay(s, defaultPolicy));
  }
  const clock: ClockEntity = {
    wm: observeTick(observeTick(emptyWatermark, 'invoices', DUE + 1), 'payments', DUE),
    open: CUSTOMERS * PER_CUSTOMER,
  };
  states.set(CLOCK_ENTITY, whole(clock));
  const committed = await store.commit(PARTITION, {
    expectedVersion: 0,
    offsets: new Map([[box.topics.PAYMENTS.name, 0n]]),
    states,
    index,
    outbox: [],
  });
  if (committed === 'stale') throw new Error('the bench partition was not empty');
}

async function overdueTick(box: Sandbox): Promise<void> {
  const store = new PartitionStore(box.redis, 'delinquency', box.redisPrefix);
  await preload(box, store);
  const open = CUSTOMERS * PER_CUSTOMER;
  let bytes = 0;
  for (const key of await box.redis.keys(`${store.keys(PARTITION).entityPrefix}*`)) {
    bytes += Number(await box.redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
  }
  const indexBytes = Number(await box.redis.call('MEMORY', 'USAGE', store.keys(PARTITION).index, 'SAMPLES', '0'));
  console.log(
    `state: ${fmt(open)} open invoices of ${fmt(CUSTOMERS)} customers in one partition: states ${fmt(bytes / 2 ** 20, 1)} MiB ` +
      `= ${fmt(bytes / open)} bytes per open invoice (+ due index ${fmt(indexBytes / CUSTOMERS)} bytes per customer)`,
  );

  const config = loadDelinquencyConfig(box.env);
  const domain = new DelinquencyDomain({
    topics: box.topics,
    policy: config.policy,
    service: 'delinquency',
    now: () => new Date(),
    sameDayOrder: true,
  });
  const processor = new BatchProcessor<InputRecord, Entity>({
    domain,
    store,
    publisher: new OutboxPublisher(store, box.producer),
    encode: (spec, event) => box.serde.encode(spec, event),
    toDlq: rejectedRecordLetter<InputRecord>(box.topics.DLQ.name, 'delinquency', () => new Date(), (e) => e.record),
    logStartOffset: async () => 0n,
  });
  const tick: PaymentEvent = {
    eventId: id('tick', DUE + 1),
    eventType: 'BusinessDateTick',
    occurredAt: startOfDay(DUE + 1),
    customerId: '',
    source: 'bench',
    causationId: null,
    payload: { businessDate: DUE + 1 },
  };
  const record = { topic: box.topics.PAYMENTS.name, partition: PARTITION, offset: '0', key: null, value: null };
  const consumed = { ...record, timestamp: Date.now(), headers: {}, event: tick };
  const started = performance.now();
  const outcome = await processor.process([{ ...record, event: { from: 'payments', record: consumed } }]);
  const seconds = (performance.now() - started) / 1000;
  if (outcome.kind !== 'done') throw new Error(`unexpected outcome ${outcome.kind}`);
  const derived = outcome.derived.length;
  console.log(
    `tick: ${fmt(open)} invoices overdue in one batch: ${fmt(derived)} events (overdue, bucket, reminder, status) ` +
      `committed and published to Kafka in ${fmt(seconds, 2)} s = ${fmt(derived / seconds)} events/s`,
  );
}

async function ledgerReplayTime(stack: Awaited<ReturnType<typeof getStack>>): Promise<void> {
  const box = await openSandbox(stack, 'dq-bench-ledger', 12);
  try {
    const text = readFileSync(fileURLToPath(new URL('../../../data/ar-late-payments.csv', import.meta.url)), 'utf8');
    const replay = ledgerReplay(readLedger(text, AR_LATE_PAYMENTS).rows, {
      sourceId: 'ledger:delinquency-bench',
      currency: 'EUR',
      partitions: 12,
      creditLimit: parseCreditLimit(DEFAULT_CREDIT_LIMIT, AR_LATE_PAYMENTS.amountScale),
      endDay: dayFromIso('2014-01-31'),
    });
    const records = replay.records
      .filter((r) => r.topic === 'INVOICES' || r.topic === 'PAYMENTS' || r.topic === 'CUSTOMERS')
      .map((r) => ({ spec: box.topics[r.topic] as TopicSpec, event: r.event as AnyEvent | InvoiceEvent, partition: r.partition }));
    await produceEvents(box, records);
    const service = new DelinquencyService({
      config: loadDelinquencyConfig(box.env),
      logger: createLogger('delinquency-bench', { level: 'silent' }),
      onFatal: (e) => {
        throw e;
      },
    });
    const started = performance.now();
    await service.start();
    await waitConsumed(box, 600_000);
    const seconds = (performance.now() - started) / 1000;
    await service.stop();
    console.log(
      `ledger: ${fmt(records.length)} input records (2,466 invoices, daily ticks on 12 partitions) replayed in ` +
        `${fmt(seconds, 1)} s from service start to every input committed (${fmt(records.length / seconds)} records/s)`,
    );
  } finally {
    await box.close();
  }
}

const stack = await getStack();
const box = await openSandbox(stack, 'dq-bench', 1);
try {
  await overdueTick(box);
} finally {
  await box.close();
}
await ledgerReplayTime(stack);
