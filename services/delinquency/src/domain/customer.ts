// The customer family: a credit profile applies whenever it arrives; it may not re-denominate the customer.
import type { CustomerEvent } from '../../../../shared/contracts/events.generated.ts';
import type { Draft } from './draft.ts';

export function customerProfile(d: Draft, event: CustomerEvent): void {
  const wrong = d.pinCurrency(event.payload.currency, 'profile');
  if (wrong) d.reject(event, ...wrong);
}
