// Property tests of the notifications core against the reference model (test/model.ts): random histories of a few
// customers over a few weeks (profiles with addresses, languages and opt-outs; invoices, payments, reversals, credit
// notes, voids, disputes; scores; dunning stages; holds; daily ticks, some days skipped), run through the core as the
// service runs it (its PartitionDomain, the index deciding whom a tick looks at) give exactly the model's notices.
// Promises to pay (some in another currency, some ids recorded twice) and unapplied cash join them: the core's
// promise outcomes are the model's (modelPromiseOutcomes).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topicRegistry } from '../../../shared/contracts/topics.ts';
import { WorkingSet } from '../../../shared/stateful/working-set.ts';
import type { PromiseOutcomeEvent } from '../../../shared/contracts/events.generated.ts';
import { noticeEvent, promiseOutcomeEvent, type NoticeEvent } from '../src/adapters/emit.ts';
import { NotificationsDomain, type Entity, type InputRecord } from '../src/adapters/partition-domain.ts';
import { LANGUAGES, noticeIdOf, noticeKey, NotificationReplay, NOTICE_TYPES, render, validatePolicy, type Notice, type NotificationPolicy, type StreamEvent } from '../src/domain/index.ts';
import { adjusted, cash, disputed, dunning, held, issued, paid, profile, promised, resetIds, resolved, reversed, score, tick, voided } from './fixtures.ts';
import { modelNotices, modelPromiseOutcomes, type ModelPolicy } from './model.ts';

const D0 = 20_454; // 2026-01-01
const CUSTOMERS = ['A', 'B', 'C'];

type Step =
  | { k: 'profile'; c: number; limit: number; terms: number; email: boolean; language: string | null; optOuts: string[]; cls: string }
  | { k: 'issue'; c: number; due: number; amount: number }
  | { k: 'pay'; c: number; inv: number; amount: number }
  | { k: 'reverse'; c: number; pay: number }
  | { k: 'adjust'; c: number; inv: number; amount: number }
  | { k: 'void' | 'dispute' | 'resolve'; c: number; inv: number }
  | { k: 'score'; c: number; bp: number; cls: string }
  | { k: 'dunning'; c: number; inv: number; stage: string; dpd: number }
  | { k: 'hold'; c: number; order: number; amount: number }
  | { k: 'promise'; c: number; id: number; within: number; amount: number; currency: string }
  | { k: 'cash'; c: number; amount: number; currency: string };

const c = fc.nat({ max: CUSTOMERS.length - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    k: fc.constant('profile' as const), c, limit: fc.constantFrom(1_000_00, 2_000_00), terms: fc.constantFrom(14, 30), email: fc.boolean(),
    language: fc.constantFrom(null, 'en', 'de', 'de-AT', 'fr'), optOuts: fc.subarray(['ALL', ...NOTICE_TYPES], { maxLength: 2 }),
    cls: fc.constantFrom('A', 'C', 'E'),
  }),
  fc.record({ k: fc.constant('issue' as const), c, due: fc.integer({ min: 0, max: 14 }), amount: fc.integer({ min: 0, max: 500_00 }) }),
  fc.record({ k: fc.constant('pay' as const), c, inv: fc.nat(8), amount: fc.integer({ min: 1, max: 500_00 }) }),
  fc.record({ k: fc.constant('reverse' as const), c, pay: fc.nat(8) }),
  fc.record({ k: fc.constant('adjust' as const), c, inv: fc.nat(8), amount: fc.integer({ min: -300_00, max: 100_00 }) }),
  fc.record({ k: fc.constantFrom('void' as const, 'dispute' as const, 'resolve' as const), c, inv: fc.nat(8) }),
  fc.record({ k: fc.constant('score' as const), c, bp: fc.constantFrom(500, 4_999, 5_000, 8_000), cls: fc.constantFrom('A', 'C', 'E') }),
  fc.record({ k: fc.constant('dunning' as const), c, inv: fc.nat(8), stage: fc.constantFrom('REMINDER_1', 'REMINDER_2'), dpd: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ k: fc.constant('hold' as const), c, order: fc.nat(5), amount: fc.integer({ min: 1, max: 900_00 }) }),
  fc.record({
    k: fc.constant('promise' as const), c, id: fc.nat(3), within: fc.integer({ min: -2, max: 8 }), amount: fc.integer({ min: 1, max: 600_00 }),
    currency: fc.constantFrom('EUR', 'EUR', 'USD'),
  }),
  fc.record({ k: fc.constant('cash' as const), c, amount: fc.integer({ min: 1, max: 400_00 }), currency: fc.constantFrom('EUR', 'EUR', 'USD') }),
);
/** Per day: whether it is ticked, and what happens on it. */
const days = fc.array(fc.record({ ticked: fc.constantFrom(true, true, true, false), steps: fc.array(step, { maxLength: 5 }) }), { minLength: 5, maxLength: 30 });

