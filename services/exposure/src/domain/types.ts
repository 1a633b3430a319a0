// The service's inputs and outputs, as the contracts define them.
import type {
  CreditActionEvent,
  CreditHoldEvent,
  CustomerEvent,
  DelinquencyEvent,
  ExposureEvent,
  InvoiceEvent,
  OrderEvent,
  PaymentEvent,
} from '../../../../shared/contracts/events.generated.ts';
import type { PoisonClass } from '../../../../shared/errors.ts';

export type ExposureInput =
  | CustomerEvent
  | OrderEvent
  | InvoiceEvent
  | PaymentEvent
  | CreditActionEvent
  | DelinquencyEvent;

export type DerivedEvent = CreditHoldEvent | ExposureEvent;

/** An input the adapter sends to the DLQ with this error class and message; the state is left as it was. */
export interface Rejection {
  errorClass: Extract<PoisonClass, 'InvalidEvent' | 'UnknownReference'>;
  message: string;
}

export const SOURCE = 'o2c-exposure';
