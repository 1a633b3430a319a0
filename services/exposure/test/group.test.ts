// The group core, given/when/then: literal records of one group's partition of the repartition topic, then exactly
// what the core derives (test/group.property.test.ts holds it against the model on random histories).
import { describe, expect, it } from 'vitest';
import {
  applyGroupRecord,
  creditAccountOf,
  creditPolicy,
  emptyGroup,
  routeInput,
  type ExposureInput,
  type GroupEvent,
  type GroupRecord,
  type GroupState,
} from '../src/domain/index.ts';
import { customer } from './inputs.ts';

const POLICY = creditPolicy({ policyVersion: 'v1', riskHoldClasses: [], warningBands: [] });
const input = (e: ExposureInput): GroupRecord => ({ kind: 'input', input: e });

/** Applies the records in order; returns the state and every event, hand-over and rejection. */
function feed(records: GroupRecord[], start: GroupState = emptyGroup('P')) {
  let state = start;
  const events: GroupEvent[] = [];
  const handovers: Array<{ to: string; record: GroupRecord }> = [];
  for (const r of records) {
    const out = applyGroupRecord(state, r, POLICY);
    state = out.state;
    events.push(...out.events);
    handovers.push(...out.handovers);
  }
  return { state, events, handovers };
}

const decisions = (events: GroupEvent[]) =>
  events.flatMap((e) => (e.eventType === 'OrderCreditApproved' || e.eventType === 'OrderCreditHeld' || e.eventType === 'OrderCreditReleased'
    ? [[e.customerId, e.eventType, e.payload.orderId, 'reasons' in e.payload ? e.payload.reasons.join() : '']]
    : []));
const groupExposure = (events: GroupEvent[]) =>
  events.flatMap((e) => (e.eventType === 'GroupExposureSnapshot' ? [[e.payload.exposure, e.payload.groupLimit, e.payload.overLimit]] : []));

describe('credit accounts and the router', () => {
  it('a customer\'s account is its parent, or itself (no parent, or naming itself)', () => {
    expect(creditAccountOf('A', 'P')).toBe('P');
    expect(creditAccountOf('A', null)).toBe('A');
    expect(creditAccountOf('P', 'P')).toBe('P');
  });

  it('a profile that changes the account goes to the old account, and a join notice to the new one', () => {
    const a = customer('A');
    const accounts = new Map<string, string>();
    const first = a.profile('a1', { parentCustomerId: 'P' });
    expect(routeInput(accounts, first).map((r) => [r.account, r.record.kind])).toEqual([['A', 'input'], ['P', 'join']]);
    expect(routeInput(accounts, a.placed('a2', 'o1', 100)).map((r) => r.account)).toEqual(['P']);
    const move = a.profile('a3', { parentCustomerId: 'Q' });
    expect(routeInput(accounts, move).map((r) => [r.account, r.record.kind])).toEqual([['P', 'input'], ['Q', 'join']]);
    expect(routeInput(accounts, a.profile('a4', { parentCustomerId: 'Q', creditLimit: 5 })).map((r) => r.account)).toEqual(['Q']);
  });
});

