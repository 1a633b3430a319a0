// npm run demo -- [--duration 60] [--rate 500] [--customers 200] [--days-per-second 1.5] [--seed 1]
//                 [--start-date YYYY-MM-DD] [--days N] [--json] [--no-stack-up]
// The whole pipeline with one command: the local stack (or the one KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL and
// DATABASE_URL name), a fresh namespace, a local SMTP sink, the five services as child processes, the simulator for
// --duration seconds with a live line, then a clean stop and a summary read back from Postgres and the sink.
// Exit 0 on success; 1 when a service died, never became healthy or did not stop cleanly (with its log's end);
// 2 on a bad flag; 130 when interrupted.
import { fileURLToPath } from 'node:url';
import { parseCommandLine, runMain } from '../lib/cli.ts';
import { parseDemoArgs, USAGE } from './src/options.ts';
import { runDemo } from './src/run-demo.ts';
import { formatSummary } from './src/summary.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

runMain(async () => {
  const options = parseCommandLine(() => parseDemoArgs(process.argv.slice(2)), USAGE);
  if (typeof options === 'number') return options;
  const interrupted = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!interrupted.signal.aborted) process.stderr.write(`\n${signal}: stopping the simulator and the services...\n`);
      interrupted.abort();
    });
  }
  const say = (text: string) => (options.json ? process.stderr : process.stdout).write(`${text}\n`);

  const { summary, failures } = await runDemo(options, { repoRoot: REPO_ROOT, env: process.env, signal: interrupted.signal, say });
  if (summary) process.stdout.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : `\n${formatSummary(summary)}`);
  for (const failure of failures) process.stderr.write(`\nerror: ${failure}\n`);
  if (failures.length > 0) return 1;
  return interrupted.signal.aborted ? 130 : 0;
});
