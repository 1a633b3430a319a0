// The delinquency service's guarantees under failure, on the real stack (README.md, Guarantees): killed with SIGKILL,
// its Redis restarted and its keys deleted, scaled out and in, a paused instance fenced; each drill on about 100,000
// (or 32,000) input records of the simulator, and every delinquency event, dead letter and state equal to its core's
// replay of the same topics (test/stateful-drills.ts).
import type { TopicSpec } from '../../../shared/contracts/topics.ts';
import { dayFromIso } from '../../../shared/time.ts';
import { describeGuarantees, type HistorySize } from '../../../test/stateful-drills.ts';
import { simulate } from '../../../tools/simulator/src/simulate.ts';

const PARTITIONS = 4;
const INPUTS = new Set(['INVOICES', 'PAYMENTS', 'CUSTOMERS']);
// Its stale drill takes the long stream: 'longest' is the exposure drill's.
const EVENTS: Record<HistorySize, number> = { short: 50_000, long: 160_000, longest: 160_000 };

describeGuarantees({
  service: 'delinquency',
  partitions: PARTITIONS,
  // 1,000 customers over about four months of business days (ticks on every partition); about 63 % of the simulator's
  // records are the delinquency service's inputs.
  history: (topics, size) =>
    [...simulate({ seed: 20_261_203, customers: 1000, startDay: dayFromIso('2024-01-01'), partitions: PARTITIONS, events: EVENTS[size] })]
      .filter((r) => INPUTS.has(r.topic))
      .map((r) => ({ spec: topics[r.topic] as TopicSpec, event: r.event, ...(r.partition === undefined ? {} : { partition: r.partition }) })),
});
