// Given/when/then: literal inputs for one customer, then the exact events each input derives.
// Times: each input is one minute after the previous one (T0 + n minutes for the n-th), unless stated.
import { describe, expect, it } from 'vitest';
import { deriveEventId } from '../../../shared/ids.ts';
import {
  applyEvent,
  creditPolicy,
  emptyState,
  type ApplyResult,
  type CreditPolicy,
  type CustomerState,
  type ExposureInput,
} from '../src/domain/index.ts';
import {
  POLICY_VERSION,
  approved,
  held,
  holdPlaced,
  holdReleased,
  refused,
  rejectedOrder,
  released,
  rows,
  snapshot,
  warning,
} from './expect-rows.ts';
import { MINUTE, T0, customer, envelope } from './inputs.ts';

const policy = creditPolicy({ policyVersion: POLICY_VERSION });

function run(inputs: ExposureInput[], p: CreditPolicy = policy) {
  let state: CustomerState | undefined;
  const results = new Map<string, ApplyResult>();
  for (const input of inputs) {
    const r = applyEvent(state, input, p);
    results.set(input.eventId, r);
    state = r.state;
  }
  return { at: (id: string) => rows(results.get(id)!.events), result: (id: string) => results.get(id)!, state: state! };
}

describe('order decisions', () => {
  it('approves while exposure + order fits the limit, holds OVER_LIMIT with the shortfall otherwise', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 1000 }),
      c.placed('e2', 'o1', 700),
      c.placed('e3', 'o2', 200),
      c.placed('e4', 'o3', 200),
    ]);
    expect(h.at('e1')).toEqual([snapshot({ creditLimit: 1000 })]); // a profile alone changes the snapshot
    expect(h.at('e2')).toEqual([
      approved('o1', 700, { creditLimit: 1000 }), // 0 + 700 <= 1000
      snapshot({ openOrders: 700, creditLimit: 1000, utilizationBasisPoints: 7000 }),
    ]);
    expect(h.at('e3')).toEqual([
      approved('o2', 200, { openOrders: 700, creditLimit: 1000 }), // 700 + 200 <= 1000
      warning(80, 9000, { openOrders: 900, creditLimit: 1000 }), // 90 % crosses two bands at once: one warning each
      warning(90, 9000, { openOrders: 900, creditLimit: 1000 }),
      snapshot({ openOrders: 900, creditLimit: 1000, utilizationBasisPoints: 9000 }),
    ]);
    expect(h.at('e4')).toEqual([
      held('o3', 200, ['OVER_LIMIT'], { openOrders: 900, creditLimit: 1000, shortfall: 100 }), // 900 + 200 - 1000
      snapshot({ openOrders: 900, heldOrders: 200, heldOrderCount: 1, creditLimit: 1000, utilizationBasisPoints: 9000 }),
    ]);
  });

  it('stamps derived events with deterministic ids, the source, the cause and its event time', () => {
    const c = customer('c1');
    const r = run([c.profile('e1', { creditLimit: 1000 }), c.placed('e2', 'o1', 700)]).result('e2');
    expect(r.events.map((e) => [e.eventId, e.eventType, e.source, e.causationId, e.occurredAt, e.customerId])).toEqual([
      [deriveEventId('e2', 'OrderCreditApproved', 'o1'), 'OrderCreditApproved', 'o2c-exposure', 'e2', T0 + 2 * MINUTE, 'c1'],
      [deriveEventId('e2', 'ExposureSnapshot'), 'ExposureSnapshot', 'o2c-exposure', 'e2', T0 + 2 * MINUTE, 'c1'],
    ]);
  });

  it('releases held orders oldest first when exposure falls, and never lets a later one overtake', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 1000 }),
      c.placed('e2', 'o1', 900),
      c.placed('e3', 'o2', 300), // held: shortfall 200
      c.placed('e4', 'o3', 150), // held: shortfall 50
      c.paid('e5', 'p1', 100),
      c.paid('e6', 'p2', 100),
      c.cancelled('e7', 'o1'),
    ]);
    expect(h.at('e4')).toEqual([
      held('o3', 150, ['OVER_LIMIT'], { openOrders: 900, heldOrders: 300, creditLimit: 1000, shortfall: 50 }),
      snapshot({ openOrders: 900, heldOrders: 450, heldOrderCount: 2, creditLimit: 1000, utilizationBasisPoints: 9000 }),
    ]);
    expect(h.at('e5')).toEqual([
      // exposure 800: o2 (300) does not fit; o3 (150) would, but waits behind o2. 80 % re-arms the 90 % band.
      snapshot({ openOrders: 900, unappliedCash: 100, heldOrders: 450, heldOrderCount: 2, creditLimit: 1000, utilizationBasisPoints: 8000 }),
    ]);
    expect(h.at('e6')).toEqual([
      // exposure 700: o2 fits exactly (700 + 300 = 1000), then o3 does not (1000 + 150) and stops the round
      released('o2', 300, 3 * MINUTE, 'PaymentReceived', { openOrders: 900, unappliedCash: 200, heldOrders: 450, creditLimit: 1000 }),
      warning(90, 10000, { openOrders: 1200, unappliedCash: 200, heldOrders: 150, creditLimit: 1000 }),
      warning(100, 10000, { openOrders: 1200, unappliedCash: 200, heldOrders: 150, creditLimit: 1000 }),
      snapshot({ openOrders: 1200, unappliedCash: 200, heldOrders: 150, heldOrderCount: 1, creditLimit: 1000, utilizationBasisPoints: 10000 }),
    ]);
    expect(h.at('e7')).toEqual([
      // cancelling o1 (900) lowers exposure to 100: o3 fits
      released('o3', 150, 3 * MINUTE, 'OrderCancelled', { openOrders: 300, unappliedCash: 200, heldOrders: 150, creditLimit: 1000 }),
      snapshot({ openOrders: 450, unappliedCash: 200, creditLimit: 1000, utilizationBasisPoints: 2500 }),
    ]);
  });

  it('holds every order MANUAL while a manual hold is set, and releases them when it is cleared', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 1000, manualHold: true }),
      c.placed('e2', 'o1', 100),
      c.profile('e3', { creditLimit: 1000, manualHold: false }),
    ]);
    expect(h.at('e1')).toEqual([
      holdPlaced(['MANUAL'], { creditLimit: 1000 }), // the customer is on hold, not over its limit
      snapshot({ creditLimit: 1000, onHold: true }),
    ]);
    expect(h.at('e2')).toEqual([
      held('o1', 100, ['MANUAL'], { creditLimit: 1000 }), // fits, but the manual hold holds it: shortfall 0
      snapshot({ heldOrders: 100, heldOrderCount: 1, creditLimit: 1000, onHold: true }),
    ]);
    expect(h.at('e3')).toEqual([
      released('o1', 100, MINUTE, 'CustomerCreditProfile', { heldOrders: 100, creditLimit: 1000 }),
      holdReleased(2 * MINUTE, { openOrders: 100, creditLimit: 1000 }),
      snapshot({ openOrders: 100, creditLimit: 1000, utilizationBasisPoints: 1000 }),
    ]);
  });

  it('holds NO_CREDIT_PROFILE, RISK_CLASS and OVERDUE, names every reason that applies, releases when none remains', () => {
    const c = customer('c1');
    const h = run([
      c.placed('e1', 'o1', 100),
      c.delinquency('e2', 'CURRENT', 'DELINQUENT'),
      c.profile('e3', { creditLimit: 50, riskClass: 'E' }),
      c.placed('e4', 'o2', 100),
      c.profile('e5', { creditLimit: 1000, riskClass: 'B' }),
      c.delinquency('e6', 'DELINQUENT', 'OVERDUE'),
    ]);
    expect(h.at('e1')).toEqual([
      held('o1', 100, ['NO_CREDIT_PROFILE'], {}), // no profile, so no limit to measure a shortfall against
      snapshot({ heldOrders: 100, heldOrderCount: 1 }),
    ]);
    expect(h.at('e2')).toEqual([snapshot({ heldOrders: 100, heldOrderCount: 1, delinquencyStatus: 'DELINQUENT' })]);
    expect(h.at('e3')).toEqual([
      // the profile clears NO_CREDIT_PROFILE, but OVERDUE and RISK_CLASS keep o1 held
      snapshot({ heldOrders: 100, heldOrderCount: 1, creditLimit: 50, delinquencyStatus: 'DELINQUENT' }),
    ]);
    expect(h.at('e4')).toEqual([
      held('o2', 100, ['OVER_LIMIT', 'OVERDUE', 'RISK_CLASS'], { heldOrders: 100, creditLimit: 50, shortfall: 50 }),
      snapshot({ heldOrders: 200, heldOrderCount: 2, creditLimit: 50, delinquencyStatus: 'DELINQUENT' }),
    ]);
    expect(h.at('e5')).toEqual([
      snapshot({ heldOrders: 200, heldOrderCount: 2, creditLimit: 1000, delinquencyStatus: 'DELINQUENT' }), // still OVERDUE
    ]);
    expect(h.at('e6')).toEqual([
      // OVERDUE is below the DELINQUENT hold level: nothing holds them any more, oldest first
      released('o1', 100, 5 * MINUTE, 'CustomerDelinquencyChanged', { heldOrders: 200, creditLimit: 1000 }),
      released('o2', 100, 2 * MINUTE, 'CustomerDelinquencyChanged', { openOrders: 100, heldOrders: 100, creditLimit: 1000 }),
      snapshot({ openOrders: 200, creditLimit: 1000, utilizationBasisPoints: 2000, delinquencyStatus: 'OVERDUE' }),
    ]);
  });

  it('approves without a limit when the policy approves customers with no profile', () => {
    const c = customer('c1');
    const h = run([c.placed('e1', 'o1', 100)], creditPolicy({ policyVersion: POLICY_VERSION, noProfileHold: false }));
    expect(h.at('e1')).toEqual([approved('o1', 100, {}), snapshot({ openOrders: 100 })]);
  });

  it('counts a temporary limit until its expiry, by the event time of the input', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 1000, tempLimit: 500, tempLimitExpiresAt: T0 + 10 * MINUTE }),
      c.placed('e2', 'o1', 1200),
      c.placed('e3', 'o2', 100, 'EUR', T0 + 11 * MINUTE),
    ]);
    expect(h.at('e2')).toEqual([
      approved('o1', 1200, { creditLimit: 1000, tempLimit: 500 }), // 1200 <= 1000 + 500
      warning(80, 8000, { openOrders: 1200, creditLimit: 1000, tempLimit: 500 }),
      snapshot({ openOrders: 1200, creditLimit: 1000, effectiveLimit: 1500, utilizationBasisPoints: 8000 }),
    ]);
    expect(h.at('e3')).toEqual([
      held('o2', 100, ['OVER_LIMIT'], { openOrders: 1200, creditLimit: 1000, shortfall: 300 }), // expired: limit 1000
      holdPlaced(['OVER_LIMIT'], { openOrders: 1200, heldOrders: 100, creditLimit: 1000, shortfall: 200 }),
      warning(90, 12000, { openOrders: 1200, heldOrders: 100, creditLimit: 1000, shortfall: 200 }),
      warning(100, 12000, { openOrders: 1200, heldOrders: 100, creditLimit: 1000, shortfall: 200 }),
      snapshot({ openOrders: 1200, heldOrders: 100, heldOrderCount: 1, creditLimit: 1000, utilizationBasisPoints: 12000, onHold: true }),
    ]);
  });

  it('re-decides an upward amendment at the new amount; a downward one lowers exposure and releases', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 1000 }),
      c.placed('e2', 'o1', 600),
      c.placed('e3', 'o2', 300),
      c.amended('e4', 'o1', 800),
      c.amended('e5', 'o2', 100),
      c.amended('e6', 'o1', 900),
    ]);
    expect(h.at('e4')).toEqual([
      // measured without its own old value: 300 + 800 > 1000, so the whole order leaves exposure and is held
      held('o1', 800, ['OVER_LIMIT'], { openOrders: 300, creditLimit: 1000, shortfall: 100 }),
      snapshot({ openOrders: 300, heldOrders: 800, heldOrderCount: 1, creditLimit: 1000, utilizationBasisPoints: 3000 }),
    ]);
    expect(h.at('e5')).toEqual([
      released('o1', 800, MINUTE, 'OrderAmended', { openOrders: 100, heldOrders: 800, creditLimit: 1000 }), // 100 + 800
      warning(80, 9000, { openOrders: 900, creditLimit: 1000 }), // the bands re-armed when utilisation fell to 30 %
      warning(90, 9000, { openOrders: 900, creditLimit: 1000 }),
      snapshot({ openOrders: 900, creditLimit: 1000, utilizationBasisPoints: 9000 }),
    ]);
    expect(h.at('e6')).toEqual([
      approved('o1', 900, { openOrders: 100, creditLimit: 1000 }), // 100 + 900 <= 1000: approved again at 900
      warning(100, 10000, { openOrders: 1000, creditLimit: 1000 }),
      snapshot({ openOrders: 1000, creditLimit: 1000, utilizationBasisPoints: 10000 }),
    ]);
  });

  it('takes a cancelled held order out of the queue without a decision', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 100 }),
      c.placed('e2', 'o1', 500),
      c.cancelled('e3', 'o1'),
      c.action('e4', 'o1', 'RELEASE'),
    ]);
    expect(h.at('e3')).toEqual([snapshot({ creditLimit: 100 })]); // held value 500 -> 0
    expect(h.result('e4').rejected).toEqual({
      errorClass: 'InvalidEvent',
      message: 'CreditActionTaken RELEASE: order o1 is not held (CANCELLED)',
    });
  });

  it("applies a controller's release (into exposure, over the limit) and reject (final)", () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 100 }),
      c.placed('e2', 'o1', 500),
      c.placed('e3', 'o2', 200),
      c.action('e4', 'o1', 'RELEASE'),
      c.action('e5', 'o2', 'REJECT'),
      c.action('e6', 'o2', 'REJECT'),
      c.cancelled('e7', 'o2'),
    ]);
    const over = { openOrders: 500, heldOrders: 200, creditLimit: 100, shortfall: 400 };
    expect(h.at('e4')).toEqual([
      released('o1', 500, 2 * MINUTE, 'CreditActionTaken', { heldOrders: 700, creditLimit: 100, shortfall: 400 }, 'alice'),
      holdPlaced(['OVER_LIMIT'], over), // the release puts the customer over its limit
      warning(80, 50000, over),
      warning(90, 50000, over),
      warning(100, 50000, over),
      snapshot({ openOrders: 500, heldOrders: 200, heldOrderCount: 1, creditLimit: 100, utilizationBasisPoints: 50000, onHold: true }),
    ]);
    expect(h.at('e5')).toEqual([
      rejectedOrder('o2', 200, 2 * MINUTE),
      snapshot({ openOrders: 500, creditLimit: 100, utilizationBasisPoints: 50000, onHold: true }),
    ]);
    expect(h.result('e6').rejected).toEqual({
      errorClass: 'InvalidEvent',
      message: 'CreditActionTaken REJECT: order o2 is not held (REJECTED)',
    });
    // cancelling a rejected order is a normal end of its story: accepted, nothing changes
    expect(h.result('e7')).toEqual({ state: h.result('e6').state, events: [], changed: false });
  });
});

