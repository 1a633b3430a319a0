// The console's pure rules: four eyes on limit changes, session lifetimes, sign-in throttling, the worklist's query
// and cursor, and escaping by default.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CustomerCreditProfile } from '../../../shared/contracts/events.generated.ts';
import { approvedProfile, checkDecision, termsOf, validateRequest, type LimitRequest } from '../src/domain/limit-change.ts';
import { may, ROLES } from '../src/domain/roles.ts';
import { sessionState, SignInLimiter } from '../src/domain/sessions.ts';
import { decodeCursor, encodeCursor, filterParams, parseAmount, parseWorklistQuery } from '../src/domain/worklist.ts';
import { escapeHtml, html } from '../src/web/html.ts';

const request: LimitRequest = {
  requestId: 7, customerId: 'ACME', currency: 'EUR', creditLimit: 500_000, tempLimit: null, tempLimitExpiresAt: null,
  reason: 'grew with us', requestedBy: 'carol', status: 'PENDING',
};

describe('four eyes', () => {
  it('refuses the requester deciding their own request, whatever their role', () => {
    for (const role of ROLES) {
      expect(checkDecision(request, { username: 'carol', role })).not.toBeNull();
    }
    expect(checkDecision(request, { username: 'carol', role: 'CREDIT_MANAGER' })?.refused).toMatch(/four eyes/);
  });

  it('lets only another credit manager decide, and only a pending request', () => {
    expect(checkDecision(request, { username: 'mia', role: 'CREDIT_MANAGER' })).toBeNull();
    expect(checkDecision(request, { username: 'vic', role: 'CREDIT_CONTROLLER' })).not.toBeNull();
    expect(checkDecision(request, { username: 'ada', role: 'ADMIN' })).not.toBeNull();
    expect(checkDecision({ ...request, status: 'APPROVED' }, { username: 'mia', role: 'CREDIT_MANAGER' })?.refused).toMatch(/approved already/);
  });

  it('for any two users and roles, a decision is allowed exactly when a distinct manager decides a pending request', () => {
    fc.assert(fc.property(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('a', 'b', 'c'), fc.constantFrom(...ROLES),
      fc.constantFrom('PENDING', 'APPROVED', 'REJECTED') as fc.Arbitrary<LimitRequest['status']>, (requester, decider, role, status) => {
        const allowed = checkDecision({ requestedBy: requester, status }, { username: decider, role }) === null;
        expect(allowed).toBe(requester !== decider && role === 'CREDIT_MANAGER' && status === 'PENDING');
      }));
  });

  it('validates a request: who may ask, amounts, both parts of a temporary limit, a future expiry, a reason', () => {
    const now = Date.UTC(2026, 0, 1);
    const ok = { creditLimit: 100, tempLimit: null, tempLimitExpiresAt: null, reason: 'x' };
    expect(validateRequest(ok, { username: 'v', role: 'CREDIT_CONTROLLER' }, now)).toEqual([]);
    expect(validateRequest(ok, { username: 'v', role: 'VIEWER' }, now)).toHaveLength(1);
    expect(validateRequest({ ...ok, tempLimit: 50 }, { username: 'v', role: 'CREDIT_MANAGER' }, now)).toEqual(['temporary limit: give both the amount and its expiry, or neither']);
    expect(validateRequest({ ...ok, tempLimit: 50, tempLimitExpiresAt: now - 1 }, { username: 'v', role: 'CREDIT_MANAGER' }, now)).toEqual(['temporary limit expiry: a date in the future']);
    expect(validateRequest({ ...ok, creditLimit: Number.NaN, reason: ' ' }, { username: 'v', role: 'CREDIT_MANAGER' }, now)).toHaveLength(2);
  });

  it('an approval changes the limits only, keeps every other term, and names the approver and both people', () => {
    const current: CustomerCreditProfile = {
      creditLimit: 100_000, currency: 'EUR', tempLimit: null, tempLimitExpiresAt: null, paymentTermsDays: 45, riskClass: 'C',
      manualHold: true, parentCustomerId: 'GRP', changedBy: 'sim', changeReason: null, contactEmail: 'ap@acme.test', language: 'de', noticeOptOuts: ['ALL'],
    };
    const after = approvedProfile(current, { ...request, tempLimit: 20_000, tempLimitExpiresAt: 1_900_000_000_000 }, { username: 'mia', role: 'CREDIT_MANAGER' });
    expect(after).toEqual({ ...current, creditLimit: 500_000, tempLimit: 20_000, tempLimitExpiresAt: 1_900_000_000_000, changedBy: 'mia',
      changeReason: 'limit request 7 by carol: grew with us; approved by mia' });
    expect(termsOf(after)).not.toHaveProperty('contactEmail');
  });
});

