// Drives the core the way the adapter does: ticks feed the partition's watermark and advance only the customers
// whose nextDueDay has come; inputs go to their customer with the partition's as-of date.
import type { DelinquencyEvent } from '../../../shared/contracts/events.generated.ts';
import {
  advanceTo,
  applyEvent,
  asOfDate,
  emptyState,
  emptyWatermark,
  nextDueDay,
  observeTick,
  type ClockTopic,
  type CustomerState,
  type DelinquencyInput,
  type DelinquencyPolicy,
  type RejectedInput,
} from '../src/domain/index.ts';

export type Item = { tick: ClockTopic; businessDate: number } | { input: DelinquencyInput };

export interface Driven {
  states: Map<string, CustomerState>;
  events: DelinquencyEvent[];
  rejected: RejectedInput[];
}

/** `onAsOf` sees the states each time the as-of date moves, before the inputs that follow the tick. */
export function drive(
  items: Iterable<Item>,
  policy: DelinquencyPolicy,
  onAsOf?: (asOf: number, states: ReadonlyMap<string, CustomerState>) => void,
): Driven {
  const states = new Map<string, CustomerState>();
  const events: DelinquencyEvent[] = [];
  const rejected: RejectedInput[] = [];
  let wm = emptyWatermark;
  let seq = 0;
  for (const item of items) {
    if ('tick' in item) {
      const before = asOfDate(wm);
      wm = observeTick(wm, item.tick, item.businessDate);
      const asOf = asOfDate(wm);
      if (asOf === null || asOf === before) continue;
      const tickId = `tick-${item.tick}-${item.businessDate}-${seq++}`;
      for (const [customerId, state] of states) {
        const due = nextDueDay(state, policy);
        if (due === null || due > asOf) continue;
        const out = advanceTo(state, customerId, asOf, policy, tickId);
        states.set(customerId, out.state);
        events.push(...out.events);
        rejected.push(...out.rejected);
      }
      onAsOf?.(asOf, states);
    } else {
      const { customerId } = item.input;
      const out = applyEvent(states.get(customerId) ?? emptyState(), item.input, asOfDate(wm), policy);
      states.set(customerId, out.state);
      events.push(...out.events);
      rejected.push(...out.rejected);
    }
  }
  return { states, events, rejected };
}
