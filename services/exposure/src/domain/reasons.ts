// Why orders and the customer are held. Every reason but OVER_LIMIT is a standing condition of the customer,
// so it applies to all its orders alike; OVER_LIMIT depends on the order's value.
import type { HoldReason } from '../../../../shared/contracts/events.generated.ts';
import { exposureOf } from './components.ts';
import { limitNow, type Draft } from './draft.ts';
import { DELINQUENCY_LADDER } from './policy.ts';

/** The customer's risk class under the policy's source: the profile's, or the latest score's (none before one). */
function riskClassOf(d: Draft): string | null {
  return d.policy.riskClassSource === 'scoring' ? (d.s.scoredRiskClass ?? null) : (d.s.profile?.riskClass ?? null);
}

/** Customer conditions that hold every order, in the contract's enum order. */
export function standingReasons(d: Draft): HoldReason[] {
  const { profile, delinquency } = d.s;
  const reasons: HoldReason[] = [];
  if (DELINQUENCY_LADDER.indexOf(delinquency) >= DELINQUENCY_LADDER.indexOf(d.policy.overdueHoldLevel)) {
    reasons.push('OVERDUE');
  }
  if (profile?.manualHold) reasons.push('MANUAL');
  const riskClass = riskClassOf(d);
  if (riskClass !== null && d.policy.riskHoldClasses.includes(riskClass)) reasons.push('RISK_CLASS');
  if (profile === null && d.policy.noProfileHold) reasons.push('NO_CREDIT_PROFILE');
  if (d.policy.stateIncomplete) reasons.push('STATE_INCOMPLETE');
  return reasons;
}

/** Does an order of this value fit on top of this exposure? Without a profile there is no limit to exceed. */
export function fits(d: Draft, exposure: number, orderValue: number): boolean {
  const limit = limitNow(d);
  return limit === null || exposure + orderValue <= limit.effectiveLimit;
}

/** Does it fit the corporate group's limit too (the other members' exposure plus this one's)? No group: yes. */
export function fitsGroup(d: Draft, exposure: number, orderValue: number): boolean {
  const room = d.policy.groupRoom;
  return room === undefined || room.others + exposure + orderValue <= room.limit;
}

/** Every reason to hold an order of this value on top of this exposure; empty means approve. */
export function orderHoldReasons(d: Draft, exposure: number, orderValue: number): HoldReason[] {
  const standing = standingReasons(d);
  const reasons = fits(d, exposure, orderValue) ? standing : ['OVER_LIMIT' as const, ...standing];
  // Last, as in the contract's enum (appended there).
  if (!fitsGroup(d, exposure, orderValue)) reasons.push('GROUP_OVER_LIMIT');
  return reasons;
}

/** Why the customer as a whole is on credit hold: over its limit, or a manual hold. */
export function customerHoldReasons(d: Draft): HoldReason[] {
  const limit = limitNow(d);
  const reasons: HoldReason[] = [];
  if (limit !== null && exposureOf(d.s.totals) > limit.effectiveLimit) reasons.push('OVER_LIMIT');
  if (d.s.profile?.manualHold) reasons.push('MANUAL');
  return reasons;
}
