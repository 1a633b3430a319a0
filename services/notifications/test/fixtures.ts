// Input envelopes for the notifications tests: dates as ISO strings or day numbers, amounts in minor units, event
// ids from a counter (resetIds restarts it, so building a history twice gives the same events).
import type { InvoiceEvent } from '../../../shared/contracts/events.generated.ts';
import { dayFromIso, startOfDay } from '../../../shared/time.ts';
import type { NotificationInput } from '../src/domain/index.ts';

export const d = dayFromIso;
const day = (x: string | number) => (typeof x === 'number' ? x : d(x));

let seq = 0;
export const resetIds = () => {
  seq = 0;
};

type Payload<T extends NotificationInput['eventType']> = Extract<NotificationInput, { eventType: T }>['payload'];

function env<T extends NotificationInput['eventType']>(eventType: T, customerId: string, at: string | number, payload: Payload<T>, hour = 12): NotificationInput {
  seq += 1;
  return {
    eventId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    eventType,
    occurredAt: startOfDay(day(at)) + hour * 3_600_000,
    customerId,
    source: 'test',
    causationId: null,
    payload,
  } as NotificationInput;
}

export interface ProfileOptions {
  limit?: number;
  terms?: number;
  email?: string | null;
  language?: string | null;
  optOuts?: string[] | null;
  currency?: string;
  riskClass?: string;
}

export const profile = (c: string, at: string | number, o: ProfileOptions = {}) =>
  env('CustomerCreditProfile', c, at, {
    creditLimit: o.limit ?? 100_000_00, currency: o.currency ?? 'EUR', tempLimit: null, tempLimitExpiresAt: null, paymentTermsDays: o.terms ?? 30,
    riskClass: o.riskClass ?? 'C', manualHold: false, parentCustomerId: null, changedBy: 'test', changeReason: null,
    contactEmail: o.email === undefined ? `ap@${c.toLowerCase()}.example` : o.email, language: o.language ?? null, noticeOptOuts: o.optOuts ?? null,
  }, 6);

/** `due` null: an invoice without a due date (issue date + the profile's terms, shared/rules/due-date.ts). */
export const issued = (c: string, invoiceId: string, at: string | number, due: string | number | null, amount: number, currency = 'EUR') =>
  env('InvoiceIssued', c, at, { invoiceId, orderId: null, amount, currency, issueDate: day(at), dueDate: due === null ? null : day(due) });

export const paid = (c: string, paymentId: string, at: string | number, allocations: Array<[string, number]>) =>
  env('PaymentReceived', c, at, {
    paymentId, amount: allocations.reduce((s, [, a]) => s + a, 0), currency: 'EUR', receivedDate: day(at),
    allocations: allocations.map(([invoiceId, amount]) => ({ invoiceId, amount })),
  }, 16);

/** A payment of `amount` in `currency` allocated to nothing (unapplied cash). */
export const cash = (c: string, paymentId: string, at: string | number, amount: number, currency = 'EUR') =>
  env('PaymentReceived', c, at, { paymentId, amount, currency, receivedDate: day(at), allocations: [] });
export const promised = (c: string, promiseId: string, at: string | number, by: string | number, amount: number, currency = 'EUR') =>
  env('PromiseToPay', c, at, {
    promiseId, amount, currency, promisedDate: day(by), recordedBy: 'collector.anna', recordedByRole: 'CREDIT_CONTROLLER', note: null,
  }, 10);
export const reversed = (c: string, paymentId: string, at: string | number) => env('PaymentReversed', c, at, { paymentId, reason: 'NSF' }, 17);
export const adjusted = (c: string, invoiceId: string, at: string | number, amount: number) =>
  env('InvoiceAdjusted', c, at, { invoiceId, adjustmentId: `adj-${seq}`, amount, currency: 'EUR', reason: null }, 13);
export const voided = (c: string, invoiceId: string, at: string | number) => env('InvoiceVoided', c, at, { invoiceId, reason: null }, 13);
export const disputed = (c: string, invoiceId: string, at: string | number) => env('InvoiceDisputed', c, at, { invoiceId, disputeId: `dsp-${invoiceId}`, reason: null }, 14);
export const resolved = (c: string, invoiceId: string, at: string | number) =>
  env('DisputeResolved', c, at, { invoiceId, disputeId: `dsp-${invoiceId}`, outcome: 'REJECTED' }, 15);

/** A dunning stage reached on `asOf`, as the delinquency service writes it (at the start of the day). */
export const dunning = (c: string, invoiceId: string, stage: string, asOf: string | number, daysPastDue: number, openAmount: number) =>
  env('DunningStageReached', c, asOf, { invoiceId, stage, asOfDate: day(asOf), daysPastDue, openAmount, currency: 'EUR' }, 0);

export const overdue = (c: string, invoiceId: string, asOf: string | number, due: string | number, openAmount: number) =>
  env('InvoiceOverdue', c, asOf, { invoiceId, dueDate: day(due), asOfDate: day(asOf), daysPastDue: day(asOf) - day(due), openAmount, currency: 'EUR' }, 0);

export const score = (c: string, at: string | number, probabilityBp: number, riskClass = 'C') =>
  env('CreditScoreUpdated', c, at, {
    asOfDate: day(at), score: 70, probabilityBp, riskClass, factors: [], proposedLimit: 0, limitReason: 'test', currentLimit: 0,
    currency: 'EUR', utilisationBp: 0, segment: 'SLOW', sizeBand: 'SMALL', annualSales: 0, modelVersion: 'test', issuedInvoice: null,
  }, 1);

export const held = (c: string, orderId: string, at: string | number, amount: number, reasons: Array<'OVER_LIMIT' | 'OVERDUE' | 'MANUAL'> = ['OVER_LIMIT']) =>
  env('OrderCreditHeld', c, at, {
    orderId, amount, currency: 'EUR', reasons,
    exposure: { openOrders: 0, openReceivables: 0, unappliedCash: 0, exposure: 0, heldOrders: amount, creditLimit: 0, tempLimit: 0, effectiveLimit: 0, shortfall: amount, policyVersion: 'test' },
  }, 10);

export const tick = (at: string | number): Extract<InvoiceEvent, { eventType: 'BusinessDateTick' }> => ({
  eventId: `00000000-0000-4000-9000-${String(day(at)).padStart(12, '0')}`,
  eventType: 'BusinessDateTick',
  occurredAt: startOfDay(day(at)),
  customerId: '',
  source: 'test',
  causationId: null,
  payload: { businessDate: day(at) },
});

/** Ticks for every day from `from` to `to`, inclusive. */
export const ticks = (from: string | number, to: string | number) => Array.from({ length: day(to) - day(from) + 1 }, (_, i) => tick(day(from) + i));
