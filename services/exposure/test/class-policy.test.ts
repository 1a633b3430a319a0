// Given/when/then for the per-class policy: a class's default limit, its maximum single order value, hold-all, the
// oldest open item's days past due, and due dates from payment terms. Literal inputs for one customer, then the
// order decisions each input derives (snapshots and warnings are covered in exposure.test.ts).
// Times: each input is one minute after the previous one from T0 (2026-01-05 09:00 UTC, day 20458), unless stated.
import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  creditPolicy,
  NO_CLASS_POLICY,
  pendingOldestItemOverdue,
  type ApplyResult,
  type ClassPolicy,
  type CreditPolicy,
  type CustomerState,
  type ExposureInput,
} from '../src/domain/index.ts';
import { approved, held, POLICY_VERSION, released, rows } from './expect-rows.ts';
import { customer, envelope, MINUTE, T0 } from './inputs.ts';

const DAY = 86_400_000;
const T0_DAY = 20_458;
const rules = (c: Partial<ClassPolicy>): ClassPolicy => ({ ...NO_CLASS_POLICY, ...c });
const policyWith = (fields: Partial<CreditPolicy>) => creditPolicy({ policyVersion: POLICY_VERSION, ...fields });

function run(inputs: ExposureInput[], policy: CreditPolicy) {
  let state: CustomerState | undefined;
  const results = new Map<string, ApplyResult>();
  for (const input of inputs) {
    const r = applyEvent(state, input, policy);
    results.set(input.eventId, r);
    state = r.state;
  }
  const result = (id: string) => results.get(id)!;
  // The order decisions only: approved, held, released, rejected.
  const decisions = (id: string) => rows(result(id).events).filter((r) => r.type.startsWith('OrderCredit'));
  return { decisions, result, state: state! };
}

/** An invoice of c1 issued on `issueDate`, due on `dueDate` (null: from the payment terms). */
const invoice = (eventId: string, invoiceId: string, amount: number, issueDate: number, dueDate: number | null, occurredAt: number) =>
  envelope('InvoiceIssued', { invoiceId, orderId: null, amount, currency: 'EUR', issueDate, dueDate }, { eventId, customerId: 'c1', occurredAt });

describe('default limit of a class, for a customer without an explicit one (no credit profile)', () => {
  const policy = policyWith({ classDefaults: rules({ defaultLimit: 1000 }) });

  it('given no profile and a default limit of 1000, approves within it and holds OVER_LIMIT beyond it, never NO_CREDIT_PROFILE', () => {
    const c = customer('c1');
    const h = run([c.placed('e1', 'o1', 700), c.placed('e2', 'o2', 400)], policy);
    expect(h.decisions('e1')).toEqual([approved('o1', 700, { creditLimit: 1000 })]); // 0 + 700 <= default 1000
    expect(h.decisions('e2')).toEqual([held('o2', 400, ['OVER_LIMIT'], { openOrders: 700, creditLimit: 1000, shortfall: 100 })]);
  });

  it('given no default limit, holds NO_CREDIT_PROFILE as before', () => {
    const c = customer('c1');
    const h = run([c.placed('e1', 'o1', 700)], policyWith({}));
    expect(h.decisions('e1')).toEqual([held('o1', 700, ['NO_CREDIT_PROFILE'], {})]);
  });

  it("when a profile arrives, its own limit wins over the default (here lower: the next order is held)", () => {
    const c = customer('c1');
    const h = run([c.placed('e1', 'o1', 700), c.profile('e2', { creditLimit: 800 }), c.placed('e3', 'o2', 200)], policy);
    expect(h.decisions('e3')).toEqual([held('o2', 200, ['OVER_LIMIT'], { openOrders: 700, creditLimit: 800, shortfall: 100 })]);
  });

  it("under the scoring source, a customer without a profile gets its scored class's default limit", () => {
    const scoring = policyWith({ riskClassSource: 'scoring', classes: { B: rules({ defaultLimit: 500 }) } });
    const c = customer('c1');
    const score = envelope('CreditScoreUpdated', {
      score: 70, lateProbabilityBp: 1000, riskClass: 'B', proposedLimit: 0, currency: '', segment: 'S', factors: [], modelVersion: 'm',
    } as never, { eventId: 'e1', customerId: 'c1', occurredAt: T0 + MINUTE });
    const h = run([score, c.placed('e2', 'o1', 400, 'EUR', T0 + 2 * MINUTE), c.placed('e3', 'o2', 400, 'EUR', T0 + 3 * MINUTE)], scoring);
    expect(h.decisions('e2')).toEqual([approved('o1', 400, { creditLimit: 500 })]);
    expect(h.decisions('e3')).toEqual([held('o2', 400, ['OVER_LIMIT'], { openOrders: 400, creditLimit: 500, shortfall: 300 })]);
  });
});

