// Kafka's own consumer benchmark, org.apache.kafka.tools.ConsumerPerformance from the broker's jars (through
// stack/kafka-tool.sh), over the same pre-loaded topics as the kafkajs consumer: the ceiling a JVM client reaches on
// this machine. The 3.9 tool reads one topic per run, so it runs once per topic and the figures are summed; its
// fetch time leaves out the JVM start and the group join.
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export interface ConsumerPerfRun {
  readonly records: number;
  /** From the first fetch to the last record (fetch.time.ms). */
  readonly fetchMs: number;
}

/** The figures of the tool's output: a header line of comma-separated names, then one line of values. */
export function parseConsumerPerf(stdout: string): ConsumerPerfRun {
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const at = lines.findIndex((l) => l.startsWith('start.time'));
  const values = lines[at + 1]?.split(',').map((v) => v.trim());
  if (at < 0 || values === undefined) throw new Error(`unexpected ConsumerPerformance output:\n${stdout}`);
  const names = lines[at]!.split(',').map((n) => n.trim());
  const field = (name: string): number => {
    const n = Number(values[names.indexOf(name)]);
    if (!Number.isFinite(n)) throw new Error(`ConsumerPerformance output has no ${name}:\n${stdout}`);
    return n;
  };
  return { records: field('data.consumed.in.nMsg'), fetchMs: field('fetch.time.ms') };
}

export interface ConsumerPerfOptions {
  readonly repoRoot: string;
  readonly brokers: string;
  readonly topic: string;
  readonly records: number;
  readonly groupId: string;
}

export function runConsumerPerf(o: ConsumerPerfOptions): Promise<ConsumerPerfRun> {
  const args = [
    join(o.repoRoot, 'stack', 'kafka-tool.sh'),
    'org.apache.kafka.tools.ConsumerPerformance',
    ...['--bootstrap-server', o.brokers, '--topic', o.topic, '--messages', String(o.records), '--group', o.groupId],
    ...['--timeout', '60000'],
  ];
  return new Promise((resolve, reject) => {
    execFile('bash', args, { cwd: o.repoRoot, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`ConsumerPerformance on ${o.topic} failed: ${error.message}\n${stderr}`));
      else {
        try {
          resolve(parseConsumerPerf(stdout));
        } catch (e) {
          reject(e as Error);
        }
      }
    });
  });
}