describe('the authority matrix', () => {
  // Controllers may release up to 300 over the limit, managers up to 1000; viewers and admins may not act.
  const authority = creditPolicy({
    policyVersion: POLICY_VERSION,
    authority: {
      VIEWER: { release: false, reject: false, maxOverLimit: 0 },
      CREDIT_CONTROLLER: { release: true, reject: true, maxOverLimit: 300 },
      CREDIT_MANAGER: { release: true, reject: true, maxOverLimit: 1000 },
      ADMIN: { release: false, reject: false, maxOverLimit: 0 },
    },
  });

  it('refuses a release beyond the role, changing nothing, and lets a role with the authority take it', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 100 }),
      c.placed('e2', 'o1', 500), // held: 0 + 500 is 400 over the limit
      c.action('e3', 'o1', 'RELEASE', undefined, 'CREDIT_CONTROLLER'), // 400 over, a controller may 300
      c.action('e4', 'o1', 'RELEASE', undefined, 'CREDIT_MANAGER'), // a manager may 1000
    ], authority);
    expect(h.at('e3')).toEqual([
      // the authority missing is 400 - 300; no release, no customer hold, the snapshot unchanged so none is emitted
      refused('o1', 500, 'RELEASE', 'CREDIT_CONTROLLER', 'BEYOND_AUTHORITY', { overLimit: 400, authorityLimit: 300, shortfall: 100 },
        { heldOrders: 500, creditLimit: 100, shortfall: 400 }),
    ]);
    expect(h.result('e3').state.orders.o1).toMatchObject({ status: 'HELD', actionEventId: 'e3' });
    expect(h.result('e3').state.heldQueue).toEqual(['o1']);
    expect(h.at('e4')[0]).toEqual(
      released('o1', 500, 2 * MINUTE, 'CreditActionTaken', { heldOrders: 500, creditLimit: 100, shortfall: 400 }, 'alice'),
    );
  });

  it('lets a controller release within its authority, exactly at the cap', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 200 }),
      c.placed('e2', 'o1', 500), // 300 over: exactly the controller's cap
      c.action('e3', 'o1', 'RELEASE', undefined, 'CREDIT_CONTROLLER'),
    ], authority);
    expect(h.at('e3')[0]).toEqual(
      released('o1', 500, MINUTE, 'CreditActionTaken', { heldOrders: 500, creditLimit: 200, shortfall: 300 }, 'alice', 'CREDIT_CONTROLLER'),
    );
  });

  it('refuses any action by a role the matrix allows nothing, or without a role; their re-delivery is ignored', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 1000 }),
      c.placed('e2', 'o1', 100, 'EUR'),
      c.profile('e3', { creditLimit: 1000, manualHold: true }),
      c.placed('e4', 'o2', 100), // held MANUAL, within the limit
      c.action('e5', 'o2', 'RELEASE', undefined, 'VIEWER'), // within the limit, but a viewer may not release
      c.action('e6', 'o2', 'REJECT', undefined, 'ADMIN'), // an administrator may not reject
      c.action('e7', 'o2', 'REJECT', undefined, null), // no role (written before roles): no authority
    ], authority);
    const breakdown = { openOrders: 100, heldOrders: 100, creditLimit: 1000 };
    const none = { overLimit: 0, authorityLimit: 0, shortfall: 0 };
    expect(h.at('e5')).toEqual([refused('o2', 100, 'RELEASE', 'VIEWER', 'ROLE_NOT_PERMITTED', none, breakdown)]);
    expect(h.at('e6')).toEqual([refused('o2', 100, 'REJECT', 'ADMIN', 'ROLE_NOT_PERMITTED', none, breakdown)]);
    expect(h.at('e7')).toEqual([refused('o2', 100, 'REJECT', null, 'ROLE_NOT_PERMITTED', none, breakdown)]);
    expect(h.state.orders.o2!.status).toBe('HELD');
    expect(applyEvent(h.state, c.action('e7', 'o2', 'REJECT', T0 + 7 * MINUTE, null), authority).changed).toBe(false);
  });

  it('checks a parked action when its order is placed, under the same id as if it came second', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 100 }),
      c.action('e2', 'o1', 'RELEASE', undefined, 'CREDIT_CONTROLLER'), // o1 not placed yet: parked
      c.placed('e3', 'o1', 500), // held 400 over; the parked release is beyond a controller's 300
    ], authority);
    expect(h.at('e2')).toEqual([]);
    const refusal = h.result('e3').events.find((e) => e.eventType === 'CreditActionRefused')!;
    expect(refusal.eventId).toBe(deriveEventId('e2', 'CreditActionRefused', 'o1'));
    expect(refusal.causationId).toBe('e2');
    expect(h.state.orders.o1).toMatchObject({ status: 'HELD', actionEventId: 'e2' });
  });

  it('uses the default matrix without a policy file: controller 10,000.00, manager 100,000.00 over the limit', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 0 }),
      c.placed('e2', 'o1', 1_000_001), // one minor unit beyond a controller's authority
      c.action('e3', 'o1', 'RELEASE', undefined, 'CREDIT_CONTROLLER'),
      c.action('e4', 'o1', 'RELEASE', undefined, 'CREDIT_MANAGER'),
    ]);
    expect(h.result('e3').events.map((e) => e.eventType)).toEqual(['CreditActionRefused']);
    expect(h.result('e3').events[0]!.payload).toMatchObject({ overLimit: 1_000_001, authorityLimit: 1_000_000, shortfall: 1 });
    expect(h.result('e4').events[0]!.eventType).toBe('OrderCreditReleased');
  });
});

