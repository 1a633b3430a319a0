// The ledger as events in event time. Per invoice: OrderPlaced on the invoice date (the file has no orders, so one
// is derived per invoice), InvoiceIssued, for a disputed invoice InvoiceDisputed and DisputeResolved, and
// PaymentReceived allocating the full amount on the settlement date. Per customer one CustomerCreditProfile on the
// first day. Business-date ticks on every partition of the ticked topics for each day from the first through the
// end date.
//
// Disputes: the file says only whether an invoice was disputed, not when. The dispute is raised on the due date
// (on the settlement date when that comes first) and resolved on the settlement date, just before the payment,
// with outcome REJECTED (it was paid in full, so no credit was granted). So a disputed invoice is in dispute on
// every day it is past due, and dunning (which pauses while a dispute is open) never reaches it; an unsettled
// disputed invoice stays in dispute.
//
// Order of events: by day, then profiles, orders, invoices, disputes, resolutions, payments, each at a fixed time
// of day, then by line of the file; the day's ticks come first (a tick for day D follows every event dated before D).
import { createHash } from 'node:crypto';
import { deriveEventId } from '../../../shared/ids.ts';
import { dayFromIso, isoFromDay, startOfDay } from '../../../shared/time.ts';
import type { EventOf, TopicRegistry } from '../../../shared/contracts/topics.ts';
import { tickRecords, type InputTopic, type OutRecord } from '../../lib/out-record.ts';
import { creditLimits, type CreditLimitPolicy } from './credit-policy.ts';
import type { LedgerRow } from './rows.ts';

export const LEDGER_SOURCE = 'ledger-import';

export interface ReplayOptions {
  /** Names the file (e.g. a digest of its bytes): event ids derive from it, so the same file gives the same ids. */
  readonly sourceId: string;
  readonly currency: string;
  readonly partitions: number;
  readonly creditLimit: CreditLimitPolicy;
  /** Last business date ticked; default the end of the month of the last event. */
  readonly endDay?: number;
  /** Risk class of every imported profile (the file carries none). */
  readonly riskClass?: string;
}

export interface ReplaySummary {
  readonly customers: number;
  readonly orders: number;
  readonly invoices: number;
  readonly disputes: number;
  readonly payments: number;
  readonly ticks: number;
  readonly firstDay: number;
  readonly endDay: number;
}

export interface Replay {
  readonly records: readonly OutRecord[];
  readonly summary: ReplaySummary;
}

/** Position of each kind of record within a day, and its time of day. */
const SLOTS = {
  tick: { rank: 0, hour: 0 },
  profile: { rank: 1, hour: 6 },
  order: { rank: 2, hour: 9 },
  invoice: { rank: 3, hour: 12 },
  dispute: { rank: 4, hour: 14 },
  resolution: { rank: 5, hour: 15 },
  payment: { rank: 6, hour: 16 },
} as const;
type Slot = keyof typeof SLOTS;

type Body<E> = E extends { eventType: infer T; payload: infer P } ? { eventType: T; payload: P } : never;

interface Placed {
  readonly day: number;
  readonly rank: number;
  readonly line: number;
  readonly records: OutRecord[];
}

/** The sourceId of a file's replay: same bytes, same ids, so a re-import (or a backtest) is the same history. */
export const ledgerSourceId = (bytes: Buffer): string => `ledger:${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}`;

/** The last day of the month of `day`. */
export function endOfMonth(day: number): number {
  const iso = isoFromDay(day);
  const y = Number(iso.slice(0, 4));
  const m = Number(iso.slice(5, 7));
  return (m === 12 ? dayFromIso(`${y + 1}-01-01`) : dayFromIso(`${y}-${String(m + 1).padStart(2, '0')}-01`)) - 1;
}

/** The last date any row's events fall on: the earliest end date a replay of these rows accepts. */
export function lastLedgerDay(rows: readonly LedgerRow[]): number {
  return rows.reduce((max, r) => Math.max(max, lastEventDay(r)), -Infinity);
}