describe('roles', () => {
  it('viewers only view; admins manage users but take no credit decisions', () => {
    expect(ROLES.filter((r) => may(r, 'creditAction'))).toEqual(['CREDIT_CONTROLLER', 'CREDIT_MANAGER']);
    expect(ROLES.filter((r) => may(r, 'approveLimit'))).toEqual(['CREDIT_MANAGER']);
    expect(ROLES.filter((r) => may(r, 'manageUsers'))).toEqual(['ADMIN']);
    expect(ROLES.every((r) => may(r, 'view'))).toBe(true);
  });
});

describe('sessions', () => {
  const limits = { idleMs: 30 * 60_000, maxMs: 12 * 3_600_000 };
  it('end after the idle time, and after the maximum whatever the activity', () => {
    expect(sessionState({ createdAt: 0, lastSeenAt: 0 }, 29 * 60_000, limits)).toBe('valid');
    expect(sessionState({ createdAt: 0, lastSeenAt: 0 }, 30 * 60_000, limits)).toBe('idle');
    expect(sessionState({ createdAt: 0, lastSeenAt: 12 * 3_600_000 - 1 }, 12 * 3_600_000, limits)).toBe('expired');
  });

  it('throttle a name after the allowed failures until the window passes; a success clears it', () => {
    const l = new SignInLimiter({ maxFailures: 3, windowMs: 1000 });
    for (let i = 0; i < 3; i++) {
      expect(l.allowed('eve', i)).toBe(true);
      l.failed('eve', i);
    }
    expect(l.allowed('eve', 10)).toBe(false);
    expect(l.allowed('bob', 10)).toBe(true);
    expect(l.allowed('eve', 1001)).toBe(true);
    l.succeeded('eve');
    expect(l.allowed('eve', 12)).toBe(true);
  });
});

describe('worklist query', () => {
  it('parses filters and names every bad one', () => {
    expect(parseWorklistQuery({ customer: ' ACME ', reason: 'OVERDUE', minAgeHours: '24', minAmount: '10.5', riskClass: 'D' })).toEqual({
      query: { filter: { customer: 'ACME', reason: 'OVERDUE', minAgeHours: 24, minAmount: 1050, riskClass: 'D' } }, errors: [],
    });
    expect(parseWorklistQuery({ reason: 'LATE', minAgeHours: 'x', maxAmount: '1,000', after: 'nope' }).errors).toEqual([
      'reason: one of OVER_LIMIT, OVERDUE, MANUAL, RISK_CLASS, NO_CREDIT_PROFILE', 'minimum age: a whole number of hours',
      'maximum amount: an amount such as 1250 or 1250.50', 'page: the link is not valid any more, start from the first page',
    ]);
  });

  it('a cursor and the filter survive the next-page link', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.string(), fc.integer({ min: 0, max: 10 ** 12 }), (heldSince, orderId, minAmount) => {
      expect(decodeCursor(encodeCursor({ heldSince, orderId }))).toEqual({ heldSince, orderId });
      const params = Object.fromEntries(filterParams({ minAmount, customer: orderId === '' ? undefined : orderId }, { heldSince, orderId }));
      const { query, errors } = parseWorklistQuery(params);
      expect(errors).toEqual([]);
      expect(query.after).toEqual({ heldSince, orderId });
      expect(query.filter.minAmount).toBe(minAmount);
    }));
  });

  it('amounts in major units', () => {
    expect([parseAmount('12'), parseAmount('12.5'), parseAmount('12.05'), parseAmount('-1'), parseAmount('1.234')]).toEqual([1200, 1250, 1205, undefined, undefined]);
  });
});

describe('html', () => {
  it('escapes every interpolated value unless it is html itself', () => {
    const name = '<script>alert("x")</script>&\'`';
    expect(html`<td>${name}</td>`.text).toBe(`<td>${escapeHtml(name)}</td>`);
    expect(html`<td>${name}</td>`.text).not.toContain('<script>');
    expect(html`<ul>${['<a>', html`<li>ok</li>`]}</ul>`.text).toBe('<ul>&lt;a&gt;<li>ok</li></ul>');
    expect(html`${null}${undefined}${false}${0}`.text).toBe('0');
  });
});