describe('MAX_DOCUMENT_VALUE: an order above its class maximum single order value', () => {
  const policy = policyWith({ classes: { B: rules({ maxDocumentValue: 500 }) } }); // the builder's profiles are class B

  it('holds an order above the maximum even within the limit; one at the maximum is approved', () => {
    const c = customer('c1');
    const h = run([c.profile('e1', { creditLimit: 10_000 }), c.placed('e2', 'o1', 501), c.placed('e3', 'o2', 500)], policy);
    expect(h.decisions('e2')).toEqual([held('o1', 501, ['MAX_DOCUMENT_VALUE'], { creditLimit: 10_000 })]);
    expect(h.decisions('e3')).toEqual([approved('o2', 500, { heldOrders: 501, creditLimit: 10_000 })]);
  });

  it('lists it with the other reasons in the contract order (OVER_LIMIT first, MAX_DOCUMENT_VALUE after the standing ones)', () => {
    const c = customer('c1');
    const h = run([c.profile('e1', { creditLimit: 100, manualHold: true }), c.placed('e2', 'o1', 600)], policy);
    expect(h.decisions('e2')).toEqual([held('o1', 600, ['OVER_LIMIT', 'MANUAL', 'MAX_DOCUMENT_VALUE'], { creditLimit: 100, shortfall: 500 })]);
  });

  it('re-decides an upward amendment above the maximum: the approved order is held', () => {
    const c = customer('c1');
    const h = run([c.profile('e1', { creditLimit: 10_000 }), c.placed('e2', 'o1', 400), c.amended('e3', 'o1', 700)], policy);
    expect(h.decisions('e3')).toEqual([held('o1', 700, ['MAX_DOCUMENT_VALUE'], { creditLimit: 10_000 })]);
  });

  it('releases it when amended down to the maximum; until then it stops the round (a younger order that fits waits)', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 800 }),
      c.placed('e2', 'o1', 600), // held: above 500
      c.placed('e3', 'o2', 500), // approved: 0 + 500 <= 800, at the maximum
      c.placed('e4', 'o3', 400), // held OVER_LIMIT: 500 + 400 > 800
      c.cancelled('e5', 'o2'), // exposure 0: o3 would fit, but o1 is older and above the maximum: no overtaking
      c.amended('e6', 'o1', 300), // o1 now within the maximum: released, then o3 behind it (300 + 400 <= 800)
    ], policy);
    expect(h.decisions('e2')).toEqual([held('o1', 600, ['MAX_DOCUMENT_VALUE'], { creditLimit: 800 })]);
    expect(h.decisions('e3')).toEqual([approved('o2', 500, { heldOrders: 600, creditLimit: 800 })]);
    expect(h.decisions('e4')).toEqual([held('o3', 400, ['OVER_LIMIT'], { openOrders: 500, heldOrders: 600, creditLimit: 800, shortfall: 100 })]);
    expect(h.decisions('e5')).toEqual([]);
    expect(h.decisions('e6')).toEqual([
      released('o1', 300, 4 * MINUTE, 'OrderAmended', { heldOrders: 700, creditLimit: 800 }),
      released('o3', 400, 2 * MINUTE, 'OrderAmended', { openOrders: 300, heldOrders: 400, creditLimit: 800 }),
    ]);
  });

  it('a credit manager may still release it (the maximum asks for a person, not never)', () => {
    const c = customer('c1');
    const h = run([c.profile('e1', { creditLimit: 10_000 }), c.placed('e2', 'o1', 600), c.action('e3', 'o1', 'RELEASE')], policy);
    expect(h.decisions('e3')).toEqual([released('o1', 600, MINUTE, 'CreditActionTaken', { heldOrders: 600, creditLimit: 10_000 }, 'alice')]);
  });
});