/** The steps as events, in event-time order; invoice and payment ids are per customer and never issued twice. */
function history(plan: Array<{ ticked: boolean; steps: Step[] }>): StreamEvent[] {
  resetIds();
  const invoices = CUSTOMERS.map(() => [] as string[]);
  const payments = CUSTOMERS.map(() => [] as string[]);
  const events: StreamEvent[] = [];
  plan.forEach((dayPlan, i) => {
    const day = D0 + i;
    if (dayPlan.ticked || i === 0) events.push(tick(day));
    for (const s of dayPlan.steps) {
      const cid = CUSTOMERS[s.c]!;
      const inv = (n: number) => invoices[s.c]![n % Math.max(1, invoices[s.c]!.length)] ?? `${cid}-none`;
      switch (s.k) {
        case 'profile':
          events.push(profile(cid, day, { limit: s.limit, terms: s.terms, email: s.email ? `ap@${cid}.example` : null, language: s.language, optOuts: s.optOuts, riskClass: s.cls }));
          break;
        case 'issue': {
          const id = `${cid}-I${invoices[s.c]!.length}`;
          invoices[s.c]!.push(id);
          events.push(issued(cid, id, day, day + s.due, s.amount));
          break;
        }
        case 'pay': {
          const id = `${cid}-P${payments[s.c]!.length}`;
          payments[s.c]!.push(id);
          events.push(paid(cid, id, day, [[inv(s.inv), s.amount]]));
          break;
        }
        case 'reverse':
          if (payments[s.c]!.length > 0) events.push(reversed(cid, payments[s.c]![s.pay % payments[s.c]!.length]!, day));
          break;
        case 'adjust':
          events.push(adjusted(cid, inv(s.inv), day, s.amount));
          break;
        case 'void':
          events.push(voided(cid, inv(s.inv), day));
          break;
        case 'dispute':
          events.push(disputed(cid, inv(s.inv), day));
          break;
        case 'resolve':
          events.push(resolved(cid, inv(s.inv), day));
          break;
        case 'score':
          events.push(score(cid, day, s.bp, s.cls));
          break;
        case 'dunning':
          events.push(dunning(cid, inv(s.inv), s.stage, day, s.dpd, 100_00));
          break;
        case 'hold':
          events.push(held(cid, `${cid}-O${s.order}`, day, s.amount));
          break;
        case 'promise':
          events.push(promised(cid, `${cid}-PTP${s.id}`, day, day + s.within, s.amount, s.currency));
          break;
        case 'cash': {
          const id = `${cid}-P${payments[s.c]!.length}`;
          payments[s.c]!.push(id);
          events.push(cash(cid, id, day, s.amount, s.currency));
          break;
        }
      }
    }
  });
  return events.map((e, i) => [e, i] as const).sort(([a, i], [b, j]) => a.occurredAt - b.occurredAt || i - j).map(([e]) => e);
}

const policies: fc.Arbitrary<NotificationPolicy> = fc
  .record({ days: fc.integer({ min: 0, max: 5 }), extra: fc.integer({ min: 0, max: 5 }), classE: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }), classA: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }), bp: fc.constantFrom(0, 5_000, 10_000), off: fc.subarray([...NOTICE_TYPES], { maxLength: 2 }), lang: fc.constantFrom('en' as const, 'de' as const) })
  .map((p) => validatePolicy({
    reminderDaysBefore: p.days, likelyLateReminderDaysBefore: p.days + p.extra, likelyLateProbabilityBp: p.bp,
    reminderDaysByClass: new Map([...(p.classE === undefined ? [] : [['E', p.classE] as const]), ...(p.classA === undefined ? [] : [['A', p.classA] as const])]),
    enabledTypes: new Set(NOTICE_TYPES.filter((t) => !p.off.includes(t))), defaultLanguage: p.lang,
  }));

const modelPolicy = (p: NotificationPolicy): ModelPolicy => ({
  days: p.reminderDaysBefore, byClass: p.reminderDaysByClass, likelyLateDays: p.likelyLateReminderDaysBefore, likelyLateBp: p.likelyLateProbabilityBp, enabled: p.enabledTypes, defaultLanguage: p.defaultLanguage,
});

const describeNotice = (n: Notice) => {
  const key = noticeKey(n.facts, n.causationId ?? undefined);
  const amount = n.facts.type === 'LIMIT_CHANGED' ? n.facts.to : 'amount' in n.facts ? n.facts.amount : '-';
  return [n.customerId, n.facts.type, key, n.asOfDate, n.recipient ?? '-', n.language, amount].join(' ');
};

