// FX parking on the real stack (issue 15): documents in USD for a EUR customer wait in its state, with the gauge
// o2c_exposure_fx_parked_documents above 0, across a restart of the service, while another customer's orders go on; once the
// rate of their day is produced to o2c.fx-rates.v1 (on every partition), they are converted and applied, and what
// the service left in Redis and on the exposure and credit-holds topics equals the reference model's.
import { v5 as uuidv5 } from 'uuid';
import { describe, expect, it } from 'vitest';
import type { CreditHoldEvent } from '../../../shared/contracts/events.generated.ts';
import { fxRateKey, type AnyEvent, type TopicSpec } from '../../../shared/contracts/topics.ts';
import { partitionKeys } from '../../../shared/redis/keys.ts';
import { dayOf, startOfDay } from '../../../shared/time.ts';
import { collect, produce } from '../../../test/kafka.ts';
import { FX_TABLE_ID } from '../src/adapters/fx-table.ts';
import { loadExposureConfig, policyOf, SERVICE } from '../src/config.ts';
import { exposureOf } from '../src/domain/index.ts';
import { contractsOf, customerStates, endOffsets, HistoryProducer, realStackFile, specOf, startInProcess, waitApplied } from './harness.ts';
import { customer, envelope, T0 } from './inputs.ts';
import { decisionOf, runModel } from './model.ts';

const ctx = realStackFile('exposure-fx-it');
const id = (label: string) => uuidv5(label, '5d3c9a1e-7b2f-4e60-8c4d-1f9e2a7b3c58');

/** The gauge's values by partition, as scraped from /metrics. */
async function parkedGauge(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const values = new Map<string, number>();
  for (const m of text.matchAll(/^o2c_exposure_fx_parked_documents\{([^}]*)\} (\S+)$/gm)) {
    values.set(/partition="(\d+)"/.exec(m[1]!)![1]!, Number(m[2]));
  }
  return values;
}

