// CustomerCreditProfile and CustomerDelinquencyChanged: the limit and the standing hold reasons.
import type {
  CustomerCreditProfile,
  CustomerDelinquencyChanged,
} from '../../../../shared/contracts/events.generated.ts';
import { checkCurrency, type Draft } from './draft.ts';
import type { Rejection } from './types.ts';

/** The latest profile wins (compacted topic); its currency must be the customer's. */
export function profileChanged(d: Draft, p: CustomerCreditProfile): Rejection | undefined {
  const wrongCurrency = checkCurrency(d, p.currency, 'profile');
  if (wrongCurrency) return wrongCurrency;
  d.s.profile = {
    creditLimit: p.creditLimit,
    tempLimit: p.tempLimit,
    tempLimitExpiresAt: p.tempLimitExpiresAt,
    currency: p.currency,
    paymentTermsDays: p.paymentTermsDays,
    riskClass: p.riskClass,
    manualHold: p.manualHold,
  };
  return undefined;
}

export function delinquencyChanged(d: Draft, p: CustomerDelinquencyChanged): undefined {
  d.s.delinquency = p.toStatus;
  return undefined;
}