describe('a partition whose state is incomplete', () => {
  it('holds every new order STATE_INCOMPLETE, even one that fits the limit, alongside the other reasons', () => {
    const c = customer('c1');
    const incomplete = creditPolicy({ policyVersion: POLICY_VERSION, stateIncomplete: true });
    const h = run([
      c.profile('e1', { creditLimit: 1000 }),
      c.placed('e2', 'o1', 100), // fits: held only because the state may lack documents
      c.placed('e3', 'o2', 2000), // over the limit as well
    ], incomplete);
    expect(h.state.orders.o1).toMatchObject({ status: 'HELD', reasons: ['STATE_INCOMPLETE'] });
    expect(h.state.orders.o2).toMatchObject({ status: 'HELD', reasons: ['OVER_LIMIT', 'STATE_INCOMPLETE'] });
  });
});

describe("the customer's clock", () => {
  it('stamps derived events with the latest event time of the customer, so a late input cannot move them back', () => {
    const c = customer('c1');
    const h = run([
      c.placed('e1', 'o1', 100, 'EUR', T0 + 41 * MINUTE), // held NO_CREDIT_PROFILE at T0 + 41'
      c.profile('e2', { creditLimit: 1000 }, T0), // the profile is read later, but stamped T0: it releases o1
      c.paid('e3', 'p1', 50, [], T0 + 50 * MINUTE), // a later input moves the clock on
    ]);
    expect(h.at('e2')).toEqual([
      released('o1', 100, 0, 'CustomerCreditProfile', { heldOrders: 100, creditLimit: 1000 }), // 0, not -41 minutes
      snapshot({ openOrders: 100, creditLimit: 1000, utilizationBasisPoints: 1000 }),
    ]);
    const stamps = (id: string) => h.result(id).events.map((e) => e.occurredAt);
    expect(stamps('e1')).toEqual([T0 + 41 * MINUTE, T0 + 41 * MINUTE]);
    expect(stamps('e2')).toEqual([T0 + 41 * MINUTE, T0 + 41 * MINUTE]); // not T0: the release never precedes the hold
    expect(stamps('e3')).toEqual([T0 + 50 * MINUTE]);
    // ids depend on the input and the rule only
    expect(h.result('e2').events[0]!.eventId).toBe(deriveEventId('e2', 'OrderCreditReleased', 'o1'));
  });

  it('measures a customer hold to the clock, so a late input that ends it reports 0 ms', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 1000 }, T0),
      c.placed('e2', 'o1', 900, 'EUR', T0 + 10 * MINUTE),
      c.profile('e3', { creditLimit: 800 }, T0 + 20 * MINUTE), // 900 over 800: the customer is held at T0 + 20'
      c.paid('e4', 'p1', 200, [], T0 + 5 * MINUTE), // stamped earlier, read later: 700 <= 800 ends the hold
    ]);
    expect(h.at('e4')).toEqual([
      holdReleased(0, { openOrders: 900, unappliedCash: 200, creditLimit: 800 }),
      snapshot({ openOrders: 900, unappliedCash: 200, creditLimit: 800, utilizationBasisPoints: 8750 }),
    ]);
    expect(h.result('e4').events.map((e) => e.occurredAt)).toEqual([T0 + 20 * MINUTE, T0 + 20 * MINUTE]);
  });
});

