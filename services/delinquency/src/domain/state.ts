// A customer's delinquency state: one JSON value per customer (the adapter stores it as is).
import type {
  AgingBucket,
  CustomerEvent,
  DelinquencyStatus,
  InvoiceEvent,
  PaymentEvent,
} from '../../../../shared/contracts/events.generated.ts';

/** What the delinquency core consumes: invoice and payment events (ticks go to the Watermark) and profiles. */
export type DelinquencyInput =
  | Exclude<InvoiceEvent, { eventType: 'BusinessDateTick' }>
  | Exclude<PaymentEvent, { eventType: 'BusinessDateTick' }>
  | CustomerEvent;

/** The inputs that happen on a business day; profiles apply whenever they arrive. */
export type DatedInput = Exclude<DelinquencyInput, { eventType: 'CustomerCreditProfile' }>;

export interface InvoiceState {
  issueDate: number;
  dueDate: number;
  currency: string;
  amount: number;
  /** Sum of credit (negative) and debit (positive) notes. */
  adjusted: number;
  /** paymentId -> amount allocated to this invoice. */
  paid: Record<string, number>;
  /** Open dispute ids; no dunning stage is reached while any is open. */
  disputes: string[];
  /** 0 when issued, +1 each time a reversal or debit note re-opens it after it was cured. */
  cycle: number;
  /** What has been emitted in this cycle. */
  overdue: boolean;
  bucket: AgingBucket;
  /** Dunning stages reached (emitted or passed over), over all cycles: a re-opened invoice is not reminded twice. */
  stages: string[];
}

export interface PaymentState {
  receivedDate: number;
  allocations: Array<{ invoiceId: string; amount: number }>;
}

export interface CustomerState {
  /** The as-of date this state has been advanced to; null before the partition's clock has started. */
  asOf: number | null;
  /** The profile's currency, else the first invoice's. */
  currency: string | null;
  /**
   * The latest profile's payment terms (net days): an invoice without a due date is due its issue date + these when
   * it is applied (shared/rules/due-date.ts). Absent before a profile, and in states stored before it was kept.
   */
  paymentTermsDays?: number;
  /** Invoices with a positive balance: the ones that age. */
  open: Record<string, InvoiceState>;
  /** Settled or credited invoices kept only while a payment allocated to them can still be reversed. */
  closed: Record<string, InvoiceState>;
  /** Payments kept while they can be reversed (policy.reversalWindowDays). */
  payments: Record<string, PaymentState>;
  /** Allocations to invoices not issued yet: invoiceId -> paymentId -> amount. */
  held: Record<string, Record<string, number>>;
  /**
   * Ids of invoices that left for good (voided, credited or settled and forgotten): a document id is used once, so
   * issuing one of them again is a duplicate. Absent in states stored before it existed.
   */
  retired: string[];
  /** Inputs dated after the as-of date, in arrival order; applied when the as-of date reaches them. */
  early: DatedInput[];
  /** The last status emitted. */
  status: DelinquencyStatus;
}

export const emptyState = (): CustomerState => ({
  asOf: null,
  currency: null,
  open: {},
  closed: {},
  payments: {},
  held: {},
  retired: [],
  early: [],
  status: 'CURRENT',
});

export const balanceOf = (inv: InvoiceState): number =>
  inv.amount + inv.adjusted - Object.values(inv.paid).reduce((a, b) => a + b, 0);
