// A ledger replayed through the pure cores in memory, in event time, without Kafka: the importer's own mapping
// (ledgerReplay: profiles, orders, invoices, disputes, payments and business-date ticks on every partition), each
// record on the partition the producer's partitioner gives its key, then as the pipeline runs it:
//   1. the delinquency core over invoices, payments and customers, partition by partition in the service's
//      event-time merge order (the bench's core replay, tools/bench/src/core-replay.ts);
//   2. its delinquency events appended to the delinquency topic of their customer's partition, in the order the
//      core derived them (the order the service publishes them in);
//   3. the exposure core over customers, orders, invoices, payments, credit actions and delinquency, merged the same
//      way. What it publishes on credit-holds is the replay's result.
// Step 3 runs on the completed delinquency topic, as the service does on a replay whose delinquency events are
// already written: the aligner then waits on known lag, so the merge order is fixed (see event-time-aligner.ts).
import kafkajs from 'kafkajs';
import type { CreditHoldEvent, DelinquencyEvent } from '../../../shared/contracts/events.generated.ts';
import { topicRegistry, type AnyEvent } from '../../../shared/contracts/topics.ts';
import { startOfDay } from '../../../shared/time.ts';
import { DelinquencyDomain, type InputEvent } from '../../../services/delinquency/src/adapters/partition-domain.ts';
import type { ExposureInput } from '../../../services/exposure/src/domain/index.ts';
import { SERVICE as DELINQUENCY } from '../../../services/delinquency/src/config.ts';
import { inputTopics as exposureInputs } from '../../../services/exposure/src/service.ts';
import { addToLog, replayDelinquency, replayExposure, type InputLog } from '../../bench/src/core-replay.ts';
import { ledgerReplay, type ReplaySummary } from '../../import-ledger/src/replay.ts';
import type { LedgerRow } from '../../import-ledger/src/rows.ts';
import type { OutRecord } from '../../lib/out-record.ts';
import type { Book, BookInvoice, BookOrder } from './metrics.ts';
import type { BacktestPolicy } from './policy.ts';
import { dueDateOf } from '../../../shared/rules/due-date.ts';

export interface ReplayOptions {
  /** As the importer's (ledgerSourceId): the same file gives the same event ids as an import of it. */
  readonly sourceId: string;
  readonly currency: string;
  /** The pipeline's partition count: ticks and the delinquency clock are per partition. */
  readonly partitions: number;
  readonly endDay?: number;
}

export interface PolicyReplay {
  /** Every credit-holds event the exposure core published, partition by partition, each in publish order. */
  readonly holds: readonly CreditHoldEvent[];
  readonly delinquencyEvents: number;
  /** Inputs a core rejected (to the DLQ in the pipeline): 0 on a valid ledger. */
  readonly rejected: number;
  /** Records replayed through the exposure core (ticks and delinquency events included). */
  readonly inputs: number;
  readonly summary: ReplaySummary;
  /** The ledger's orders and invoices as replayed (the same under every policy). */
  readonly book: Book;
}

/** The partition kafkajs's default (Java-compatible murmur2) partitioner gives a key, as the producers do. */
export function partitionerOf(partitions: number): (key: string) => number {
  const partitioner = kafkajs.Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  return (key) => partitioner({ topic: '', partitionMetadata, message: { key, value: null } });
}

export async function replayPolicy(rows: readonly LedgerRow[], policy: BacktestPolicy, o: ReplayOptions): Promise<PolicyReplay> {
  const replay = ledgerReplay(rows, {
    sourceId: o.sourceId,
    currency: o.currency,
    partitions: o.partitions,
    creditLimit: policy.creditLimit,
    ...(o.endDay === undefined ? {} : { endDay: o.endDay }),
  });
  const topics = topicRegistry('');
  const partitionOf = partitionerOf(o.partitions);
  const log: InputLog = new Map();
  const next = new Map<string, number>();
  const append = (topic: string, partition: number, event: AnyEvent) => {
    const at = `${topic}/${partition}`;
    const offset = next.get(at) ?? 0;
    next.set(at, offset + 1);
    addToLog(log, topic, partition, { offset: String(offset), event });
  };
  for (const r of replay.records) append(topics[r.topic].name, r.partition ?? partitionOf(r.key), r.event as AnyEvent);

  // One log of every topic: each core reads only its own input topics from it.
  const derived: DelinquencyEvent[] = [];
  const delinquency = await replayDelinquency(
    log as InputLog<InputEvent>,
    { invoices: topics.INVOICES.name, payments: topics.PAYMENTS.name, customers: topics.CUSTOMERS.name },
    new DelinquencyDomain({
      topics,
      policy: policy.delinquency,
      service: DELINQUENCY,
      now: () => new Date(0),
      sameDayOrder: policy.delinquencySameDayOrder,
    }),
    async (e) => {
      derived.push(e);
      return '';
    },
  );
  for (const e of derived) append(topics.DELINQUENCY.name, partitionOf(e.customerId), e);

  const holds: CreditHoldEvent[] = [];
  const names = exposureInputs(topics, policy.exposure.riskClassSource).map((t) => t.name);
  const exposure = await replayExposure(log as InputLog<ExposureInput>, names, policy.exposure, {
    hold: async (e) => {
      holds.push(e);
      return '';
    },
    snapshot: async () => '',
  });
  return {
    holds,
    delinquencyEvents: derived.length,
    rejected: delinquency.rejected.size + exposure.rejected.size,
    inputs: exposure.applied.length,
    summary: replay.summary,
    book: bookOf(replay.records, replay.summary.endDay),
  };
}

/**
 * The orders and invoices of the replayed records (an invoice without a due date: the shared rule, without the
 * customer's terms, as the reporting sink reads it); an invoice is settled on the day its allocations reach its amount. */
export function bookOf(records: readonly OutRecord[], endDay: number): Book {
  const orders: BookOrder[] = [];
  const invoices = new Map<string, Omit<BookInvoice, 'settledDay'> & { settledDay: number | null; allocated: number }>();
  for (const { event: e } of records) {
    if (e.eventType === 'OrderPlaced') {
      orders.push({ orderId: e.payload.orderId, customerId: e.customerId, amount: e.payload.amount, placedAt: e.occurredAt });
    } else if (e.eventType === 'InvoiceIssued') {
      const p = e.payload;
      invoices.set(p.invoiceId, {
        invoiceId: p.invoiceId, orderId: p.orderId, amount: p.amount, issuedAt: e.occurredAt, issueDay: p.issueDate, dueDay: dueDateOf(p, null),
        settledDay: null, allocated: 0,
      });
    } else if (e.eventType === 'PaymentReceived') {
      for (const a of e.payload.allocations) {
        const i = invoices.get(a.invoiceId);
        if (i === undefined) continue;
        i.allocated += a.amount;
        if (i.settledDay === null && i.allocated >= i.amount) i.settledDay = e.payload.receivedDate;
      }
    }
  }
  return {
    orders,
    invoices: [...invoices.values()].map(({ allocated: _, ...i }) => i),
    endAt: startOfDay(endDay + 1),
  };
}
