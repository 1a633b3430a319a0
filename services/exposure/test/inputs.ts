// Builders of input events for the tests: literal, readable, one line per event.
import type {
  ActorRole,
  CreditAction,
  CustomerCreditProfile,
  DelinquencyStatus,
  PaymentAllocation,
} from '../../../shared/contracts/events.generated.ts';
import type { ExposureInput } from '../src/domain/index.ts';

export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
export const MINUTE = 60_000;

export type Payload<T extends ExposureInput['eventType']> = Extract<ExposureInput, { eventType: T }>['payload'];

export function envelope<T extends ExposureInput['eventType']>(
  eventType: T,
  payload: Payload<T>,
  meta: { eventId: string; customerId: string; occurredAt: number },
): ExposureInput {
  return { ...meta, eventType, source: 'test', causationId: null, payload } as ExposureInput;
}

const PROFILE: CustomerCreditProfile = {
  creditLimit: 1000,
  currency: 'EUR',
  tempLimit: null,
  tempLimitExpiresAt: null,
  paymentTermsDays: 30,
  riskClass: 'B',
  manualHold: false,
  parentCustomerId: null,
  changedBy: 'credit-team',
  changeReason: null,
};

/** Builds one customer's inputs; each event is stamped one minute after the previous one, unless `at` is given. */
export function customer(customerId: string, currency = 'EUR') {
  let clock = T0;
  const meta = (eventId: string, at?: number) => {
    clock = at ?? clock + MINUTE;
    return { eventId, customerId, occurredAt: clock };
  };
  return {
    profile: (id: string, p: Partial<CustomerCreditProfile>, at?: number) =>
      envelope('CustomerCreditProfile', { ...PROFILE, currency, ...p }, meta(id, at)),
    placed: (id: string, orderId: string, amount: number, cur = currency, at?: number) =>
      envelope('OrderPlaced', { orderId, amount, currency: cur }, meta(id, at)),
    amended: (id: string, orderId: string, amount: number, at?: number) =>
      envelope('OrderAmended', { orderId, amount, currency }, meta(id, at)),
    cancelled: (id: string, orderId: string, at?: number) =>
      envelope('OrderCancelled', { orderId, reason: null }, meta(id, at)),
    issued: (id: string, invoiceId: string, amount: number, orderId: string | null = null, at?: number) =>
      envelope('InvoiceIssued', { invoiceId, orderId, amount, currency, issueDate: 20_500, dueDate: 20_530 }, meta(id, at)),
    adjusted: (id: string, invoiceId: string, adjustmentId: string, amount: number, at?: number) =>
      envelope('InvoiceAdjusted', { invoiceId, adjustmentId, amount, currency, reason: null }, meta(id, at)),
    voided: (id: string, invoiceId: string, at?: number) =>
      envelope('InvoiceVoided', { invoiceId, reason: null }, meta(id, at)),
    paid: (id: string, paymentId: string, amount: number, allocations: PaymentAllocation[] = [], at?: number) =>
      envelope('PaymentReceived', { paymentId, amount, currency, receivedDate: 20_510, allocations }, meta(id, at)),
    reversed: (id: string, paymentId: string, at?: number) =>
      envelope('PaymentReversed', { paymentId, reason: null }, meta(id, at)),
    /** A credit action; by a credit manager unless another role (or none) is given. */
    action: (id: string, orderId: string, action: CreditAction, at?: number, actorRole: ActorRole | null = 'CREDIT_MANAGER') =>
      envelope('CreditActionTaken', { orderId, action, actor: 'alice', reason: 'called the customer', actorRole }, meta(id, at)),
    delinquency: (id: string, fromStatus: DelinquencyStatus, toStatus: DelinquencyStatus, at?: number) =>
      envelope('CustomerDelinquencyChanged', {
        fromStatus, toStatus, asOfDate: 20_540, worstDaysPastDue: 10, overdueAmount: 100, overdueCount: 1, currency,
      }, meta(id, at)),
  };
}
