// Input envelopes for the unit tests: dates as ISO strings, amounts in minor units, event time at noon UTC.
import type { DatedInput } from '../src/domain/index.ts';
import { dayFromIso, startOfDay } from '../../../shared/time.ts';

export const CUSTOMER = 'C1';
export const d = dayFromIso;

let seq = 0;
function env<T extends DatedInput['eventType']>(
  eventType: T,
  iso: string,
  payload: Extract<DatedInput, { eventType: T }>['payload'],
): DatedInput {
  seq += 1;
  return {
    eventId: `${eventType}-${seq}`,
    eventType,
    occurredAt: startOfDay(d(iso)) + 43_200_000,
    customerId: CUSTOMER,
    source: 'test',
    causationId: null,
    payload,
  } as DatedInput;
}

/** `dueIso` null: an invoice without a due date (issue date + the default terms, shared/rules/due-date.ts). */
export const issued = (invoiceId: string, iso: string, dueIso: string | null, amount: number, currency = 'EUR') =>
  env('InvoiceIssued', iso, { invoiceId, orderId: null, amount, currency, issueDate: d(iso), dueDate: dueIso === null ? null : d(dueIso) });

export const paid = (paymentId: string, iso: string, allocations: Array<[string, number]>, amount?: number) =>
  env('PaymentReceived', iso, {
    paymentId,
    amount: amount ?? allocations.reduce((s, [, a]) => s + a, 0),
    currency: 'EUR',
    receivedDate: d(iso),
    allocations: allocations.map(([invoiceId, a]) => ({ invoiceId, amount: a })),
  });

export const reversed = (paymentId: string, iso: string) => env('PaymentReversed', iso, { paymentId, reason: 'NSF' });

export const adjusted = (invoiceId: string, iso: string, amount: number, currency = 'EUR') =>
  env('InvoiceAdjusted', iso, { invoiceId, adjustmentId: `adj-${seq}`, amount, currency, reason: null });

export const voided = (invoiceId: string, iso: string) => env('InvoiceVoided', iso, { invoiceId, reason: null });

export const disputed = (invoiceId: string, disputeId: string, iso: string) =>
  env('InvoiceDisputed', iso, { invoiceId, disputeId, reason: 'quality' });

export const resolved = (invoiceId: string, disputeId: string, iso: string) =>
  env('DisputeResolved', iso, { invoiceId, disputeId, outcome: 'REJECTED' });
