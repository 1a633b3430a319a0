// One customer's state: plain JSON (no Map, Set or undefined values), so the adapter stores it as one Redis value
// and loads a batch's customers in one round trip. Documents are replaced, never mutated, so applyEvent can share
// unchanged documents between the state it was given and the state it returns.
import type {
  CreditActionTaken,
  DelinquencyStatus,
  ExposureSnapshot,
  HoldReason,
} from '../../../../shared/contracts/events.generated.ts';
import type { ExposureInput } from './types.ts';

export type OrderStatus = 'APPROVED' | 'HELD' | 'REJECTED' | 'CANCELLED';

export interface CreditProfile {
  creditLimit: number;
  /** Extra limit while the event time is before tempLimitExpiresAt (or indefinitely when that is null). */
  tempLimit: number | null;
  tempLimitExpiresAt: number | null;
  currency: string;
  paymentTermsDays: number;
  riskClass: string;
  manualHold: boolean;
}

export interface OrderDoc {
  placedAmount: number;
  /** Current total after amendments. */
  amount: number;
  /** Issued amount of invoices naming this order; a void does not give it back (the goods were invoiced). */
  invoiced: number;
  status: OrderStatus;
  /** Event time the order was (last) held. */
  heldSince: number | null;
  /** Reasons at the (last) hold; a release re-evaluates them. */
  reasons: HoldReason[];
  /** Customer watermark when an input last touched the document (retention). */
  touchedAt: number;
  /** Event id of the credit action taken on the order (applied, or moot on arrival): its re-delivery is ignored. */
  actionEventId?: string;
  /** A foreign-currency order: its amount as placed or last amended, before conversion (fx.ts). */
  fx?: FxOrigin;
}

/**
 * What a converted document was in its own currency: the amount of the input that last set it and the day whose rates
 * converted it (the document's fields hold the converted amounts, in the credit currency).
 */
export interface FxOrigin {
  currency: string;
  amount: number;
  day: number;
  /** Under FX_REVALUE: the day of the rate it was last revalued at (absent: its own day's). */
  valuedOn?: number;
}

/** An input waiting for its rate (fx-parking.ts), in arrival order; `currency` null when it waits behind another. */
export interface FxParked {
  input: ExposureInput;
  day: number;
  currency: string | null;
}

/** A CreditActionTaken that arrived before its order (another topic): applied when the order is placed. */
export interface ParkedAction {
  eventId: string;
  payload: CreditActionTaken;
  touchedAt: number;
}

export interface InvoiceDoc {
  orderId: string | null;
  issued: number;
  /** Signed credit (-) and debit (+) notes by adjustmentId. */
  adjustments: Record<string, number>;
  voided: boolean;
  /** Allocations of payments not reversed, including those that arrived before the invoice. */
  allocated: number;
  touchedAt: number;
  /**
   * Due date (day), the invoice's own or issue date + the terms of the profile at issue (shared/rules/due-date.ts).
   * Absent in states stored before it was kept: the oldest-item check (oldest-item.ts) does not see those invoices.
   */
  dueDate?: number;
  /** A foreign-currency invoice: its issued amount before conversion. */
  fx?: FxOrigin;
  /** Foreign-currency adjustments before conversion, by adjustmentId. */
  fxAdjustments?: Record<string, FxOrigin>;
}

export interface PaymentDoc {
  amount: number;
  /** Allocated amount by invoiceId. */
  allocations: Record<string, number>;
  reversed: boolean;
  touchedAt: number;
  /** A foreign-currency payment: its amount before conversion (allocations are converted with it). */
  fx?: FxOrigin;
}

/** The exposure components, kept in step with the documents (see components.ts). */
export interface Totals {
  openOrders: number;
  heldOrders: number;
  heldOrderCount: number;
  openReceivables: number;
  unappliedCash: number;
}

export interface CustomerState {
  schemaVersion: 1;
  customerId: string;
  /** Pinned by the first input that carries a currency (the profile or any document). */
  currency: string | null;
  profile: CreditProfile | null;
  delinquency: DelinquencyStatus;
  /**
   * The risk class of the customer's latest credit score, kept only under riskClassSource 'scoring' (absent before
   * the first score, and in every state of the profile source, so those states are as before).
   */
  scoredRiskClass?: string;
  orders: Record<string, OrderDoc>;
  invoices: Record<string, InvoiceDoc>;
  payments: Record<string, PaymentDoc>;
  /** HELD orders in the order they were held: a release round goes oldest first and never overtakes. */
  heldQueue: string[];
  /** Allocations to invoices not issued yet, by invoiceId: unapplied cash until the invoice arrives. */
  awaitingInvoice: Record<string, number>;
  /** Invoiced amounts naming an order not placed yet, by orderId. */
  invoicedAhead: Record<string, { amount: number; touchedAt: number }>;
  /**
   * Credit actions naming an order not placed yet, by orderId. States stored before parking existed lack the field;
   * openDraft reads that as empty.
   */
  parkedActions: Record<string, ParkedAction>;
  /**
   * Ids of invoices the retention sweep dropped: a document id is used once, so a re-issue is a duplicate however late.
   * States stored before it existed lack the field: read as empty.
   */
  retiredInvoices: Record<string, true>;
  totals: Totals;
  customerHold: { since: number; reasons: HoldReason[] } | null;
  /** Highest warning band utilisation currently reaches (0: none); falling below a band re-arms it. */
  bandReached: number;
  /** The last snapshot emitted: a new one is emitted only when it differs. */
  lastSnapshot: ExposureSnapshot | null;
  /**
   * The customer's clock: the highest event time of any accepted input. Every derived event is stamped with it, so a
   * customer's derived events never go back in time, and retention is measured against it.
   */
  watermark: number;
  /** UTC day of the last retention sweep. */
  sweptDay: number;
  /**
   * No document was last touched before this: every touchedAt is at or after it (the oldest one, as the last sweep
   * that looked found it; documents written since carry the watermark, which never goes back). A sweep whose horizon
   * is before it has nothing to look at. States stored before it existed lack it: read as 0, so their next sweep looks.
   */
  touchedFloor: number;
  /**
   * Inputs waiting for the FX rate of their day, in arrival order (fx-parking.ts); absent when none waits, so states
   * that never parked keep their shape.
   */
  fxParked?: FxParked[];
}

export const ZERO_TOTALS: Totals = Object.freeze({
  openOrders: 0,
  heldOrders: 0,
  heldOrderCount: 0,
  openReceivables: 0,
  unappliedCash: 0,
});

export function emptyState(customerId: string): CustomerState {
  return {
    schemaVersion: 1,
    customerId,
    currency: null,
    profile: null,
    delinquency: 'CURRENT',
    orders: {},
    invoices: {},
    payments: {},
    heldQueue: [],
    awaitingInvoice: {},
    invoicedAhead: {},
    parkedActions: {},
    retiredInvoices: {},
    totals: { ...ZERO_TOTALS },
    customerHold: null,
    bandReached: 0,
    lastSnapshot: null,
    watermark: 0,
    sweptDay: 0,
    touchedFloor: 0,
  };
}
