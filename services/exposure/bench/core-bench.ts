// npx tsx services/exposure/bench/core-bench.ts [--events 100000] [--batch 1000] [--orders 30000] [--seed 1]
//   [--policy services/exposure/credit-policy.example.json]
//
// Figures, not a test: the service's time and CPU (user + system: it moves less when the machine is shared) per event
// without Kafka or Redis, so a change to the in-process path (decode, core, encode, state serialization) can be
// measured in seconds and without the noise of a shared stack.
// The same batches as the service sees them: the generated history round by round, cut per partition into chunks of
// --batch records (a replay), then --orders OrderPlaced of the same customers in chunks of one per customer (the
// steady rate of exposure-bench's latency phase, where every order is its own small batch). Redis and the outbox
// publisher are in-memory stand-ins; their network cost is exposure-bench's to measure.
// CORE_PROF=<dir> writes a CPU profile of each phase there (replay.cpuprofile, orders.cpuprofile).
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { EventSerde } from '../../../shared/contracts/serde.ts';
import { FakeRegistry } from '../../../shared/contracts/test/fake-registry.ts';
import { topicRegistry, type TopicSpec } from '../../../shared/contracts/topics.ts';
import type { OutboxPublisher } from '../../../shared/redis/outbox-publisher.ts';
import type { BatchCommit, Committed, LoadedPartition, PartitionStore } from '../../../shared/redis/partition-store.ts';
import { BatchProcessor, type SourceRecord } from '../../../shared/stateful/batch-processor.ts';
import { ExposureDomain, type InputRecord } from '../src/adapters/exposure-domain.ts';
import { exposureEntityCodec, type ExposureEntity } from '../src/adapters/account-entities.ts';
import { creditPolicy, type ExposureInput } from '../src/domain/index.ts';
import { inputTopics } from '../src/service.ts';
import { loadExposureConfig, policyOf } from '../src/config.ts';
import { streamHistory, type Round } from '../test/stream-history.ts';

const { values: flags } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '1000' },
    orders: { type: 'string', default: '30000' },
    partitions: { type: 'string', default: '12' },
    seed: { type: 'string', default: '1' },
    // A CREDIT_POLICY_FILE to decide under (its class rules cost per decision); without it the default policy.
    policy: { type: 'string' },
  },
});
const EVENTS = Number(flags.events);
const BATCH = Number(flags.batch);
const ORDERS = Number(flags.orders);
const PARTITIONS = Number(flags.partitions);

/** Redis as the service uses it, in memory: the fields of each entity, offsets and a version per partition. */
class MemoryStore {
  private readonly parts = new Map<number, { version: number; offsets: Map<string, bigint>; states: Map<string, Map<string, string>> }>();
  private part(p: number) {
    let part = this.parts.get(p);
    if (!part) this.parts.set(p, (part = { version: 0, offsets: new Map(), states: new Map() }));
    return part;
  }
  async load(p: number, ids: readonly string[]): Promise<LoadedPartition> {
    const part = this.part(p);
    const states = new Map<string, Map<string, string>>();
    for (const id of ids) {
      const s = part.states.get(id);
      if (s !== undefined) states.set(id, new Map(s));
    }
    return { version: part.version, offsets: new Map(part.offsets), states, incomplete: null };
  }
  async commit(p: number, c: BatchCommit): Promise<Committed | 'stale'> {
    const part = this.part(p);
    if (part.version !== c.expectedVersion) return 'stale';
    for (const [id, change] of c.states) {
      if (change.kind === 'delete') {
        part.states.delete(id);
        continue;
      }
      const fields = change.kind === 'replace' ? new Map<string, string>() : (part.states.get(id) ?? new Map<string, string>());
      for (const [field, text] of change.fields) if (text === null) fields.delete(field); else fields.set(field, text);
      part.states.set(id, fields);
    }
    for (const [topic, next] of c.offsets) part.offsets.set(topic, next);
    part.version++;
    return { version: part.version, backlog: 0, entry: c.outbox.length === 0 ? null : { id: String(part.version), records: c.outbox } };
  }
  async due(): Promise<Map<string, number>> {
    return new Map();
  }
  /** Every stored state decodes, and encodes back to exactly the fields stored (the patches left none behind). */
  check(): void {
    for (const part of this.parts.values()) {
      for (const [id, fields] of part.states) {
        const again = exposureEntityCodec.encode(exposureEntityCodec.decode(fields, id));
        if (again.size !== fields.size || [...again].some(([f, t]) => fields.get(f) !== t)) throw new Error(`stored fields of ${id} are not its state's`);
      }
    }
  }
  bytes(): number {
    let n = 0;
    for (const part of this.parts.values()) for (const s of part.states.values()) for (const [f, t] of s) n += f.length + t.length;
    return n;
  }
}

const topics = topicRegistry('bench.');
const serde = new EventSerde(new FakeRegistry());
const specs = new Map<string, TopicSpec>(inputTopics(topics).map((s) => [s.name, s]));
const specOfTopic: Record<Round['topic'], TopicSpec> = {
  customers: topics.CUSTOMERS,
  orders: topics.ORDERS,
  invoices: topics.INVOICES,
  payments: topics.PAYMENTS,
  delinquency: topics.DELINQUENCY,
  actions: topics.CREDIT_ACTIONS,
};
const partitionOf = (customerId: string) => (customerId === '' ? 0 : Number(customerId.slice(1)) % PARTITIONS);

