// What a bench run found: the figures as one JSON-ready object (with the machine they were measured on), and the
// table printed at the end, each throughput with its ratio to the no-op kafkajs consumer and to ConsumerPerformance.
import { cpus, release, totalmem, type as osType } from 'node:os';
import { formatCount } from '../../lib/cli.ts';
import type { LatencyRun } from './decision-latency.ts';
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

export interface Throughput {
  readonly step: ThroughputStep;
  /** Records of the topics it read. */
  readonly records: number;
  /** The records and time the rate is taken over (a service's start-up is left out). */
  readonly measured: { readonly records: number; readonly seconds: number };
  readonly eventsPerSecond: number;
  /** A service's time from spawn to caught up. */
  readonly wallSeconds?: number;
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
  };
  readonly preload: { readonly events: number; readonly seconds: number; readonly eventsPerSecond: number };
  readonly throughput: readonly Throughput[];
  readonly latency?: LatencyRun & { readonly rate: number };
}

export const throughput = (step: ThroughputStep, records: number, measured: { records: number; ms: number }, wallMs?: number): Throughput => ({
  step,
  records,
  measured: { records: measured.records, seconds: measured.ms / 1000 },
  eventsPerSecond: Math.round((measured.records * 1000) / Math.max(1, measured.ms)),
  ...(wallMs === undefined ? {} : { wallSeconds: wallMs / 1000 }),
});

const LABELS: Readonly<Record<ThroughputStep, string>> = {
  'consumer-perf': 'Kafka ConsumerPerformance (JVM)',
  raw: 'kafkajs eachBatch, no-op',
  exposure: 'exposure service, end to end',
  delinquency: 'delinquency service, end to end',
  reporting: 'reporting service, end to end',
};

/** Two decimals, or two significant digits below 0.1 (a service at a thousandth of the raw rate is not 0.00). */
function ratio(row: Throughput, base: Throughput | undefined): string {
  if (base === undefined) return '-';
  const r = row.eventsPerSecond / base.eventsPerSecond;
  return r >= 0.1 ? r.toFixed(2) : r.toPrecision(2);
}

/** A Markdown table, so the README can quote it as printed. */
export function formatTable(r: BenchResult): string {
  const raw = r.throughput.find((t) => t.step === 'raw');
  const perf = r.throughput.find((t) => t.step === 'consumer-perf');
  const m = r.machine;
  const out = [
    `${formatCount(r.settings.events)} simulator events (${formatCount(r.settings.customers)} customers, seed ${r.settings.seed}, ` +
      `${r.settings.partitions} partitions); ${m.cpus} x ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}`,
    '',
    '| step | records | events/s | vs kafkajs | vs ConsumerPerformance |',
    '|---|---:|---:|---:|---:|',
    ...r.throughput.map(
      (t) => `| ${LABELS[t.step]} | ${formatCount(t.records)} | ${formatCount(t.eventsPerSecond)} | ${ratio(t, raw)} | ${ratio(t, perf)} |`,
    ),
  ];
  if (r.latency) {
    const l = r.latency;
    out.push(
      '',
      `order-to-decision latency at ${formatCount(l.rate)} orders/s: p50 ${l.p50Ms} ms, p99 ${l.p99Ms} ms, ` +
        `max ${l.maxMs} ms (${formatCount(l.decided)} of ${formatCount(l.orders)} orders decided)`,
    );
  }
  return `${out.join('\n')}\n`;
}
