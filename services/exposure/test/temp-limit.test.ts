// Given/when/then for a temporary limit's expiry (issue 11, defects 1 and 2): the limit in force is the one at the
// customer's clock, and a business-date tick past the expiry re-evaluates the customer then.
import { describe, expect, it } from 'vitest';
import { deriveEventId } from '../../../shared/ids.ts';
import { topicRegistry } from '../../../shared/contracts/topics.ts';
import { WorkingSet } from '../../../shared/stateful/working-set.ts';
import type { ExposureEntity } from '../src/adapters/account-entities.ts';
import { ExposureDomain, type InputRecord } from '../src/adapters/exposure-domain.ts';
import { FX_TABLE_ID } from '../src/adapters/fx-table.ts';
import {
  SOURCE,
  applyEvent,
  creditPolicy,
  type ApplyResult,
  type CustomerState,
  type ExposureInput,
} from '../src/domain/index.ts';
import { POLICY_VERSION, held, holdPlaced, rows, snapshot, warning } from './expect-rows.ts';
import { MINUTE, T0, customer, envelope } from './inputs.ts';

const policy = creditPolicy({ policyVersion: POLICY_VERSION });

function run(inputs: ExposureInput[]) {
  let state: CustomerState | undefined;
  const results = new Map<string, ApplyResult>();
  for (const input of inputs) {
    const r = applyEvent(state, input, policy);
    results.set(input.eventId, r);
    if (r.changed) state = r.state;
  }
  return { at: (id: string) => rows(results.get(id)!.events), result: (id: string) => results.get(id)!, state: state! };
}

/** A business-date tick as the adapter hands it to a customer it reaches. */
const tick = (eventId: string, customerId: string, occurredAt: number) =>
  envelope('BusinessDateTick', { businessDate: 20_458 }, { eventId, customerId, occurredAt });

// T0 is 09:00: a temporary 500 on top of 1000 until 09:10.
const TEMP = { creditLimit: 1000, tempLimit: 500, tempLimitExpiresAt: T0 + 10 * MINUTE };

describe('a late input and an expired temporary limit', () => {
  it('keeps an order held at 09:20 held when a payment stamped 09:05 arrives after it, and the customer on hold', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', TEMP, T0),
      c.issued('e2', 'i1', 1200, null, T0 + MINUTE), // 1200 <= 1500 while the temporary limit lasts
      c.placed('e3', 'o1', 300, 'EUR', T0 + 20 * MINUTE), // expired: limit 1000
      c.paid('e4', 'p1', 100, [], T0 + 5 * MINUTE), // stamped before the expiry, arrives after the hold
    ]);
    expect(h.at('e3')).toEqual([
      held('o1', 300, ['OVER_LIMIT'], { openReceivables: 1200, creditLimit: 1000, shortfall: 500 }),
      holdPlaced(['OVER_LIMIT'], { openReceivables: 1200, heldOrders: 300, creditLimit: 1000, shortfall: 200 }),
      warning(90, 12000, { openReceivables: 1200, heldOrders: 300, creditLimit: 1000, shortfall: 200 }),
      warning(100, 12000, { openReceivables: 1200, heldOrders: 300, creditLimit: 1000, shortfall: 200 }),
      snapshot({ openReceivables: 1200, heldOrders: 300, heldOrderCount: 1, creditLimit: 1000, utilizationBasisPoints: 12000, onHold: true }),
    ]);
    // At the customer's clock (09:20) the limit is 1000: 1100 + 300 does not fit, 1100 is still over it. Judged at
    // 09:05 (1500) the order would be released, exposure 1400 over the real limit, and the customer hold released.
    expect(h.at('e4')).toEqual([
      snapshot({
        openReceivables: 1200, unappliedCash: 100, heldOrders: 300, heldOrderCount: 1, creditLimit: 1000,
        utilizationBasisPoints: 11000, onHold: true,
      }),
    ]);
    expect(h.result('e4').events.every((e) => e.occurredAt === T0 + 20 * MINUTE)).toBe(true);
    expect(h.state.orders.o1!.status).toBe('HELD');
    expect(h.state.customerHold).toEqual({ since: T0 + 20 * MINUTE, reasons: ['OVER_LIMIT'] });
  });
});