describe('credit actions racing their orders', () => {
  /** What must not depend on whether the action or the order came first. */
  const ending = (s: CustomerState) => ({
    statuses: Object.fromEntries(Object.entries(s.orders).map(([id, o]) => [id, o.status])),
    totals: s.totals,
    heldQueue: s.heldQueue,
    parkedActions: s.parkedActions,
  });
  const orderDecisionIds = (h: ReturnType<typeof run>, ids: string[]) =>
    ids.flatMap((id) => h.result(id).events.filter((e) => e.eventType.startsWith('Order')).map((e) => e.eventId)).sort();

  it('takes a release that came before its order once the order arrives held: MANUAL, at once', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 100 }),
      c.action('e2', 'o1', 'RELEASE'), // o1 is not placed yet (the orders topic lags): the action waits
      c.placed('e3', 'o1', 500),
    ]);
    expect(h.result('e2')).toEqual({ state: h.result('e2').state, events: [], changed: true, written: new Set(['parkedActions']), writtenDocs: [['parkedActions', 'o1']] });
    const over = { openOrders: 500, creditLimit: 100, shortfall: 400 };
    expect(h.at('e3')).toEqual([
      held('o1', 500, ['OVER_LIMIT'], { creditLimit: 100, shortfall: 400 }), // 500 > 100: held on arrival
      released('o1', 500, 0, 'CreditActionTaken', { heldOrders: 500, creditLimit: 100, shortfall: 400 }, 'alice'),
      holdPlaced(['OVER_LIMIT'], over), // into exposure over the limit, as when the action comes second
      warning(80, 50000, over),
      warning(90, 50000, over),
      warning(100, 50000, over),
      snapshot({ openOrders: 500, creditLimit: 100, utilizationBasisPoints: 50000, onHold: true }),
    ]);
    // The release is the action's: the id and cause it has when the action comes after the order.
    const release = h.result('e3').events[1]!;
    expect([release.eventId, release.causationId]).toEqual([deriveEventId('e2', 'OrderCreditReleased', 'o1'), 'e2']);

    const d = customer('c1');
    const inOrder = run([d.profile('e1', { creditLimit: 100 }), d.placed('e3', 'o1', 500), d.action('e2', 'o1', 'RELEASE')]);
    expect(ending(h.state)).toEqual(ending(inOrder.state));
    expect(orderDecisionIds(h, ['e3'])).toEqual(orderDecisionIds(inOrder, ['e3', 'e2']));
  });

  it('takes a reject that came before its order once the order arrives held: final', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 100 }),
      c.action('e2', 'o1', 'REJECT'),
      c.placed('e3', 'o1', 500),
    ]);
    expect(h.at('e3')).toEqual([
      held('o1', 500, ['OVER_LIMIT'], { creditLimit: 100, shortfall: 400 }),
      rejectedOrder('o1', 500, 0), // no snapshot: exposure and held value are back where they were
    ]);
    expect(h.result('e3').events[1]!.eventId).toBe(deriveEventId('e2', 'OrderCreditRejected', 'o1'));

    const d = customer('c1');
    const inOrder = run([d.profile('e1', { creditLimit: 100 }), d.placed('e3', 'o1', 500), d.action('e2', 'o1', 'REJECT')]);
    expect(ending(h.state)).toEqual(ending(inOrder.state));
    expect(orderDecisionIds(h, ['e3'])).toEqual(orderDecisionIds(inOrder, ['e3', 'e2']));
  });

  it('finds nothing to act on when the order arrives approved; a redelivered action is ignored, another rejected', () => {
    const c = customer('c1');
    const action = c.action('e2', 'o1', 'RELEASE');
    const h = run([c.profile('e1', { creditLimit: 1000 }), action]);
    // the same event again while it waits: nothing to write, nothing to report
    expect(applyEvent(h.state, action, policy)).toEqual({ state: h.state, events: [], changed: false });

    const placed = applyEvent(h.state, c.placed('e3', 'o1', 100), policy);
    expect(rows(placed.events)).toEqual([
      approved('o1', 100, { creditLimit: 1000 }), // fits: approved, the release is moot
      snapshot({ openOrders: 100, creditLimit: 1000, utilizationBasisPoints: 1000 }),
    ]);
    expect(placed.state.parkedActions).toEqual({});
    expect(applyEvent(placed.state, action, policy)).toEqual({ state: placed.state, events: [], changed: false });
    expect(applyEvent(placed.state, c.action('e4', 'o1', 'REJECT'), policy).rejected).toEqual({
      errorClass: 'InvalidEvent',
      message: 'CreditActionTaken REJECT: order o1 is not held (APPROVED)',
    });
  });

  it('ignores a redelivered action even when its order is held again', () => {
    const c = customer('c1');
    const inputs = [
      c.profile('e1', { creditLimit: 100 }),
      c.placed('e2', 'o1', 50),
      c.amended('e3', 'o1', 500), // 500 > 100: held
      c.action('e4', 'o1', 'RELEASE'), // released by the controller, over the limit
      c.amended('e5', 'o1', 600), // re-decided at 600 against exposure without it: held again
    ];
    const h = run(inputs);
    expect(h.at('e4')[0]?.type).toBe('OrderCreditReleased');
    expect(h.state.orders.o1?.status).toBe('HELD');
    expect(applyEvent(h.state, inputs[3]!, policy)).toEqual({ state: h.state, events: [], changed: false }); // e4 again
  });

  it('loads a state stored before actions were parked', () => {
    const c = customer('c1');
    const stored = JSON.parse(JSON.stringify(run([c.profile('e1', { creditLimit: 100 })]).state)) as Record<string, unknown>;
    delete stored.parkedActions;
    const parked = applyEvent(stored as unknown as CustomerState, c.action('e2', 'o1', 'REJECT'), policy);
    expect(parked.state.parkedActions).toEqual({
      o1: { eventId: 'e2', payload: { orderId: 'o1', action: 'REJECT', actor: 'alice', reason: 'called the customer', actorRole: 'CREDIT_MANAGER' }, touchedAt: T0 + 2 * MINUTE },
    });
    expect(rows(applyEvent(parked.state, c.placed('e3', 'o1', 500), policy).events).map((r) => r.type)).toEqual([
      'OrderCreditHeld',
      'OrderCreditRejected',
    ]);
  });
});

