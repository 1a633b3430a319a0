// The per-risk-class policy: which class rules apply to a customer, the default limit of a customer without an explicit
// one, and the maximum single order value. The class is the one the policy's source gives (reasons.ts riskClassOf).
import type { HoldReason } from '../../../../shared/contracts/events.generated.ts';
import type { Draft } from './draft.ts';
import type { Limit } from './limits.ts';
import type { ClassPolicy, CreditPolicy } from './policy.ts';
import type { CustomerState } from './state.ts';

/** The customer's risk class under the policy's source: the profile's, or the latest score's (none before one). */
export function riskClassOf(d: Pick<Draft, 'policy' | 's'>): string | null {
  return d.policy.riskClassSource === 'scoring' ? (d.s.scoredRiskClass ?? null) : (d.s.profile?.riskClass ?? null);
}

/** The rules of the customer's class; the policy's defaults without a class or for a class it does not list. */
export function classPolicyOf(policy: CreditPolicy, s: CustomerState): ClassPolicy {
  const riskClass = riskClassOf({ policy, s });
  return (riskClass !== null ? policy.classes[riskClass] : undefined) ?? policy.classDefaults;
}

export const classPolicyNow = (d: Draft): ClassPolicy => classPolicyOf(d.policy, d.s);

/**
 * The limit of a customer without a credit profile, when its class (or the defaults) gives one: the profile's
 * creditLimit is its explicit limit, so a profile always wins. No temporary limit without a profile.
 */
export function defaultLimitNow(d: Draft): Limit | null {
  const limit = classPolicyNow(d).defaultLimit;
  return limit === null ? null : { creditLimit: limit, tempLimit: 0, effectiveLimit: limit };
}

/** MAX_DOCUMENT_VALUE when the order's amount (after amendments) is above its class's maximum single order value. */
export function documentValueReason(d: Draft, amount: number): HoldReason[] {
  const max = classPolicyNow(d).maxDocumentValue;
  return max !== null && amount > max ? ['MAX_DOCUMENT_VALUE'] : [];
}
