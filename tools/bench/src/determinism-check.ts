// The bench's determinism check: a replay of pre-loaded topics must decide exactly as the pure core does in event-time
// order, every run, however loaded the machine (issue 10). Before a service runs, its input topics are read back and
// the core replayed in memory (core-replay.ts); once it has stopped, what it published is read back and compared:
//   exposure     credit-holds events one for one by event id and encoded bytes; the last exposure snapshot per
//                customer against the core's final one, by payload (the service may publish one snapshot per
//                customer per batch, so which input's id the last one carries is not fixed); its dead letters
//                against the inputs the core rejects, by source offset
//   delinquency  delinquency events one for one by event id and encoded bytes; dead letters as above
// Records caused by inputs the bench added after the history (the latency step's orders) are left out.
import { writeFile } from 'node:fs/promises';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import type { CreditHoldEvent, DelinquencyEvent, ExposureEvent } from '../../../shared/contracts/events.generated.ts';
import type { EventSerde } from '../../../shared/contracts/serde.ts';
import type { AnyEvent, TopicRegistry, TopicSpec } from '../../../shared/contracts/topics.ts';
import { DlqHeaders } from '../../../shared/kafka/dlq.ts';
import { SERVICE as DELINQUENCY, loadDelinquencyConfig } from '../../../services/delinquency/src/config.ts';
import { DelinquencyDomain, type InputEvent } from '../../../services/delinquency/src/adapters/partition-domain.ts';
import type { ExposureInput } from '../../../services/exposure/src/domain/index.ts';
import { SERVICE as EXPOSURE, loadExposureConfig, policyOf } from '../../../services/exposure/src/config.ts';
import { inputTopics as exposureInputs } from '../../../services/exposure/src/service.ts';
import { addToLog, deadLetterKey, replayDelinquency, replayExposure, type Expected, type InputLog } from './core-replay.ts';
import { canonicalJson, compareByKey, differencesOf, digestOf, type Differences } from './determinism.ts';
import { readTopics } from './topic-reader.ts';

export type CheckedService = typeof EXPOSURE | typeof DELINQUENCY;

export interface DeterminismCheck {
  readonly service: CheckedService;
  /** Input records replayed through the core (ticks included). */
  readonly inputs: number;
  /** Credit-holds events (exposure) or delinquency events (delinquency), one for one. */
  readonly events: Differences;
  /** Exposure: each customer's last snapshot against the core's final one. */
  readonly snapshots?: Differences;
  /** Dead letters against the inputs the core rejects. */
  readonly deadLetters: Differences;
  /** The sum of every count of differences: 0 when the service decided as the core. */
  readonly differences: number;
  /** Where the differing records of both sides are written, when there are any. */
  readonly samplesFile?: string;
}

export interface CheckContext {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly serde: EventSerde;
  readonly topics: TopicRegistry;
  /** The environment the service runs with: the core runs under the same policy. */
  readonly serviceEnv: Readonly<Record<string, string | undefined>>;
  /** Consumer groups of the reads are this plus a suffix. */
  readonly groupPrefix: string;
  readonly signal: AbortSignal;
  /** Where the differing records go when there are differences. */
  readonly samplesDir: string;
}

/** The reference of one service: its core's replay of the input topics as they are now, then the comparison. */
export interface Reference {
  readonly inputs: number;
  /** The core's replay: what it derived, its final states, the order it applied the inputs in. */
  readonly expected: Expected;
  /** Compares what the service published (read once it has stopped) with the replay. */
  check(o: { exclude: ReadonlySet<string> }): Promise<DeterminismCheck>;
}

let reads = 0;

async function readInputs<E extends AnyEvent>(c: CheckContext, specs: readonly TopicSpec[]): Promise<{ log: InputLog<E>; records: number }> {
  const log: InputLog<E> = new Map();
  const byName = new Map(specs.map((s) => [s.name, s]));
  let records = 0;
  await readTopics(c.kafka, c.admin, {
    groupId: `${c.groupPrefix}read-${++reads}`,
    topics: specs.map((s) => s.name),
    signal: c.signal,
    onRecord: async (topic, partition, m) => {
      records++;
      addToLog(log, topic, partition, { offset: m.offset, event: (await c.serde.decode(byName.get(topic)!, m.value)) as E });
    },
  });
  return { log, records };
}

const textHeaders = (m: KafkaMessage): Record<string, string> =>
  Object.fromEntries(Object.entries(m.headers ?? {}).flatMap(([k, v]) => (v === undefined ? [] : [[k, v.toString()]])));

interface Published {
  readonly events: Array<{ key: string; digest: string }>;
  readonly snapshots: Map<string, string>;
  readonly letters: Array<{ key: string; digest: string }>;
  readonly kept: Map<string, AnyEvent>;
}

/** Reads the service's outputs: `events` one for one, `snapshots` last per customer, the DLQ's letters of `service`. */
async function readPublished(
  c: CheckContext,
  o: { service: CheckedService; events: TopicSpec; snapshots?: TopicSpec; exclude: ReadonlySet<string>; keep: ReadonlySet<string> },
): Promise<Published> {
  const out: Published = { events: [], snapshots: new Map(), letters: [], kept: new Map() };
  const { DLQ } = c.topics;
  await readTopics(c.kafka, c.admin, {
    groupId: `${c.groupPrefix}read-${++reads}`,
    topics: [o.events.name, ...(o.snapshots ? [o.snapshots.name] : []), DLQ.name],
    signal: c.signal,
    onRecord: async (topic, _partition, m) => {
      if (topic === DLQ.name) {
        const headers = textHeaders(m);
        if (headers[DlqHeaders.SERVICE] === o.service) out.letters.push({ key: deadLetterKey(headers), digest: '' });
        return;
      }
      const isSnapshot = topic === o.snapshots?.name;
      const e = await c.serde.decode(isSnapshot ? o.snapshots! : o.events, m.value);
      if (e.causationId !== null && o.exclude.has(e.causationId)) return;
      if (isSnapshot) {
        // In offset order within a partition, and a customer's records share one: the last one read is its last.
        out.snapshots.set(e.customerId, digestOf(canonicalJson(e.payload)));
        if (o.keep.has(e.customerId)) out.kept.set(e.customerId, e);
      } else {
        out.events.push({ key: e.eventId, digest: digestOf(m.value!) });
        if (o.keep.has(e.eventId)) out.kept.set(e.eventId, e);
      }
    },
  });
  return out;
}

