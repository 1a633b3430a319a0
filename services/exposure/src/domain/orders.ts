// OrderPlaced, OrderAmended, OrderCancelled: the decision per order.
import type {
  OrderAmended,
  OrderCancelled,
  OrderPlaced,
} from '../../../../shared/contracts/events.generated.ts';
import { exposureOf, openValue, orderPart, swapPart } from './components.ts';
import { takeParkedAction } from './credit-actions.ts';
import {
  breakdown,
  checkCurrency,
  deleteDoc,
  emit,
  invalid,
  own,
  putOrder,
  removeFromQueue,
  unknownReference,
  type Draft,
} from './draft.ts';
import { orderHoldReasons } from './reasons.ts';
import type { OrderDoc, Totals } from './state.ts';
import type { Rejection } from './types.ts';

/**
 * Decides an order against `before` (the totals without it): approve into exposure, or hold at the back of the
 * queue. One decision event, its id fixed by the input (placement or amendment) and the order.
 */
function decide(d: Draft, orderId: string, order: Omit<OrderDoc, 'status' | 'heldSince' | 'reasons'>, before: Totals): void {
  const value = openValue(order);
  const reasons = orderHoldReasons(d, exposureOf(before), { amount: order.amount, value });
  const explanation = breakdown(d, before, value);
  const common = { orderId, amount: order.amount, currency: d.s.currency! };
  if (reasons.length === 0) {
    putOrder(d, orderId, { ...order, status: 'APPROVED', heldSince: null, reasons: [] });
    emit(d, 'OrderCreditApproved', { ...common, exposure: explanation }, orderId);
  } else {
    putOrder(d, orderId, { ...order, status: 'HELD', heldSince: d.at, reasons });
    own(d, 'heldQueue').push(orderId);
    emit(d, 'OrderCreditHeld', { ...common, reasons, exposure: explanation }, orderId);
  }
}

export function orderPlaced(d: Draft, p: OrderPlaced): Rejection | undefined {
  const wrongCurrency = checkCurrency(d, p.currency);
  if (wrongCurrency) return wrongCurrency;
  if (d.s.orders[p.orderId]) return invalid(`duplicate OrderPlaced: order ${p.orderId} already exists`);
  const ahead = d.s.invoicedAhead[p.orderId];
  if (ahead) deleteDoc(d, 'invoicedAhead', p.orderId);
  const order = { placedAmount: p.amount, amount: p.amount, invoiced: ahead?.amount ?? 0, touchedAt: d.s.watermark };
  decide(d, p.orderId, order, d.s.totals);
  takeParkedAction(d, p.orderId);
  return undefined;
}

/**
 * Upward on an approved order: re-decided at the new amount against exposure without it, so it is approved again
 * (OrderCreditApproved) or leaves exposure and is held at the back of the queue (OrderCreditHeld), both caused by
 * the amendment. Downward, or on a held order: the amount changes and the release round that follows does the rest.
 */
export function orderAmended(d: Draft, p: OrderAmended): Rejection | undefined {
  const wrongCurrency = checkCurrency(d, p.currency);
  if (wrongCurrency) return wrongCurrency;
  const order = d.s.orders[p.orderId];
  if (!order) return unknownReference(`OrderAmended: order ${p.orderId} is unknown`);
  if (order.status === 'CANCELLED' || order.status === 'REJECTED') {
    return invalid(`OrderAmended: order ${p.orderId} is ${order.status}`);
  }
  const amended = { ...order, amount: p.amount };
  if (order.status === 'APPROVED' && p.amount > order.amount) {
    decide(d, p.orderId, amended, swapPart(d.s.totals, orderPart(order), orderPart(undefined)));
  } else {
    putOrder(d, p.orderId, amended);
  }
  return undefined;
}

/** Cancelling a rejected order changes nothing (its final decision stands); a held one leaves the queue. */
export function orderCancelled(d: Draft, p: OrderCancelled): Rejection | 'ignored' | undefined {
  const order = d.s.orders[p.orderId];
  if (!order) return unknownReference(`OrderCancelled: order ${p.orderId} is unknown`);
  if (order.status === 'CANCELLED') return invalid(`duplicate OrderCancelled: order ${p.orderId} is already cancelled`);
  if (order.status === 'REJECTED') return 'ignored';
  if (order.status === 'HELD') removeFromQueue(d, p.orderId);
  putOrder(d, p.orderId, { ...order, status: 'CANCELLED' });
  return undefined;
}
