// Corporate groups and FX together, given/when/then: a member's foreign document waits in its group's task until its
// rate, then is decided in the group's room; a member in another credit currency than its parent's is counted as it
// is (one currency per group is assumed, README "Corporate groups"), and nothing fails.
import { describe, expect, it } from 'vitest';
import { topicRegistry } from '../../../shared/contracts/topics.ts';
import { WorkingSet } from '../../../shared/stateful/working-set.ts';
import type { DerivedRecord } from '../../../shared/stateful/batch-processor.ts';
import type { ExposureRepartitionEvent } from '../../../shared/contracts/events.generated.ts';
import { groupEntityId, type ExposureEntity, type GroupEntity } from '../src/adapters/account-entities.ts';
import { ExposureDomain, type InputRecord } from '../src/adapters/exposure-domain.ts';
import { FX_TABLE_ID, type FxTable } from '../src/adapters/fx-table.ts';
import {
  applyGroupRecord,
  creditPolicy,
  emptyGroup,
  NO_RATES,
  withRate,
  type ExposureInput,
  type FxRates,
  type GroupEvent,
  type GroupRecord,
  type GroupState,
} from '../src/domain/index.ts';
import { customer, envelope, T0 } from './inputs.ts';

const DAY_MS = 86_400_000;
const DAY0 = Math.floor(T0 / DAY_MS);
const POLICY = creditPolicy({ policyVersion: 'v1', riskHoldClasses: [], warningBands: [] });
const rate = (quote: string, rateDate: number, value: string): ExposureInput =>
  envelope('FxRatePublished', { base: 'EUR', quote, rateDate, rate: value }, { eventId: `r-${quote}-${rateDate}`, customerId: '', occurredAt: rateDate * DAY_MS + 15 * 3_600_000 });

/** The group core fed as the adapter feeds it: a rate goes into the table, then to the task addressed to the group. */
function feed(inputs: ExposureInput[], start: GroupState = emptyGroup('P')) {
  let state = start;
  let rates: FxRates = NO_RATES;
  const events: GroupEvent[] = [];
  for (const e of inputs) {
    let record: GroupRecord = { kind: 'input', input: e };
    if (e.eventType === 'FxRatePublished') {
      const next = withRate(rates, e.payload);
      if (!next.ok) throw new Error(next.refused);
      rates = next.rates;
      record = { kind: 'input', input: { ...e, customerId: state.groupId } };
    }
    const out = applyGroupRecord(state, record, POLICY, rates);
    expect(out.rejected).toEqual([]);
    state = out.state;
    events.push(...out.events);
  }
  return { state, events };
}

const decisions = (events: GroupEvent[]) =>
  events.flatMap((e) => (e.eventType === 'OrderCreditApproved' || e.eventType === 'OrderCreditHeld' || e.eventType === 'OrderCreditReleased'
    ? [[e.customerId, e.eventType, e.payload.orderId, 'reasons' in e.payload ? e.payload.reasons.join() : '']]
    : []));
const groupExposure = (events: GroupEvent[]) =>
  events.flatMap((e) => (e.eventType === 'GroupExposureSnapshot' ? [[e.payload.currency, e.payload.exposure, e.payload.groupLimit]] : []));

