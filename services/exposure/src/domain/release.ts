// The automatic release round: held orders, oldest first, while they fit and no standing reason remains.
import { exposureOf, openValue } from './components.ts';
import { breakdown, elapsedSince, emit, own, putOrder, type Draft } from './draft.ts';
import { releasable, standingReasons } from './reasons.ts';

/**
 * Runs after every accepted input. Only an input that lowers exposure, raises the limit or clears a reason can
 * release anything, but running it always keeps the invariant simple: after any input, the oldest held order
 * does not fit (its own limit, or its group's) or is above its class's maximum order value, or a standing reason
 * remains. The first order that does not stops the round (no overtaking).
 */
export function releaseRound(d: Draft): void {
  if (d.s.heldQueue.length === 0 || standingReasons(d).length > 0) return;
  while (d.s.heldQueue.length > 0) {
    const orderId = d.s.heldQueue[0]!;
    const order = d.s.orders[orderId]!;
    const value = openValue(order);
    if (!releasable(d, exposureOf(d.s.totals), { amount: order.amount, value })) return;
    const explanation = breakdown(d, d.s.totals, value);
    own(d, 'heldQueue').shift();
    putOrder(d, orderId, { ...order, status: 'APPROVED', heldSince: null });
    emit(d, 'OrderCreditReleased', {
      orderId,
      amount: order.amount,
      currency: d.s.currency!,
      release: 'AUTOMATIC',
      heldMs: elapsedSince(d, order.heldSince!),
      trigger: d.input.eventType,
      actor: null,
      exposure: explanation,
      actorRole: null,
    }, orderId);
  }
}