interface Raw {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer;
  value: Buffer;
}

const customers = Math.ceil(EVENTS / 110);
const history = streamHistory({ seed: Number(flags.seed), customers, episodes: 5, segments: 4 });
const nextOffset = new Map<string, number>();
const offsetFor = (topic: string, partition: number) => {
  const k = `${topic}/${partition}`;
  const o = nextOffset.get(k) ?? 0;
  nextOffset.set(k, o + 1);
  return String(o);
};
const encodeAll = async (spec: TopicSpec, events: ExposureInput[]): Promise<Raw[]> =>
  Promise.all(
    events.map(async (e) => {
      const partition = partitionOf(e.customerId);
      return { topic: spec.name, partition, offset: offsetFor(spec.name, partition), key: Buffer.from(e.customerId), value: await serde.encode(spec, e) };
    }),
  );

/** Chunks of one topic-partition, at most `size` records each, in offset order. */
function chunks(records: Raw[], size: number): Raw[][] {
  const byPartition = new Map<number, Raw[]>();
  for (const r of records) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
  const out: Raw[][] = [];
  for (const rs of byPartition.values()) for (let i = 0; i < rs.length; i += size) out.push(rs.slice(i, i + size));
  return out;
}

const replay: Raw[][] = [];
let loaded = 0;
for (const round of history.rounds) {
  const events = round.events.slice(0, EVENTS - loaded);
  if (events.length === 0) break;
  replay.push(...chunks(await encodeAll(specOfTopic[round.topic], events), BATCH));
  loaded += events.length;
}
// As exposure-bench: orders of the customers with nothing but EUR in their history (others may be pinned to another).
const foreign = new Set<string>();
for (const e of history.inputs) if ('currency' in e.payload && e.payload.currency !== 'EUR') foreign.add(e.customerId);
const eurCustomers = history.customerIds.filter((c) => !foreign.has(c));
const orders: Raw[][] = [];
const placed = Array.from({ length: ORDERS }, (_, n): ExposureInput => ({
  eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  eventType: 'OrderPlaced',
  occurredAt: Date.UTC(2026, 5, 1) + n,
  customerId: eurCustomers[n % eurCustomers.length]!,
  source: 'bench',
  causationId: null,
  payload: { orderId: `B-${n}`, amount: 100, currency: 'EUR' },
}));
for (const r of await encodeAll(topics.ORDERS, placed)) orders.push([r]);

// As prepareContracts does at the service's start: the outputs' schema ids are known before the first batch.
await Promise.all([topics.CREDIT_HOLDS, topics.EXPOSURE].map((spec) => serde.schemaId(spec)));
const store = new MemoryStore();
const policy = flags.policy === undefined
  ? creditPolicy({ policyVersion: 'bench' })
  : policyOf(loadExposureConfig({ KAFKA_BROKERS: 'x:9092', SCHEMA_REGISTRY_URL: 'http://x', REDIS_URL: 'redis://x', CREDIT_POLICY_FILE: flags.policy }));
const domain = new ExposureDomain({ topics, policy });
const publisher = { publish: async (_p: number, c: Committed) => c.entry?.records.length ?? 0, flush: async () => 0 };
const processor = new BatchProcessor<InputRecord, ExposureEntity>({
  domain,
  store: store as unknown as PartitionStore,
  publisher: publisher as unknown as OutboxPublisher,
  encode: (spec, event) => serde.encodeSync(spec, event),
  toDlq: (r) => ({ topic: 'dlq', key: '', value: r.value ?? Buffer.alloc(0) }),
  logStartOffset: async () => 0n,
});

const profiler = process.env.CORE_PROF ? new Session() : undefined;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
}

async function run(name: string, batches: Raw[][]): Promise<{ events: number; ms: number; cpuMs: number }> {
  await profiler?.post('Profiler.start');
  let events = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (const batch of batches) {
    const source: Array<SourceRecord<InputRecord>> = [];
    for (const r of batch) {
      const event = (await serde.decode(specs.get(r.topic)!, r.value)) as ExposureInput;
      const record: InputRecord = { ...r, timestamp: 0, headers: {}, event };
      source.push({ ...r, event: record });
    }
    const outcome = await processor.process(source);
    if (outcome.kind !== 'done') throw new Error(`unexpected ${outcome.kind}`);
    events += batch.length;
  }
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    await writeFile(`${process.env.CORE_PROF}/${name}.cpuprofile`, JSON.stringify(profile));
  }
  return { events, ms, cpuMs: (used.user + used.system) / 1000 };
}

const a = await run('replay', replay);
const b = await run('orders', orders);
store.check();
const line = (name: string, r: { events: number; ms: number; cpuMs: number }) =>
  `| ${name.padEnd(38)} | ${String(r.events).padStart(7)} | ${((r.ms * 1000) / r.events).toFixed(1).padStart(8)} | ${((r.cpuMs * 1000) / r.events).toFixed(1).padStart(8)} |`;
process.stdout.write(
  [
    `${customers} customers, ${PARTITIONS} partitions; state in the store at the end: ${(store.bytes() / customers / 1024).toFixed(1)} KB per customer`,
    '| phase                                  |  events | wall µs/event | CPU µs/event |',
    '|----------------------------------------|--------:|---------:|---------:|',
    line(`replay, chunks of <= ${BATCH}`, a),
    line('steady orders, one per chunk', b),
    '',
  ].join('\n'),
);
