// Why orders and the customer are held. Every reason but OVER_LIMIT, MAX_DOCUMENT_VALUE and GROUP_OVER_LIMIT is a
// standing condition of the customer, so it applies to all its orders alike; those three depend on the order's value.
import type { HoldReason } from '../../../../shared/contracts/events.generated.ts';
import { exposureOf } from './components.ts';
import { classPolicyNow, documentValueReason, riskClassOf } from './class-policy.ts';
import { limitNow, type Draft } from './draft.ts';
import { oldestItemOverdue } from './oldest-item.ts';
import { DELINQUENCY_LADDER } from './policy.ts';

/** The contract's enum order (credit-holds.avsc HoldReason): every list of reasons is in it. */
const REASON_ORDER: readonly HoldReason[] = [
  'OVER_LIMIT', 'OVERDUE', 'MANUAL', 'RISK_CLASS', 'NO_CREDIT_PROFILE', 'STATE_INCOMPLETE', 'MAX_DOCUMENT_VALUE', 'OLDEST_ITEM_OVERDUE',
  'GROUP_OVER_LIMIT',
];

/** Customer conditions that hold every order, in the contract's enum order. */
export function standingReasons(d: Draft): HoldReason[] {
  const { profile, delinquency } = d.s;
  const reasons: HoldReason[] = [];
  if (DELINQUENCY_LADDER.indexOf(delinquency) >= DELINQUENCY_LADDER.indexOf(d.policy.overdueHoldLevel)) {
    reasons.push('OVERDUE');
  }
  if (profile?.manualHold) reasons.push('MANUAL');
  const riskClass = riskClassOf(d);
  const classPolicy = classPolicyNow(d);
  if ((riskClass !== null && d.policy.riskHoldClasses.includes(riskClass)) || classPolicy.holdAll) reasons.push('RISK_CLASS');
  // A default limit of the class stands in for the missing profile's: the customer is judged against it instead.
  if (profile === null && d.policy.noProfileHold && classPolicy.defaultLimit === null) reasons.push('NO_CREDIT_PROFILE');
  if (d.policy.stateIncomplete) reasons.push('STATE_INCOMPLETE');
  if (oldestItemOverdue(d)) reasons.push('OLDEST_ITEM_OVERDUE');
  return reasons;
}

/** Does an order of this value fit on top of this exposure? Without a limit (no profile) there is none to exceed. */
export function fits(d: Draft, exposure: number, orderValue: number): boolean {
  const limit = limitNow(d);
  return limit === null || exposure + orderValue <= limit.effectiveLimit;
}

/** Does it fit the corporate group's limit too (the other members' exposure plus this one's)? No group: yes. */
export function fitsGroup(d: Draft, exposure: number, orderValue: number): boolean {
  const room = d.policy.groupRoom;
  return room === undefined || room.others + exposure + orderValue <= room.limit;
}

/**
 * May the release round release this held order: it fits its own limit and its group's, and its amount is within its
 * class's maximum (an order above it waits for a credit action, a downward amendment or a policy that allows it, and
 * stops the round).
 */
export function releasable(d: Draft, exposure: number, order: { amount: number; value: number }): boolean {
  return fits(d, exposure, order.value) && fitsGroup(d, exposure, order.value) && documentValueReason(d, order.amount).length === 0;
}

/** Every reason to hold an order (its amount, and open value on top of this exposure); empty means approve. */
export function orderHoldReasons(d: Draft, exposure: number, order: { amount: number; value: number }): HoldReason[] {
  const reasons = [...standingReasons(d), ...documentValueReason(d, order.amount)];
  if (!fits(d, exposure, order.value)) reasons.push('OVER_LIMIT');
  if (!fitsGroup(d, exposure, order.value)) reasons.push('GROUP_OVER_LIMIT');
  return reasons.length > 1 ? reasons.sort((a, b) => REASON_ORDER.indexOf(a) - REASON_ORDER.indexOf(b)) : reasons;
}

/** Why the customer as a whole is on credit hold: over its limit, or a manual hold. */
export function customerHoldReasons(d: Draft): HoldReason[] {
  const limit = limitNow(d);
  const reasons: HoldReason[] = [];
  if (limit !== null && exposureOf(d.s.totals) > limit.effectiveLimit) reasons.push('OVER_LIMIT');
  if (d.s.profile?.manualHold) reasons.push('MANUAL');
  return reasons;
}
