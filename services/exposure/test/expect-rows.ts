// Expected output rows for the given/when/then tests: an event as { type, ...payload }, with the defaults of a
// quiet customer filled in so each row states only what matters. exposure and effectiveLimit are filled in by
// their definitions (openOrders + openReceivables - unappliedCash, creditLimit + tempLimit); everything else is literal.
import type {
  ActorRole,
  CreditAction,
  ExposureBreakdown,
  ExposureSnapshot,
  HoldReason,
  RefusalReason,
} from '../../../shared/contracts/events.generated.ts';
import type { DerivedEvent } from '../src/domain/index.ts';

export const POLICY_VERSION = 'p1';

type Parts = Partial<Omit<ExposureBreakdown, 'exposure' | 'effectiveLimit' | 'policyVersion'>>;

export function bd(p: Parts): ExposureBreakdown {
  const b = { openOrders: 0, openReceivables: 0, unappliedCash: 0, heldOrders: 0, creditLimit: 0, tempLimit: 0, shortfall: 0, ...p };
  return {
    openOrders: b.openOrders,
    openReceivables: b.openReceivables,
    unappliedCash: b.unappliedCash,
    exposure: b.openOrders + b.openReceivables - b.unappliedCash,
    heldOrders: b.heldOrders,
    creditLimit: b.creditLimit,
    tempLimit: b.tempLimit,
    effectiveLimit: b.creditLimit + b.tempLimit,
    shortfall: b.shortfall,
    policyVersion: POLICY_VERSION,
  };
}

export const rows = (events: DerivedEvent[]) => events.map((e) => ({ type: e.eventType, ...e.payload }));

export const approved = (orderId: string, amount: number, exposure: Parts) =>
  ({ type: 'OrderCreditApproved', orderId, amount, currency: 'EUR', exposure: bd(exposure) });

export const held = (orderId: string, amount: number, reasons: HoldReason[], exposure: Parts) =>
  ({ type: 'OrderCreditHeld', orderId, amount, currency: 'EUR', reasons, exposure: bd(exposure) });

/** A release; manual when an actor is given, by a credit manager unless another role is. */
export const released = (
  orderId: string,
  amount: number,
  heldMs: number,
  trigger: string,
  exposure: Parts,
  actor: string | null = null,
  actorRole: ActorRole | null = actor ? 'CREDIT_MANAGER' : null,
) => ({
  type: 'OrderCreditReleased', orderId, amount, currency: 'EUR', release: actor ? 'MANUAL' : 'AUTOMATIC', heldMs, trigger, actor,
  exposure: bd(exposure), actorRole,
});

export const rejectedOrder = (orderId: string, amount: number, heldMs: number, actorRole: ActorRole = 'CREDIT_MANAGER') =>
  ({ type: 'OrderCreditRejected', orderId, amount, currency: 'EUR', heldMs, actor: 'alice', reason: 'called the customer', actorRole });

export const refused = (
  orderId: string,
  amount: number,
  action: CreditAction,
  actorRole: ActorRole | null,
  refusal: RefusalReason,
  over: { overLimit: number; authorityLimit: number; shortfall: number },
  exposure: Parts,
) => ({
  type: 'CreditActionRefused', orderId, amount, currency: 'EUR', action, actor: 'alice', actorRole,
  actionReason: 'called the customer', refusal, ...over, exposure: bd(exposure),
});

export const holdPlaced = (reasons: HoldReason[], exposure: Parts) => ({ type: 'CustomerCreditHoldPlaced', reasons, exposure: bd(exposure) });

export const holdReleased = (heldMs: number, exposure: Parts) => ({ type: 'CustomerCreditHoldReleased', heldMs, exposure: bd(exposure) });

export const warning = (bandPercent: number, utilizationBasisPoints: number, exposure: Parts) =>
  ({ type: 'CreditUtilizationWarning', bandPercent, utilizationBasisPoints, exposure: bd(exposure) });

type SnapshotParts = Partial<Omit<ExposureSnapshot, 'exposure' | 'currency'>>;

export function snapshot(p: SnapshotParts) {
  const s = {
    openOrders: 0, openReceivables: 0, unappliedCash: 0, heldOrders: 0, heldOrderCount: 0, creditLimit: 0,
    effectiveLimit: p.creditLimit ?? 0, utilizationBasisPoints: 0, onHold: false, delinquencyStatus: 'CURRENT', ...p,
  };
  return {
    type: 'ExposureSnapshot',
    currency: 'EUR',
    openOrders: s.openOrders,
    openReceivables: s.openReceivables,
    unappliedCash: s.unappliedCash,
    exposure: s.openOrders + s.openReceivables - s.unappliedCash,
    heldOrders: s.heldOrders,
    heldOrderCount: s.heldOrderCount,
    creditLimit: s.creditLimit,
    effectiveLimit: s.effectiveLimit,
    utilizationBasisPoints: s.utilizationBasisPoints,
    onHold: s.onHold,
    delinquencyStatus: s.delinquencyStatus,
  };
}
