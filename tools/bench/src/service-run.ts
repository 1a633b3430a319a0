// One service end to end on the pre-loaded topics: its own process (services/<name>/src/main.ts), in the run's
// namespace, from an empty state; caught up once its /metrics count as consumed and settled every record of each
// input topic (the topics are new, so a topic's end offsets sum to its record count). The rate is taken between
// the first reading that shows progress and the catch-up, so the process start and the group join are left out; so
// is its CPU time per event (from the process_cpu_* counters of the same /metrics readings). Its RSS is the reading
// at the catch-up.
import type { TopicRegistry } from '../../../shared/contracts/topics.ts';
import { inputTopics as exposureInputs } from '../../../services/exposure/src/service.ts';
import { notificationsInputs } from '../../../services/notifications/src/service.ts';
import { sleep } from '../../lib/cli.ts';
import { readService } from '../../demo/src/pipeline-state.ts';
import { parsePromText, sumOf, type Sample } from '../../demo/src/prom-text.ts';
import { freePort, ServiceProcess, tailOf, type ServiceName } from '../../demo/src/service-process.ts';

/** The topics each service consumes, as its service.ts subscribes them. */
export const SERVICE_INPUTS: Readonly<Record<ServiceName, (t: TopicRegistry) => ReadonlyArray<{ name: string }>>> = {
  exposure: exposureInputs,
  delinquency: (t) => [t.INVOICES, t.PAYMENTS, t.CUSTOMERS],
  scoring: (t) => [t.INVOICES, t.PAYMENTS, t.CUSTOMERS],
  notifications: notificationsInputs,
  reporting: (t) => [t.CUSTOMERS, t.CUSTOMER_CHANGES, t.ORDERS, t.INVOICES, t.PAYMENTS, t.CREDIT_HOLDS, t.DELINQUENCY, t.EXPOSURE],
};

const HEALTHY_WITHIN_MS = 120_000;
const POLL_MS = 100;

export interface ServiceRun {
  /** Every record of its input topics. */
  readonly records: number;
  /** Records settled between the first reading with progress and the catch-up, and the time that took. */
  readonly measured: { readonly records: number; readonly ms: number };
  /** From spawning the process to the catch-up. */
  readonly wallMs: number;
  /** CPU time (user + system) per record measured, µs. */
  readonly cpuMicrosPerEvent: number;
  /** Resident set size at the catch-up. */
  readonly rssBytes: number;
}

export interface ProcessFigures {
  /** CPU time (user + system) used so far. */
  readonly cpuSeconds: number;
  readonly rssBytes: number;
}

/** Node's default process metrics, as every service's registry has them (shared/metrics.ts). */
export const processFigures = (samples: readonly Sample[]): ProcessFigures => ({
  cpuSeconds: sumOf(samples, 'process_cpu_user_seconds_total') + sumOf(samples, 'process_cpu_system_seconds_total'),
  rssBytes: sumOf(samples, 'process_resident_memory_bytes'),
});

/** The service's process figures now. */
export const readProcess = async (service: ServiceProcess): Promise<ProcessFigures> => processFigures(parsePromText(await service.metrics()));

/** Starts the service and resolves, the service still running, once it has caught up with its inputs. */
export async function runToCatchUp(o: {
  service: ServiceProcess;
  startedAt: number;
  ends: ReadonlyMap<string, number>;
  signal: AbortSignal;
  onProgress: (consumed: number, total: number) => void;
}): Promise<ServiceRun> {
  const total = [...o.ends.values()].reduce((a, b) => a + b, 0);
  await o.service.waitHealthy(HEALTHY_WITHIN_MS);
  let first: { at: number; consumed: number; cpuSeconds: number } | undefined;
  let shown = 0;
  for (; ; await sleep(POLL_MS)) {
    o.signal.throwIfAborted();
    if (!o.service.running) throw new Error(`${o.service.name} exited; the end of ${o.service.logFile}:\n${await tailOf(o.service.logFile)}`);
    const text = await o.service.metrics().catch(() => undefined); // busy with a batch: the next poll will do
    if (text === undefined) continue;
    const at = Date.now(); // the counters were read just before the answer
    const samples = parsePromText(text);
    const byTopic = readService(o.service.name, samples).consumedByTopic;
    const consumed = [...o.ends.keys()].reduce((s, t) => s + Math.min(byTopic.get(t) ?? 0, o.ends.get(t)!), 0);
    const figures = processFigures(samples);
    if (consumed > 0) first ??= { at, consumed, cpuSeconds: figures.cpuSeconds };
    if (consumed >= total) {
      // A run so small that it was done by the first reading is timed from the spawn (its CPU time from the start).
      const since = first!.consumed < consumed ? first! : { at: o.startedAt, consumed: 0, cpuSeconds: 0 };
      const measured = { records: consumed - since.consumed, ms: at - since.at };
      const cpuMicrosPerEvent = Math.round(((figures.cpuSeconds - since.cpuSeconds) * 1e6) / measured.records);
      return { records: total, measured, wallMs: at - o.startedAt, cpuMicrosPerEvent, rssBytes: figures.rssBytes };
    }
    if (at - shown >= 1000) {
      o.onProgress(consumed, total);
      shown = at;
    }
  }
}

export async function startService(
  name: ServiceName,
  o: { repoRoot: string; logDir: string; env: Readonly<Record<string, string | undefined>> },
): Promise<ServiceProcess> {
  return ServiceProcess.start({ name, repoRoot: o.repoRoot, logDir: o.logDir, port: await freePort(), env: o.env });
}
