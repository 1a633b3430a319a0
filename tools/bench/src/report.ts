// What a bench run found: the figures as one JSON-ready object (with the machine they were measured on), and the
// table printed at the end: each throughput with its ratio to the no-op kafkajs consumer and to ConsumerPerformance,
// each service's CPU time per event, RSS and Redis bytes per customer at the end of its replay, and the count of
// differences between what it published and its core's replay of the same topics (which must be 0).
import { cpus, release, totalmem, type as osType } from 'node:os';
import { formatCount } from '../../lib/cli.ts';
import type { LatencyClock, LatencyRun } from './decision-latency.ts';
import type { DeterminismCheck } from './determinism-check.ts';
import type { Differences } from './determinism.ts';
import type { Step } from './options.ts';

export interface Machine {
  readonly cpuModel: string;
  readonly cpus: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
}

export const thisMachine = (): Machine => ({
  cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
  cpus: cpus().length,
  memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  os: `${osType()} ${release()}`,
  node: process.version,
});

export type ThroughputStep = Exclude<Step, 'latency'>;

/** A service's own figures, at the catch-up of its replay. */
export interface ServiceFigures {
  /** CPU time (user + system) per record over the measured window, µs. */
  readonly cpuMicrosPerEvent: number;
  readonly rssBytes: number;
  /** MEMORY USAGE over the service's keys, and per simulated customer. */
  readonly redisKeys: number;
  readonly redisBytes: number;
  readonly redisBytesPerCustomer: number;
}

export interface Throughput {
  readonly step: ThroughputStep;
  /** Records of the topics it read. */
  readonly records: number;
  /** The records and time the rate is taken over (a service's start-up is left out). */
  readonly measured: { readonly records: number; readonly seconds: number };
  readonly eventsPerSecond: number;
  /** A service's time from spawn to caught up. */
  readonly wallSeconds?: number;
  readonly service?: ServiceFigures;
  /** events/s over the no-op kafkajs consumer's in the same run (set once the run is over). */
  readonly vsKafkajs?: number;
}

export interface LatencyResult extends LatencyRun {
  readonly rate: number;
  /** The exposure service's CPU time per order while the step ran, µs. */
  readonly cpuMicrosPerOrder: number;
  /** The exposure service's RSS at the end of the step. */
  readonly rssBytes: number;
}

export interface BenchResult {
  readonly at: string;
  readonly runId: string;
  readonly machine: Machine;
  readonly settings: {
    readonly events: number;
    readonly customers: number;
    readonly seed: number;
    readonly partitions: number;
    readonly latencyRate: number;
    readonly latencySeconds: number;
    readonly latencyClocks: readonly LatencyClock[];
  };
  readonly preload: { readonly events: number; readonly seconds: number; readonly eventsPerSecond: number; readonly lastEventAt: string };
  readonly throughput: readonly Throughput[];
  /** Per service run: what it published against its core's replay; `differences` must be 0. */
  readonly determinism: readonly DeterminismCheck[];
  readonly latency: readonly LatencyResult[];
}

export const throughput = (step: ThroughputStep, records: number, measured: { records: number; ms: number }, wallMs?: number): Throughput => ({
  step,
  records,
  measured: { records: measured.records, seconds: measured.ms / 1000 },
  eventsPerSecond: Math.round((measured.records * 1000) / Math.max(1, measured.ms)),
  ...(wallMs === undefined ? {} : { wallSeconds: wallMs / 1000 }),
});

/** Each row with its ratio to the no-op kafkajs consumer's rate, when that was measured. */
export function withRatios(rows: readonly Throughput[]): Throughput[] {
  const raw = rows.find((t) => t.step === 'raw');
  return rows.map((t) => (raw ? { ...t, vsKafkajs: Number((t.eventsPerSecond / raw.eventsPerSecond).toPrecision(3)) } : t));
}

const LABELS: Readonly<Record<ThroughputStep, string>> = {
  'consumer-perf': 'Kafka ConsumerPerformance (JVM)',
  raw: 'kafkajs eachBatch, no-op',
  exposure: 'exposure service, end to end',
  delinquency: 'delinquency service, end to end',
  reporting: 'reporting service, end to end',
};

