// CreditActionTaken: a credit controller releases or rejects one held order.
import type { CreditActionTaken } from '../../../../shared/contracts/events.generated.ts';
import { openValue } from './components.ts';
import {
  breakdown,
  elapsedSince,
  emit,
  invalid,
  putOrder,
  removeFromQueue,
  unknownReference,
  type Draft,
} from './draft.ts';
import type { Rejection } from './types.ts';

/**
 * RELEASE puts the order into exposure whatever the limit says (the controller decided); REJECT is final. Either
 * way the order leaves the queue, which may unblock the orders behind it in the release round that follows.
 */
export function creditActionTaken(d: Draft, p: CreditActionTaken): Rejection | undefined {
  const order = d.s.orders[p.orderId];
  if (!order) return unknownReference(`CreditActionTaken: order ${p.orderId} is unknown`);
  if (order.status !== 'HELD') return invalid(`CreditActionTaken ${p.action}: order ${p.orderId} is not held (${order.status})`);
  const heldMs = elapsedSince(d, order.heldSince!);
  const common = { orderId: p.orderId, amount: order.amount, currency: d.s.currency! };
  const explanation = breakdown(d, d.s.totals, openValue(order));
  removeFromQueue(d, p.orderId);
  if (p.action === 'RELEASE') {
    putOrder(d, p.orderId, { ...order, status: 'APPROVED', heldSince: null });
    emit(d, 'OrderCreditReleased', {
      ...common,
      release: 'MANUAL',
      heldMs,
      trigger: d.input.eventType,
      actor: p.actor,
      exposure: explanation,
    }, p.orderId);
  } else {
    putOrder(d, p.orderId, { ...order, status: 'REJECTED', heldSince: null });
    emit(d, 'OrderCreditRejected', { ...common, heldMs, actor: p.actor, reason: p.reason }, p.orderId);
  }
  return undefined;
}