describe('documents and exposure', () => {
  it('counts a payment before its invoice as unapplied cash, and an invoice before its order against it', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 1000 }),
      c.paid('e2', 'p1', 300, [{ invoiceId: 'i1', amount: 300 }]),
      c.issued('e3', 'i1', 500, 'o1'),
      c.placed('e4', 'o1', 800),
    ]);
    expect(h.at('e2')).toEqual([snapshot({ unappliedCash: 300, creditLimit: 1000, utilizationBasisPoints: -3000 })]);
    expect(h.at('e3')).toEqual([snapshot({ openReceivables: 200, creditLimit: 1000, utilizationBasisPoints: 2000 })]); // 500 - 300
    expect(h.at('e4')).toEqual([
      approved('o1', 800, { openReceivables: 200, creditLimit: 1000 }), // only 800 - 500 invoiced is still open
      snapshot({ openOrders: 300, openReceivables: 200, creditLimit: 1000, utilizationBasisPoints: 5000 }),
    ]);
  });

  it('keeps an excess allocation and a credit note beyond the balance as customer credit; reversal and void undo', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 1000 }),
      c.issued('e2', 'i1', 400),
      c.paid('e3', 'p1', 500, [{ invoiceId: 'i1', amount: 500 }]),
      c.adjusted('e4', 'i1', 'cn1', -600),
      c.reversed('e5', 'p1'),
      c.voided('e6', 'i1'),
      c.issued('e7', 'i2', 300),
      c.paid('e8', 'p2', 300, [{ invoiceId: 'i2', amount: 300 }]),
      c.voided('e9', 'i2'),
    ]);
    const limit = { creditLimit: 1000 };
    expect(h.at('e3')).toEqual([snapshot({ ...limit, unappliedCash: 100, utilizationBasisPoints: -1000 })]); // 400 settles i1, 100 left over
    expect(h.at('e4')).toEqual([snapshot({ ...limit, unappliedCash: 700, utilizationBasisPoints: -7000 })]); // gross -200: 500 cash + 200 credit
    expect(h.at('e5')).toEqual([snapshot({ ...limit, unappliedCash: 200, utilizationBasisPoints: -2000 })]); // the cash is gone, the credit stays
    expect(h.at('e6')).toEqual([snapshot(limit)]); // void: the invoice and its credit are gone
    expect(h.at('e7')).toEqual([snapshot({ ...limit, openReceivables: 300, utilizationBasisPoints: 3000 })]);
    expect(h.at('e8')).toEqual([snapshot(limit)]); // settled exactly
    expect(h.at('e9')).toEqual([snapshot({ ...limit, unappliedCash: 300, utilizationBasisPoints: -3000 })]); // cash on a void is unapplied
  });
});

