// Limit changes under four eyes: a credit controller or manager requests a new credit limit (and optionally a
// temporary limit with its expiry) with a reason; a credit manager who is not the requester approves or rejects it.
// Only an approval changes the profile: the new profile keeps every other term of the current one and names the
// approver and both reasons, so the change history says who asked, who approved and why.
import type { CreditTerms, CustomerCreditProfile } from '../../../../shared/contracts/events.generated.ts';
import { may, type Role } from './roles.ts';

export interface LimitRequestInput {
  creditLimit: number;
  tempLimit: number | null;
  tempLimitExpiresAt: number | null;
  reason: string;
}

export interface LimitRequest extends LimitRequestInput {
  requestId: number;
  customerId: string;
  currency: string;
  requestedBy: string;
  status: 'PENDING' | 'APPROVED' | 'REJECTED';
}

export interface Actor {
  username: string;
  role: Role;
}

export type Refusal = { refused: string };

/** Checks a request as typed: every problem in words a controller understands. */
export function validateRequest(input: LimitRequestInput, actor: Actor, now: number): string[] {
  const problems: string[] = [];
  if (!may(actor.role, 'requestLimit')) problems.push(`a ${actor.role} may not request limit changes`);
  if (!Number.isSafeInteger(input.creditLimit) || input.creditLimit < 0) problems.push('credit limit: an amount of 0 or more');
  if ((input.tempLimit === null) !== (input.tempLimitExpiresAt === null)) {
    problems.push('temporary limit: give both the amount and its expiry, or neither');
  }
  if (input.tempLimit !== null && !(input.tempLimit > 0)) problems.push('temporary limit: an amount above 0');
  if (input.tempLimitExpiresAt !== null && input.tempLimitExpiresAt <= now) problems.push('temporary limit expiry: a date in the future');
  if (input.reason.trim() === '') problems.push('reason: say why the limit should change');
  return problems;
}

/** Whether `decider` may approve or reject `request`: a manager, not the requester, on a pending request. */
export function checkDecision(request: Pick<LimitRequest, 'requestedBy' | 'status'>, decider: Actor): Refusal | null {
  if (!may(decider.role, 'approveLimit')) return { refused: `a ${decider.role} may not approve or reject limit changes` };
  if (request.requestedBy === decider.username) return { refused: 'four eyes: the requester may not decide their own request' };
  if (request.status !== 'PENDING') return { refused: `the request is ${request.status.toLowerCase()} already` };
  return null;
}

/** The terms of a profile (the change history's before/after). */
export function termsOf(p: CustomerCreditProfile): CreditTerms {
  return {
    creditLimit: p.creditLimit,
    currency: p.currency,
    tempLimit: p.tempLimit,
    tempLimitExpiresAt: p.tempLimitExpiresAt,
    paymentTermsDays: p.paymentTermsDays,
    riskClass: p.riskClass,
    manualHold: p.manualHold,
    parentCustomerId: p.parentCustomerId,
  };
}

/** The profile an approval publishes: the current one with the requested limits, changed by the approver. */
export function approvedProfile(current: CustomerCreditProfile, request: LimitRequest, approver: Actor): CustomerCreditProfile {
  return {
    ...current,
    creditLimit: request.creditLimit,
    tempLimit: request.tempLimit,
    tempLimitExpiresAt: request.tempLimitExpiresAt,
    changedBy: approver.username,
    changeReason: `limit request ${request.requestId} by ${request.requestedBy}: ${request.reason}; approved by ${approver.username}`,
  };
}
