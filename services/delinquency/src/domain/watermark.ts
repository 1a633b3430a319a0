// The as-of date of one partition. A BusinessDateTick on a topic-partition promises that every event of it dated
// before the tick's date was written before the tick, so the partition's as-of date is the minimum over the input
// topics of the latest tick seen: at as-of date D every event dated before D has been read, whatever order the
// topics are consumed in. Live, a wall-clock tick lifts it to today.

/** The ticked topics the delinquency service reads. */
export type ClockTopic = 'invoices' | 'payments';
export const CLOCK_TOPICS: ReadonlyArray<ClockTopic> = ['invoices', 'payments'];

export interface Watermark {
  readonly ticks: Readonly<Partial<Record<ClockTopic, number>>>;
  readonly wallClock: number | null;
}

export const emptyWatermark: Watermark = Object.freeze({ ticks: Object.freeze({}), wallClock: null });

/** A tick only moves its topic forward; a late or repeated tick changes nothing. */
export function observeTick(wm: Watermark, topic: ClockTopic, businessDate: number): Watermark {
  const seen = wm.ticks[topic];
  if (seen !== undefined && seen >= businessDate) return wm;
  return { ...wm, ticks: { ...wm.ticks, [topic]: businessDate } };
}

/** Live only: the adapter's wall-clock tick, today's UTC day. Never fed in a replay. */
export function observeWallClock(wm: Watermark, today: number): Watermark {
  return wm.wallClock !== null && wm.wallClock >= today ? wm : { ...wm, wallClock: today };
}

/** The partition's as-of date, or null while some input topic has not ticked yet (and no wall clock runs). */
export function asOfDate(wm: Watermark): number | null {
  const ticks = CLOCK_TOPICS.map((t) => wm.ticks[t]);
  const fromTicks = ticks.every((t) => t !== undefined) ? Math.min(...(ticks as number[])) : null;
  if (fromTicks === null) return wm.wallClock;
  return wm.wallClock === null ? fromTicks : Math.max(fromTicks, wm.wallClock);
}
