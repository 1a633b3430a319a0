// The derived events and their ids. An id names what happened to which invoice (rule, cycle, threshold crossed),
// never the tick or batch that noticed it, so any tick batching or replay yields the same ids.
import type { DelinquencyEvent } from '../../../../shared/contracts/events.generated.ts';
import { deriveEventId } from '../../../../shared/ids.ts';

export const SOURCE = 'o2c-delinquency';

/** Who and when: the customer, the event time and the event that caused it. */
export interface Emission {
  customerId: string;
  occurredAt: number;
  causationId: string | null;
}

type Payload<T extends DelinquencyEvent['eventType']> = Extract<DelinquencyEvent, { eventType: T }>['payload'];

function envelope<T extends DelinquencyEvent['eventType']>(
  eventType: T,
  eventId: string,
  at: Emission,
  payload: Payload<T>,
): DelinquencyEvent {
  return {
    eventId,
    eventType,
    occurredAt: at.occurredAt,
    customerId: at.customerId,
    source: SOURCE,
    causationId: at.causationId,
    payload,
  } as DelinquencyEvent;
}

export const invoiceOverdue = (at: Emission, cycle: number, p: Payload<'InvoiceOverdue'>): DelinquencyEvent =>
  envelope('InvoiceOverdue', deriveEventId(at.customerId, 'InvoiceOverdue', p.invoiceId, cycle), at, p);

export const bucketChanged = (
  at: Emission,
  cycle: number,
  p: Payload<'InvoiceAgingBucketChanged'>,
): DelinquencyEvent =>
  envelope(
    'InvoiceAgingBucketChanged',
    deriveEventId(at.customerId, 'InvoiceAgingBucketChanged', p.invoiceId, cycle, p.toBucket),
    at,
    p,
  );

export const dunningStageReached = (at: Emission, p: Payload<'DunningStageReached'>): DelinquencyEvent =>
  envelope('DunningStageReached', deriveEventId(at.customerId, 'DunningStageReached', p.invoiceId, p.stage), at, p);

export const invoiceCured = (at: Emission, cycle: number, p: Payload<'InvoiceCured'>): DelinquencyEvent =>
  envelope('InvoiceCured', deriveEventId(at.customerId, 'InvoiceCured', p.invoiceId, cycle), at, p);

/**
 * A status change noticed by the clock is named by the customer and day (at most one per day); one caused by an
 * input is named by that input (an input changes the status at most once).
 */
export const delinquencyChanged = (
  at: Emission,
  trigger: { clockDay: number } | { inputEventId: string },
  p: Payload<'CustomerDelinquencyChanged'>,
): DelinquencyEvent =>
  envelope(
    'CustomerDelinquencyChanged',
    'clockDay' in trigger
      ? deriveEventId(at.customerId, 'CustomerDelinquencyChanged', trigger.clockDay)
      : deriveEventId(trigger.inputEventId, 'CustomerDelinquencyChanged'),
    at,
    p,
  );
