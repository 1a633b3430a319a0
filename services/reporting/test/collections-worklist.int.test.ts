// The collections worklist view (0013) on a real Postgres, from rows as the sink writes them: the ranking by expected
// loss (undisputed overdue amount x days past due x the latest late-payment probability, 1 unscored) per currency,
// what is not overdue left out, disputes listed but not chased, and the last dunning stage reached; promises to pay
// (0014): an account whose latest judged promise was broken goes first, open promises are shown; notices (0015): the
// last notice issued and where its delivery stands, the last one mailed, the dead-lettered ones, their own view.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportingDatabase, type ReportingDb } from './support.ts';

let r: ReportingDb;
const [A1, A2, B1, C1] = ['a1', 'a2', 'b1', 'c1'].map((n) => `00000000-0000-4000-8000-0000000000${n}`);

beforeAll(async () => {
  r = await reportingDatabase();
  const q = (sql: string, params: unknown[] = []) => r.pool.query(sql, params);
  // The latest business date reported: 2026-03-01.
  const dlq = `INSERT INTO reporting.delinquency_events (event_id, customer_id, event_type, occurred_at, invoice_id, as_of_date, stage)
               VALUES (gen_random_uuid(), $1, $2, $3::date, $4, $3::date, $5)`;
  await q(dlq, ['A', 'DunningStageReached', '2026-02-10', 'A-1', 'REMINDER_1']);
  await q(dlq, ['A', 'DunningStageReached', '2026-02-24', 'A-1', 'REMINDER_2']); // A's latest
  await q(dlq, ['B', 'DunningStageReached', '2026-02-20', 'B-1', 'REMINDER_1']);
  await q(dlq, ['C', 'InvoiceOverdue', '2026-03-01', 'C-1', null]); // not a dunning stage
  const inv = `INSERT INTO reporting.invoices (invoice_id, customer_id, currency, amount_minor, open_minor, issued_at, due_at, in_dispute, voided_at)
               VALUES ($1, $2, $3, $4, $5, '2026-01-01', $6::date, $7, $8::date)`;
  await q(inv, ['A-1', 'A', 'EUR', 1000_00, 1000_00, '2026-02-09', false, null]); // 20 days past due
  await q(inv, ['A-2', 'A', 'EUR', 500_00, 500_00, '2026-03-05', false, null]); // not due yet
  await q(inv, ['B-1', 'B', 'EUR', 3000_00, 2000_00, '2026-02-19', false, null]); // 10 days, 2000.00 open
  await q(inv, ['B-2', 'B', 'EUR', 9000_00, 9000_00, '2026-01-30', true, null]); // 30 days but disputed: listed, not chased
  await q(inv, ['C-1', 'C', 'EUR', 400_00, 400_00, '2026-02-28', false, null]); // 1 day, unscored
  await q(inv, ['D-1', 'D', 'EUR', 900_00, 0, '2026-01-01', false, null]); // paid: not on the list
  await q(inv, ['E-1', 'E', 'EUR', 900_00, 900_00, '2026-01-01', false, '2026-01-15']); // voided: not on the list
  await q(inv, ['U-1', 'U', 'USD', 100_00, 100_00, '2026-02-01', false, null]); // another currency, ranked on its own
  const cust = `INSERT INTO reporting.customers (customer_id, currency, late_probability, delinquency_status) VALUES ($1, $2, $3, $4)`;
  await q(cust, ['A', 'EUR', 0.25, 'OVERDUE']);
  await q(cust, ['B', 'EUR', 0.8, 'DELINQUENT']);
  await q(cust, ['U', 'USD', 0.5, 'OVERDUE']);
  const ptp = `INSERT INTO reporting.promises_to_pay (customer_id, promise_id, amount_minor, currency, promised_date, recorded_by, recorded_by_role, recorded_at, outcome, paid_minor, outcome_date, outcome_at)
               VALUES ($1, $2, $3, 'EUR', $4::date, 'collector.anna', 'CREDIT_CONTROLLER', $4::date - 7, $5, $6, $7::date, $7::date)`;
  await q(ptp, ['C', 'C-P1', 400_00, '2026-02-26', 'BROKEN', 0, '2026-02-27']); // C broke its word: first, whatever its expected loss
  await q(ptp, ['A', 'A-P1', 1000_00, '2026-02-14', 'BROKEN', 0, '2026-02-15']); // A broke one...
  await q(ptp, ['A', 'A-P2', 200_00, '2026-02-25', 'KEPT', 200_00, '2026-02-25']); // ...then kept the next: not raised
  await q(ptp, ['B', 'B-P1', 500_00, '2026-03-05', null, null, null]); // B: open, due 5 March
  await q(ptp, ['B', 'B-P2', 300_00, '2026-03-03', null, null, null]); // and another, due 3 March
  const notice = `INSERT INTO reporting.notices (notice_id, customer_id, notice_type, invoice_id, stage, as_of_date, language, recipient, subject, occurred_at)
                  VALUES ($1, $2, $3, $4, $5, $6::date, 'en', $7, 's', $6::date)`;
  const delivery = `INSERT INTO reporting.notice_deliveries (event_id, notice_id, customer_id, outcome, notice_type, recipient, attempts, failure, last_error, at)
                    VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9::timestamptz)`;
  await q(notice, [A1, 'A', 'OVERDUE_NOTICE', 'A-1', 'REMINDER_1', '2026-02-10', 'ap@a.example']);
  await q(delivery, [A1, 'A', 'SENT', 'OVERDUE_NOTICE', 'ap@a.example', 2, null, null, '2026-02-10T09:00Z']); // mailed at the second try...
  await q(delivery, [A1, 'A', 'RETRYING', 'OVERDUE_NOTICE', 'ap@a.example', 1, 'TRANSIENT', '451', '2026-02-10T08:00Z']); // ...after a 451 (read later: still SENT)
  await q(notice, [A2, 'A', 'OVERDUE_NOTICE', 'A-1', 'REMINDER_2', '2026-02-24', 'ap@a.example']); // A's latest: being retried
  await q(delivery, [A2, 'A', 'RETRYING', 'OVERDUE_NOTICE', 'ap@a.example', 0, 'UNAVAILABLE', 'ECONNREFUSED', '2026-02-24T08:00Z']);
  await q(notice, [B1, 'B', 'OVERDUE_NOTICE', 'B-1', 'REMINDER_1', '2026-02-20', 'ap@b.example']); // B's bounced
  await q(delivery, [B1, 'B', 'DEAD', 'OVERDUE_NOTICE', 'ap@b.example', 1, 'PERMANENT', '550 5.1.1 no such user', '2026-02-20T08:00Z']);
  await q(notice, [C1, 'C', 'PAYMENT_REMINDER', 'C-1', null, '2026-02-25', null]); // C has no address: never mailed
}, 120_000);