describe('holdAll: every order of the class is held RISK_CLASS', () => {
  it('holds a class C customer under holdAll, and releases when its profile moves to an open class', () => {
    const policy = policyWith({ riskHoldClasses: [], classes: { C: rules({ holdAll: true }) } });
    const c = customer('c1');
    const h = run([c.profile('e1', { riskClass: 'C' }), c.placed('e2', 'o1', 100), c.profile('e3', { riskClass: 'B' })], policy);
    expect(h.decisions('e2')).toEqual([held('o1', 100, ['RISK_CLASS'], { creditLimit: 1000 })]);
    expect(h.decisions('e3')).toEqual([released('o1', 100, MINUTE, 'CustomerCreditProfile', { heldOrders: 100, creditLimit: 1000 })]);
  });
});

describe('OLDEST_ITEM_OVERDUE: the oldest open invoice more than N days past due at the customer clock', () => {
  const policy = policyWith({ classes: { B: rules({ oldestItemMaxDaysPastDue: 30 }) } });
  const base = (dueDaysAgo: number) => {
    const c = customer('c1');
    return { c, inputs: [c.profile('e1', { creditLimit: 10_000 }), invoice('e2', 'i1', 300, T0_DAY - 60, T0_DAY - dueDaysAgo, T0 + 2 * MINUTE)] };
  };

  it('approves at exactly 30 days past due and holds at 31 (more than N)', () => {
    const at30 = base(30);
    expect(run([...at30.inputs, at30.c.placed('e3', 'o1', 100, 'EUR', T0 + 3 * MINUTE)], policy).decisions('e3'))
      .toEqual([approved('o1', 100, { openReceivables: 300, creditLimit: 10_000 })]);
    const at31 = base(31);
    expect(run([...at31.inputs, at31.c.placed('e3', 'o1', 100, 'EUR', T0 + 3 * MINUTE)], policy).decisions('e3'))
      .toEqual([held('o1', 100, ['OLDEST_ITEM_OVERDUE'], { openReceivables: 300, creditLimit: 10_000 })]);
  });

  it('counts days at the customer clock: the next day an order is held, though nothing else happened', () => {
    const { c, inputs } = base(30);
    const h = run([...inputs, c.placed('e3', 'o1', 100, 'EUR', T0 + 3 * MINUTE), c.placed('e4', 'o2', 100, 'EUR', T0 + DAY)], policy);
    expect(h.decisions('e3')).toEqual([approved('o1', 100, { openReceivables: 300, creditLimit: 10_000 })]);
    expect(h.decisions('e4')).toEqual([held('o2', 100, ['OLDEST_ITEM_OVERDUE'], { openOrders: 100, openReceivables: 300, creditLimit: 10_000 })]);
  });

  it.each([
    ['a payment allocated in full', (c: ReturnType<typeof customer>) => c.paid('e4', 'p1', 300, [{ invoiceId: 'i1', amount: 300 }], T0 + 4 * MINUTE), 'PaymentReceived'],
    ['a credit note for the rest', (c: ReturnType<typeof customer>) => c.adjusted('e4', 'i1', 'a1', -300, T0 + 4 * MINUTE), 'InvoiceAdjusted'],
    ['a void', (c: ReturnType<typeof customer>) => c.voided('e4', 'i1', T0 + 4 * MINUTE), 'InvoiceVoided'],
  ])('releases the held order automatically when the item is closed by %s', (_, close, trigger) => {
    const { c, inputs } = base(45);
    const h = run([...inputs, c.placed('e3', 'o1', 100, 'EUR', T0 + 3 * MINUTE), close(c)], policy);
    expect(h.decisions('e3')).toEqual([held('o1', 100, ['OLDEST_ITEM_OVERDUE'], { openReceivables: 300, creditLimit: 10_000 })]);
    expect(h.decisions('e4')).toEqual([released('o1', 100, MINUTE, trigger, { heldOrders: 100, creditLimit: 10_000 })]);
  });

  it('keeps it held while another open invoice is still too old; a part payment does not close the item', () => {
    const { c, inputs } = base(45);
    const h = run([
      ...inputs,
      invoice('e3', 'i2', 200, T0_DAY - 50, T0_DAY - 40, T0 + 3 * MINUTE),
      c.placed('e4', 'o1', 100, 'EUR', T0 + 4 * MINUTE),
      c.paid('e5', 'p1', 400, [{ invoiceId: 'i1', amount: 300 }, { invoiceId: 'i2', amount: 100 }], T0 + 5 * MINUTE),
      c.paid('e6', 'p2', 100, [{ invoiceId: 'i2', amount: 100 }], T0 + 6 * MINUTE),
    ], policy);
    expect(h.decisions('e4')).toEqual([held('o1', 100, ['OLDEST_ITEM_OVERDUE'], { openReceivables: 500, creditLimit: 10_000 })]);
    expect(h.decisions('e5')).toEqual([]); // i2 still has 100 open, 40 days past due
    expect(h.decisions('e6')).toEqual([released('o1', 100, 2 * MINUTE, 'PaymentReceived', { heldOrders: 100, creditLimit: 10_000 })]);
  });

  it('judges a late-stamped order by the clock, not by its own earlier time', () => {
    const { c, inputs } = base(30);
    // The clock reaches the next day (day 31 past due) with an order; a second, stamped back on the first day, is held.
    const h = run([...inputs, c.placed('e3', 'o1', 100, 'EUR', T0 + DAY), c.placed('e4', 'o2', 100, 'EUR', T0 + 4 * MINUTE)], policy);
    expect(h.decisions('e4')[0]).toMatchObject({ type: 'OrderCreditHeld', reasons: ['OLDEST_ITEM_OVERDUE'] });
  });

  const tick = (eventId: string, occurredAt: number): ExposureInput =>
    envelope('BusinessDateTick', { businessDate: Math.floor(occurredAt / DAY) }, { eventId, customerId: 'c1', occurredAt });

  it('a business-date tick past the day the item gets too old moves the clock: a late-stamped order after it is held', () => {
    const { c, inputs } = base(30); // 30 days past due today: too old from tomorrow 00:00
    const tomorrow = (T0_DAY + 1) * DAY;
    const h = run([...inputs, tick('t1', tomorrow), c.placed('e4', 'o1', 100, 'EUR', T0 + 4 * MINUTE)], policy);
    expect(h.result('t1')).toMatchObject({ changed: true, events: [] }); // nothing to publish, nothing released
    expect(h.state.watermark).toBe(tomorrow);
    expect(h.decisions('e4')).toEqual([held('o1', 100, ['OLDEST_ITEM_OVERDUE'], { openReceivables: 300, creditLimit: 10_000 })]);
  });

  it('a tick before that day, or for a customer whose items are not too old by it, changes nothing', () => {
    const { c, inputs } = base(30);
    const h = run([...inputs, tick('t1', (T0_DAY + 1) * DAY - 1), c.placed('e4', 'o1', 100, 'EUR', T0 + 4 * MINUTE)], policy);
    expect(h.result('t1')).toMatchObject({ changed: false, events: [] });
    expect(h.decisions('e4')).toEqual([approved('o1', 100, { openReceivables: 300, creditLimit: 10_000 })]);
  });

  it('the index time of a customer is the start of the day its oldest open item gets too old, none once paid', () => {
    const { c, inputs } = base(30);
    const h = run(inputs, policy);
    expect(pendingOldestItemOverdue(h.state, policy)).toBe((T0_DAY + 1) * DAY);
    const paid = run([...inputs, c.paid('e3', 'p1', 300, [{ invoiceId: 'i1', amount: 300 }], T0 + 3 * MINUTE)], policy);
    expect(pendingOldestItemOverdue(paid.state, policy)).toBeNull();
    expect(pendingOldestItemOverdue(h.state, policyWith({}))).toBeNull(); // no rule for the class
  });

  it('leaves a class without the check alone', () => {
    const { c, inputs } = base(90);
    const h = run([...inputs, c.placed('e3', 'o1', 100, 'EUR', T0 + 3 * MINUTE)], policyWith({ classes: { A: rules({ oldestItemMaxDaysPastDue: 0 }) } }));
    expect(h.decisions('e3')).toEqual([approved('o1', 100, { openReceivables: 300, creditLimit: 10_000 })]);
  });
});

