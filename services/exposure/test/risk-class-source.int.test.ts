// RISK_CLASS_SOURCE=scoring on the real stack: the exposure service also consumes o2c.credit-scores.v1, a score in a
// hold class holds the customer's new orders RISK_CLASS whatever its profile says, and a better score releases them.
import { v5 as uuidv5 } from 'uuid';
import { describe, expect, it } from 'vitest';
import type { TopicSpec } from '../../../shared/contracts/topics.ts';
import { collect } from '../../../test/kafka.ts';
import { applyEvent, type CustomerState, type DerivedEvent, type ExposureInput } from '../src/domain/index.ts';
import { loadExposureConfig, policyOf } from '../src/config.ts';
import { contractsOf, endOffsets, HistoryProducer, realStackFile, waitApplied } from './harness.ts';
import { customer, envelope, MINUTE, T0 } from './inputs.ts';

const ctx = realStackFile('exposure-risk-source-it');

const id = (label: string) => uuidv5(label, '5d0c7f1e-8a2b-4c3d-9e4f-1a2b3c4d5e6f');

const score = (label: string, customerId: string, riskClass: string, occurredAt: number): ExposureInput =>
  envelope('CreditScoreUpdated', {
    asOfDate: 20_458, score: 55, probabilityBp: 7_000, riskClass, factors: [{ factor: 'lateRate', value: 0.8, contribution: 1.2 }],
    proposedLimit: 0, limitReason: 'class E: no credit', currentLimit: 1000, currency: 'EUR', utilisationBp: 0,
    segment: 'CHRONIC_LATE', sizeBand: 'SMALL', annualSales: 0, modelVersion: 'it', issuedInvoice: null,
  }, { eventId: id(label), customerId, occurredAt });

describe('exposure service, risk class from the scoring service', () => {
  it('holds a new order RISK_CLASS on a class-E score and releases it on the next, better score', async () => {
    const t = ctx.env('exposure-risk-source', 2, { RISK_CLASS_SOURCE: 'scoring', RISK_HOLD_CLASSES: 'E' });
    const serde = await contractsOf(ctx.kafka, ctx.stack, t);
    const producer = await HistoryProducer.open(ctx.kafka, serde);
    const a = customer('ACME');
    // The profile says A: under the scoring source it is not the class that counts.
    const steps: Array<[TopicSpec, ExposureInput]> = [
      [t.topics.CUSTOMERS, a.profile(id('p1'), { creditLimit: 1000, riskClass: 'A' }, T0)],
      [t.topics.CREDIT_SCORES, score('s1', 'ACME', 'E', T0 + MINUTE)],
      [t.topics.ORDERS, a.placed(id('o1'), 'O-1', 100, 'EUR', T0 + 2 * MINUTE)],
      [t.topics.CREDIT_SCORES, score('s2', 'ACME', 'E', T0 + 3 * MINUTE)], // the same class: changes nothing
      [t.topics.CREDIT_SCORES, score('s3', 'ACME', 'C', T0 + 4 * MINUTE)],
    ];
    const holds = await collect(ctx.kafka, t.topics.CREDIT_HOLDS.name);
    await ctx.start(t);
    // One at a time, each applied before the next: the order the core below applies them in.
    for (const [spec, event] of steps) {
      await producer.send(spec, [event]);
      await waitApplied(ctx.redis, t, spec.name, await endOffsets(ctx.admin, spec.name));
    }
    await producer.close();

    const policy = policyOf(loadExposureConfig(t.env));
    let state: CustomerState | undefined;
    const derived: DerivedEvent[] = [];
    for (const [, input] of steps) {
      const result = applyEvent(state, input, policy);
      if (result.changed) state = result.state;
      derived.push(...result.events);
    }
    const expected = derived.filter((e) => e.eventType !== 'ExposureSnapshot');
    expect(expected.map((e) => [e.eventType, e.causationId, 'reasons' in e.payload ? e.payload.reasons : null])).toEqual([
      ['OrderCreditHeld', id('o1'), ['RISK_CLASS']],
      ['OrderCreditReleased', id('s3'), null],
    ]);
    const published = await Promise.all((await holds.waitFor(expected.length)).map((m) => serde.decode(t.topics.CREDIT_HOLDS, m.value)));
    expect(published).toEqual(expected);
    expect(published[1]).toMatchObject({ payload: { trigger: 'CreditScoreUpdated', release: 'AUTOMATIC', heldMs: 2 * MINUTE } });
    await holds.stop();
  });
});
