// The service's inputs and outputs, as the contracts define them.
import type {
  CreditActionEvent,
  CreditHoldEvent,
  CreditScoreEvent,
  CustomerEvent,
  DelinquencyEvent,
  ExposureEvent,
  FxRateEvent,
  InvoiceEvent,
  OrderEvent,
  PaymentEvent,
} from '../../../../shared/contracts/events.generated.ts';
import type { PoisonClass, Rejection as SharedRejection } from '../../../../shared/errors.ts';

export type ExposureInput =
  | CustomerEvent
  | OrderEvent
  | InvoiceEvent
  | PaymentEvent
  | CreditActionEvent
  | DelinquencyEvent
  | CreditScoreEvent
  | FxRateEvent;

export type DerivedEvent = CreditHoldEvent | ExposureEvent;

/** An input the adapter sends to the DLQ (shared/errors.ts' Rejection, with the two classes the core uses). */
export type Rejection = SharedRejection<Extract<PoisonClass, 'InvalidEvent' | 'UnknownReference'>>;

export const SOURCE = 'o2c-exposure';
