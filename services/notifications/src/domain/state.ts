// What the notifications core keeps per customer: the profile's notice settings and the facts a notice needs, the
// invoices that can still get a reminder (open, not yet due), the payments allocated to them (a reversal re-opens
// them), the latest late-payment probability, the open promises to pay, and the business keys of the notices (and
// promise outcomes) already decided.
import type { CollectionsEvent, CreditHoldEvent, CreditScoreEvent, CustomerEvent, DelinquencyEvent, InvoiceEvent, PaymentEvent } from '../../../../shared/contracts/events.generated.ts';

type NoTick<E> = E extends { eventType: 'BusinessDateTick' } ? never : E;

/** Every input but the business-date tick, which the core sees as a day (onDay). */
export type NotificationInput =
  | NoTick<InvoiceEvent>
  | NoTick<PaymentEvent>
  | CustomerEvent
  | DelinquencyEvent
  | CreditScoreEvent
  | CreditHoldEvent
  | CollectionsEvent;

export interface Profile {
  creditLimit: number;
  currency: string;
  paymentTermsDays: number;
  riskClass: string;
  contactEmail: string | null;
  language: string | null;
  /** Notice types the customer opted out of, or 'ALL'. */
  optOuts: string[];
}

export interface OpenInvoice {
  /** Open amount, minor units: issued + adjustments - allocated payments. */
  open: number;
  currency: string;
  dueDate: number;
  disputed: boolean;
}

export interface OpenPromise {
  /** Promised, minor units. */
  amount: number;
  currency: string;
  /** The last day a payment counts. */
  promisedDate: number;
  /** Payments counted towards it, by payment id: what a reversal takes back. */
  paid: Record<string, number>;
}

export interface CustomerState {
  profile: Profile | null;
  invoices: Record<string, OpenInvoice>;
  /** Allocations of payments to invoices still tracked, by payment id: what a reversal gives back. */
  payments: Record<string, Array<[invoiceId: string, amount: number]>>;
  probabilityBp: number | null;
  /** The latest score's risk class; null before the first score. */
  scoredClass: string | null;
  /**
   * Business keys (noticeKey) of the notices decided for this customer, sent or suppressed by an opt-out: a key is
   * decided once, so a notice is never issued twice. Keys stay after their invoice is forgotten (an invoice re-issued,
   * or re-opened and reaching a stage again, must not be noticed twice): a few bytes per invoice and stage.
   */
  decided: string[];
  /** Promises to pay not judged yet, by promise id (states written before promises have none). */
  promises: Record<string, OpenPromise>;
}

export const emptyState = (): CustomerState => ({ profile: null, invoices: {}, payments: {}, probabilityBp: null, scoredClass: null, decided: [], promises: {} });
