import { describe, expect, it } from 'vitest';
import type { CreditHoldEvent } from '../../../shared/contracts/events.generated.ts';
import { applyEvent, creditPolicy, type CustomerState, type ExposureInput } from '../../../services/exposure/src/domain/index.ts';
import { addToLog, eventTimeOrder, inputAt, replayExposure, type InputLog } from '../src/core-replay.ts';
import { canonicalJson, compareByKey, differencesOf } from '../src/determinism.ts';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const policy = creditPolicy({ policyVersion: 'bench-test' });
const content = { hold: async (e: CreditHoldEvent) => canonicalJson(e), snapshot: async (e: { payload: unknown }) => canonicalJson(e.payload) };

const input = (eventId: string, customerId: string, minute: number, body: Pick<ExposureInput, 'eventType' | 'payload'>): ExposureInput =>
  ({ eventId, customerId, occurredAt: T0 + minute * 60_000, source: 'test', causationId: null, ...body }) as ExposureInput;
const profile = (id: string, customerId: string, minute: number, creditLimit: number) =>
  input(id, customerId, minute, {
    eventType: 'CustomerCreditProfile',
    payload: {
      creditLimit, currency: 'EUR', tempLimit: null, tempLimitExpiresAt: null, paymentTermsDays: 30, riskClass: 'B',
      manualHold: false, parentCustomerId: null, changedBy: 'test', changeReason: null,
    },
  } as Pick<ExposureInput, 'eventType' | 'payload'>);
const placed = (id: string, customerId: string, minute: number, orderId: string, amount: number) =>
  input(id, customerId, minute, { eventType: 'OrderPlaced', payload: { orderId, amount, currency: 'EUR' } } as Pick<ExposureInput, 'eventType' | 'payload'>);
const tick = (id: string, minute: number) =>
  input(id, '', minute, { eventType: 'BusinessDateTick', payload: { businessDate: 20_458 } } as Pick<ExposureInput, 'eventType' | 'payload'>);

/** A log from literal rows: [topic, partition, event], offsets counted per topic-partition. */
function logOf(rows: Array<[string, number, ExposureInput]>): InputLog<ExposureInput> {
  const log: InputLog<ExposureInput> = new Map();
  const next = new Map<string, number>();
  for (const [topic, partition, event] of rows) {
    const offset = next.get(`${topic}/${partition}`) ?? 0;
    next.set(`${topic}/${partition}`, offset + 1);
    addToLog(log, topic, partition, { offset: String(offset), event });
  }
  return log;
}

const TOPICS = ['customers', 'orders', 'invoices'];

describe('eventTimeOrder', () => {
  it("merges a partition's topics by event time, ties to the topic listed first, partitions in ascending order", () => {
    const log = logOf([
      ['orders', 3, placed('o2', 'c', 2, 'O1', 1)],
      ['orders', 3, placed('o5', 'c', 5, 'O2', 1)],
      ['customers', 3, profile('c1', 'c', 1, 1)],
      ['customers', 3, profile('c5', 'c', 5, 1)],
      ['invoices', 3, tick('i3', 3)],
      ['orders', 0, placed('p0', 'd', 9, 'O3', 1)],
    ]);
    const order = [...eventTimeOrder(log, TOPICS)].map((r) => `${r.partition}:${r.record.event.eventId}`);
    expect(order).toEqual(['0:p0', '3:c1', '3:o2', '3:i3', '3:c5', '3:o5']);
  });
});

describe('replayExposure with a corporate group', () => {
  it("replays customers of their own account and leaves a group member's decisions, made after the repartition hop, out", async () => {
    const member = { ...profile('g2', 'm', 2, 1000) } as Extract<ExposureInput, { eventType: 'CustomerCreditProfile' }>;
    member.payload = { ...member.payload, parentCustomerId: 'p' };
    const log = logOf([
      ['customers', 0, profile('g1', 'p', 1, 1000)],
      ['customers', 1, member],
      ['orders', 1, placed('g3', 'm', 3, 'M1', 100)], // routed to p's partition: decided there, not in this replay
      ['orders', 0, placed('g4', 'p', 4, 'P1', 100)],
    ]);
    const expected = await replayExposure(log, TOPICS, policy, content);
    const decisions = [...expected.events.values()].map((text) => JSON.parse(text) as CreditHoldEvent);
    expect(decisions.map((e) => [e.customerId, e.eventType])).toEqual([['p', 'OrderCreditApproved']]);
    expect([...expected.snapshots.keys()]).toEqual(['p']);
  });
});

