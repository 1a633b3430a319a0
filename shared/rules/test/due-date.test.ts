import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PAYMENT_TERMS_DAYS, dueDateOf } from '../due-date.ts';

describe('dueDateOf', () => {
  it('given a due date, when the terms differ, then the invoice keeps its own date', () => {
    expect(dueDateOf({ issueDate: 20_000, dueDate: 20_010 }, 60)).toBe(20_010);
  });
  it('given no due date, when the customer has net 45, then it is due 45 days after issue', () => {
    expect(dueDateOf({ issueDate: 20_000, dueDate: null }, 45)).toBe(20_045);
  });
  it('given no due date and terms of 0 (cash), then it is due on the issue date', () => {
    expect(dueDateOf({ issueDate: 20_000, dueDate: null }, 0)).toBe(20_000);
  });
  it('given neither a due date nor terms, then the documented default applies', () => {
    expect(DEFAULT_PAYMENT_TERMS_DAYS).toBe(30);
    expect(dueDateOf({ issueDate: 20_000, dueDate: null }, null)).toBe(20_030);
    expect(dueDateOf({ issueDate: 20_000, dueDate: null }, undefined)).toBe(20_030);
  });
  it('is never before the issue date for a valid invoice (due date at or after issue, terms >= 0)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 40_000 }),
      fc.option(fc.integer({ min: 0, max: 400 })),
      fc.option(fc.integer({ min: 0, max: 400 })),
      (issueDate, dueIn, terms) => {
        const due = dueDateOf({ issueDate, dueDate: dueIn === null ? null : issueDate + dueIn }, terms);
        expect(due).toBeGreaterThanOrEqual(issueDate);
        expect(due).toBe(issueDate + (dueIn ?? terms ?? DEFAULT_PAYMENT_TERMS_DAYS));
      },
    ));
  });
});
