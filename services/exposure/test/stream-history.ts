// A large history for the integration tests and the benchmark: `customers` customers, each living `episodes` random
// histories of histories.ts one after another (documents renamed per episode, event ids made UUIDs, event time
// shifted an hour per episode), so duplicates, unknown references, foreign currencies, delinquency and credit
// actions all occur at scale.
//
// Decisions depend on the order a customer's inputs are applied, and a consumer of several topics interleaves them
// as it likes. So the history comes in rounds of one topic each: every customer's stream on a topic is cut into
// `segments` pieces at random points, and round (s, topic) carries piece s of every customer for that topic. A test
// that lets the service apply each round before producing the next fixes the order the service applies, whatever
// it fetches first, and `inputs` lists the history in that order for the model. Random cuts still put payments
// before their invoices, orders before their customer's profile, actions before the hold they act on, and so on.
import fc from 'fast-check';
import { v5 as uuidv5 } from 'uuid';
import type { ExposureInput } from '../src/domain/index.ts';
import { historyArb, type Topic } from './histories.ts';

export const ROUND_TOPICS: readonly Topic[] = ['customers', 'orders', 'invoices', 'payments', 'delinquency', 'actions'];

export interface Round {
  topic: Topic;
  events: ExposureInput[];
}

export interface StreamHistory {
  rounds: Round[];
  /** Every event in the order a round-by-round consumer applies them (per customer; customers are independent). */
  inputs: ExposureInput[];
  customerIds: string[];
}

export interface StreamHistoryOptions {
  seed: number;
  customers: number;
  episodes: number;
  segments: number;
}

const NAMESPACE = 'b0a3c0de-5e1f-4c6b-9a37-7d0e2f4a9c11';
const HOUR = 3_600_000;

/** mulberry32, as in histories.ts: cuts reproducible from the seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The event as one episode of `customerId`: its documents renamed, a UUID event id, its time shifted. */
function asEpisode(e: ExposureInput, customerId: string, episode: number, idSeed: string): ExposureInput {
  const doc = (id: string) => id.replace(/^c\d+-/, `${customerId}-e${episode}-`);
  const p = { ...(e.payload as unknown as Record<string, unknown>) };
  for (const field of ['orderId', 'invoiceId', 'paymentId'] as const) {
    if (typeof p[field] === 'string') p[field] = doc(p[field] as string);
  }
  if (Array.isArray(p.allocations)) {
    p.allocations = (p.allocations as Array<{ invoiceId: string; amount: number }>).map((a) => ({ ...a, invoiceId: doc(a.invoiceId) }));
  }
  if (typeof p.tempLimitExpiresAt === 'number') p.tempLimitExpiresAt = (p.tempLimitExpiresAt as number) + episode * HOUR;
  return {
    ...e,
    eventId: uuidv5(`${idSeed}/${customerId}/${episode}/${e.customerId}/${e.eventId}`, NAMESPACE),
    customerId,
    occurredAt: e.occurredAt + episode * HOUR,
    payload: p,
  } as unknown as ExposureInput;
}

export function streamHistory(o: StreamHistoryOptions): StreamHistory {
  const customerIds = Array.from({ length: o.customers }, (_, i) => `C${String(i).padStart(5, '0')}`);
  // Per customer, per topic: the episodes' events, one episode after the other.
  const streams = customerIds.map(() => new Map<Topic, ExposureInput[]>(ROUND_TOPICS.map((t) => [t, []])));
  const needed = o.customers * o.episodes;
  let made = 0;
  for (let batch = 0; made < needed; batch++) {
    for (const history of fc.sample(historyArb({ actions: true, foreignCurrency: true }), { seed: o.seed + batch, numRuns: 500 })) {
      const ofCustomer = new Map<string, Array<[Topic, ExposureInput]>>();
      for (const topic of ROUND_TOPICS) {
        for (const e of history[topic]) ofCustomer.set(e.customerId, [...(ofCustomer.get(e.customerId) ?? []), [topic, e]]);
      }
      for (const events of ofCustomer.values()) {
        if (made >= needed) break;
        const c = made % o.customers;
        const episode = Math.floor(made / o.customers);
        for (const [topic, e] of events) streams[c]!.get(topic)!.push(asEpisode(e, customerIds[c]!, episode, `${o.seed}/${batch}`));
        made++;
      }
      if (made >= needed) break;
    }
  }

  const random = prng(o.seed);
  // pieces[c][topic][s]: customer c's piece s of that topic.
  const pieces = streams.map((byTopic) =>
    new Map(
      [...byTopic].map(([topic, events]) => {
        const cuts = Array.from({ length: o.segments - 1 }, () => Math.floor(random() * (events.length + 1))).sort((a, b) => a - b);
        const bounds = [0, ...cuts, events.length];
        return [topic, bounds.slice(1).map((end, s) => events.slice(bounds[s], end))] as const;
      }),
    ),
  );
  const rounds: Round[] = [];
  for (let s = 0; s < o.segments; s++) {
    for (const topic of ROUND_TOPICS) {
      const events = pieces.flatMap((byTopic) => byTopic.get(topic)![s]!);
      if (events.length > 0) rounds.push({ topic, events });
    }
  }
  return { rounds, inputs: rounds.flatMap((r) => r.events), customerIds };
}
