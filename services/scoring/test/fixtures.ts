// Input envelopes for the scoring tests: dates as ISO strings or day numbers, amounts in minor units, event time
// at noon UTC of the input's day (a payment at 16:00, as the ledger importer writes them).
import type { InvoiceEvent } from '../../../shared/contracts/events.generated.ts';
import { dayFromIso, startOfDay } from '../../../shared/time.ts';
import type { ScoringInput } from '../src/domain/index.ts';

export const CUSTOMER = 'C1';
export const d = dayFromIso;
const day = (x: string | number) => (typeof x === 'number' ? x : d(x));

let seq = 0;
/** Restarts the event ids, so building the same history twice gives the same events. */
export const resetIds = () => {
  seq = 0;
};
function env<T extends ScoringInput['eventType']>(
  eventType: T,
  at: string | number,
  payload: Extract<ScoringInput, { eventType: T }>['payload'],
  hour = 12,
  customerId = CUSTOMER,
): ScoringInput {
  seq += 1;
  return {
    eventId: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    eventType,
    occurredAt: startOfDay(day(at)) + hour * 3_600_000,
    customerId,
    source: 'test',
    causationId: null,
    payload,
  } as ScoringInput;
}

export const profile = (at: string | number, creditLimit: number, customerId = CUSTOMER) =>
  env('CustomerCreditProfile', at, {
    creditLimit, currency: 'EUR', tempLimit: null, tempLimitExpiresAt: null, paymentTermsDays: 30, riskClass: 'C',
    manualHold: false, parentCustomerId: null, changedBy: 'test', changeReason: null,
  }, 6, customerId);

/** `due` null: an invoice without a due date (issue date + the profile's terms, shared/rules/due-date.ts). */
export const issued = (invoiceId: string, at: string | number, due: string | number | null, amount: number, customerId = CUSTOMER) =>
  env('InvoiceIssued', at, { invoiceId, orderId: null, amount, currency: 'EUR', issueDate: day(at), dueDate: due === null ? null : day(due) }, 12, customerId);

export const paid = (paymentId: string, at: string | number, allocations: Array<[string, number]>, customerId = CUSTOMER) =>
  env('PaymentReceived', at, {
    paymentId,
    amount: allocations.reduce((s, [, a]) => s + a, 0),
    currency: 'EUR',
    receivedDate: day(at),
    allocations: allocations.map(([invoiceId, a]) => ({ invoiceId, amount: a })),
  }, 16, customerId);

export const reversed = (paymentId: string, at: string | number) => env('PaymentReversed', at, { paymentId, reason: 'NSF' }, 17);
export const adjusted = (invoiceId: string, at: string | number, amount: number) =>
  env('InvoiceAdjusted', at, { invoiceId, adjustmentId: `adj-${seq}`, amount, currency: 'EUR', reason: null }, 13);
export const voided = (invoiceId: string, at: string | number) => env('InvoiceVoided', at, { invoiceId, reason: null }, 13);
export const disputed = (invoiceId: string, at: string | number) =>
  env('InvoiceDisputed', at, { invoiceId, disputeId: `dsp-${invoiceId}`, reason: null }, 14);

export const tick = (at: string | number): Extract<InvoiceEvent, { eventType: 'BusinessDateTick' }> => ({
  eventId: `00000000-0000-4000-9000-${String(day(at)).padStart(12, '0')}`,
  eventType: 'BusinessDateTick',
  occurredAt: startOfDay(day(at)),
  customerId: '',
  source: 'test',
  causationId: null,
  payload: { businessDate: day(at) },
});
