// CreditActionTaken: a credit controller releases or rejects one held order. Credit actions and orders are different
// topics, so an action may arrive before its order: it then waits in the state and is taken when the order is placed,
// so both interleavings end in the same state. Every action is checked against the authority matrix when it takes
// effect (the exposure it would leave is known only then): one beyond the actor's authority is refused.
import type { CreditActionTaken, RefusalReason } from '../../../../shared/contracts/events.generated.ts';
import { openValue } from './components.ts';
import {
  breakdown,
  deleteDoc,
  elapsedSince,
  emitCausedBy,
  invalid,
  putOrder,
  removeFromQueue,
  setDoc,
  type Draft,
} from './draft.ts';
import type { AuthorityMatrix } from './policy.ts';
import type { OrderDoc } from './state.ts';
import type { Rejection } from './types.ts';

/**
 * On a held order the action is taken now. On an order not placed yet it is parked. A re-delivery (the event id of
 * the action already taken or parked for the order) is ignored; any other action on an order that is not held goes
 * to the DLQ, as does a second action for an order that already has one waiting.
 */
export function creditActionTaken(d: Draft, p: CreditActionTaken): Rejection | 'ignored' | undefined {
  const eventId = d.input.eventId;
  const order = d.s.orders[p.orderId];
  if (!order) return park(d, p);
  if (order.actionEventId === eventId) return 'ignored';
  if (order.status !== 'HELD') return invalid(`CreditActionTaken ${p.action}: order ${p.orderId} is not held (${order.status})`);
  takeAction(d, p.orderId, order, p, eventId);
  return undefined;
}

function park(d: Draft, p: CreditActionTaken): Rejection | 'ignored' | undefined {
  const waiting = d.s.parkedActions[p.orderId];
  if (waiting?.eventId === d.input.eventId) return 'ignored';
  if (waiting) {
    const what = `CreditActionTaken ${p.action}: order ${p.orderId} is not placed yet`;
    return invalid(`${what} and action ${waiting.eventId} already waits for it`);
  }
  setDoc(d, 'parkedActions', p.orderId, { eventId: d.input.eventId, payload: p, touchedAt: d.s.watermark });
  return undefined;
}

/**
 * Right after an order is decided on placement: takes the action parked for it, if any. On an order held on arrival
 * it is taken as if it came now; on an order approved on arrival there is nothing to act on, so it is recorded (its
 * re-delivery is then ignored) and derives nothing.
 */
export function takeParkedAction(d: Draft, orderId: string): void {
  const parked = d.s.parkedActions[orderId];
  if (!parked) return;
  deleteDoc(d, 'parkedActions', orderId);
  const order = d.s.orders[orderId]!;
  if (order.status === 'HELD') takeAction(d, orderId, order, parked.payload, parked.eventId);
  else putOrder(d, orderId, { ...order, actionEventId: parked.eventId });
}

/** Why an action is refused: what it would leave over the limit, what the role may, and the difference. */
export interface Refusal {
  refusal: RefusalReason;
  overLimit: number;
  authorityLimit: number;
  shortfall: number;
}

/**
 * The authority rule. The actor's role must be allowed the action at all (no role, or a role the matrix allows
 * nothing, is ROLE_NOT_PERMITTED); a release must also leave the customer no further over its effective limit than
 * the role's maxOverLimit (BEYOND_AUTHORITY, with the shortfall of authority). `overLimit` is how far over the limit
 * the release would leave the customer, max(0, exposure + the order - effective limit); a reject adds no exposure,
 * so it needs only the permission. Null: the action is within the actor's authority.
 */
export function authorityRefusal(authority: AuthorityMatrix, p: CreditActionTaken, overLimit: number): Refusal | null {
  const role = p.actorRole === null ? undefined : authority[p.actorRole];
  const over = p.action === 'RELEASE' ? overLimit : 0;
  const permitted = role !== undefined && (p.action === 'RELEASE' ? role.release : role.reject);
  if (!permitted) return { refusal: 'ROLE_NOT_PERMITTED', overLimit: over, authorityLimit: 0, shortfall: 0 };
  if (over <= role.maxOverLimit) return null;
  return { refusal: 'BEYOND_AUTHORITY', overLimit: over, authorityLimit: role.maxOverLimit, shortfall: over - role.maxOverLimit };
}

/**
 * Within the actor's authority, RELEASE puts the order into exposure even over the limit (the controller decided);
 * REJECT is final. Either way the order leaves the queue, which may unblock the orders behind it in the release round
 * that follows. Beyond it, CreditActionRefused and nothing else: the order stays held where it was in the queue (the
 * action is recorded on it, so its re-delivery is ignored; another action may still act). The event's id and cause
 * are the action's, whichever input brought it into effect.
 */
function takeAction(d: Draft, orderId: string, order: OrderDoc, p: CreditActionTaken, actionEventId: string): void {
  const heldMs = elapsedSince(d, order.heldSince!);
  const common = { orderId, amount: order.amount, currency: d.s.currency! };
  const explanation = breakdown(d, d.s.totals, openValue(order));
  const refused = authorityRefusal(d.policy.authority, p, explanation.shortfall);
  if (refused !== null) {
    putOrder(d, orderId, { ...order, actionEventId });
    emitCausedBy(d, actionEventId, 'CreditActionRefused', {
      ...common,
      action: p.action,
      actor: p.actor,
      actorRole: p.actorRole ?? null, // an action parked before roles existed has none
      actionReason: p.reason,
      ...refused,
      exposure: explanation,
    }, orderId);
    return;
  }
  removeFromQueue(d, orderId);
  if (p.action === 'RELEASE') {
    putOrder(d, orderId, { ...order, status: 'APPROVED', heldSince: null, actionEventId });
    emitCausedBy(d, actionEventId, 'OrderCreditReleased', {
      ...common,
      release: 'MANUAL',
      heldMs,
      trigger: 'CreditActionTaken',
      actor: p.actor,
      exposure: explanation,
      actorRole: p.actorRole,
    }, orderId);
  } else {
    putOrder(d, orderId, { ...order, status: 'REJECTED', heldSince: null, actionEventId });
    emitCausedBy(d, actionEventId, 'OrderCreditRejected', { ...common, heldMs, actor: p.actor, reason: p.reason, actorRole: p.actorRole }, orderId);
  }
}
