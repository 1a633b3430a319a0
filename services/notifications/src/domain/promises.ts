// The promise-to-pay rule: a collector records that the customer will pay at least an amount by a date; the promise
// is kept or broken once.
//
//   counts   every PaymentReceived of the customer that comes after the promise (in the stream's event-time order), in
//            the promise's currency, with a receivedDate on or before the promised date; a PaymentReversed takes its
//            payment back out while the promise is open. Each promise counts the payments on its own: one payment
//            can keep two promises.
//   kept     at the payment that brings what counts to at least the amount: PromiseKept (asOfDate the received date)
//   broken   at the first business date after the promised date while it is open: PromiseBroken (asOfDate that date);
//            a promise recorded when the business date is already past its date is broken at once
//   once     a promise id is judged once (its key P|promiseId in state.decided): recorded again, nothing changes
// The outcome's id is a UUID v5 of the customer and the promise id, so a replay gives the same id.
import type { PromiseToPay } from '../../../../shared/contracts/events.generated.ts';
import { deriveEventId } from '../../../../shared/ids.ts';
import { startOfDay } from '../../../../shared/time.ts';
import type { CustomerState, OpenPromise } from './state.ts';

export type PromiseOutcomeKind = 'PromiseKept' | 'PromiseBroken';

export interface PromiseOutcome {
  outcomeId: string;
  kind: PromiseOutcomeKind;
  customerId: string;
  promiseId: string;
  amount: number;
  /** Received towards it: >= amount when kept, < amount when broken. */
  paid: number;
  currency: string;
  promisedDate: number;
  asOfDate: number;
  occurredAt: number;
  /** The payment that kept it (or the promise recorded already broken); null when a business date broke it. */
  causationId: string | null;
}

export const promiseKey = (promiseId: string): string => `P|${promiseId}`;
/** One outcome per customer and promise, whichever it is. */
export const promiseOutcomeIdOf = (customerId: string, promiseId: string): string => deriveEventId(customerId, 'promise-outcome', promiseId);

export const paidTowards = (p: OpenPromise): number => Object.values(p.paid).reduce((s, a) => s + a, 0);

interface Cause {
  eventId: string | null;
  occurredAt: number;
  asOfDate: number;
}

function judge(s: CustomerState, customerId: string, promiseId: string, kind: PromiseOutcomeKind, cause: Cause): PromiseOutcome {
  const p = s.promises[promiseId]!;
  delete s.promises[promiseId];
  s.decided.push(promiseKey(promiseId));
  return {
    outcomeId: promiseOutcomeIdOf(customerId, promiseId), kind, customerId, promiseId, amount: p.amount,
    paid: paidTowards(p), currency: p.currency, promisedDate: p.promisedDate, asOfDate: cause.asOfDate,
    occurredAt: cause.occurredAt, causationId: cause.eventId,
  };
}

/** A promise recorded; `today` is the partition's business date (null before the first tick). */
export function recordPromise(
  s: CustomerState, customerId: string, p: PromiseToPay, event: { eventId: string; occurredAt: number }, today: number | null,
): PromiseOutcome[] {
  if (s.promises[p.promiseId] || s.decided.includes(promiseKey(p.promiseId))) return [];
  s.promises[p.promiseId] = { amount: p.amount, currency: p.currency, promisedDate: p.promisedDate, paid: {} };
  if (today !== null && today > p.promisedDate) {
    return [judge(s, customerId, p.promiseId, 'PromiseBroken', { eventId: event.eventId, occurredAt: event.occurredAt, asOfDate: today })];
  }
  return [];
}

/** A payment received: counted towards every open promise it can count for; those now covered are kept. */
export function promisesOnPayment(
  s: CustomerState, customerId: string,
  pay: { paymentId: string; amount: number; currency: string; receivedDate: number },
  event: { eventId: string; occurredAt: number },
): PromiseOutcome[] {
  const out: PromiseOutcome[] = [];
  for (const id of Object.keys(s.promises).sort()) {
    const p = s.promises[id]!;
    if (p.currency !== pay.currency || pay.receivedDate > p.promisedDate) continue;
    p.paid[pay.paymentId] = (p.paid[pay.paymentId] ?? 0) + pay.amount;
    if (paidTowards(p) >= p.amount) out.push(judge(s, customerId, id, 'PromiseKept', { eventId: event.eventId, occurredAt: event.occurredAt, asOfDate: pay.receivedDate }));
  }
  return out;
}

/** A payment reversed: no longer counts towards the open promises. */
export function promisesOnReversal(s: CustomerState, paymentId: string): void {
  for (const p of Object.values(s.promises)) delete p.paid[paymentId];
}

/** Business date `day` reached: open promises whose date it passed are broken. */
export function promisesOnDay(s: CustomerState, customerId: string, day: number): PromiseOutcome[] {
  const out: PromiseOutcome[] = [];
  for (const id of Object.keys(s.promises).sort()) {
    if (s.promises[id]!.promisedDate < day) out.push(judge(s, customerId, id, 'PromiseBroken', { eventId: null, occurredAt: startOfDay(day), asOfDate: day }));
  }
  return out;
}

/** The first business date an open promise can break on; null without open promises. */
export function nextPromiseWake(s: CustomerState): number | null {
  let wake: number | null = null;
  for (const p of Object.values(s.promises)) wake = wake === null ? p.promisedDate + 1 : Math.min(wake, p.promisedDate + 1);
  return wake;
}
