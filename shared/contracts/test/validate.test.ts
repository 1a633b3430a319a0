import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PoisonRecordError } from '../../errors.ts';
import type { EventType } from '../topics.ts';
import { validateEvent } from '../validate.ts';
import { eventOfType } from './arbitraries.ts';
import { examplePayloads, exampleEvent, type EventOfType } from './examples.ts';

const eventTypes = Object.keys(examplePayloads) as EventType[];

/** The message validateEvent rejects the event with; fails the test if it accepts it or throws anything else. */
function rejection(event: unknown): string {
  try {
    validateEvent(event as EventOfType<EventType>);
  } catch (e) {
    expect(e).toBeInstanceOf(PoisonRecordError);
    expect((e as PoisonRecordError).errorClass).toBe('InvalidEvent');
    return (e as Error).message;
  }
  throw new Error('accepted');
}

/** A copy of the example of `eventType` with one change. */
function broken<T extends EventType>(eventType: T, change: (e: EventOfType<T>) => void): EventOfType<T> {
  const event = exampleEvent(eventType);
  change(event);
  return event;
}

describe('validateEvent accepts', () => {
  it.each(eventTypes)('the example %s', (t) => expect(() => validateEvent(exampleEvent(t))).not.toThrow());

  it.each(eventTypes)('arbitrary valid %s events', (t) => {
    fc.assert(fc.property(eventOfType(t), (e) => validateEvent(e)), { numRuns: 30 });
  });

  it('allocations that add up to exactly the payment, and a payment with none', () => {
    expect(() => validateEvent(broken('PaymentReceived', (e) => (e.payload.amount = 18_000)))).not.toThrow();
    expect(() => validateEvent(broken('PaymentReceived', (e) => (e.payload.allocations = [])))).not.toThrow();
  });

  it('an invoice due on its issue date and a zero amount order', () => {
    expect(() => validateEvent(broken('InvoiceIssued', (e) => (e.payload.dueDate = e.payload.issueDate)))).not.toThrow();
    expect(() => validateEvent(broken('InvoiceIssued', (e) => (e.payload.dueDate = null)))).not.toThrow(); // due after the terms
    expect(() => validateEvent(broken('OrderPlaced', (e) => (e.payload.amount = 0)))).not.toThrow();
  });
});

