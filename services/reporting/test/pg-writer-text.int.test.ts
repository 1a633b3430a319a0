import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HoldReason } from '../../../shared/contracts/events.generated.ts';
import type { SinkEvent } from '../src/domain/to-row-ops.ts';
import { dumpTables, event, reportingDatabase, sink, type ReportingDb } from './support.ts';

// The writer sends history rows as COPY text and current-state rows as JSON: text that either format must escape
// comes back as it was sent, on the first write and on the rewrite of rows already there.

const NASTY = 'tab\there, line\nbreak, cr\rreturn, back\\slash, "quotes", {braces}, comma, \\N, \\.';
const T = Date.UTC(2024, 5, 1, 12, 0, 0);
const reasons = ['OVER_LIMIT', NASTY, '', 'NULL'] as unknown as HoldReason[];

const EVENTS: SinkEvent[] = [
  event('held', 'OrderCreditHeld', 'C"1', T, {
    orderId: 'O\t1', amount: 10, currency: 'EUR', reasons,
    exposure: { openOrders: 0, openReceivables: 0, unappliedCash: 0, exposure: 0, heldOrders: 0, creditLimit: 1,
      tempLimit: 0, effectiveLimit: 1, shortfall: 0, policyVersion: 'v1' },
  }),
  event('rejected', 'OrderCreditRejected', 'C"1', T + 1, {
    orderId: 'O\t1', amount: 10, currency: 'EUR', heldMs: 1, actor: 'a\\b', reason: NASTY, actorRole: null,
  }),
  event('profile', 'CustomerCreditProfile', 'C"1', T, {
    creditLimit: 1, currency: 'EUR', tempLimit: null, tempLimitExpiresAt: null, paymentTermsDays: 30,
    riskClass: NASTY, manualHold: false, parentCustomerId: 'P\n1', changedBy: 'x', changeReason: null,
  }),
];

let rdb: ReportingDb;
beforeAll(async () => {
  rdb = await reportingDatabase();
});
afterAll(() => rdb.close());

describe('pg writer text', () => {
  it('keeps tabs, newlines, backslashes, quotes and braces in text and arrays', async () => {
    await sink(rdb.pool, [EVENTS]);
    const q = async (sql: string) => (await rdb.pool.query(sql)).rows;
    expect(await q('SELECT event_type, customer_id, order_id, reasons, actor, reason FROM reporting.credit_events ORDER BY 1'))
      .toEqual([
        { event_type: 'OrderCreditHeld', customer_id: 'C"1', order_id: 'O\t1', reasons, actor: null, reason: null },
        { event_type: 'OrderCreditRejected', customer_id: 'C"1', order_id: 'O\t1', reasons: null, actor: 'a\\b',
          reason: NASTY },
      ]);
    expect(await q('SELECT order_id, reasons, decision FROM reporting.orders'))
      .toEqual([{ order_id: 'O\t1', reasons, decision: 'REJECTED' }]);
    expect(await q('SELECT customer_id, risk_class, parent_customer_id FROM reporting.customers'))
      .toEqual([{ customer_id: 'C"1', risk_class: NASTY, parent_customer_id: 'P\n1' }]);
  });

  it('changes nothing when the same rows come again', async () => {
    const before = await dumpTables(rdb.pool);
    await sink(rdb.pool, [EVENTS, EVENTS.slice(1)]);
    expect(await dumpTables(rdb.pool)).toEqual(before);
  });
});