describe('a business-date tick past a temporary limit', () => {
  const c = customer('c1');
  const history = [
    c.profile('e1', TEMP, T0),
    c.placed('e2', 'o1', 1200, 'EUR', T0 + MINUTE), // fits only under the temporary limit
  ];

  it('changes nothing before the expiry', () => {
    const h = run([...history, tick('t1', 'c1', T0 + 5 * MINUTE)]);
    expect(h.result('t1')).toMatchObject({ events: [], changed: false });
    expect(h.state.watermark).toBe(T0 + MINUTE);
  });

  it('places the customer hold, warns and publishes the snapshot at the tick, not at the next input', () => {
    const at = T0 + 10 * MINUTE;
    const h = run([...history, tick('t2', 'c1', at), tick('t3', 'c1', at + MINUTE)]);
    expect(h.at('t2')).toEqual([
      holdPlaced(['OVER_LIMIT'], { openOrders: 1200, creditLimit: 1000, shortfall: 200 }), // 1200 > 1000
      warning(90, 12000, { openOrders: 1200, creditLimit: 1000, shortfall: 200 }),
      warning(100, 12000, { openOrders: 1200, creditLimit: 1000, shortfall: 200 }),
      snapshot({ openOrders: 1200, creditLimit: 1000, utilizationBasisPoints: 12000, onHold: true }),
    ]);
    const events = h.result('t2').events;
    expect(events.map((e) => [e.occurredAt, e.causationId])).toEqual(events.map(() => [at, null]));
    // Ids from the customer and the expiry: the same whichever topic's tick of the date comes first.
    const basis = deriveEventId(SOURCE, 'TempLimitExpired', 'c1', TEMP.tempLimitExpiresAt);
    expect(events[0]!.eventId).toBe(deriveEventId(basis, 'CustomerCreditHoldPlaced'));
    expect(run([...history, tick('another-topic', 'c1', at)]).result('another-topic').events).toEqual(events);
    expect(h.state.customerHold).toEqual({ since: at, reasons: ['OVER_LIMIT'] });
    expect(h.result('t3')).toMatchObject({ events: [], changed: false }); // once
  });

  it('is not applied again when an input already saw the expiry', () => {
    const h = run([...history, c.paid('e3', 'p1', 0, [], T0 + 11 * MINUTE), tick('t4', 'c1', T0 + 12 * MINUTE)]);
    expect(h.result('e3').events.map((e) => e.eventType)).toContain('CustomerCreditHoldPlaced');
    expect(h.result('t4')).toMatchObject({ events: [], changed: false });
  });
});

describe('the adapter, for a tick', () => {
  const record = (event: ExposureInput): InputRecord =>
    ({ topic: 't', partition: 0, offset: '0', timestamp: 0, key: null, value: null, headers: {}, event });

  it('indexes a customer by its expiry and hands a tick past it to that customer alone', () => {
    const domain = new ExposureDomain({ topics: topicRegistry(''), policy });
    const c1 = customer('c1');
    const c2 = customer('c2');
    const ws = new WorkingSet<ExposureEntity>(new Map());
    for (const input of [
      c1.profile('e1', TEMP, T0),
      c1.placed('e2', 'o1', 1200, 'EUR', T0 + MINUTE),
      c2.profile('e3', { creditLimit: 1000 }, T0),
      c2.placed('e4', 'o2', 900, 'EUR', T0 + MINUTE),
    ]) domain.apply(ws, record(input), { partition: 0 });
    const { index } = ws.changes(domain.codec);
    expect(index).toEqual(new Map([['c1', TEMP.tempLimitExpiresAt]]));

    const ticked = envelope('BusinessDateTick', { businessDate: 20_458 }, { eventId: 't1', customerId: '', occurredAt: T0 + 10 * MINUTE });
    expect(domain.dueUpTo(record(ticked))).toBe(T0 + 10 * MINUTE);
    expect(domain.entityIds(record(ticked))).toEqual([FX_TABLE_ID]); // the partition's FX rate table, no customer
    // What the batch processor loads for the tick: the customers the index says are due by then.
    const states = new Map([['c1', ws.get('c1')!], ['c2', ws.get('c2')!]]);
    const next = new WorkingSet<ExposureEntity>(states, new Map([['c1', TEMP.tempLimitExpiresAt]]));
    const { out } = domain.apply(next, record(ticked), { partition: 0 });
    expect(out.map((r) => [r.event.customerId, r.event.eventType, r.spec.name])).toEqual([
      ['c1', 'CustomerCreditHoldPlaced', 'o2c.credit-holds.v1'],
      ['c1', 'CreditUtilizationWarning', 'o2c.credit-holds.v1'],
      ['c1', 'CreditUtilizationWarning', 'o2c.credit-holds.v1'],
      ['c1', 'ExposureSnapshot', 'o2c.exposure.v1'],
    ]);
    expect(ws.changes(domain.codec).index.get('c2')).toBeUndefined();
    expect(next.changes(domain.codec).index).toEqual(new Map([['c1', null]])); // expired: out of the index
  });
});