afterAll(async () => {
  await r?.close();
});

describe('reporting.collections_worklist', () => {
  it('ranks the accounts to contact by a broken promise, then expected loss, per currency, with disputes, the last dunning stage and open promises', async () => {
    const { rows } = await r.pool.query(`
      SELECT rank, to_char(as_of_date, 'YYYY-MM-DD') AS as_of, customer_id, currency, expected_loss::float8 AS expected_loss, overdue_minor::float8 AS overdue,
             overdue_invoices, worst_dpd, late_probability::float8 AS p, delinquency_status, disputed_invoices, disputed_minor::float8 AS disputed,
             last_dunning_stage, last_dunning_invoice_id, to_char(last_dunning_date, 'YYYY-MM-DD') AS last_dunning,
             broken_promise, to_char(last_broken_promise_date, 'YYYY-MM-DD') AS broken_date, last_broken_promise_minor::float8 AS broken_minor,
             open_promise_minor::float8 AS open_promised, to_char(next_promise_date, 'YYYY-MM-DD') AS next_promise
      FROM reporting.collections_worklist ORDER BY currency, rank`);
    expect(rows).toEqual([
      // C: 400.00 x 1 day, unscored (x 1) = 40,000, the least expected loss, but its latest promise (26 February) was broken: first
      { rank: 1, as_of: '2026-03-01', customer_id: 'C', currency: 'EUR', expected_loss: 40_000, overdue: 400_00, overdue_invoices: 1, worst_dpd: 1, p: null,
        delinquency_status: null, disputed_invoices: 0, disputed: 0, last_dunning_stage: null, last_dunning_invoice_id: null, last_dunning: null,
        broken_promise: true, broken_date: '2026-02-26', broken_minor: 400_00, open_promised: null, next_promise: null },
      // B: 2000.00 x 10 days x 0.8 = 1,600,000 minor-unit days (its disputed 9000.00 for 30 days is not chased); two open promises
      { rank: 2, as_of: '2026-03-01', customer_id: 'B', currency: 'EUR', expected_loss: 1_600_000, overdue: 11_000_00, overdue_invoices: 2, worst_dpd: 30, p: 0.8,
        delinquency_status: 'DELINQUENT', disputed_invoices: 1, disputed: 9000_00, last_dunning_stage: 'REMINDER_1', last_dunning_invoice_id: 'B-1', last_dunning: '2026-02-20',
        broken_promise: false, broken_date: null, broken_minor: null, open_promised: 800_00, next_promise: '2026-03-03' },
      // A: 1000.00 x 20 days x 0.25 = 500,000 (A-2 is not due yet); its broken promise was followed by a kept one
      { rank: 3, as_of: '2026-03-01', customer_id: 'A', currency: 'EUR', expected_loss: 500_000, overdue: 1000_00, overdue_invoices: 1, worst_dpd: 20, p: 0.25,
        delinquency_status: 'OVERDUE', disputed_invoices: 0, disputed: 0, last_dunning_stage: 'REMINDER_2', last_dunning_invoice_id: 'A-1', last_dunning: '2026-02-24',
        broken_promise: false, broken_date: null, broken_minor: null, open_promised: null, next_promise: null },
      // U: 100.00 x 28 days x 0.5 = 140,000, first in USD
      { rank: 1, as_of: '2026-03-01', customer_id: 'U', currency: 'USD', expected_loss: 140_000, overdue: 100_00, overdue_invoices: 1, worst_dpd: 28, p: 0.5,
        delinquency_status: 'OVERDUE', disputed_invoices: 0, disputed: 0, last_dunning_stage: null, last_dunning_invoice_id: null, last_dunning: null,
        broken_promise: false, broken_date: null, broken_minor: null, open_promised: null, next_promise: null },
    ]);
  });

  it("shows each account's last notice, where its delivery stands, the last one mailed and the dead-lettered ones", async () => {
    const { rows } = await r.pool.query(`
      SELECT customer_id, last_notice_type, to_char(last_notice_date, 'YYYY-MM-DD') AS last_notice, last_notice_delivery,
             to_char(last_notice_sent_date, 'YYYY-MM-DD') AS last_sent, dead_lettered_notices
      FROM reporting.collections_worklist ORDER BY currency, rank`);
    expect(rows).toEqual([
      // C: a reminder with no address, so no delivery at all
      { customer_id: 'C', last_notice_type: 'PAYMENT_REMINDER', last_notice: '2026-02-25', last_notice_delivery: null, last_sent: null, dead_lettered_notices: 0 },
      // B: its overdue notice bounced
      { customer_id: 'B', last_notice_type: 'OVERDUE_NOTICE', last_notice: '2026-02-20', last_notice_delivery: 'DEAD', last_sent: null, dead_lettered_notices: 1 },
      // A: REMINDER_2 is being retried (server down); REMINDER_1 was mailed, the 451 before it does not undo that
      { customer_id: 'A', last_notice_type: 'OVERDUE_NOTICE', last_notice: '2026-02-24', last_notice_delivery: 'RETRYING', last_sent: '2026-02-10', dead_lettered_notices: 0 },
      { customer_id: 'U', last_notice_type: null, last_notice: null, last_notice_delivery: null, last_sent: null, dead_lettered_notices: 0 },
    ]);
  });

  it('lists the dead-lettered notices with what, to whom, how often tried and why', async () => {
    const { rows } = await r.pool.query(`
      SELECT customer_id, notice_type, invoice_id, stage, to_char(notice_date, 'YYYY-MM-DD') AS notice_date, recipient, attempts, permanent, last_error
      FROM reporting.notification_dead_letters`);
    expect(rows).toEqual([
      { customer_id: 'B', notice_type: 'OVERDUE_NOTICE', invoice_id: 'B-1', stage: 'REMINDER_1', notice_date: '2026-02-20', recipient: 'ap@b.example',
        attempts: 1, permanent: true, last_error: '550 5.1.1 no such user' },
    ]);
  });

  it('is readable by the Grafana role', async () => {
    for (const view of ['collections_worklist', 'notification_dead_letters', 'notice_delivery_status']) {
      const { rows } = await r.pool.query(`SELECT has_table_privilege('grafana_reader', 'reporting.${view}', 'SELECT') AS ok`);
      expect(rows[0].ok, view).toBe(true);
    }
  });
});
