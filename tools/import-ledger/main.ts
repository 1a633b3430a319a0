// npm run import-ledger -- FILE [--mapping F] [--credit-limit 1000000|50000|3x-monthly] [--end-date YYYY-MM-DD]
//                          [--partitions P] [--currency EUR] [--dry-run] [--batch-size 1000] [--json]
// Replays an AR export into the input topics in event time: those of the namespace O2C_TOPIC_PREFIX names (default:
// the production names), on KAFKA_BROKERS with schemas in SCHEMA_REGISTRY_URL (default: the local stack's
// addresses). Prints the rows it rejected (line and reasons) and the counts, produces the rest through the serde
// and exits 0 once every record is acknowledged; --dry-run reads, validates and counts without producing; --json
// prints the summary as one JSON object on stdout (rejected rows on stderr, no progress line). Exit 1 when the file
// or mapping cannot be read or no row is valid, 2 on a bad flag.
import { readFile } from 'node:fs/promises';
import { isoFromDay } from '../../shared/time.ts';
import { endProgress, formatCount, parseCommandLine, progressLine, runMain, sleep } from '../lib/cli.ts';
import { openEventSink, toolLogger } from '../lib/kafka-sink.ts';
import { countByTopic } from '../lib/out-record.ts';
import { pump } from '../lib/pump.ts';
import { loadToolConfig, toolTopics } from '../lib/tool-config.ts';
import { AR_LATE_PAYMENTS, parseMapping, type LedgerMapping } from './src/mapping.ts';
import { checkEndDay, creditLimitPolicy, parseImportLedgerArgs, USAGE } from './src/options.ts';
import { lastLedgerDay, ledgerReplay, ledgerSourceId } from './src/replay.ts';
import { readLedger } from './src/rows.ts';

runMain(async () => {
  const options = parseCommandLine(() => parseImportLedgerArgs(process.argv.slice(2)), USAGE);
  if (typeof options === 'number') return options;
  const { file } = options;
  const config = loadToolConfig('import-ledger');
  const partitions = options.partitions ?? config.KAFKA_PARTITIONS;
  const say = (text: string) => (options.json ? process.stderr : process.stdout).write(`${text}\n`);

  let mapping: LedgerMapping = options.mapping === undefined ? AR_LATE_PAYMENTS : parseMapping(await readFile(options.mapping, 'utf8'));
  if (options.currency !== undefined) mapping = { ...mapping, currency: options.currency };
  const creditLimit = creditLimitPolicy(options.creditLimit, mapping.amountScale);
  const bytes = await readFile(file);
  const { rows, rejected } = readLedger(bytes.toString('utf8'), mapping);

  for (const r of rejected) say(`line ${r.line}: ${r.reasons.join('; ')}`);
  if (!options.json) say(`${file}: ${formatCount(rows.length)} valid rows, ${formatCount(rejected.length)} rejected`);
  if (rows.length === 0) throw new Error(`${file}: no valid rows to import (${formatCount(rejected.length)} rejected)`);
  checkEndDay(options.endDay, lastLedgerDay(rows));

  const replay = ledgerReplay(rows, {
    sourceId: ledgerSourceId(bytes),
    currency: mapping.currency,
    partitions,
    creditLimit,
    endDay: options.endDay,
  });
  const s = replay.summary;
  const topics = toolTopics(config);
  const summary = {
    file,
    validRows: rows.length,
    rejectedRows: rejected.map((r) => ({ line: r.line, reasons: r.reasons })),
    creditLimit: creditLimit.label,
    currency: mapping.currency,
    partitions,
    customers: s.customers,
    orders: s.orders,
    invoices: s.invoices,
    disputes: s.disputes,
    payments: s.payments,
    ticks: s.ticks,
    firstDate: isoFromDay(s.firstDay),
    endDate: isoFromDay(s.endDay),
    records: replay.records.length,
    topics: countByTopic(replay.records, topics),
    dryRun: options.dryRun,
    produced: 0,
    elapsedSeconds: 0,
  };
  if (!options.json) {
    say(
      `${formatCount(s.customers)} customers (limit policy ${creditLimit.label}), ${formatCount(s.orders)} orders, ` +
        `${formatCount(s.invoices)} invoices, ${formatCount(s.disputes)} disputes, ${formatCount(s.payments)} payments, ` +
        `${formatCount(s.ticks)} ticks (${summary.firstDate} .. ${summary.endDate}, ${partitions} partitions): ` +
        `${formatCount(replay.records.length)} records`,
    );
  }

  if (!options.dryRun) {
    const logger = toolLogger('import-ledger', config);
    const sink = await openEventSink({ ...config, KAFKA_PARTITIONS: partitions }, logger, topics);
    try {
      const done = await pump(replay.records, (batch) => sink.producer.send(batch), {
        batchSize: options.batchSize,
        rate: Infinity,
        clock: Date.now,
        sleep,
        onProgress: options.json
          ? undefined
          : (p) => progressLine(`${formatCount(p.sent)} / ${formatCount(replay.records.length)} records acknowledged`),
      });
      summary.produced = done.sent;
      summary.elapsedSeconds = Number((done.elapsedMs / 1000).toFixed(1));
    } finally {
      await sink.close();
    }
    if (!options.json) {
      endProgress();
      say(
        `produced ${formatCount(summary.produced)} records to ${config.O2C_TOPIC_PREFIX}o2c.* in ` +
          `${summary.elapsedSeconds.toFixed(1)} s, all acknowledged`,
      );
    }
  }
  if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return 0;
});
