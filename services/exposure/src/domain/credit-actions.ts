// CreditActionTaken: a credit controller releases or rejects one held order. Credit actions and orders are different
// topics, so an action may arrive before its order: it then waits in the state and is taken when the order is placed,
// so both interleavings end in the same state.
import type { CreditActionTaken } from '../../../../shared/contracts/events.generated.ts';
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

/**
 * RELEASE puts the order into exposure whatever the limit says (the controller decided); REJECT is final. Either
 * way the order leaves the queue, which may unblock the orders behind it in the release round that follows. The
 * decision's id and cause are the action's, whichever input brought it into effect.
 */
function takeAction(d: Draft, orderId: string, order: OrderDoc, p: CreditActionTaken, actionEventId: string): void {
  const heldMs = elapsedSince(d, order.heldSince!);
  const common = { orderId, amount: order.amount, currency: d.s.currency! };
  const explanation = breakdown(d, d.s.totals, openValue(order));
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
    }, orderId);
  } else {
    putOrder(d, orderId, { ...order, status: 'REJECTED', heldSince: null, actionEventId });
    emitCausedBy(d, actionEventId, 'OrderCreditRejected', { ...common, heldMs, actor: p.actor, reason: p.reason }, orderId);
  }
}
