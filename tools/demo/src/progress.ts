// The demo's one live line, rewritten in place once a second.
import { formatCount } from '../../lib/cli.ts';

export interface ProgressView {
  readonly produced: number;
  /** Events per second produced since the previous line. */
  readonly eventsPerSec: number;
  /** ISO business date the simulation has reached; undefined before its first event. */
  readonly businessDate: string | undefined;
  readonly approved: number;
  readonly held: number;
  readonly released: number;
  readonly delinquentCustomers: number;
  /** Consumer lag per service, in the order shown. */
  readonly lag: ReadonlyArray<readonly [service: string, records: number | undefined]>;
}

export function progressText(v: ProgressView): string {
  const lag = v.lag.map(([s, n]) => `${s} ${n === undefined ? '?' : formatCount(n)}`).join(' ');
  return (
    `${formatCount(v.eventsPerSec)} ev/s (${formatCount(v.produced)}) ${v.businessDate ?? '----------'} | ` +
    `orders approved ${formatCount(v.approved)} held ${formatCount(v.held)} released ${formatCount(v.released)} | ` +
    `delinquent ${formatCount(v.delinquentCustomers)} | lag ${lag}`
  );
}
