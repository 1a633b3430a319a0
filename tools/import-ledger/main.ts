// npm run import-ledger -- FILE [--mapping F] [--credit-limit 50000|3x-monthly] [--end-date YYYY-MM-DD]
//                          [--partitions P] [--currency EUR] [--dry-run] [--batch-size 1000]
// Replays an AR export into the input topics in event time: those of the namespace O2C_TOPIC_PREFIX names (default:
// the production names), on KAFKA_BROKERS with schemas in SCHEMA_REGISTRY_URL. Prints the rows it rejected (line and
// reasons) and the counts, produces the rest through the serde and exits 0 once every record is acknowledged;
// non-zero only when the file or mapping cannot be read or no row is valid. --dry-run reads, validates and counts
// without producing.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { dayFromIso, isoFromDay } from '../../shared/time.ts';
import { endProgress, formatCount, progressLine, runMain, sleep } from '../lib/cli.ts';
import { loadToolConfig, openEventSink, toolLogger, toolTopics } from '../lib/kafka-sink.ts';
import { pump } from '../lib/pump.ts';
import { DEFAULT_CREDIT_LIMIT, parseCreditLimit } from './src/credit-policy.ts';
import { AR_LATE_PAYMENTS, parseMapping, type LedgerMapping } from './src/mapping.ts';
import { ledgerReplay } from './src/replay.ts';
import { readLedger } from './src/rows.ts';

const USAGE = `usage: npm run import-ledger -- FILE [--mapping FILE.json] [--credit-limit 50000|3x-monthly]
       [--end-date YYYY-MM-DD] [--partitions N] [--currency EUR] [--dry-run] [--batch-size N]`;

runMain(async () => {
  const { values: flags, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      mapping: { type: 'string' },
      'credit-limit': { type: 'string' },
      'end-date': { type: 'string' },
      partitions: { type: 'string' },
      currency: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'batch-size': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 1) throw new Error(`give exactly one FILE\n${USAGE}`);
  const file = positionals[0]!;
  const config = loadToolConfig('import-ledger');
  const partitions = flags.partitions === undefined ? config.KAFKA_PARTITIONS : Number(flags.partitions);
  if (!Number.isSafeInteger(partitions) || partitions < 1) throw new Error(`--partitions must be an integer >= 1\n${USAGE}`);
  const batchSize = flags['batch-size'] === undefined ? 1000 : Number(flags['batch-size']);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new Error(`--batch-size must be an integer >= 1\n${USAGE}`);

  let mapping: LedgerMapping = flags.mapping === undefined ? AR_LATE_PAYMENTS : parseMapping(await readFile(flags.mapping, 'utf8'));
  if (flags.currency !== undefined) {
    if (!/^[A-Z]{3}$/.test(flags.currency)) throw new Error(`--currency must be an ISO 4217 code\n${USAGE}`);
    mapping = { ...mapping, currency: flags.currency };
  }
  const creditLimit = parseCreditLimit(flags['credit-limit'] ?? DEFAULT_CREDIT_LIMIT, mapping.amountScale);
  const bytes = await readFile(file);
  const { rows, rejected } = readLedger(bytes.toString('utf8'), mapping);

  for (const r of rejected) process.stdout.write(`line ${r.line}: ${r.reasons.join('; ')}\n`);
  process.stdout.write(`${file}: ${formatCount(rows.length)} valid rows, ${formatCount(rejected.length)} rejected\n`);
  if (rows.length === 0) throw new Error('no valid rows to import');

  const replay = ledgerReplay(rows, {
    // Same bytes, same ids: a re-import is recognisable as the same history.
    sourceId: `ledger:${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}`,
    currency: mapping.currency,
    partitions,
    creditLimit,
    ...(flags['end-date'] === undefined ? {} : { endDay: dayFromIso(flags['end-date']) }),
  });
  const s = replay.summary;
  process.stdout.write(
    `${formatCount(s.customers)} customers (limit policy ${creditLimit.label}), ${formatCount(s.orders)} orders, ` +
      `${formatCount(s.invoices)} invoices, ${formatCount(s.disputes)} disputes, ${formatCount(s.payments)} payments, ` +
      `${formatCount(s.ticks)} ticks (${isoFromDay(s.firstDay)} .. ${isoFromDay(s.endDay)}, ${partitions} partitions): ` +
      `${formatCount(replay.records.length)} records\n`,
  );
  if (flags['dry-run']) return 0;

  const logger = toolLogger('import-ledger', config);
  const sink = await openEventSink({ ...config, KAFKA_PARTITIONS: partitions }, logger, toolTopics(config));
  try {
    const done = await pump(replay.records, (batch) => sink.producer.send(batch), {
      batchSize,
      rate: Infinity,
      clock: Date.now,
      sleep,
      onProgress: (p) =>
        progressLine(`${formatCount(p.sent)} / ${formatCount(replay.records.length)} records acknowledged`),
    });
    endProgress();
    process.stdout.write(
      `produced ${formatCount(done.sent)} records to ${config.O2C_TOPIC_PREFIX}o2c.* in ` +
        `${(done.elapsedMs / 1000).toFixed(1)} s, all acknowledged\n`,
    );
  } finally {
    await sink.close();
  }
  return 0;
});
