// A commit writes only the `_` field and the entries the core says it wrote (Outcome.written): an entry written
// without saying so would leave a stale one in Redis. Along random histories of one customer (invoices, payments
// before and after their invoices, reversals, voids, credits, disputes, business dates that age, dun and prune),
// batch after batch, the fields a store holds after every commit's patch are exactly the whole state's fields, and
// decode back to it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topicRegistry } from '../../../shared/contracts/topics.ts';
import type { ConsumedRecord } from '../../../shared/kafka/runner.ts';
import { WorkingSet } from '../../../shared/stateful/working-set.ts';
import { applyEntityChange } from '../../../test/entity-change.ts';
import { isoFromDay as isoOf, startOfDay } from '../../../shared/time.ts';
import { loadDelinquencyConfig } from '../src/config.ts';
import { DelinquencyDomain, type Entity, type InputEvent, type InputRecord } from '../src/adapters/partition-domain.ts';
import { entityCodec } from '../src/adapters/state-codec.ts';
import { adjusted, d, disputed, issued, paid, reversed, voided } from './fixtures.ts';

const ENV = { KAFKA_BROKERS: 'localhost:9092', SCHEMA_REGISTRY_URL: 'http://localhost:8081', REDIS_URL: 'redis://localhost:6379' };
const START = d('2013-01-01');

type Op =
  | { kind: 'issue'; inv: number; dueIn: number | null; amount: number }
  | { kind: 'profile'; terms: number }
  | { kind: 'pay'; pay: number; inv: number; amount: number }
  | { kind: 'reverse'; pay: number }
  | { kind: 'void'; inv: number }
  | { kind: 'credit'; inv: number; amount: number }
  | { kind: 'dispute'; inv: number }
  | { kind: 'day'; days: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  // No due date: issue date + the profile's terms (kept in the state's `_`), net 30 before a profile.
  fc.record({ kind: fc.constant('issue' as const), inv: fc.nat(5), dueIn: fc.option(fc.integer({ min: 0, max: 40 }), { nil: null }), amount: fc.integer({ min: 1, max: 500 }) }),
  fc.record({ kind: fc.constant('profile' as const), terms: fc.integer({ min: 0, max: 60 }) }),
  fc.record({ kind: fc.constant('pay' as const), pay: fc.nat(5), inv: fc.nat(6), amount: fc.integer({ min: 1, max: 500 }) }),
  fc.record({ kind: fc.constant('reverse' as const), pay: fc.nat(5) }),
  fc.record({ kind: fc.constant('void' as const), inv: fc.nat(5) }),
  fc.record({ kind: fc.constant('credit' as const), inv: fc.nat(5), amount: fc.integer({ min: -300, max: -1 }) }),
  fc.record({ kind: fc.constant('dispute' as const), inv: fc.nat(5) }),
  fc.record({ kind: fc.constant('day' as const), days: fc.integer({ min: 1, max: 45 }) }),
);

describe('the delinquency state codec', () => {
  it('keeps in Redis exactly the whole state\'s fields, patching only what each batch wrote', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        (ops, batchSizes, sameDayOrder) => {
          const config = loadDelinquencyConfig(ENV);
          const domain = new DelinquencyDomain({ topics: topicRegistry(''), policy: config.policy, service: 'delinquency', now: () => new Date(0), sameDayOrder });
          let day = START;
          let offset = 0;
          const record = (from: InputRecord['from'], event: InputEvent): InputRecord => {
            const r: ConsumedRecord<InputEvent> = { topic: from, partition: 0, offset: String(offset++), timestamp: 0, key: null, value: null, headers: {}, event };
            return { from, record: r };
          };
          const tick = (from: InputRecord['from']): InputRecord =>
            record(from, { eventId: `tick-${from}-${day}`, eventType: 'BusinessDateTick', occurredAt: startOfDay(day), customerId: '', source: 'test', causationId: null, payload: { businessDate: day } } as InputEvent);
          const inputs: InputRecord[] = [tick('invoices'), tick('payments')];
          for (const op of ops) {
            const iso = isoOf(day);
            if (op.kind === 'day') {
              day = day + op.days;
              inputs.push(tick('invoices'), tick('payments'));
            } else if (op.kind === 'issue') inputs.push(record('invoices', issued(`I${op.inv}`, iso, op.dueIn === null ? null : isoOf(day + op.dueIn), op.amount) as InputEvent));
            else if (op.kind === 'profile') {
              inputs.push(record('customers', {
                eventId: `profile-${offset}`, eventType: 'CustomerCreditProfile', occurredAt: startOfDay(day), customerId: 'C1', source: 'test', causationId: null,
                payload: {
                  creditLimit: 1000, currency: 'EUR', tempLimit: null, tempLimitExpiresAt: null, paymentTermsDays: op.terms, riskClass: 'B',
                  manualHold: false, parentCustomerId: null, changedBy: 'test', changeReason: null,
                },
              } as InputEvent));
            }
            else if (op.kind === 'pay') inputs.push(record('payments', paid(`P${op.pay}`, iso, [[`I${op.inv}`, op.amount]]) as InputEvent));
            else if (op.kind === 'reverse') inputs.push(record('payments', reversed(`P${op.pay}`, iso) as InputEvent));
            else if (op.kind === 'void') inputs.push(record('invoices', voided(`I${op.inv}`, iso) as InputEvent));
            else if (op.kind === 'credit') inputs.push(record('invoices', adjusted(`I${op.inv}`, iso, op.amount) as InputEvent));
            else inputs.push(record('invoices', disputed(`I${op.inv}`, `X${op.inv}`, iso) as InputEvent));
          }
          const states = new Map<string, Entity>();
          const stored = new Map<string, Map<string, string>>();
          for (let at = 0, b = 0; at < inputs.length; b++) {
            const batch = inputs.slice(at, (at += batchSizes[b % batchSizes.length]!));
            const ws = new WorkingSet<Entity>(new Map(states));
            for (const input of batch) domain.apply(ws, input, { partition: 0 });
            for (const [id, change] of ws.changes(entityCodec).states) {
              applyEntityChange(stored, id, change);
              const state = ws.get(id)!;
              states.set(id, state);
              expect(stored.get(id)).toEqual(entityCodec.encode(state));
              expect(entityCodec.decode(stored.get(id)!, id)).toEqual(JSON.parse(JSON.stringify(state)));
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