describe('payment terms: an invoice without a due date is due issue date + the terms', () => {
  it("uses the profile's terms at issue, net 30 without a profile", () => {
    const c = customer('c1');
    const h = run([
      invoice('e1', 'i0', 100, T0_DAY - 10, null, T0 + MINUTE), // no profile yet: net 30
      c.profile('e2', { paymentTermsDays: 45 }),
      invoice('e3', 'i1', 100, T0_DAY - 10, null, T0 + 3 * MINUTE),
      invoice('e4', 'i2', 100, T0_DAY - 10, T0_DAY - 5, T0 + 4 * MINUTE), // its own date wins
    ], policyWith({}));
    expect(h.state.invoices.i0!.dueDate).toBe(T0_DAY + 20);
    expect(h.state.invoices.i1!.dueDate).toBe(T0_DAY + 35);
    expect(h.state.invoices.i2!.dueDate).toBe(T0_DAY - 5);
  });

  it('gives a due date from terms to the oldest-item check: net 0 issued 31 days ago is 31 days past due', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 10_000, paymentTermsDays: 0 }),
      invoice('e2', 'i1', 100, T0_DAY - 31, null, T0 + 2 * MINUTE),
      c.placed('e3', 'o1', 100, 'EUR', T0 + 3 * MINUTE),
    ], policyWith({ classes: { B: rules({ oldestItemMaxDaysPastDue: 30 }) } }));
    expect(h.decisions('e3')).toEqual([held('o1', 100, ['OLDEST_ITEM_OVERDUE'], { openReceivables: 100, creditLimit: 10_000 })]);
  });
});

describe('the policy version', () => {
  it('is stamped on every decision: approved, held and released', () => {
    const c = customer('c1');
    const h = run([
      c.profile('e1', { creditLimit: 500 }), c.placed('e2', 'o1', 400), c.placed('e3', 'o2', 400), c.cancelled('e4', 'o1'),
    ], creditPolicy({ policyVersion: 'classes-7' }));
    const decisions = ['e2', 'e3', 'e4'].flatMap((id) => h.result(id).events.filter((e) => e.eventType.startsWith('OrderCredit')));
    expect(decisions.map((e) => e.eventType)).toEqual(['OrderCreditApproved', 'OrderCreditHeld', 'OrderCreditReleased']);
    for (const e of decisions) expect((e.payload as { exposure: { policyVersion: string } }).exposure.policyVersion).toBe('classes-7');
  });
});
