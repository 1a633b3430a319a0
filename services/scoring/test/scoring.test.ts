import { describe, expect, it } from 'vitest';
import {
  assess,
  defaultPolicy,
  emptyEntity,
  onDay,
  onInput,
  proposedLimitOf,
  riskClassOf,
  ScoringReplay,
  sizeBandOf,
  validatePolicy,
  applyInput,
  emptyState,
  type ScoreOut,
  type ScoringInput,
} from '../src/domain/index.ts';
import { adjusted, d, disputed, issued, paid, profile, reversed, tick, voided, CUSTOMER } from './fixtures.ts';

const p = defaultPolicy;
const stateOf = (events: ScoringInput[]) => events.reduce((s, e) => applyInput(s, e, p.historyDays), emptyState());

describe('settlement', () => {
  it('is the day the open balance reached zero, after partial payments', () => {
    const s = stateOf([issued('I1', '2024-01-01', '2024-01-31', 1000), paid('P1', '2024-01-20', [['I1', 400]]), paid('P2', '2024-02-05', [['I1', 600]])]);
    expect(s.invoices.I1!.settledDay).toBe(d('2024-02-05'));
  });
  it('moves when a reversed payment reopens the invoice and a later one settles it', () => {
    const s = stateOf([
      issued('I1', '2024-01-01', '2024-01-31', 1000),
      paid('P1', '2024-01-20', [['I1', 1000]]),
      reversed('P1', '2024-01-25'),
      paid('P2', '2024-03-01', [['I1', 1000]]),
    ]);
    expect(s.invoices.I1!.settledDay).toBe(d('2024-03-01'));
  });
  it('counts a credit note to zero as reaching zero; a voided invoice leaves', () => {
    const s = stateOf([issued('I1', '2024-01-01', '2024-01-31', 1000), adjusted('I1', '2024-01-10', -1000), issued('I2', '2024-01-01', '2024-01-31', 5), voided('I2', '2024-01-02')]);
    expect(s.invoices.I1!.settledDay).toBe(d('2024-01-10'));
    expect(s.invoices.I2).toBeUndefined();
  });
});

describe('due date of an invoice without one', () => {
  it("is issue date + the profile's terms at issue, net 30 before any profile", () => {
    const net60 = { ...profile('2024-01-01', 1000), payload: { ...profile('2024-01-01', 1000).payload, paymentTermsDays: 60 } } as ScoringInput;
    const s = stateOf([issued('I0', '2024-01-01', null, 100), net60, issued('I1', '2024-01-02', null, 100), issued('I2', '2024-01-02', '2024-01-12', 100)]);
    expect(s.invoices.I0!.dueDay).toBe(d('2024-01-31')); // no profile yet: net 30
    expect(s.invoices.I1!.dueDay).toBe(d('2024-03-02')); // net 60
    expect(s.invoices.I2!.dueDay).toBe(d('2024-01-12')); // its own date
  });
});

describe('risk class, limit, segments', () => {
  it('takes the worse of the class by probability and the class by score', () => {
    expect(riskClassOf(null, 0.05, p)).toBe('A');
    expect(riskClassOf(85, 0.05, p)).toBe('A');
    expect(riskClassOf(65, 0.05, p)).toBe('C');
    expect(riskClassOf(85, 0.5, p)).toBe('D');
    expect(riskClassOf(40, 0.05, p)).toBe('E');
    expect(riskClassOf(null, 0.7, p)).toBe('E');
  });
  it('proposes the class multiple of average monthly sales, rounded down and capped, with its reason', () => {
    const s = stateOf([issued('I1', '2024-01-01', '2024-01-31', 1_234_567)]);
    // One month of history: monthly sales 1,234,567; class B: 3x = 3,703,701 -> 3,700,000.
    const b = proposedLimitOf(s, d('2024-01-15'), 'B', p);
    expect(b).toEqual({ limit: 3_700_000, reason: '3x average monthly credit sales 1234567 over 1 month(s), class B' });
    expect(proposedLimitOf(s, d('2024-01-15'), 'E', p).limit).toBe(0);
    const capped = proposedLimitOf(s, d('2024-01-15'), 'A', { ...p, limitCap: 1_000_000 });
    expect(capped.limit).toBe(1_000_000);
    expect(capped.reason).toMatch(/capped at 1000000$/);
  });
  it('bands sizes by annual sales', () => {
    expect(sizeBandOf(999_999, p)).toBe('SMALL');
    expect(sizeBandOf(1_000_000, p)).toBe('MEDIUM');
    expect(sizeBandOf(10_000_000, p)).toBe('LARGE');
  });
  it('segments: new, prompt, chronic late, dormant', () => {
    const onTime = [1, 2, 3].flatMap((i) => [issued(`I${i}`, 100 + i * 30, 130 + i * 30, 100), paid(`P${i}`, 125 + i * 30, [[`I${i}`, 100]])]);
    expect(assess(stateOf(onTime.slice(0, 4)), 300, p).segment).toBe('NEW');
    expect(assess(stateOf(onTime), 300, p).segment).toBe('PROMPT');
    expect(assess(stateOf(onTime), 500, p).segment).toBe('DORMANT');
    const late = [1, 2, 3].flatMap((i) => [issued(`I${i}`, 100 + i * 30, 130 + i * 30, 100), paid(`P${i}`, 150 + i * 30, [[`I${i}`, 100]])]);
    expect(assess(stateOf(late), 300, p).segment).toBe('CHRONIC_LATE');
  });
  it('rejects an incoherent policy', () => {
    expect(() => validatePolicy({ ...p, probabilityCutoffs: [0.3, 0.2, 0.4, 0.5] })).toThrow(RangeError);
    expect(() => validatePolicy({ ...p, scoreCutoffs: [50, 60, 70, 80] })).toThrow(RangeError);
  });
});

