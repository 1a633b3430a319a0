// A temporary limit's expiry on the real stack (issue 11, defect 2): the business-date tick past it, partition-wide
// and keyed by no customer, reaches the customer through the expiry index and publishes its customer hold,
// utilisation warnings and snapshot then, stamped with the tick's event time, not at some later input.
import { v5 as uuidv5 } from 'uuid';
import { describe, expect, it } from 'vitest';
import type { AnyEvent, TopicSpec } from '../../../shared/contracts/topics.ts';
import { dayOf, startOfDay } from '../../../shared/time.ts';
import { collect, produce } from '../../../test/kafka.ts';
import { applyEvent, type CustomerState, type DerivedEvent, type ExposureInput } from '../src/domain/index.ts';
import { loadExposureConfig, policyOf } from '../src/config.ts';
import { contractsOf, endOffsets, HistoryProducer, realStackFile, specOf, waitApplied } from './harness.ts';
import { customer, T0 } from './inputs.ts';

const ctx = realStackFile('exposure-expiry-it');

const id = (label: string) => uuidv5(label, '0b6f2d7e-3c1a-4f59-9d0e-7a4c2b8e1f35');

describe('exposure service, a temporary limit expiring', () => {
  it('re-evaluates the customer at the business-date tick past the expiry', async () => {
    const t = ctx.env('exposure-expiry', 1);
    const serde = await contractsOf(ctx.kafka, ctx.stack, t);
    const producer = await HistoryProducer.open(ctx.kafka, serde);
    const day = dayOf(T0);
    const expiresAt = startOfDay(day + 1); // the temporary limit lasts until the next midnight
    const a = customer('ACME');
    const profile = a.profile(id('p1'), { creditLimit: 1000, tempLimit: 500, tempLimitExpiresAt: expiresAt }, T0);
    const order = a.placed(id('o1'), 'O-1', 1200, 'EUR', T0 + 60_000); // fits only under the temporary limit
    // The next day's ticks, one per input topic, on the partition: they name no customer.
    const tick = (spec: TopicSpec, name: string): ExposureInput => ({
      eventId: id(name), eventType: 'BusinessDateTick', occurredAt: expiresAt, customerId: '', source: 'test',
      causationId: null, payload: { businessDate: day + 1 },
    });
    const holds = await collect(ctx.kafka, t.topics.CREDIT_HOLDS.name);
    const snapshots = await collect(ctx.kafka, t.topics.EXPOSURE.name);
    await ctx.start(t);

    await producer.send(specOf(t, 'customers'), [profile]);
    await waitApplied(ctx.redis, t, t.topics.CUSTOMERS.name, await endOffsets(ctx.admin, t.topics.CUSTOMERS.name));
    await producer.send(specOf(t, 'orders'), [order]);
    await waitApplied(ctx.redis, t, t.topics.ORDERS.name, await endOffsets(ctx.admin, t.topics.ORDERS.name));
    await producer.close();
    await holds.waitFor(2); // approved, warning 80 %
    for (const [spec, name] of [[t.topics.ORDERS, 'tick-orders'], [t.topics.PAYMENTS, 'tick-payments']] as const) {
      await produce(ctx.kafka, spec.name, [{ partition: 0, key: '', value: await serde.encode(spec, tick(spec, name) as AnyEvent) }]);
      await waitApplied(ctx.redis, t, spec.name, await endOffsets(ctx.admin, spec.name));
    }

    // What the core derives, the first tick handed to the customer as the adapter does; the second finds nothing.
    const policy = policyOf(loadExposureConfig(t.env));
    let state: CustomerState | undefined;
    const derived: DerivedEvent[] = [];
    for (const input of [profile, order, { ...tick(t.topics.ORDERS, 'tick-orders'), customerId: 'ACME' }]) {
      const result = applyEvent(state, input, policy);
      state = result.state;
      derived.push(...result.events);
    }
    const atTick = derived.filter((e) => e.causationId === null);
    expect(atTick.map((e) => [e.eventType, e.occurredAt])).toEqual([
      ['CustomerCreditHoldPlaced', expiresAt], // 1200 over the limit of 1000 from midnight
      ['CreditUtilizationWarning', expiresAt], // 90 %
      ['CreditUtilizationWarning', expiresAt], // 100 %
      ['ExposureSnapshot', expiresAt], // on hold, limit 1000, 120 %
    ]);

    const decode = (spec: TopicSpec, values: Array<Buffer | null>) => Promise.all(values.map((v) => serde.decode(spec, v)));
    const expectedHolds = derived.filter((e) => e.eventType !== 'ExposureSnapshot');
    const published = await decode(t.topics.CREDIT_HOLDS, (await holds.waitFor(expectedHolds.length)).map((m) => m.value));
    expect(published).toEqual(expectedHolds);
    await snapshots.waitFor(3);
    const lastSnapshot = (await decode(t.topics.EXPOSURE, snapshots.messages.map((m) => m.value))).at(-1);
    expect(lastSnapshot).toEqual(derived.at(-1));
    // Out of the index once expired: a redelivered or later tick changes nothing.
    await new Promise((r) => setTimeout(r, 500));
    expect(holds.messages).toHaveLength(expectedHolds.length);
    expect(snapshots.messages).toHaveLength(3);
    await Promise.all([holds.stop(), snapshots.stop()]);
  });
});
