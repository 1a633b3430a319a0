// The customer family: a credit profile applies whenever it arrives; it may not re-denominate the customer. Its
// payment terms give the due date of the invoices without one that are applied after it.
import type { CustomerEvent } from '../../../../shared/contracts/events.generated.ts';
import type { Draft } from './draft.ts';

export function customerProfile(d: Draft, event: CustomerEvent): void {
  const wrong = d.pinCurrency(event.payload.currency, 'profile');
  if (wrong) d.reject(event, ...wrong);
  else d.s.paymentTermsDays = event.payload.paymentTermsDays;
}
