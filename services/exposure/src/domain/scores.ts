// CreditScoreUpdated (o2c.credit-scores.v1, from services/scoring): under RISK_CLASS_SOURCE=scoring the customer's
// risk class is its latest score's, not the profile's. Only a change of class matters here: it may add or clear the
// RISK_CLASS standing reason, and the release round after it re-checks the held orders as a profile change does.
import type { CreditScoreUpdated } from '../../../../shared/contracts/events.generated.ts';
import type { Draft } from './draft.ts';

/**
 * Keeps the latest score's class. A score that leaves the class as it was (most of them: scores follow every
 * invoice and business date) is 'ignored', so it neither writes the state nor moves the customer's clock; so is
 * every score when the class comes from the profile. The score's currency is not checked: it is empty before the
 * scoring service has seen a profile, and nothing here is counted in it.
 */
export function creditScoreUpdated(d: Draft, p: CreditScoreUpdated): 'ignored' | undefined {
  if (d.policy.riskClassSource !== 'scoring') return 'ignored';
  if (d.s.scoredRiskClass === p.riskClass) return 'ignored';
  d.s.scoredRiskClass = p.riskClass;
  return undefined;
}