describe('inputs that go to the DLQ', () => {
  const c = customer('c1');
  const base = [
    c.profile('e1', { creditLimit: 1000 }),
    c.placed('e2', 'o1', 100),
    c.issued('e3', 'i1', 100),
    c.adjusted('e4', 'i1', 'a1', -10),
    c.paid('e5', 'p1', 50),
    c.reversed('e6', 'p1'),
    c.voided('e7', 'i1'),
    c.cancelled('e8', 'o1'),
    c.action('e9', 'o9', 'RELEASE'), // o9 is not placed yet: the action waits for it
  ];
  const cases: Array<[string, ExposureInput, 'InvalidEvent' | 'UnknownReference', string]> = [
    ['order placed twice', c.placed('x', 'o1', 100), 'InvalidEvent', 'duplicate OrderPlaced: order o1 already exists'],
    ['invoice issued twice', c.issued('x', 'i1', 100), 'InvalidEvent', 'duplicate InvoiceIssued: invoice i1 already exists'],
    ['payment received twice', c.paid('x', 'p1', 50), 'InvalidEvent', 'duplicate PaymentReceived: payment p1 already exists'],
    ['adjustment of a voided invoice', c.adjusted('x', 'i1', 'a1', -10), 'InvalidEvent', 'InvoiceAdjusted: invoice i1 is voided'],
    ['invoice voided twice', c.voided('x', 'i1'), 'InvalidEvent', 'duplicate InvoiceVoided: invoice i1 is already voided'],
    ['payment reversed twice', c.reversed('x', 'p1'), 'InvalidEvent', 'duplicate PaymentReversed: payment p1 is already reversed'],
    ['order cancelled twice', c.cancelled('x', 'o1'), 'InvalidEvent', 'duplicate OrderCancelled: order o1 is already cancelled'],
    ['amendment of a cancelled order', c.amended('x', 'o1', 200), 'InvalidEvent', 'OrderAmended: order o1 is CANCELLED'],
    ['amendment of an unknown order', c.amended('x', 'o9', 100), 'UnknownReference', 'OrderAmended: order o9 is unknown'],
    ['adjustment of an unknown invoice', c.adjusted('x', 'i9', 'a1', 5), 'UnknownReference', 'InvoiceAdjusted: invoice i9 is unknown'],
    ['reversal of an unknown payment', c.reversed('x', 'p9'), 'UnknownReference', 'PaymentReversed: payment p9 is unknown'],
    ['action on an order that is not held', c.action('x', 'o1', 'REJECT'), 'InvalidEvent', 'CreditActionTaken REJECT: order o1 is not held (CANCELLED)'],
    ['a second action for an order not placed yet', c.action('x', 'o9', 'REJECT'), 'InvalidEvent', 'CreditActionTaken REJECT: order o9 is not placed yet and action e9 already waits for it'],
  ];
  it.each(cases)('rejects %s, leaving the state as it was', (_, input, errorClass, message) => {
    const { state } = run(base);
    const before = JSON.stringify(state);
    const r = applyEvent(state, input, policy);
    expect(r).toEqual({ state, events: [], rejected: { errorClass, message }, changed: false });
    expect(r.state).toBe(state);
    expect(JSON.stringify(state)).toBe(before);
  });

  // In place (as the adapter runs the core) the rule writes the very state it is given: a rejection puts back what
  // was written before it (the clock, a currency pinned on first sight), so the state is as it was.
  it.each(cases)('in place, rejects %s, leaving the state as it was', (_, input, errorClass, message) => {
    const { state } = run(base);
    const before = JSON.stringify(state);
    const r = applyEvent(state, input, policy, { inPlace: true });
    expect(r).toEqual({ state, events: [], rejected: { errorClass, message }, changed: false });
    expect(r.state).toBe(state);
    expect(JSON.stringify(state)).toBe(before);
  });

  it('in place, a rejection leaves a currency not pinned yet unpinned, and an old state without parked actions as stored', () => {
    const c2 = customer('c2', 'USD');
    const { state } = run([c2.delinquency('e1', 'CURRENT', 'OVERDUE')]);
    expect(state.currency).toBeNull();
    delete (state as Partial<CustomerState>).parkedActions; // stored before actions were parked
    const before = JSON.stringify(state);
    for (const input of [c2.adjusted('e2', 'i9', 'a1', 5), c2.amended('e3', 'o9', 100), c2.reversed('e4', 'p9')]) {
      const r = applyEvent(state, { ...input, occurredAt: T0 + 60 * MINUTE }, policy, { inPlace: true });
      expect(r.rejected?.errorClass).toBe('UnknownReference');
      expect(JSON.stringify(state)).toBe(before);
    }
    // So a later input in another currency is the customer's first: it pins its own.
    const eur = applyEvent(state, customer('c2', 'EUR').issued('e5', 'i1', 100), policy, { inPlace: true });
    expect(eur.rejected).toBeUndefined();
    expect(eur.state).toBe(state);
    expect(state.currency).toBe('EUR');
    expect(state.parkedActions).toEqual({});
  });

  it('rejects the same adjustment id twice on an open invoice', () => {
    const h = run([c.issued('e1', 'i1', 100), c.adjusted('e2', 'i1', 'a1', -10), c.adjusted('e3', 'i1', 'a1', -10)]);
    expect(h.result('e3').rejected).toEqual({
      errorClass: 'InvalidEvent',
      message: 'duplicate InvoiceAdjusted: adjustment a1 of invoice i1 already applied',
    });
  });

  it('rejects a profile in another currency than the documents already held', () => {
    const h = run([c.placed('e1', 'o1', 100), customer('c1', 'USD').profile('e2', {})]);
    expect(h.result('e2').rejected?.message).toBe("currency USD differs from the customer's credit currency EUR");
  });
});

