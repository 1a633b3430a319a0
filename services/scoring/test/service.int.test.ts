// The scoring service on the real stack (Kafka, registry, Redis): four customers' real history from the ledger,
// replayed in event time with daily ticks on two partitions, gives exactly what the core gives driven directly
// (ids and contents), and every published score and probability is the reference model's for the inputs up to
// it; an invoice issued twice goes to the DLQ, is counted, and the partition moves on.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreditReviewEvent, CreditScoreEvent } from '../../../shared/contracts/events.generated.ts';
import { DlqHeaders } from '../../../shared/kafka/dlq.ts';
import { createLogger } from '../../../shared/logger.ts';
import { startOfDay } from '../../../shared/time.ts';
import { getStack } from '../../../test/stack.ts';
import { AR_LATE_PAYMENTS } from '../../../tools/import-ledger/src/mapping.ts';
import { readLedger } from '../../../tools/import-ledger/src/rows.ts';
import { ledgerEvents } from '../../../tools/score-eval/ledger-eval.ts';
import { loadScoringConfig } from '../src/config.ts';
import { toEvent } from '../src/adapters/emit.ts';
import { defaultPolicy, ScoringReplay, type ScoringInput, type StreamEvent } from '../src/domain/index.ts';
import { ScoringService } from '../src/service.ts';
import { modelProbabilityBp, modelScore } from './model.ts';
import { openSandbox, produceEvents, readAll, sandboxRecords, waitConsumed, type Sandbox } from './real-stack.ts';

const PARTITIONS = 2;
const { rows } = readLedger(readFileSync(new URL('../../../data/ar-late-payments.csv', import.meta.url), 'utf8'), AR_LATE_PAYMENTS);
const CUSTOMERS = [...new Set(rows.map((r) => r.customerId))].slice(0, 4);
const history = ledgerEvents(rows.filter((r) => CUSTOMERS.includes(r.customerId)));
// A second issue of an invoice already issued: rejected by the core, to the DLQ, and nothing else changes.
const firstIssue = history.find((e) => e.eventType === 'InvoiceIssued')!;
const duplicate = { ...firstIssue, eventId: '5b8e4f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b', occurredAt: firstIssue.occurredAt + 60_000 } as StreamEvent;
const events = [...history];
events.splice(events.indexOf(firstIssue) + 1, 0, duplicate);

let box: Sandbox;
let service: ScoringService;

beforeAll(async () => {
  const stack = await getStack();
  box = await openSandbox(stack, 'scoring-int', PARTITIONS);
  const records = sandboxRecords(box, events, PARTITIONS);
  await produceEvents(box, records);
  service = new ScoringService({
    config: loadScoringConfig(box.env),
    logger: createLogger('scoring-test', { level: 'silent' }),
    onFatal: (e) => {
      throw e;
    },
  });
  await service.start();
  await waitConsumed(box);
}, 300_000);

afterAll(async () => {
  await service?.stop();
  await box?.close();
});

describe('the scoring service through Kafka and Redis', () => {
  it('publishes exactly what the core publishes driven directly, customer by customer', async () => {
    const core = new ScoringReplay(defaultPolicy);
    const expected = core.pushAll(events).map((o) => toEvent(o.customerId, o.out));
    const scores = await Promise.all((await readAll(box.kafka, box.topics.CREDIT_SCORES.name)).map((m) => box.serde.decode(box.topics.CREDIT_SCORES, m.value)));
    const reviews = await Promise.all((await readAll(box.kafka, box.topics.CREDIT_REVIEWS.name)).map((m) => box.serde.decode(box.topics.CREDIT_REVIEWS, m.value)));
    const perCustomer = (xs: ReadonlyArray<CreditScoreEvent | CreditReviewEvent>) =>
      Object.fromEntries(CUSTOMERS.map((c) => [c, xs.filter((x) => x.customerId === c)]));
    expect(perCustomer(scores)).toEqual(perCustomer(expected.filter((e) => e.eventType === 'CreditScoreUpdated')));
    expect(perCustomer(reviews)).toEqual(perCustomer(expected.filter((e) => e.eventType === 'CreditReviewDue')));
    expect(scores.length).toBeGreaterThan(100);
    expect(scores.filter((s) => s.payload.issuedInvoice !== null)).toHaveLength(history.filter((e) => e.eventType === 'InvoiceIssued').length);
  });

  it('every published score and probability is the reference model\'s for the inputs up to it', async () => {
    const scores = await Promise.all((await readAll(box.kafka, box.topics.CREDIT_SCORES.name)).map((m) => box.serde.decode(box.topics.CREDIT_SCORES, m.value)));
    const inputs = events.filter((e): e is ScoringInput & StreamEvent => e.eventType !== 'BusinessDateTick' && e !== duplicate);
    for (const s of scores) {
      const own = inputs.filter((e) => e.customerId === s.customerId);
      const upTo = s.causationId === null
        ? own.filter((e) => e.occurredAt < startOfDay(s.payload.asOfDate))
        : own.slice(0, own.findIndex((e) => e.eventId === s.causationId) + 1);
      expect(s.payload.score).toBe(modelScore(upTo, s.payload.asOfDate));
      expect(s.payload.probabilityBp).toBe(modelProbabilityBp(upTo, s.payload.asOfDate));
    }
  });

  it('sends the invoice issued twice to the DLQ, byte for byte, naming the service', async () => {
    const letters = await readAll(box.kafka, box.topics.DLQ.name);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.headers[DlqHeaders.SERVICE]?.toString()).toBe('scoring');
    expect(letters[0]!.headers[DlqHeaders.ERROR_CLASS]?.toString()).toBe('InvalidEvent');
    expect(await box.serde.decode(box.topics.INVOICES, letters[0]!.value)).toEqual(duplicate);
  });

  it('counts the rejected input in the shared DLQ metric and what it emitted in its own (the stateful kit\'s metrics)', async () => {
    const lines = (await (await fetch(`http://127.0.0.1:${service.httpPort}/metrics`)).text()).split('\n');
    // The value of the one series of `name` carrying every label given (in whatever order prom-client prints them).
    const value = (name: string, labels: Record<string, string>): number | undefined => {
      const found = lines.filter((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
      return found.length === 1 ? Number(found[0]!.split(' ').at(-1)) : undefined;
    };
    expect(value('o2c_dlq_records_total', { service: 'scoring', topic: box.topics.INVOICES.name, error_class: 'InvalidEvent' })).toBe(1);
    expect(value('o2c_scoring_events_emitted_total', { service: 'scoring', type: 'CreditScoreUpdated' })).toBeGreaterThan(0);
    expect(value('o2c_scoring_state_incomplete', { service: 'scoring', partition: '0' })).toBe(0);
  });
});