function compare(expected: Expected, published: Published, snapshots: boolean) {
  const events = compareByKey(expected.events, published.events);
  const deadLetters = compareByKey(new Map([...expected.rejected].map((k) => [k, ''])), published.letters);
  const snaps = snapshots ? compareByKey(expected.snapshots, Array.from(published.snapshots, ([key, digest]) => ({ key, digest }))) : undefined;
  const differences = differencesOf(events) + differencesOf(deadLetters) + (snaps ? differencesOf(snaps) : 0);
  return { events, deadLetters, ...(snaps ? { snapshots: snaps } : {}), differences };
}

const sampleKeys = (...ds: Array<Differences | undefined>): Set<string> =>
  new Set(ds.flatMap((d) => (d ? [...d.samples.missing, ...d.samples.extra, ...d.samples.different] : [])));

/** On differences, both sides' records of the sampled keys, written next to the service logs. */
async function writeSamples(c: CheckContext, service: CheckedService, keys: ReadonlySet<string>, core: Expected, published: Published): Promise<string> {
  const file = `${c.samplesDir}/determinism-${service}.json`;
  const rows = [...keys].map((key) => ({ key, core: core.kept.get(key) ?? null, service: published.kept.get(key) ?? null }));
  await writeFile(file, `${JSON.stringify(rows, null, 2)}\n`);
  return file;
}

export async function exposureReference(c: CheckContext): Promise<Reference> {
  const specs = exposureInputs(c.topics);
  const names = specs.map((s) => s.name);
  const policy = policyOf(loadExposureConfig({ ...c.serviceEnv }));
  const { CREDIT_HOLDS, EXPOSURE: SNAPSHOTS } = c.topics;
  const content = {
    hold: async (e: CreditHoldEvent) => digestOf(await c.serde.encode(CREDIT_HOLDS, e)),
    // Through the serde and back, so the core's payload reads as the service's decoded one does.
    snapshot: async (e: ExposureEvent) => digestOf(canonicalJson((await c.serde.decode(SNAPSHOTS, await c.serde.encode(SNAPSHOTS, e))).payload)),
  };
  const replay = async (keep?: ReadonlySet<string>) => {
    const { log, records } = await readInputs<ExposureInput>(c, specs);
    return { records, expected: await replayExposure(log, names, policy, content, keep) };
  };
  const first = await replay();
  return {
    inputs: first.records,
    expected: first.expected,
    async check({ exclude }) {
      const read = (keep: ReadonlySet<string>) => readPublished(c, { service: EXPOSURE, events: CREDIT_HOLDS, snapshots: SNAPSHOTS, exclude, keep });
      const result = compare(first.expected, await read(new Set()), true);
      let samplesFile: string | undefined;
      if (result.differences > 0) {
        const keys = sampleKeys(result.events, result.snapshots, result.deadLetters);
        samplesFile = await writeSamples(c, EXPOSURE, keys, (await replay(keys)).expected, await read(keys));
      }
      return { service: EXPOSURE, inputs: first.records, ...result, ...(samplesFile ? { samplesFile } : {}) };
    },
  };
}

export async function delinquencyReference(c: CheckContext): Promise<Reference> {
  const { INVOICES, PAYMENTS, CUSTOMERS, DELINQUENCY: EVENTS } = c.topics;
  const config = loadDelinquencyConfig({ ...c.serviceEnv });
  const domain = () =>
    new DelinquencyDomain({
      topics: c.topics,
      policy: config.policy,
      service: DELINQUENCY,
      now: () => new Date(0),
      sameDayOrder: config.DELINQUENCY_SAME_DAY_ORDER,
    });
  const names = { invoices: INVOICES.name, payments: PAYMENTS.name, customers: CUSTOMERS.name };
  const content = async (e: DelinquencyEvent) => digestOf(await c.serde.encode(EVENTS, e));
  const replay = async (keep?: ReadonlySet<string>) => {
    const { log, records } = await readInputs<InputEvent>(c, [INVOICES, PAYMENTS, CUSTOMERS]);
    return { records, expected: await replayDelinquency(log, names, domain(), content, keep) };
  };
  const first = await replay();
  return {
    inputs: first.records,
    expected: first.expected,
    async check({ exclude }) {
      const read = (keep: ReadonlySet<string>) => readPublished(c, { service: DELINQUENCY, events: EVENTS, exclude, keep });
      const result = compare(first.expected, await read(new Set()), false);
      let samplesFile: string | undefined;
      if (result.differences > 0) {
        const keys = sampleKeys(result.events, result.deadLetters);
        samplesFile = await writeSamples(c, DELINQUENCY, keys, (await replay(keys)).expected, await read(keys));
      }
      return { service: DELINQUENCY, inputs: first.records, ...result, ...(samplesFile ? { samplesFile } : {}) };
    },
  };
}
