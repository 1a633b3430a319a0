// npm run bench -- [--events 1000000] [--customers N] [--seed 1] [--rate 2000] [--latency-seconds 20]
//                  [--latency-clock event,wall] [--only consumer-perf,raw,exposure,delinquency,reporting,latency]
// Figures, not a test: pre-loads simulator events into a namespace of its own on the stack (KAFKA_BROKERS,
// SCHEMA_REGISTRY_URL, REDIS_URL, DATABASE_URL, or the local stack's stack/.data/stack.env), measures Kafka's
// ConsumerPerformance, a no-op kafkajs consumer and each service end to end on those topics, and the
// order-to-decision latency at a steady rate; checks that each stateful service published exactly what its core
// derives from the same topics in event-time order; prints a table and writes bench/results/bench-<timestamp>.json.
// Exit 0 on success, 1 on a failure or any difference from the cores (after the table and the JSON), 2 on a bad
// flag, 130 when interrupted (the namespace is removed every time).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandLine, runMain } from '../lib/cli.ts';
import { parseBenchArgs, USAGE } from './src/options.ts';
import { formatTable, totalDifferences } from './src/report.ts';
import { runBench } from './src/run-bench.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

runMain(async () => {
  const options = parseCommandLine(() => parseBenchArgs(process.argv.slice(2)), USAGE);
  if (typeof options === 'number') return options;
  const interrupted = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => interrupted.abort());
  const say = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const result = await runBench(options, { repoRoot: REPO_ROOT, env: process.env, signal: interrupted.signal, say });
    const dir = join(REPO_ROOT, 'bench', 'results');
    const file = join(dir, `bench-${result.at.replace(/[:.]/g, '-')}.json`);
    await mkdir(dir, { recursive: true });
    await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
    say(`\n${formatTable(result)}\nwritten to ${file}`);
    const differences = totalDifferences(result);
    if (differences === 0) return 0;
    process.stderr.write(`${differences} differences between what the services published and their cores' replay\n`);
    return 1;
  } catch (e) {
    if (interrupted.signal.aborted) return 130;
    throw e;
  }
});