describe('the core step by step (given, when, then)', () => {
  it('publishes on change, the risk at issue before the invoice, and a review when the class worsens', () => {
    const core = new ScoringReplay(p);
    const when = [
      tick('2024-01-01'),
      profile('2024-01-01', 1_000_000), // a first score: no history
      issued('I1', '2024-01-01', '2024-01-31', 10_000), // risk at issue: from the profile alone
      tick('2024-01-02'), // nothing changed: nothing published
    ];
    const out = when.flatMap((e) => core.push(e));
    expect(out.map((o) => o.out.kind)).toEqual(['score', 'score']);
    const atIssue = (out[1]!.out as ScoreOut).issuedInvoice!;
    expect(atIssue.invoiceId).toBe('I1');
    expect(atIssue.score).toBeNull();
    expect(atIssue.probabilityBp).toBe((out[0]!.out as ScoreOut).assessment.probabilityBp);
    // I1 goes past due: the overdue count raises the probability day by day until the class worsens.
    const later = [];
    for (let day = d('2024-01-03'); day <= d('2024-04-30'); day++) later.push(...core.push(tick(day)));
    const reviews = later.filter((o) => o.out.kind === 'review');
    expect(reviews.length).toBeGreaterThan(0);
    expect(reviews[0]!.out.kind === 'review' && reviews[0]!.out.reasons).toContain('CLASS_WORSENED');
  });

  it('raises LIMIT_NOT_REVIEWED once a year, and HIGH_UTILISATION after N days above 90 %', () => {
    let e = onInput(undefined, profile('2024-01-01', 1000), d('2024-01-01'), p).entity;
    e = onInput(e, issued('I1', '2024-01-01', '2025-12-31', 950), d('2024-01-01'), p).entity;
    const reasons: Array<[number, string[]]> = [];
    for (let day = d('2024-01-02'); day <= d('2025-01-10'); day++) {
      const r = onDay(e, CUSTOMER, day, p);
      e = r.entity;
      for (const o of r.out) if (o.kind === 'review') reasons.push([day - d('2024-01-01'), o.reasons]);
    }
    expect(reasons).toEqual([[30, ['HIGH_UTILISATION']], [365, ['LIMIT_NOT_REVIEWED']]]);
  });

  it('rejects a second issue of the same invoice and a second receipt of the same payment', () => {
    let e = emptyEntity();
    e = onInput(e, issued('I1', '2024-01-01', '2024-01-31', 100), null, p).entity;
    expect(onInput(e, issued('I1', '2024-01-02', '2024-02-01', 100), null, p).rejected).toMatch(/issued twice/);
    e = onInput(e, paid('P1', '2024-01-05', [['I1', 100]]), null, p).entity;
    expect(onInput(e, paid('P1', '2024-01-06', [['I1', 100]]), null, p).rejected).toMatch(/received twice/);
  });

  it('counts a dispute once per invoice', () => {
    const s = stateOf([issued('I1', '2024-01-01', '2024-01-31', 100), disputed('I1', '2024-01-05'), disputed('I1', '2024-01-06')]);
    expect(s.disputes).toBe(1);
  });
});
