// What the collections page reads from reporting (as o2c_console, read-only there): the collections worklist as its
// view ranks it (reporting migrations 0013-0015), and one customer's promises to pay with their outcomes.
import type { Queryable } from '../../../../shared/pg/pool.ts';
import type { CollectionsCursor, CollectionsFilter } from '../domain/collections.ts';

export interface CollectionsRow {
  rank: number;
  asOfDate: string;
  customerId: string;
  currency: string;
  expectedLoss: number;
  overdueMinor: number;
  overdueInvoices: number;
  worstDaysPastDue: number;
  /** 0..1; null when unscored (the view then ranks with 1). */
  lateProbability: number | null;
  delinquencyStatus: string | null;
  disputedInvoices: number;
  disputedMinor: number;
  brokenPromise: boolean;
  lastBrokenPromiseDate: string | null;
  lastBrokenPromiseMinor: number | null;
  openPromiseMinor: number | null;
  nextPromiseDate: string | null;
  lastNoticeType: string | null;
  lastNoticeDate: string | null;
  lastNoticeDelivery: string | null;
  lastNoticeSentDate: string | null;
  deadLetteredNotices: number;
}

export interface PromiseRow {
  promiseId: string;
  amountMinor: number | null;
  currency: string | null;
  promisedDate: string | null;
  recordedBy: string | null;
  recordedByRole: string | null;
  note: string | null;
  recordedAt: Date | null;
  outcome: string | null;
  paidMinor: number | null;
  outcomeDate: string | null;
}

const n = (v: string | number | null): number | null => (v === null ? null : Number(v));

const COLUMNS = `rank, as_of_date::text, customer_id, currency, expected_loss, overdue_minor, overdue_invoices, worst_dpd,
  late_probability, delinquency_status, disputed_invoices, disputed_minor, broken_promise, last_broken_promise_date::text,
  last_broken_promise_minor, open_promise_minor, next_promise_date::text, last_notice_type, last_notice_date::text,
  last_notice_delivery, last_notice_sent_date::text, dead_lettered_notices`;

type Raw = Record<string, string | number | boolean | null>;

function rowOf(r: Raw): CollectionsRow {
  return {
    rank: Number(r.rank), asOfDate: String(r.as_of_date), customerId: String(r.customer_id), currency: String(r.currency),
    expectedLoss: Number(r.expected_loss), overdueMinor: Number(r.overdue_minor), overdueInvoices: Number(r.overdue_invoices),
    worstDaysPastDue: Number(r.worst_dpd), lateProbability: n(r.late_probability as string | null),
    delinquencyStatus: r.delinquency_status as string | null, disputedInvoices: Number(r.disputed_invoices),
    disputedMinor: Number(r.disputed_minor), brokenPromise: r.broken_promise === true,
    lastBrokenPromiseDate: r.last_broken_promise_date as string | null, lastBrokenPromiseMinor: n(r.last_broken_promise_minor as string | null),
    openPromiseMinor: n(r.open_promise_minor as string | null), nextPromiseDate: r.next_promise_date as string | null,
    lastNoticeType: r.last_notice_type as string | null, lastNoticeDate: r.last_notice_date as string | null,
    lastNoticeDelivery: r.last_notice_delivery as string | null, lastNoticeSentDate: r.last_notice_sent_date as string | null,
    deadLetteredNotices: Number(r.dead_lettered_notices),
  };
}

export class CollectionsReader {
  constructor(private readonly db: Queryable) {}

  /** One page of the worklist in the view's order (per currency, by rank), after `after`; pageSize + 1 read to know if there is more. */
  async worklist(filter: CollectionsFilter, after: CollectionsCursor | undefined, pageSize: number): Promise<{ rows: CollectionsRow[]; more: boolean }> {
    const { rows } = await this.db.query<Raw>(
      `SELECT ${COLUMNS} FROM reporting.collections_worklist
        WHERE ($1::text IS NULL OR customer_id = $1)
          AND ($2::text IS NULL OR currency = $2)
          AND (NOT $3::boolean OR broken_promise)
          AND ($4::int IS NULL OR worst_dpd >= $4)
          AND ($5::text IS NULL OR (currency, rank, customer_id) > ($5, $6::int, $7::text))
        ORDER BY currency, rank, customer_id
        LIMIT $8`,
      [filter.customer ?? null, filter.currency ?? null, filter.brokenOnly === true, filter.minDaysPastDue ?? null,
        after?.currency ?? null, after?.rank ?? null, after?.customerId ?? null, pageSize + 1],
    );
    return { rows: rows.slice(0, pageSize).map(rowOf), more: rows.length > pageSize };
  }

  /** The customer's rows of the worklist (one per currency it is overdue in). */
  async account(customerId: string): Promise<CollectionsRow[]> {
    const { rows } = await this.db.query<Raw>(`SELECT ${COLUMNS} FROM reporting.collections_worklist WHERE customer_id = $1 ORDER BY currency`, [customerId]);
    return rows.map(rowOf);
  }

  /** The business date the worklist is as of (the delinquency service's latest; today's before any). */
  async asOfDate(): Promise<string> {
    const { rows } = await this.db.query<{ day: string }>(
      `SELECT coalesce(max(as_of_date), current_date)::text AS day FROM reporting.delinquency_events`);
    return rows[0]!.day;
  }

  /** The customer's promises, newest first, as reporting has them (recorded and judged). */
  async promises(customerId: string, limit = 50): Promise<PromiseRow[]> {
    const { rows } = await this.db.query<Raw & { recorded_at: Date | null }>(
      `SELECT promise_id, amount_minor, currency, promised_date::text, recorded_by, recorded_by_role, note, recorded_at, outcome,
              paid_minor, outcome_date::text
         FROM reporting.promises_to_pay WHERE customer_id = $1
        ORDER BY recorded_at DESC NULLS LAST, promise_id LIMIT $2`, [customerId, limit]);
    return rows.map((r) => ({
      promiseId: String(r.promise_id), amountMinor: n(r.amount_minor as string | null), currency: r.currency as string | null,
      promisedDate: r.promised_date as string | null, recordedBy: r.recorded_by as string | null,
      recordedByRole: r.recorded_by_role as string | null, note: r.note as string | null, recordedAt: r.recorded_at,
      outcome: r.outcome as string | null, paidMinor: n(r.paid_minor as string | null), outcomeDate: r.outcome_date as string | null,
    }));
  }
}
