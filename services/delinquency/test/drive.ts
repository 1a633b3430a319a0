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

export interface DriveOptions {
  /** Sees the states each time the as-of date moves, before the inputs that follow the tick. */
  onAsOf?: (asOf: number, states: ReadonlyMap<string, CustomerState>) => void;
  /** Deep-freezes every state before the core sees it: a core that writes a state it was given throws. */
  freeze?: boolean;
  /** Gives the core each state to write in place, as the adapter does. */
  inPlace?: boolean;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function drive(
  items: Iterable<Item>,
  policy: DelinquencyPolicy,
  { onAsOf, freeze = false, inPlace = false }: DriveOptions = {},
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
        const out = advanceTo(freeze ? deepFreeze(state) : state, customerId, asOf, policy, tickId, { inPlace });
        states.set(customerId, out.state);
        events.push(...out.events);
        rejected.push(...out.rejected);
      }
      onAsOf?.(asOf, states);
    } else {
      const { customerId } = item.input;
      const state = states.get(customerId) ?? emptyState();
      const out = applyEvent(freeze ? deepFreeze(state) : state, item.input, asOfDate(wm), policy, { inPlace });
      states.set(customerId, out.state);
      events.push(...out.events);
      rejected.push(...out.rejected);
    }
  }
  return { states, events, rejected };
}