describe('replayExposure', () => {
  // The order is fetched before the profile that precedes it in event time.
  const log = logOf([
    ['orders', 1, placed('e2', 'c1', 2, 'O1', 700)],
    ['orders', 1, placed('e3', 'c1', 3, 'O1', 700)], // the same order again: rejected
    ['customers', 1, profile('e1', 'c1', 1, 1000)],
  ]);

  it('applies the core in event-time order: the profile first, so the order is approved, and the duplicate rejected', async () => {
    const expected = await replayExposure(log, TOPICS, policy, content);
    const decisions = [...expected.events.values()].map((text) => JSON.parse(text) as CreditHoldEvent);
    expect(decisions.map((e) => e.eventType)).toEqual(['OrderCreditApproved']);
    expect(JSON.parse(expected.snapshots.get('c1')!)).toMatchObject({ openOrders: 700, creditLimit: 1000 });
    expect([...expected.rejected]).toEqual([inputAt('orders', 1, '1')]);
  });

  it("reports the differences of a service that decided in fetch order, and none of one that matches", async () => {
    const expected = await replayExposure(log, TOPICS, policy, content);
    const same = [...expected.events].map(([key, digest]) => ({ key, digest }));
    expect(differencesOf(compareByKey(expected.events, same))).toBe(0);

    // The core applied in fetch order: the order meets no profile and is held (another event, another id).
    let state: CustomerState | undefined;
    const published: Array<{ key: string; digest: string }> = [];
    for (const e of [placed('e2', 'c1', 2, 'O1', 700), placed('e3', 'c1', 3, 'O1', 700), profile('e1', 'c1', 1, 1000)]) {
      const r = applyEvent(state, e, policy);
      state = r.state;
      for (const d of r.events) if (d.eventType !== 'ExposureSnapshot') published.push({ key: d.eventId, digest: await content.hold(d) });
    }
    const d = compareByKey(expected.events, published);
    expect(d.missing).toBeGreaterThan(0);
    expect(d.extra).toBeGreaterThan(0);

    // The right id with one field changed.
    const [id, text] = [...expected.events][0]!;
    const changed = { ...(JSON.parse(text) as CreditHoldEvent), occurredAt: 0 };
    expect(compareByKey(expected.events, [{ key: id, digest: canonicalJson(changed) }])).toMatchObject({ missing: 0, extra: 0, different: 1 });
  });
});

describe('replayExposure with business-date ticks', () => {
  it('hands a tick past a temporary limit\'s expiry to that customer, as the service\'s due index does', async () => {
    const withTemp = input('t1', 'c9', 1, {
      eventType: 'CustomerCreditProfile',
      payload: {
        creditLimit: 1000, currency: 'EUR', tempLimit: 2000, tempLimitExpiresAt: T0 + 30 * 60_000, paymentTermsDays: 30,
        riskClass: 'B', manualHold: false, parentCustomerId: null, changedBy: 'test', changeReason: null,
      },
    } as Pick<ExposureInput, 'eventType' | 'payload'>);
    const log = logOf([
      ['customers', 2, withTemp],
      ['orders', 2, placed('t2', 'c9', 2, 'O9', 1500)], // fits only under the temporary limit
      ['invoices', 2, tick('t3', 60)], // after the expiry, no input of the customer
    ]);
    const expected = await replayExposure(log, TOPICS, policy, content);
    const events = [...expected.events.values()].map((text) => JSON.parse(text) as CreditHoldEvent);
    const atTick = events.filter((e) => e.occurredAt === T0 + 60 * 60_000).map((e) => e.eventType);
    expect(atTick).toContain('CustomerCreditHoldPlaced');
  });
});