describe('the group limit', () => {
  const p = customer('P');
  const a = customer('A');
  const b = customer('B');
  const group = [
    input(p.profile('p1', { creditLimit: 1000 })), // the parent: the group limit is its limit, 1000
    input(a.profile('a1', { creditLimit: 800, parentCustomerId: 'P' })),
    input(b.profile('b1', { creditLimit: 800, parentCustomerId: 'P' })),
  ];

  it('an order within the member\'s own limit is held GROUP_OVER_LIMIT when the group would go over', () => {
    const { events } = feed([
      ...group,
      input(a.placed('a2', 'A-1', 600)), // group 600 <= 1000: approved
      input(b.placed('b2', 'B-1', 500)), // B's own 500 <= 800, but the group 1100 > 1000: held
      input(b.placed('b3', 'B-2', 900)), // over B's own 800 (a held order is not exposure) and the group's: both reasons
    ]);
    expect(decisions(events)).toEqual([
      ['A', 'OrderCreditApproved', 'A-1', ''],
      ['B', 'OrderCreditHeld', 'B-1', 'GROUP_OVER_LIMIT'],
      ['B', 'OrderCreditHeld', 'B-2', 'OVER_LIMIT,GROUP_OVER_LIMIT'],
    ]);
    expect(groupExposure(events).at(-1)).toEqual([600, 1000, false]);
  });

  it('another member\'s payment releases the held order (trigger its input), oldest hold first', () => {
    const { events, state } = feed([
      ...group,
      input(a.placed('a2', 'A-1', 600)),
      input(a.issued('a3', 'INV-1', 600, 'A-1')),
      input(b.placed('b2', 'B-1', 500)), // held: 600 + 500 > 1000
      input(a.paid('a4', 'PAY-1', 600, [{ invoiceId: 'INV-1', amount: 600 }])), // A's exposure 0: B-1 fits the group now
    ]);
    expect(decisions(events).at(-1)).toEqual(['B', 'OrderCreditReleased', 'B-1', '']);
    const released = events.find((e) => e.eventType === 'OrderCreditReleased')!;
    expect(released.causationId).toBe('a4');
    expect(released.payload).toMatchObject({ release: 'AUTOMATIC', trigger: 'PaymentReceived' });
    expect(groupExposure(events).at(-1)).toEqual([500, 1000, false]);
    expect(state.members.B!.totals.openOrders).toBe(500);
  });

  it('a parent alone, or a member without a parent profile, is decided by its own limit only', () => {
    const alone = feed([input(p.profile('p1', { creditLimit: 100 })), input(p.placed('p2', 'P-1', 150))]);
    expect(decisions(alone.events)).toEqual([['P', 'OrderCreditHeld', 'P-1', 'OVER_LIMIT']]);
    expect(groupExposure(alone.events)).toEqual([]); // not a group: no group snapshot
    const noParent = feed([input(a.profile('a1', { creditLimit: 800, parentCustomerId: 'P' })), input(a.placed('a2', 'A-1', 700))]);
    expect(decisions(noParent.events)).toEqual([['A', 'OrderCreditApproved', 'A-1', '']]);
  });
});

describe('a member moving between groups', () => {
  const p = customer('P');
  const a = customer('A');
  const b = customer('B');

  it('the old group hands the member\'s state over; the new group parks its inputs until it arrives, then counts it', () => {
    const q = customer('Q');
    const g1 = feed([
      input(p.profile('p1', { creditLimit: 10_000 })),
      input(a.profile('a1', { creditLimit: 5000, parentCustomerId: 'P' })),
      input(a.placed('a2', 'A-1', 700)),
      input(a.profile('a3', { creditLimit: 5000, parentCustomerId: 'Q' })), // A leaves P for Q
    ]);
    expect(Object.keys(g1.state.members)).toEqual(['P']);
    expect(g1.handovers).toHaveLength(1);
    expect(g1.handovers[0]!.to).toBe('Q');
    const handover = g1.handovers[0]!.record;

    const before = feed([input(q.profile('q1', { creditLimit: 1000 })), input(b.profile('b1', { creditLimit: 800, parentCustomerId: 'Q' }))], emptyGroup('Q'));
    const join: GroupRecord = { kind: 'join', memberId: 'A', moveId: 'a3' };
    // The notice first: B's order waits with it, so it is decided with A's 700 counted (700 + 400 > 1000).
    const noticeFirst = feed([join, input(b.placed('b2', 'B-1', 400)), handover], before.state);
    expect(decisions(noticeFirst.events)).toEqual([['B', 'OrderCreditHeld', 'B-1', 'GROUP_OVER_LIMIT']]);
    expect(noticeFirst.state.members.A!.totals.openOrders).toBe(700);
    expect(noticeFirst.state.parked).toEqual([]);
    // The hand-over first: applied at once; the notice that follows changes nothing.
    const handoverFirst = feed([handover, join, input(b.placed('b2', 'B-1', 400))], before.state);
    expect(decisions(handoverFirst.events)).toEqual([['B', 'OrderCreditHeld', 'B-1', 'GROUP_OVER_LIMIT']]);
    expect(handoverFirst.state.joined).toEqual({});
    expect(groupExposure(handoverFirst.events).at(-1)).toEqual([700, 1000, false]);
  });
});