const CLOCKS: Readonly<Record<LatencyClock, string>> = {
  event: 'event time continuing the history',
  wall: 'wall-clock event time',
};

/** Two decimals, or two significant digits below 0.1 (a service at a thousandth of the raw rate is not 0.00). */
function ratio(row: Throughput, base: Throughput | undefined): string {
  if (base === undefined) return '-';
  const r = row.eventsPerSecond / base.eventsPerSecond;
  return r >= 0.1 ? r.toFixed(2) : r.toPrecision(2);
}

const mib = (bytes: number): string => formatCount(bytes / 2 ** 20);

const counts = (name: string, d: Differences): string =>
  `${name} ${formatCount(d.expected)} derived / ${formatCount(d.published)} published: ` +
  `${formatCount(d.missing)} missing, ${formatCount(d.extra)} extra, ${formatCount(d.different)} other contents`;

function determinismLine(c: DeterminismCheck): string {
  const parts = [
    counts(c.service === 'exposure' ? 'credit-holds events' : 'delinquency events', c.events),
    ...(c.snapshots ? [counts('final snapshots (customers)', c.snapshots)] : []),
    counts('dead letters', c.deadLetters),
  ];
  const where = c.samplesFile ? `; both sides of some in ${c.samplesFile}` : '';
  return `determinism, ${c.service}: ${formatCount(c.differences)} differences from the core's replay of ` +
    `${formatCount(c.inputs)} inputs (${parts.join('; ')})${where}`;
}

/** A Markdown table, so the README can quote it as printed. */
export function formatTable(r: BenchResult): string {
  const raw = r.throughput.find((t) => t.step === 'raw');
  const perf = r.throughput.find((t) => t.step === 'consumer-perf');
  const m = r.machine;
  const differences = (t: Throughput): string => {
    const c = r.determinism.find((d) => d.service === t.step);
    return c === undefined ? '-' : formatCount(c.differences);
  };
  const figures = (t: Throughput): string => {
    const f = t.service;
    if (f === undefined) return '- | - | -';
    return `${formatCount(f.cpuMicrosPerEvent)} | ${mib(f.rssBytes)} | ${formatCount(f.redisBytesPerCustomer)}`;
  };
  const out = [
    `${formatCount(r.settings.events)} simulator events (${formatCount(r.settings.customers)} customers, seed ${r.settings.seed}, ` +
      `${r.settings.partitions} partitions); ${m.cpus} x ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}`,
    '',
    '| step | records | events/s | vs kafkajs | vs ConsumerPerformance | CPU µs/event | RSS MiB | Redis B/customer | differences |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...r.throughput.map(
      (t) =>
        `| ${LABELS[t.step]} | ${formatCount(t.records)} | ${formatCount(t.eventsPerSecond)} | ${ratio(t, raw)} | ${ratio(t, perf)} | ` +
        `${figures(t)} | ${differences(t)} |`,
    ),
  ];
  if (r.determinism.length > 0) out.push('', ...r.determinism.map(determinismLine));
  if (r.latency.length > 0) out.push('');
  for (const l of r.latency) {
    out.push(
      `order-to-decision latency at ${formatCount(l.rate)} orders/s, ${CLOCKS[l.clock]} (from ${l.firstOrderAt}): ` +
        `p50 ${l.p50Ms} ms, p90 ${l.p90Ms} ms, p99 ${l.p99Ms} ms, max ${l.maxMs} ms (${formatCount(l.decided)} of ${formatCount(l.orders)} orders decided; ` +
        `exposure CPU ${formatCount(l.cpuMicrosPerOrder)} µs/order, RSS ${mib(l.rssBytes)} MiB after); ` +
        `p99 of each second's orders: ${l.p99BySecondMs.map((v) => (Number.isNaN(v) ? '-' : String(v))).join(' ')} ms`,
    );
  }
  return `${out.join('\n')}\n`;
}

/** Every count of differences of the run, summed: what the bench exits on. */
export const totalDifferences = (r: Pick<BenchResult, 'determinism'>): number => r.determinism.reduce((s, c) => s + c.differences, 0);
