// The adapter's FX path, without Kafka or Redis: a rate goes into the partition's table and to the customers the
// index says wait for its day; a refused rate and a waiting input rejected once applied go to the DLQ.
import { describe, expect, it } from 'vitest';
import { topicRegistry } from '../../../shared/contracts/topics.ts';
import { WorkingSet } from '../../../shared/stateful/working-set.ts';
import { ExposureDomain, type InputRecord } from '../src/adapters/exposure-domain.ts';
import type { ExposureEntity } from '../src/adapters/account-entities.ts';
import { FX_TABLE_ID, type FxTable } from '../src/adapters/fx-table.ts';
import { creditPolicy, type CustomerState, type ExposureInput } from '../src/domain/index.ts';
import { customer, envelope, T0 } from './inputs.ts';

const DAY_MS = 86_400_000;
const DAY0 = Math.floor(T0 / DAY_MS);
const topics = topicRegistry('');
const record = (event: ExposureInput): InputRecord =>
  ({ topic: 't', partition: 3, offset: '0', timestamp: 0, key: null, value: null, headers: {}, event });
const rate = (base: string, quote: string, rateDate: number, value: string) =>
  envelope('FxRatePublished', { base, quote, rateDate, rate: value }, { eventId: `r-${quote}-${rateDate}`, customerId: '', occurredAt: rateDate * DAY_MS + 15 * 3_600_000 });

describe('the exposure adapter, for FX rates', () => {
  it('indexes a waiting customer at its day, hands it the rate of that day, counts and dead-letters what it must', () => {
    const domain = new ExposureDomain({ topics, policy: creditPolicy({ policyVersion: 'fx' }) });
    const ws = new WorkingSet<ExposureEntity>(new Map());
    const eur = customer('c1', 'EUR');
    const usd = customer('c1', 'USD');
    const apply = (e: ExposureInput) => domain.apply(ws, record(e), { partition: 3 });
    apply(eur.profile('e1', { creditLimit: 1_000 }));
    expect(apply(usd.placed('e2', 'o1', 500, 'USD')).out).toEqual([]); // waits for DAY0's USD rate
    apply(eur.cancelled('e3', 'o1')); // names o1: waits behind it
    apply(eur.cancelled('e4', 'o1')); // and a second cancellation, a duplicate once applied
    expect((ws.get(FX_TABLE_ID) as FxTable).parked).toBe(3);
    expect(domain.parkedCounts.get(3)).toBe(3);
    expect(domain.waiting.get(3)?.map((w) => [w.eventId, w.currency])).toEqual([['e2', 'USD'], ['e3', null], ['e4', null]]);
    expect(ws.changes(domain.codec).index).toEqual(new Map([['c1', DAY0 * DAY_MS]])); // the start of the day it waits for

    // A rate not quoted from the euro is refused: the DLQ, and nothing else.
    expect(apply(rate('USD', 'JPY', DAY0, '150'))).toEqual({ out: [], rejected: { errorClass: 'InvalidEvent', message: 'rates are quoted EUR -> currency; USD -> JPY is not' } });
    const usdRate = rate('EUR', 'USD', DAY0, '2');
    expect(domain.dueUpTo(record(usdRate))).toBe(DAY0 * DAY_MS);
    expect(domain.entityIds(record(usdRate))).toEqual([FX_TABLE_ID]);
    const { out } = apply(usdRate);
    expect(out.map((r) => [r.event.eventType, r.topic ?? r.spec.name])).toEqual([
      ['OrderCreditApproved', 'o2c.credit-holds.v1'], // o1 at 2.50 EUR
      ['ExposureSnapshot', 'o2c.exposure.v1'], // after the placement
      ['ExposureSnapshot', 'o2c.exposure.v1'], // after the cancellation
      ['OrderCancelled', 'o2c.dlq.v1'], // the duplicate cancellation, re-encoded with the orders' schema
    ]);
    const letter = out.at(-1)!;
    expect(letter.spec).toBe(topics.ORDERS);
    expect(letter.partition).toBe(3);
    expect(letter.headers).toEqual({
      'o2c-source-topic': 'o2c.orders.v1',
      'o2c-source-partition': '3',
      'o2c-service': 'exposure',
      'o2c-error-class': 'InvalidEvent',
      'o2c-error-message': 'duplicate OrderCancelled: order o1 is already cancelled',
    });
    expect((ws.get('c1') as CustomerState).orders.o1).toMatchObject({ placedAmount: 250, status: 'CANCELLED', fx: { currency: 'USD', amount: 500, day: DAY0 } });
    expect((ws.get(FX_TABLE_ID) as FxTable)).toEqual({ kind: 'fx-rates', rates: { USD: [[DAY0, '2']] }, parked: 0 });
    // Nothing waits any more: out of the index; the table's fields are its rates and its count.
    const changes = ws.changes(domain.codec);
    expect(changes.index.get('c1')).toBeNull();
    expect(domain.codec.decode(domain.codec.encode(ws.get(FX_TABLE_ID)!), FX_TABLE_ID)).toEqual(ws.get(FX_TABLE_ID));
  });
});
