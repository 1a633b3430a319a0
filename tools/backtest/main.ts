// npm run backtest -- --policy A.json [--policy B.json ...] FILE [--mapping F] [--currency EUR] [--end-date YYYY-MM-DD]
//                     [--partitions N] [--json]
// Replays an AR export through the pure cores in memory under each policy and prints their figures side by side
// (src/report.ts), or as JSON with --json. Rejected rows of the file go to stderr. Exit 1 when a file cannot be read
// or no row is valid, 2 on a bad flag or policy file.
import { readFile } from 'node:fs/promises';
import { parseCommandLine, runMain, UsageError } from '../lib/cli.ts';
import { AR_LATE_PAYMENTS, parseMapping, type LedgerMapping } from '../import-ledger/src/mapping.ts';
import { backtest } from './src/backtest.ts';
import { parseBacktestArgs, USAGE } from './src/options.ts';
import { loadPolicyFile, PolicyFileError } from './src/policy.ts';
import { jsonReport, textReport } from './src/report.ts';

runMain(async () => {
  const options = parseCommandLine(() => parseBacktestArgs(process.argv.slice(2)), USAGE);
  if (typeof options === 'number') return options;
  const started = performance.now();
  let mapping: LedgerMapping = options.mapping === undefined ? AR_LATE_PAYMENTS : parseMapping(await readFile(options.mapping, 'utf8'));
  if (options.currency !== undefined) mapping = { ...mapping, currency: options.currency };
  const policies = options.policies.map((file) => {
    try {
      return loadPolicyFile(file, mapping.amountScale);
    } catch (e) {
      if (e instanceof PolicyFileError) throw new UsageError(e.message, 'see tools/backtest/README.md for the policy file');
      throw e;
    }
  });
  const names = policies.map((p) => p.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new UsageError(`two policies are named ${JSON.stringify(twice)}: give one a backtest.name`, USAGE);

  const result = await backtest({
    file: options.file,
    bytes: await readFile(options.file),
    mapping,
    policies,
    partitions: options.partitions,
    ...(options.endDay === undefined ? {} : { endDay: options.endDay }),
  });
  for (const r of result.rejectedRows) process.stderr.write(`line ${r.line}: ${r.reasons.join('; ')}\n`);
  const wallSeconds = Number(((performance.now() - started) / 1000).toFixed(2));
  process.stdout.write(options.json ? jsonReport(result, wallSeconds) : textReport(result, wallSeconds));
  return 0;
});