export function ledgerReplay(rows: readonly LedgerRow[], options: ReplayOptions): Replay {
  if (rows.length === 0) throw new RangeError('no valid rows to replay');
  const { sourceId, currency } = options;
  const placed: Placed[] = [];
  const counts = { orders: 0, invoices: 0, disputes: 0, payments: 0 };

  function add<T extends InputTopic>(
    topic: T,
    slot: Slot,
    day: number,
    line: number,
    customerId: string,
    idParts: ReadonlyArray<string | number>,
    body: Body<EventOf<TopicRegistry[T]>>,
    causationId: string | null = null,
  ): string {
    const event = {
      eventId: deriveEventId(sourceId, body.eventType, ...idParts),
      occurredAt: startOfDay(day) + SLOTS[slot].hour * 3_600_000,
      customerId,
      source: LEDGER_SOURCE,
      causationId,
      ...body,
    };
    placed.push({ day, rank: SLOTS[slot].rank, line, records: [{ topic, key: customerId, event } as OutRecord] });
    return event.eventId;
  }

  const firstDay = rows.reduce((min, r) => Math.min(min, r.invoiceDay), Infinity);
  const lastDay = lastLedgerDay(rows);
  const endDay = options.endDay ?? endOfMonth(lastDay);
  if (endDay < lastDay) {
    throw new RangeError(`end date ${isoFromDay(endDay)} is before the last event date ${isoFromDay(lastDay)}`);
  }

  const limits = creditLimits(options.creditLimit, rows);
  const terms = paymentTerms(rows);
  const firstLine = new Map<string, number>();
  for (const r of rows) if (!firstLine.has(r.customerId)) firstLine.set(r.customerId, r.line);
  for (const [customerId, creditLimit] of limits) {
    const after = {
      creditLimit,
      currency,
      tempLimit: null,
      tempLimitExpiresAt: null,
      paymentTermsDays: terms.get(customerId)!,
      riskClass: options.riskClass ?? 'C',
      manualHold: false,
      parentCustomerId: null,
    };
    const who = { changedBy: LEDGER_SOURCE, changeReason: `credit limit policy ${options.creditLimit.label}` };
    const line = firstLine.get(customerId)!;
    const profileId = add('CUSTOMERS', 'profile', firstDay, line, customerId, [customerId], {
      eventType: 'CustomerCreditProfile',
      payload: { ...after, ...who },
    });
    // The change history beside the compacted snapshot (the first profile: nothing before it).
    add('CUSTOMER_CHANGES', 'profile', firstDay, line, customerId, [customerId], {
      eventType: 'CustomerProfileChanged',
      payload: { before: null, after, ...who },
    }, profileId);
  }

  for (const r of rows) {
    const { invoiceId, customerId, line } = r;
    const orderId = `ORD-${invoiceId}`;
    add('ORDERS', 'order', r.invoiceDay, line, customerId, [invoiceId], {
      eventType: 'OrderPlaced',
      payload: { orderId, amount: r.amount, currency },
    });
    add('INVOICES', 'invoice', r.invoiceDay, line, customerId, [invoiceId], {
      eventType: 'InvoiceIssued',
      payload: { invoiceId, orderId, amount: r.amount, currency, issueDate: r.invoiceDay, dueDate: r.dueDay },
    });
    counts.orders++;
    counts.invoices++;
    if (r.disputed) {
      const disputeId = `DSP-${invoiceId}`;
      const raised = r.settledDay === null ? r.dueDay : Math.min(r.dueDay, r.settledDay);
      add('INVOICES', 'dispute', raised, line, customerId, [invoiceId], {
        eventType: 'InvoiceDisputed',
        payload: { invoiceId, disputeId, reason: null },
      });
      counts.disputes++;
      if (r.settledDay !== null) {
        add('INVOICES', 'resolution', r.settledDay, line, customerId, [invoiceId], {
          eventType: 'DisputeResolved',
          payload: { invoiceId, disputeId, outcome: 'REJECTED' },
        });
      }
    }
    if (r.settledDay !== null) {
      add('PAYMENTS', 'payment', r.settledDay, line, customerId, [invoiceId], {
        eventType: 'PaymentReceived',
        payload: {
          paymentId: `PAY-${invoiceId}`,
          amount: r.amount,
          currency,
          receivedDate: r.settledDay,
          allocations: [{ invoiceId, amount: r.amount }],
        },
      });
      counts.payments++;
    }
  }

  for (let day = firstDay; day <= endDay; day++) {
    const records = tickRecords(day, options.partitions, LEDGER_SOURCE, (topic, p) =>
      deriveEventId(sourceId, 'BusinessDateTick', topic, p, day),
    );
    placed.push({ day, rank: SLOTS.tick.rank, line: 0, records });
  }

  placed.sort((a, b) => a.day - b.day || a.rank - b.rank || a.line - b.line);
  const days = endDay - firstDay + 1;
  return {
    records: placed.flatMap((p) => p.records),
    summary: {
      customers: limits.size,
      ...counts,
      ticks: days * 3 * options.partitions,
      firstDay,
      endDay,
    },
  };
}

/** The day of the row's last event: its settlement, or an unsettled dispute's due date, or its issue. */
function lastEventDay(r: LedgerRow): number {
  if (r.settledDay !== null) return r.settledDay;
  return r.disputed ? r.dueDay : r.invoiceDay;
}

/** Each customer's most common payment terms (due - invoice date), the shortest on a tie. */
function paymentTerms(rows: readonly LedgerRow[]): Map<string, number> {
  const tally = new Map<string, Map<number, number>>();
  for (const r of rows) {
    const t = tally.get(r.customerId) ?? new Map<number, number>();
    t.set(r.dueDay - r.invoiceDay, (t.get(r.dueDay - r.invoiceDay) ?? 0) + 1);
    tally.set(r.customerId, t);
  }
  return new Map(
    [...tally].map(([c, t]) => [c, [...t].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0]]),
  );
}