describe('inputs this service does not act on', () => {
  it('ignores business-date ticks, disputes and invoice-level delinquency events: nothing to write, nothing derived', () => {
    const c = customer('c1');
    const { state } = run([c.issued('e1', 'i1', 100)]);
    const meta = { customerId: 'c1', occurredAt: T0 };
    const ignored: ExposureInput[] = [
      envelope('BusinessDateTick', { businessDate: 20_500 }, { ...meta, eventId: 't1', customerId: '' }),
      envelope('InvoiceDisputed', { invoiceId: 'i1', disputeId: 'd1', reason: null }, { ...meta, eventId: 'x1' }),
      envelope('InvoiceOverdue', { invoiceId: 'i1', dueDate: 20_530, asOfDate: 20_531, daysPastDue: 1, openAmount: 100, currency: 'EUR' }, { ...meta, eventId: 'x2' }),
    ];
    expect(applyEvent(undefined, ignored[0]!, policy)).toEqual({ state: emptyState(''), events: [], changed: false });
    for (const input of ignored.slice(1)) expect(applyEvent(state, input, policy)).toEqual({ state, events: [], changed: false });
  });

  it("throws when handed another customer's state: a bug in the caller, not bad input", () => {
    const { state } = run([customer('c1').placed('e1', 'o1', 100)]);
    expect(() => applyEvent(state, customer('c2').placed('e2', 'o1', 100), policy)).toThrow(/state of customer c1/);
  });
});

