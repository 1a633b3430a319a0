// Simulated time runs `daysPerSecond` business days per second of wall time: the wall time at which an event of a
// given event time is due, so the simulator's business date advances at a steady, configurable pace.
import { MS_PER_DAY } from '../../../shared/time.ts';

export interface BusinessClock {
  /** Event time (epoch ms) at wall time `wallStart`. */
  readonly simStart: number;
  readonly wallStart: number;
  /** Business days per wall second; 0 runs unpaced (as fast as the rate allows). */
  readonly daysPerSecond: number;
}

/** The wall time (ms) at which an event of this event time is due. */
export function releaseAt(clock: BusinessClock, occurredAt: number): number {
  if (clock.daysPerSecond === 0) return -Infinity;
  return clock.wallStart + ((occurredAt - clock.simStart) * 1000) / (clock.daysPerSecond * MS_PER_DAY);
}
