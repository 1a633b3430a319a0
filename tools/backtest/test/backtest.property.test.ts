// Properties of the backtest over generated ledgers (the importer's CSV layout): the same policy under two names
// gives the same column, and a stricter limit holds every order a more lenient one holds.
//
// Why the second holds here: each generated customer has at most one invoice a day, and the importer places each
// order the day of its invoice (09:00, the invoice at 12:00). So when an order is decided, every earlier order is
// invoiced already (its open value is 0, approved or not) and the customer's exposure is its open receivables less
// unapplied cash, which no credit decision changes; delinquency, the other hold reason, sees only invoices and
// payments. An order is then held exactly when receivables + its amount exceed the limit (or the customer is
// delinquent), and a lower limit holds a superset. (With two orders a day it is not so: a lenient limit that
// approves the first may hold the second, which a strict one that held the first approves.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { dayFromIso, isoFromDay } from '../../../shared/time.ts';
import { AR_LATE_PAYMENTS } from '../../import-ledger/src/mapping.ts';
import { ledgerSourceId } from '../../import-ledger/src/replay.ts';
import { readLedger } from '../../import-ledger/src/rows.ts';
import { backtest } from '../src/backtest.ts';
import { loadPolicyFile } from '../src/policy.ts';
import { replayPolicy } from '../src/replay.ts';

const dir = mkdtempSync(join(tmpdir(), 'o2c-backtest-prop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const policy = (doc: unknown) => {
  const file = join(dir, `p-${++n}.json`);
  writeFileSync(file, JSON.stringify(doc));
  return loadPolicyFile(file, 2);
};

const FIRST = dayFromIso('2013-01-01');
const us = (day: number) => {
  const [y, m, d] = isoFromDay(day).split('-');
  return `${Number(m)}/${Number(d)}/${y}`;
};

const invoiceArb = fc.record({
  day: fc.integer({ min: 0, max: 59 }),
  terms: fc.integer({ min: 5, max: 30 }),
  amount: fc.integer({ min: 1, max: 40_000 }),
  // Null: still open at the end.
  paidAfter: fc.option(fc.integer({ min: 0, max: 60 }), { freq: 6 }),
  disputed: fc.boolean(),
});
/** A ledger CSV of 1..3 customers, each with invoices on distinct days. */
const ledgerArb = fc
  .array(fc.uniqueArray(invoiceArb, { minLength: 1, maxLength: 12, selector: (i) => i.day }), { minLength: 1, maxLength: 3 })
  .map((customers) => {
    const lines = ['customerID,invoiceNumber,InvoiceDate,DueDate,InvoiceAmount,Disputed,SettledDate'];
    let id = 0;
    customers.forEach((invoices, c) => {
      for (const i of invoices) {
        const issued = FIRST + i.day;
        const amount = `${Math.floor(i.amount / 100)}.${String(i.amount % 100).padStart(2, '0')}`;
        const settled = i.paidAfter === null ? '' : us(issued + i.paidAfter);
        lines.push(`C${c},INV${++id},${us(issued)},${us(issued + i.terms)},${amount},${i.disputed ? 'Yes' : 'No'},${settled}`);
      }
    });
    return Buffer.from(`${lines.join('\n')}\n`);
  });

describe('backtest over generated ledgers', () => {
  it('gives identical columns for one policy under two names', async () => {
    let holding = 0;
    await fc.assert(
      fc.asyncProperty(ledgerArb, fc.integer({ min: 100, max: 2000 }), async (bytes, limit) => {
        const doc = { backtest: { creditLimit: String(limit), env: { OVERDUE_HOLD_LEVEL: 'OVERDUE' } } };
        const a = policy({ ...doc, backtest: { ...doc.backtest, name: 'a' } });
        const b = policy({ ...doc, backtest: { ...doc.backtest, name: 'b' } });
        const r = await backtest({ file: 'gen.csv', bytes, mapping: AR_LATE_PAYMENTS, policies: [a, b], partitions: 2 });
        expect(r.policies.map((p) => p.name)).toEqual(['a', 'b']);
        expect(r.policies[1]!.figures).toEqual(r.policies[0]!.figures);
        if (r.policies[0]!.figures.orders.held > 0) holding++;
      }),
      { numRuns: 30 },
    );
    expect(holding).toBeGreaterThan(0);
  });

  it('holds under a stricter limit every order a more lenient one holds', async () => {
    let bites = 0;
    await fc.assert(
      fc.asyncProperty(ledgerArb, fc.integer({ min: 50, max: 1500 }), fc.integer({ min: 0, max: 1500 }), async (bytes, strict, more) => {
        const { rows } = readLedger(bytes.toString('utf8'), AR_LATE_PAYMENTS);
        const options = { sourceId: ledgerSourceId(bytes), currency: 'EUR', partitions: 2 };
        const heldUnder = async (limit: number) => {
          const replay = await replayPolicy(rows, policy({ backtest: { creditLimit: String(limit) } }), options);
          return new Set(replay.holds.flatMap((e) => (e.eventType === 'OrderCreditHeld' ? [e.payload.orderId] : [])));
        };
        const strictHeld = await heldUnder(strict);
        const lenientHeld = await heldUnder(strict + more);
        for (const id of lenientHeld) expect(strictHeld.has(id), id).toBe(true);
        if (strictHeld.size > lenientHeld.size) bites++;
      }),
      { numRuns: 30 },
    );
    // The generated limits are within reach of the generated amounts: the property is not vacuous.
    expect(bites).toBeGreaterThan(0);
  });
});