describe('exposure service, documents in another currency', () => {
  it('parks USD documents of a EUR customer until the rate of their day is produced, then applies them as the model does', async () => {
    const partitions = 2;
    const t = ctx.env('exposure-fx', partitions);
    const serde = await contractsOf(ctx.kafka, ctx.stack, t);
    const producer = await HistoryProducer.open(ctx.kafka, serde);
    const day = dayOf(T0);
    const acme = customer('ACME', 'EUR');
    const acmeUsd = customer('ACME', 'USD');
    const other = customer('OTHER', 'EUR');
    const profiles = [acme.profile(id('p1'), { creditLimit: 100_000 }, T0), other.profile(id('p2'), { creditLimit: 100_000 }, T0)];
    const invoices = [acmeUsd.issued(id('i1'), 'I-1', 50_000, null, T0 + 60_000)]; // 500.00 USD
    const orders = [
      acmeUsd.placed(id('o1'), 'O-1', 30_000, 'USD', T0 + 120_000), // 300.00 USD
      other.placed(id('o2'), 'O-2', 1_000, 'EUR', T0 + 180_000), // not blocked by ACME's waiting documents
    ];
    const rate = envelope('FxRatePublished', { base: 'EUR', quote: 'USD', rateDate: day, rate: '1.0876' },
      { eventId: id('rate'), customerId: '', occurredAt: startOfDay(day) + 15 * 3_600_000 });
    const holds = await collect(ctx.kafka, t.topics.CREDIT_HOLDS.name);
    const snapshots = await collect(ctx.kafka, t.topics.EXPOSURE.name);

    const first = await startInProcess(t);
    for (const [spec, events] of [[specOf(t, 'customers'), profiles], [specOf(t, 'invoices'), invoices], [specOf(t, 'orders'), orders]] as const) {
      await producer.send(spec, events);
      await waitApplied(ctx.redis, t, spec.name, await endOffsets(ctx.admin, spec.name));
    }
    // OTHER's order is decided; ACME's USD documents wait: no decision, in the state, counted by the gauge.
    await holds.waitFor(1);
    const beforeRate = await customerStates(ctx.redis, t);
    expect(beforeRate.get('ACME')?.fxParked?.map((p) => p.input.eventId)).toEqual([id('i1'), id('o1')]);
    expect(exposureOf(beforeRate.get('ACME')!.totals)).toBe(0);
    const gauge = await parkedGauge(first.httpPort);
    expect([...gauge.values()].reduce((a, b) => a + b, 0)).toBe(2);
    await first.stop();

    // Parking is state: a new instance finds the waiting documents (and the partition's count) in Redis.
    const second = await ctx.start(t);
    const fx = t.topics.FX_RATES as TopicSpec;
    const value = await serde.encode(fx, rate as AnyEvent);
    await produce(ctx.kafka, fx.name, Array.from({ length: partitions }, (_, p) => ({ partition: p, key: fxRateKey(rate.payload as never), value })));
    await waitApplied(ctx.redis, t, fx.name, await endOffsets(ctx.admin, fx.name));
    await producer.close();

    const model = runModel([...profiles, ...invoices, ...orders, rate], policyOf(loadExposureConfig(t.env)));
    const states = await customerStates(ctx.redis, t);
    for (const customerId of ['ACME', 'OTHER']) {
      const s = states.get(customerId)!;
      expect(s.fxParked).toBeUndefined();
      expect({ ...s.totals, exposure: exposureOf(s.totals) }).toEqual(model.components[customerId]);
    }
    // 500.00 USD / 1.0876 = 459.7279 EUR -> 459.73, kept with the original.
    expect(states.get('ACME')!.invoices['I-1']).toMatchObject({ issued: 45_973, fx: { currency: 'USD', amount: 50_000, day } });
    const decisions = model.decisions.length;
    const published = await Promise.all((await holds.waitFor(decisions)).map((m) => serde.decode(t.topics.CREDIT_HOLDS, m.value)));
    expect(published.map((e) => decisionOf(e as CreditHoldEvent)).sort(byCustomer)).toEqual([...model.decisions].sort(byCustomer));
    const lastOf = (customerId: string) => model.snapshots.filter((s) => s.customerId === customerId).at(-1)!;
    await snapshots.waitFor(model.snapshots.length > 0 ? 2 : 0);
    const lastPublished = async (customerId: string) => {
      for (let i = 0; i < 100; i++) {
        const all = await Promise.all(snapshots.messages.map((m) => serde.decode(t.topics.EXPOSURE, m.value)));
        const last = all.filter((e) => e.customerId === customerId).at(-1);
        if (last && JSON.stringify(last.payload) === JSON.stringify(lastOf(customerId).snapshot)) return last;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no snapshot of ${customerId} equal to the model's last`);
    };
    expect((await lastPublished('ACME')).payload).toEqual(lastOf('ACME').snapshot);
    expect((await lastPublished('OTHER')).payload).toEqual(lastOf('OTHER').snapshot);
    expect(lastOf('ACME').snapshot).toMatchObject({ currency: 'EUR', openReceivables: 45_973, openOrders: 27_584 });

    // The gauge and the partition's count are back to 0.
    const after = await parkedGauge(second.httpPort);
    expect([...after.values()].reduce((a, b) => a + b, 0)).toBe(0);
    for (let p = 0; p < partitions; p++) {
      const n = await ctx.redis.hget(`${partitionKeys(SERVICE, p, t.keyPrefix).entityPrefix}${FX_TABLE_ID}`, 'n');
      expect(n === null || n === '0').toBe(true);
    }
    await Promise.all([holds.stop(), snapshots.stop()]);
  });
});

const byCustomer = (a: { customerId: string; causationId: string | null; eventType: string }, b: typeof a) =>
  `${a.customerId}/${a.causationId}/${a.eventType}`.localeCompare(`${b.customerId}/${b.causationId}/${b.eventType}`);