describe('validateEvent rejects, naming the field', () => {
  const cases: Array<[string, unknown, string]> = [
    ['eventId not a UUID', broken('OrderPlaced', (e) => (e.eventId = 'order-1')), 'eventId must be a UUID'],
    ['empty customerId', broken('OrderPlaced', (e) => (e.customerId = '')), 'customerId must not be empty'],
    ['a tick with a customer', broken('BusinessDateTick', (e) => (e.customerId = 'C-1')), "customerId must be ''"],
    ['occurredAt 0', broken('InvoiceVoided', (e) => (e.occurredAt = 0)), 'occurredAt must be > 0'],
    ['empty source', broken('InvoiceVoided', (e) => (e.source = '')), 'source must not be empty'],
    ['causationId not a UUID', broken('OrderCreditApproved', (e) => (e.causationId = 'x')), 'causationId must be null or a UUID'],
    ['unknown eventType', { ...exampleEvent('OrderPlaced'), eventType: 'OrderShipped' }, 'eventType is not an event type'],
    ['negative order', broken('OrderPlaced', (e) => (e.payload.amount = -1)), 'payload.amount must be >= 0'],
    ['negative amendment', broken('OrderAmended', (e) => (e.payload.amount = -1)), 'payload.amount must be >= 0'],
    ['empty orderId', broken('OrderCancelled', (e) => (e.payload.orderId = '')), 'payload.orderId must not be empty'],
    ['lower-case currency', broken('OrderPlaced', (e) => (e.payload.currency = 'eur')), 'payload.currency must be an ISO 4217'],
    ['tick on day 0', broken('BusinessDateTick', (e) => (e.payload.businessDate = 0)), 'payload.businessDate must be > 0'],
    ['negative invoice', broken('InvoiceIssued', (e) => (e.payload.amount = -5)), 'payload.amount must be >= 0'],
    ['due before issue', broken('InvoiceIssued', (e) => (e.payload.dueDate = e.payload.issueDate - 1)), 'payload.dueDate must be >= 20000'],
    ['empty invoiced orderId', broken('InvoiceIssued', (e) => (e.payload.orderId = '')), 'payload.orderId must not be empty'],
    ['zero adjustment', broken('InvoiceAdjusted', (e) => (e.payload.amount = 0)), 'payload.amount must not be 0'],
    ['empty adjustmentId', broken('InvoiceAdjusted', (e) => (e.payload.adjustmentId = '')), 'payload.adjustmentId must not be empty'],
    ['empty invoiceId', broken('InvoiceVoided', (e) => (e.payload.invoiceId = '')), 'payload.invoiceId must not be empty'],
    ['empty disputeId', broken('InvoiceDisputed', (e) => (e.payload.disputeId = '')), 'payload.disputeId must not be empty'],
    ['empty outcome', broken('DisputeResolved', (e) => (e.payload.outcome = '')), 'payload.outcome must not be empty'],
    ['negative payment', broken('PaymentReceived', (e) => (e.payload.amount = -1)), 'payload.amount must be >= 0'],
    ['zero allocation', broken('PaymentReceived', (e) => (e.payload.allocations[1]!.amount = 0)), 'payload.allocations[1].amount must be > 0'],
    ['allocation without invoice', broken('PaymentReceived', (e) => (e.payload.allocations[0]!.invoiceId = '')), 'payload.allocations[0].invoiceId must not be empty'],
    ['over-allocated payment', broken('PaymentReceived', (e) => (e.payload.amount = 17_999)), 'payload.allocations must sum to <= payload.amount 17999, got 18000'],
    ['empty paymentId', broken('PaymentReversed', (e) => (e.payload.paymentId = '')), 'payload.paymentId must not be empty'],
    ['negative credit limit', broken('CustomerCreditProfile', (e) => (e.payload.creditLimit = -1)), 'payload.creditLimit must be >= 0'],
    ['negative temp limit', broken('CustomerCreditProfile', (e) => (e.payload.tempLimit = -1)), 'payload.tempLimit must be >= 0'],
    ['negative terms', broken('CustomerCreditProfile', (e) => (e.payload.paymentTermsDays = -30)), 'payload.paymentTermsDays must be >= 0'],
    ['profile currency', broken('CustomerCreditProfile', (e) => (e.payload.currency = 'EURO')), 'payload.currency'],
    ['anonymous profile change', broken('CustomerCreditProfile', (e) => (e.payload.changedBy = '')), 'payload.changedBy must not be empty'],
    ['action without reason', broken('CreditActionTaken', (e) => (e.payload.reason = '')), 'payload.reason must not be empty'],
    ['hold without reasons', broken('OrderCreditHeld', (e) => (e.payload.reasons = [])), 'payload.reasons must name at least one reason'],
    ['negative shortfall', broken('OrderCreditHeld', (e) => (e.payload.exposure.shortfall = -1)), 'payload.exposure.shortfall must be >= 0'],
    ['negative hold time', broken('OrderCreditReleased', (e) => (e.payload.heldMs = -1)), 'payload.heldMs must be >= 0'],
    ['overdue on its due date', broken('InvoiceOverdue', (e) => (e.payload.daysPastDue = 0)), 'payload.daysPastDue must be > 0'],
    ['bucket change to the same bucket', broken('InvoiceAgingBucketChanged', (e) => (e.payload.toBucket = 'D1_30')), 'payload.toBucket must differ'],
    ['status change to the same status', broken('CustomerDelinquencyChanged', (e) => (e.payload.toStatus = 'OVERDUE')), 'payload.toStatus must differ'],
    ['negative held order count', broken('ExposureSnapshot', (e) => (e.payload.heldOrderCount = -1)), 'payload.heldOrderCount must be >= 0'],
  ];

  it.each(cases)('%s', (_, event, message) => {
    expect(rejection(event)).toContain(message);
  });

  it('names the event type and id, so the DLQ entry can be traced', () => {
    expect(rejection(broken('OrderPlaced', (e) => (e.payload.amount = -1)))).toMatch(
      /^OrderPlaced 3f0c6a52-5b1e-4a63-9f0e-2b8d7c1a9e44: payload\.amount must be >= 0, got -1$/,
    );
  });
});
