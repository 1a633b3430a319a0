// The simulated customer population: sizes skewed (truncated Pareto: a few large customers carry much of the
// volume), behaviour segments assigned by size band so every band has the same mix, and credit limits scaled to
// each customer's expected exposure.
import type { CustomerCreditProfile } from '../../../shared/contracts/events.generated.ts';
import type { Random } from './random.ts';
import { SEGMENT_BLOCK, SEGMENTS, type Segment } from './segments.ts';

export interface SimCustomer {
  readonly id: string;
  readonly segment: Segment;
  /** Mean orders per simulated day. */
  readonly ordersPerDay: number;
  /** Median order value, minor units. */
  readonly medianOrder: number;
  /** The profile as last published; the simulator publishes a new snapshot on every change. */
  profile: CustomerCreditProfile;
  /** Epoch ms at which the manual hold in force is lifted; null when there is none. */
  holdUntil: number | null;
}

export interface PopulationOptions {
  readonly customers: number;
  readonly idPrefix: string;
  readonly currency: string;
  readonly ordersPerCustomerPerDay: number;
  /** Form corporate groups (formGroups); default none. */
  readonly groups?: boolean;
}

const PARETO_SHAPE = 1.3;
const PARETO_MAX = 60;
const MEDIAN_ORDER_MINOR = 60_000;
const ORDER_SIGMA = 0.7;
/** Limits are whole thousands of major units, as credit teams set them. */
const LIMIT_STEP_MINOR = 100_000;
const TERMS: ReadonlyArray<readonly [number, number]> = [[30, 0.5], [45, 0.3], [60, 0.2]];

/** Mean of a log-normal order value around its median. */
export const meanOrder = (median: number): number => median * Math.exp((ORDER_SIGMA * ORDER_SIGMA) / 2);

export const roundLimit = (minor: number): number =>
  Math.max(LIMIT_STEP_MINOR, Math.ceil(minor / LIMIT_STEP_MINOR) * LIMIT_STEP_MINOR);

function customerId(prefix: string, index: number): string {
  return `${prefix}-C${String(index).padStart(6, '0')}`;
}

/**
 * Corporate groups: in every block of GROUP_EVERY customers the first is a parent and the next GROUP_MEMBERS name it
 * (parentCustomerId). The parent's limit is its group's limit: a fraction of what the three would have alone, so the
 * group limit binds before the members' own now and then. Set without drawing from `rng`, so every other customer's
 * history is what it was.
 */
export const GROUP_EVERY = 50;
export const GROUP_MEMBERS = 2;
const GROUP_LIMIT_SHARE = 0.8;

function formGroups(customers: SimCustomer[]): SimCustomer[] {
  for (let parent = 0; parent + GROUP_MEMBERS < customers.length; parent += GROUP_EVERY) {
    const head = customers[parent]!;
    const members = customers.slice(parent + 1, parent + 1 + GROUP_MEMBERS);
    const alone = members.reduce((sum, m) => sum + m.profile.creditLimit, head.profile.creditLimit);
    head.profile = { ...head.profile, creditLimit: roundLimit(alone * GROUP_LIMIT_SHARE) };
    for (const m of members) m.profile = { ...m.profile, parentCustomerId: head.id };
  }
  return customers;
}

export function population(rng: Random, opts: PopulationOptions): SimCustomer[] {
  const n = opts.customers;
  const weights = Array.from({ length: n }, () => rng.pareto(PARETO_SHAPE, PARETO_MAX));
  const meanWeight = weights.reduce((a, b) => a + b, 0) / n;

  // Segments by size band: rank customers by size and deal each block of 20 the fixed mix, shuffled, so the
  // invoice-weighted late share does not hinge on which segment the few largest customers happen to draw.
  const segmentOf = new Array<Segment>(n);
  const bySize = weights.map((w, i) => [w, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const deck = SEGMENTS.flatMap((s) => Array.from({ length: s.perBlock }, () => s));
  for (let start = 0; start < n; start += SEGMENT_BLOCK) {
    const block = rng.shuffle([...deck]);
    bySize.slice(start, start + SEGMENT_BLOCK).forEach(([, i], k) => (segmentOf[i] = block[k]!));
  }

  const customers = weights.map((w, index) => {
    const segment = segmentOf[index]!;
    const ordersPerDay = (opts.ordersPerCustomerPerDay * w) / meanWeight;
    const medianOrder = Math.round(rng.logNormal(MEDIAN_ORDER_MINOR * w ** 0.25, 0.5));
    const paymentTermsDays = rng.weighted(TERMS);
    // What is typically outstanding: orders in shipping, invoices within terms, plus the segment's lateness.
    const daysOutstanding = 3 + paymentTermsDays + segment.lateShare * segment.meanDaysLate;
    const expectedExposure = ordersPerDay * meanOrder(medianOrder) * daysOutstanding;
    const [lo, hi] = segment.limitHeadroom;
    return {
      id: customerId(opts.idPrefix, index),
      segment,
      ordersPerDay,
      medianOrder,
      holdUntil: null,
      profile: {
        creditLimit: roundLimit(expectedExposure * rng.uniform(lo, hi)),
        currency: opts.currency,
        tempLimit: null,
        tempLimitExpiresAt: null,
        paymentTermsDays,
        riskClass: rng.pick(segment.riskClasses),
        manualHold: false,
        parentCustomerId: null,
        changedBy: 'simulator',
        changeReason: 'onboarding',
      },
    };
  });
  return opts.groups ? formGroups(customers) : customers;
}