describe('the group core with FX', () => {
  const p = customer('P');
  const a = customer('A');
  const b = customer('B');
  const group = [
    p.profile('p1', { creditLimit: 1000 }),
    a.profile('a1', { creditLimit: 800, parentCustomerId: 'P' }),
    b.profile('b1', { creditLimit: 800, parentCustomerId: 'P' }),
  ];

  it('a member\'s foreign order waits in the group task for its rate, then is decided in the group\'s room', () => {
    const waiting = feed([...group, a.placed('a2', 'A-1', 600), b.placed('b2', 'B-1', 625, 'USD')]);
    expect(decisions(waiting.events)).toEqual([['A', 'OrderCreditApproved', 'A-1', '']]);
    expect(waiting.state.members.B!.fxParked).toHaveLength(1);
    // 1 EUR = 1.25 USD: B-1 is 500.00 EUR, within B's own 800 but 600 + 500 > the group's 1000.
    const { state, events } = feed([rate('USD', DAY0, '1.25')], waiting.state);
    expect(decisions(events)).toEqual([['B', 'OrderCreditHeld', 'B-1', 'GROUP_OVER_LIMIT']]);
    expect(state.members.B!.fxParked).toBeUndefined();
    expect(state.members.B!.totals.heldOrders).toBe(500);
    expect(groupExposure(events).at(-1)).toEqual(['EUR', 600, 1000]);
  });

  it('a member in another credit currency than its parent\'s is summed as it is (one currency per group assumed)', () => {
    const u = customer('U', 'USD');
    const { state, events } = feed([...group, u.profile('u1', { creditLimit: 800, parentCustomerId: 'P' }), u.placed('u2', 'U-1', 300), a.placed('a2', 'A-1', 800)]);
    expect(state.members.U!.currency).toBe('USD');
    // U's 300 (USD) counts unconverted: A's 800 EUR goes past the group's 1000.
    expect(decisions(events)).toEqual([['U', 'OrderCreditApproved', 'U-1', ''], ['A', 'OrderCreditHeld', 'A-1', 'GROUP_OVER_LIMIT']]);
    expect(groupExposure(events).at(-1)).toEqual(['EUR', 300, 1000]);
  });
});

describe('the adapter with groups and FX, one partition', () => {
  const topics = topicRegistry('');
  let offset = 0;
  const record = (event: ExposureInput | ExposureRepartitionEvent, topic = 'o2c.orders.v1'): InputRecord =>
    ({ topic, partition: 0, offset: String(offset++), timestamp: 0, key: null, value: null, headers: {}, event });

  it('a rate reaches the group task through the index and its member\'s waiting order is decided there', () => {
    const domain = new ExposureDomain({ topics, policy: POLICY });
    const ws = new WorkingSet<ExposureEntity>(new Map());
    const derived: DerivedRecord[] = [];
    // Every record of the one partition, repartition records fed back as the topic would deliver them.
    const apply = (r: InputRecord) => {
      const queue = [r];
      while (queue.length > 0) {
        const next = queue.shift()!;
        const { out, rejected } = domain.apply(ws, next, { partition: 0 });
        expect(rejected).toBeUndefined();
        for (const o of out) {
          if (o.spec.name === topics.EXPOSURE_REPARTITION.name && o.topic === undefined) queue.push(record(o.event as ExposureRepartitionEvent, o.spec.name));
          else derived.push(o);
        }
      }
    };
    const p = customer('P');
    const a = customer('A');
    const b = customer('B');
    for (const e of [
      p.profile('p1', { creditLimit: 1000 }),
      a.profile('a1', { creditLimit: 800, parentCustomerId: 'P' }),
      b.profile('b1', { creditLimit: 800, parentCustomerId: 'P' }),
      a.placed('a2', 'A-1', 600),
      b.placed('b2', 'B-1', 625, 'USD'),
    ]) apply(record(e));
    const task = ws.get(groupEntityId('P')) as GroupEntity;
    expect(task.group.members.B!.fxParked).toHaveLength(1);
    expect((ws.get(FX_TABLE_ID) as FxTable).parked).toBe(1);
    expect(ws.dueBy(DAY0 * DAY_MS)).toContain(groupEntityId('P'));

    const r = rate('USD', DAY0, '1.25');
    expect(domain.dueUpTo(record(r, 'o2c.fx-rates.v1'))).toBe(DAY0 * DAY_MS);
    apply(record(r, 'o2c.fx-rates.v1'));
    const held = derived.filter((d) => d.event.eventType === 'OrderCreditHeld');
    expect(held.map((d) => [d.event.customerId, (d.event.payload as { reasons: string[] }).reasons])).toEqual([['B', ['GROUP_OVER_LIMIT']]]);
    expect((ws.get(FX_TABLE_ID) as FxTable).parked).toBe(0);
    expect(ws.dueBy(Number.MAX_SAFE_INTEGER)).not.toContain(groupEntityId('P'));
    const groupSnapshots = derived.filter((d) => d.spec.name === topics.GROUP_EXPOSURE.name);
    expect(groupSnapshots.at(-1)!.event.payload).toMatchObject({ currency: 'EUR', exposure: 600, heldOrders: 500, groupLimit: 1000 });
  });
});
