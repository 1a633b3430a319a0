// Given/when/then for RISK_CLASS_SOURCE: the risk class from the profile (default) or from the latest credit score.
// Times: the n-th input of a customer is at T0 + n minutes.
import { describe, expect, it } from 'vitest';
import { deriveEventId } from '../../../shared/ids.ts';
import { topicRegistry } from '../../../shared/contracts/topics.ts';
import { applyEvent, creditPolicy, type ApplyResult, type CustomerState, type ExposureInput } from '../src/domain/index.ts';
import { loadExposureConfig, policyOf } from '../src/config.ts';
import { inputTopics } from '../src/service.ts';
import { POLICY_VERSION, approved, held, released, rows, snapshot } from './expect-rows.ts';
import { MINUTE, T0, customer, envelope } from './inputs.ts';

const scoring = creditPolicy({ policyVersion: POLICY_VERSION, riskClassSource: 'scoring', riskHoldClasses: ['D', 'E'] });
const profile = creditPolicy({ policyVersion: POLICY_VERSION, riskHoldClasses: ['D', 'E'] });

const at = (n: number) => T0 + n * MINUTE;

/** A CreditScoreUpdated as services/scoring publishes it; only the class matters to exposure. */
const score = (eventId: string, customerId: string, riskClass: string, n: number): ExposureInput =>
  envelope('CreditScoreUpdated', {
    asOfDate: 20_458, score: 70, probabilityBp: 2_000, riskClass, factors: [], proposedLimit: 0, limitReason: 'test',
    currentLimit: 1000, currency: '', utilisationBp: 0, segment: 'SLOW', sizeBand: 'SMALL', annualSales: 0,
    modelVersion: 'test', issuedInvoice: null,
  }, { eventId, customerId, occurredAt: at(n) });

function run(inputs: ExposureInput[], policy = scoring) {
  let state: CustomerState | undefined;
  const results = new Map<string, ApplyResult>();
  for (const input of inputs) {
    const r = applyEvent(state, input, policy);
    results.set(input.eventId, r);
    state = r.state;
  }
  return { at: (id: string) => rows(results.get(id)!.events), result: (id: string) => results.get(id)!, state: state! };
}

describe('risk class from the scoring service (RISK_CLASS_SOURCE=scoring)', () => {
  it('holds new orders RISK_CLASS while the latest score is in a hold class, and releases them when it improves', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 1000, riskClass: 'E' }, at(1)),
      score('e2', 'c1', 'B', 2),
      c.placed('e3', 'o1', 300, 'EUR', at(3)),
      score('e4', 'c1', 'D', 4),
      c.placed('e5', 'o2', 100, 'EUR', at(5)),
      score('e6', 'c1', 'D', 6),
      score('e7', 'c1', 'E', 7),
      score('e8', 'c1', 'C', 8),
    ]);
    expect(h.at('e1')).toEqual([snapshot({ creditLimit: 1000 })]);
    expect(h.at('e2')).toEqual([]); // B: nothing to hold, nothing visible changes
    expect(h.result('e2').changed).toBe(true); // but the class is kept
    // The profile says E, but the class comes from the score (B): approved.
    expect(h.at('e3')).toEqual([
      approved('o1', 300, { creditLimit: 1000 }),
      snapshot({ openOrders: 300, creditLimit: 1000, utilizationBasisPoints: 3000 }),
    ]);
    expect(h.at('e4')).toEqual([]); // D is a hold class: only new orders feel it, o1 stays approved
    expect(h.at('e5')).toEqual([
      held('o2', 100, ['RISK_CLASS'], { openOrders: 300, creditLimit: 1000 }), // fits the limit; the class holds it
      snapshot({ openOrders: 300, heldOrders: 100, heldOrderCount: 1, creditLimit: 1000, utilizationBasisPoints: 3000 }),
    ]);
    // The same class again changes nothing: not written, the clock stays where it was.
    expect(h.result('e6')).toMatchObject({ changed: false, events: [] });
    expect(h.at('e7')).toEqual([]); // D -> E: still a hold class, o2 stays held
    // E -> C clears RISK_CLASS: the release round releases o2, held since e5 (3 minutes before).
    expect(h.at('e8')).toEqual([
      released('o2', 100, 3 * MINUTE, 'CreditScoreUpdated', { openOrders: 300, heldOrders: 100, creditLimit: 1000 }),
      snapshot({ openOrders: 400, creditLimit: 1000, utilizationBasisPoints: 4000 }),
    ]);
    expect(h.result('e8').events[0]).toMatchObject({
      eventId: deriveEventId('e8', 'OrderCreditReleased', 'o2'), causationId: 'e8', occurredAt: at(8),
    });
    expect(h.state.scoredRiskClass).toBe('C');
  });

  it('holds RISK_CLASS beside NO_CREDIT_PROFILE when a score comes before any profile', () => {
    const c = customer('c2');
    const h = run([score('e1', 'c2', 'E', 1), c.placed('e2', 'o1', 100, 'EUR', at(2))]);
    expect(h.at('e2')).toEqual([
      held('o1', 100, ['RISK_CLASS', 'NO_CREDIT_PROFILE'], {}),
      snapshot({ heldOrders: 100, heldOrderCount: 1 }),
    ]);
  });

  it('ignores scores when the class comes from the profile (the default), and keeps no score in the state', () => {
    const c = customer('c3');
    const h = run([
      c.profile('e1', { creditLimit: 1000, riskClass: 'D' }, at(1)),
      score('e2', 'c3', 'A', 2),
      c.placed('e3', 'o1', 100, 'EUR', at(3)),
    ], profile);
    expect(h.result('e2')).toMatchObject({ changed: false, events: [] });
    expect(h.at('e3')).toEqual([
      held('o1', 100, ['RISK_CLASS'], { creditLimit: 1000 }), // the profile's D, whatever the score says
      snapshot({ heldOrders: 100, heldOrderCount: 1, creditLimit: 1000 }),
    ]);
    expect('scoredRiskClass' in h.state).toBe(false);
  });

  it('refuses an unknown source', () => {
    expect(() => creditPolicy({ policyVersion: 'p', riskClassSource: 'rating' as 'profile' })).toThrow(/riskClassSource/);
  });
});

describe('RISK_CLASS_SOURCE', () => {
  const env = { KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081', REDIS_URL: 'redis://127.0.0.1:6379' };

  it('defaults to profile, and only scoring subscribes the credit scores', () => {
    expect(policyOf(loadExposureConfig(env)).riskClassSource).toBe('profile');
    expect(policyOf(loadExposureConfig({ ...env, RISK_CLASS_SOURCE: 'scoring' })).riskClassSource).toBe('scoring');
    const t = topicRegistry('x.');
    expect(inputTopics(t, 'profile').map((s) => s.name)).not.toContain(t.CREDIT_SCORES.name);
    expect(inputTopics(t, 'scoring').map((s) => s.name).sort()).toEqual([...inputTopics(t, 'profile').map((s) => s.name), t.CREDIT_SCORES.name].sort());
  });

  it('stops start-up naming the variable when it is neither', () => {
    expect(() => loadExposureConfig({ ...env, RISK_CLASS_SOURCE: 'rating' })).toThrow(/RISK_CLASS_SOURCE.*one of profile, scoring/);
  });
});