/** The core as the service runs it: the PartitionDomain on one working set, ticks looking only at indexed customers. */
function throughDomain(events: readonly StreamEvent[], policy: NotificationPolicy): { notices: NoticeEvent[]; outcomes: PromiseOutcomeEvent[] } {
  const topics = topicRegistry('');
  const domain = new NotificationsDomain({ topics, policy });
  const ws = new WorkingSet<Entity>(new Map());
  const notices: NoticeEvent[] = [];
  const outcomes: PromiseOutcomeEvent[] = [];
  for (const event of events) {
    const applied = domain.apply(ws, { event } as InputRecord, { partition: 0 });
    expect(applied.rejected).toBeUndefined();
    for (const d of applied.out) {
      if (d.spec === topics.PROMISE_OUTCOMES) outcomes.push(d.event as PromiseOutcomeEvent);
      else notices.push(d.event as NoticeEvent);
    }
  }
  return { notices, outcomes };
}

const types = new Set<string>();
const issuedByType: number[] = [];

describe('the notifications core against the reference model', () => {
  it('issues exactly the model\'s notices (type, key, date, recipient, language, amount), driven through the replay', () => {
    fc.assert(
      fc.property(days, policies, (plan, policy) => {
        const events = history(plan);
        const core = new NotificationReplay(policy).pushAll(events);
        expect(core.map(describeNotice).sort()).toEqual(modelNotices(events, modelPolicy(policy)).sort());
        issuedByType.push(core.length);
        for (const n of core) types.add(n.facts.type);
      }),
      { numRuns: 300 },
    );
    // The histories are not vacuous: every type turns up, and most histories give notices.
    expect([...types].sort()).toEqual([...NOTICE_TYPES].sort());
    expect(issuedByType.filter((n) => n > 0).length).toBeGreaterThan(150);
  });

  it('the PartitionDomain, whose index picks whom a tick looks at, issues the same notices as the replay that looks at everyone', () => {
    fc.assert(
      fc.property(days, policies, (plan, policy) => {
        const events = history(plan);
        const replay = new NotificationReplay(policy).pushAll(events).map(noticeEvent);
        const byId = (xs: NoticeEvent[]) => [...xs].sort((a, b) => a.eventId.localeCompare(b.eventId));
        expect(byId(throughDomain(events, policy).notices)).toEqual(byId(replay));
      }),
      { numRuns: 300 },
    );
  });

  it('judges every promise to pay as the model does (kept at the covering payment, broken when a business date passes its date), once', () => {
    const kinds = new Map<string, number>();
    fc.assert(
      fc.property(days, policies, (plan, policy) => {
        const events = history(plan);
        const replay = new NotificationReplay(policy);
        replay.pushAll(events);
        const core = replay.outcomes.map((o) => [o.customerId, o.kind, o.promiseId, o.asOfDate, o.paid].join(' '));
        expect(core.sort()).toEqual(modelPromiseOutcomes(events).sort());
        expect(new Set(replay.outcomes.map((o) => o.outcomeId)).size).toBe(replay.outcomes.length);
        for (const o of replay.outcomes) {
          expect(o.kind === 'PromiseKept' ? o.paid >= o.amount : o.paid < o.amount).toBe(true);
          kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
        }
      }),
      { numRuns: 300 },
    );
    // Not vacuous: both outcomes turn up, many times.
    expect(kinds.get('PromiseKept')).toBeGreaterThan(50);
    expect(kinds.get('PromiseBroken')).toBeGreaterThan(50);
  });

  it('the PartitionDomain judges the same promises as the replay: its index wakes a customer the day after a promised date', () => {
    fc.assert(
      fc.property(days, policies, (plan, policy) => {
        const events = history(plan);
        const replay = new NotificationReplay(policy);
        replay.pushAll(events);
        const byId = (xs: PromiseOutcomeEvent[]) => [...xs].sort((a, b) => a.eventId.localeCompare(b.eventId));
        expect(byId(throughDomain(events, policy).outcomes)).toEqual(byId(replay.outcomes.map(promiseOutcomeEvent)));
      }),
      { numRuns: 300 },
    );
  });

  it('renders every notice in both languages with no hole: subject and body filled, no undefined or NaN', () => {
    fc.assert(
      fc.property(days, policies, (plan, policy) => {
        for (const n of new NotificationReplay(policy).pushAll(history(plan))) {
          for (const language of LANGUAGES) {
            const r = render(n.facts, language, n.customerId);
            expect(r.subject.length).toBeGreaterThan(0);
            expect(r.body).toContain(n.customerId);
            expect(`${r.subject}\n${r.body}`).not.toMatch(/undefined|NaN|\[object/);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('never issues two notices with one id, and every id is the customer\'s and the business key\'s', () => {
    fc.assert(
      fc.property(days, policies, (plan, policy) => {
        const out = new NotificationReplay(policy).pushAll(history(plan));
        expect(new Set(out.map((n) => n.noticeId)).size).toBe(out.length);
        for (const n of out) expect(n.noticeId).toBe(noticeIdOf(n.customerId, noticeKey(n.facts, n.causationId ?? undefined)));
      }),
      { numRuns: 200 },
    );
  });
});