describe('customer credit hold', () => {
  it('is placed when exposure goes over the limit and released, with its duration, when it is back within', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 1000 }),
      c.placed('e2', 'o1', 900),
      c.profile('e3', { creditLimit: 800 }),
      c.paid('e4', 'p1', 200),
    ]);
    const over = { openOrders: 900, creditLimit: 800, shortfall: 100 };
    expect(h.at('e3')).toEqual([
      holdPlaced(['OVER_LIMIT'], over), // the limit cut puts 900 over 800
      warning(100, 11250, over), // 80 and 90 were already crossed at e2
      snapshot({ openOrders: 900, creditLimit: 800, utilizationBasisPoints: 11250, onHold: true }),
    ]);
    expect(h.at('e4')).toEqual([
      holdReleased(MINUTE, { openOrders: 900, unappliedCash: 200, creditLimit: 800 }), // 700 <= 800
      snapshot({ openOrders: 900, unappliedCash: 200, creditLimit: 800, utilizationBasisPoints: 8750 }),
    ]);
  });
});

describe('retention', () => {
  it('drops closed documents untouched past the horizon, keeps open items and invoices a kept payment names', () => {
    const c = customer('c1');
    const day = 86_400_000;
    const shortRetention = creditPolicy({ policyVersion: POLICY_VERSION, retentionMs: day });
    const h = run([
      c.profile('e1', { creditLimit: 1000 }),
      c.placed('e2', 'o1', 100),
      c.issued('e3', 'i1', 100, 'o1'), // o1 fully invoiced: closed
      c.paid('e4', 'p1', 100, [{ invoiceId: 'i1', amount: 100 }]), // i1 settled, p1 fully applied: closed
      c.issued('e5', 'i2', 100),
      c.paid('e6', 'p2', 150, [{ invoiceId: 'i2', amount: 100 }]), // 50 unapplied: p2 stays, and so does i2
      c.placed('e7', 'o2', 100), // approved and open: stays
      c.placed('e8', 'o3', 0, 'EUR', T0 + 3 * day), // moves the watermark past the horizon
    ], shortRetention);
    const { state } = h;
    expect(Object.keys(state.orders).sort()).toEqual(['o2', 'o3']);
    expect(Object.keys(state.invoices)).toEqual(['i2']);
    expect(Object.keys(state.payments)).toEqual(['p2']);
    expect(state.totals).toEqual(h.result('e7').state.totals); // dropping a closed document changes no component
    // past the horizon the id is forgotten: a late reference is unknown
    expect(applyEvent(state, c.cancelled('e9', 'o1'), shortRetention).rejected?.errorClass).toBe('UnknownReference');
  });

  it('keeps a floor below every touch for a sweep to skip by, and sweeps a state stored before the floor existed', () => {
    const c = customer('c1');
    const day = 86_400_000;
    const shortRetention = creditPolicy({ policyVersion: POLICY_VERSION, retentionMs: 2 * day });
    const h = run([
      c.profile('e1', { creditLimit: 1000 }),
      c.placed('e2', 'o1', 100),
      c.cancelled('e3', 'o1'), // closed, touched at T0 + 3 min
      c.placed('e4', 'o2', 100, 'EUR', T0 + day), // the next day's sweep: nothing is two days old
    ], shortRetention);
    // The clock at the first sweep, which found no document: a bound below every touch since (the next sweep skipped).
    expect(h.state.touchedFloor).toBe(T0 + MINUTE);
    expect(Object.keys(h.state.orders)).toEqual(['o1', 'o2']);
    const stored = JSON.parse(JSON.stringify(h.state)) as Partial<CustomerState>;
    delete stored.touchedFloor; // stored before the floor existed: the next sweep looks
    const later = applyEvent(stored as CustomerState, c.placed('e5', 'o3', 100, 'EUR', T0 + 3 * day), shortRetention);
    expect(Object.keys(later.state.orders)).toEqual(['o2', 'o3']);
    expect(later.state.touchedFloor).toBe(T0 + day); // o2's touch
  });

  it('rejects a re-issued invoice id long after the sweep dropped the voided invoice, and reads an older state as empty', () => {
    const c = customer('c1');
    const day = 86_400_000;
    const policy = creditPolicy({ policyVersion: POLICY_VERSION, retentionMs: 90 * day });
    const h = run([
      c.profile('e1', { creditLimit: 1000 }),
      c.issued('e2', 'i1', 100),
      c.voided('e3', 'i1'), // closed
      c.issued('e4', 'i2', 100),
      c.placed('e5', 'o1', 0, 'EUR', T0 + 100 * day), // the sweep drops i1, past the horizon
    ], policy);
    expect(Object.keys(h.state.invoices)).toEqual(['i2']);
    expect(h.state.retiredInvoices).toEqual({ i1: true });
    const reissue = applyEvent(h.state, c.issued('e6', 'i1', 100, null, T0 + 200 * day), policy);
    expect(reissue.rejected?.message).toMatch(/duplicate InvoiceIssued/);
    const stored = JSON.parse(JSON.stringify(h.result('e4').state)) as Partial<CustomerState>;
    delete stored.retiredInvoices; // stored before retired ids were kept
    expect(applyEvent(stored as CustomerState, c.issued('e7', 'i3', 100), policy).rejected).toBeUndefined();
  });

  it('drops an action whose order did not come within the window', () => {
    const c = customer('c1');
    const day = 86_400_000;
    const shortRetention = creditPolicy({ policyVersion: POLICY_VERSION, retentionMs: day });
    const h = run([
      c.profile('e1', { creditLimit: 100 }),
      c.action('e2', 'o1', 'RELEASE'),
      c.placed('e3', 'o2', 0, 'EUR', T0 + 3 * day), // moves the watermark past the horizon
      c.placed('e4', 'o1', 500),
    ], shortRetention);
    expect(h.result('e3').state.parkedActions).toEqual({});
    expect(h.at('e4')).toEqual([
      held('o1', 500, ['OVER_LIMIT'], { creditLimit: 100, shortfall: 400 }), // the action is gone: o1 stays held
      snapshot({ heldOrders: 500, heldOrderCount: 1, creditLimit: 100 }),
    ]);
  });
});
