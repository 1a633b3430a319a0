// Customer-level outputs after an input: the customer credit hold, utilisation warnings and the exposure snapshot.
import type { ExposureSnapshot } from '../../../../shared/contracts/events.generated.ts';
import { exposureOf } from './components.ts';
import { breakdown, elapsedSince, emit, limitNow, type Draft } from './draft.ts';
import { bandReached, utilizationBasisPoints } from './limits.ts';
import { customerHoldReasons } from './reasons.ts';

/** Placed when the customer goes over its limit or a manual hold is set; released when neither remains. */
export function customerHold(d: Draft): void {
  const reasons = customerHoldReasons(d);
  const hold = d.s.customerHold;
  if (reasons.length > 0 && hold === null) {
    d.s.customerHold = { since: d.at, reasons };
    emit(d, 'CustomerCreditHoldPlaced', { reasons, exposure: breakdown(d, d.s.totals, 0) });
  } else if (reasons.length === 0 && hold !== null) {
    d.s.customerHold = null;
    emit(d, 'CustomerCreditHoldReleased', {
      heldMs: elapsedSince(d, hold.since),
      exposure: breakdown(d, d.s.totals, 0),
    });
  } else if (hold !== null && reasons.join() !== hold.reasons.join()) {
    d.s.customerHold = { ...hold, reasons };
  }
}

/** One warning per band crossed upward, lowest first; a band re-arms once utilisation falls below it. */
export function utilizationWarnings(d: Draft): void {
  const basisPoints = utilizationBasisPoints(exposureOf(d.s.totals), limitNow(d)?.effectiveLimit ?? 0);
  const reached = bandReached(basisPoints, d.policy.warningBands);
  for (const band of d.policy.warningBands) {
    if (band > d.s.bandReached && band <= reached) {
      emit(d, 'CreditUtilizationWarning', {
        bandPercent: band,
        utilizationBasisPoints: basisPoints,
        exposure: breakdown(d, d.s.totals, 0),
      }, band);
    }
  }
  d.s.bandReached = reached;
}

export function snapshotOf(d: Draft, currency: string): ExposureSnapshot {
  const t = d.s.totals;
  const exposure = exposureOf(t);
  const limit = limitNow(d);
  return {
    currency,
    openOrders: t.openOrders,
    openReceivables: t.openReceivables,
    unappliedCash: t.unappliedCash,
    exposure,
    heldOrders: t.heldOrders,
    heldOrderCount: t.heldOrderCount,
    creditLimit: limit?.creditLimit ?? 0,
    effectiveLimit: limit?.effectiveLimit ?? 0,
    utilizationBasisPoints: utilizationBasisPoints(exposure, limit?.effectiveLimit ?? 0),
    onHold: d.s.customerHold !== null,
    delinquencyStatus: d.s.delinquency,
  };
}

/**
 * Emits the snapshot when it differs from the last one emitted (the topic is compacted: an unchanged snapshot
 * tells a reader nothing). No snapshot before the customer's currency is known: the contract requires one.
 */
export function exposureSnapshot(d: Draft): void {
  if (d.s.currency === null) return;
  const snapshot = snapshotOf(d, d.s.currency);
  const last = d.s.lastSnapshot;
  if (last !== null && (Object.keys(snapshot) as Array<keyof ExposureSnapshot>).every((k) => snapshot[k] === last[k])) {
    return;
  }
  d.s.lastSnapshot = snapshot;
  emit(d, 'ExposureSnapshot', snapshot);
}
