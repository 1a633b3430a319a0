// The backtest as a function: a ledger's bytes and the policy files in, every policy's figures out. main.ts reads
// the files and prints; the tests call this directly.
import { ledgerSourceId } from '../../import-ledger/src/replay.ts';
import { readLedger, type RejectedRow } from '../../import-ledger/src/rows.ts';
import { isoFromDay } from '../../../shared/time.ts';
import type { LedgerMapping } from '../../import-ledger/src/mapping.ts';
import { policyFigures, type PolicyFigures } from './metrics.ts';
import type { BacktestPolicy } from './policy.ts';
import { replayPolicy } from './replay.ts';

export interface PolicyColumn {
  readonly name: string;
  readonly file: string;
  readonly creditLimit: string;
  readonly policyVersion: string;
  /** Inputs the cores rejected (the pipeline's dead letters): 0 on a valid ledger. */
  readonly rejectedInputs: number;
  readonly figures: PolicyFigures;
}

export interface BacktestResult {
  readonly file: string;
  readonly currency: string;
  readonly validRows: number;
  readonly rejectedRows: readonly RejectedRow[];
  readonly partitions: number;
  readonly customers: number;
  readonly firstDate: string;
  readonly endDate: string;
  readonly policies: readonly PolicyColumn[];
}

export interface BacktestInput {
  readonly file: string;
  readonly bytes: Buffer;
  readonly mapping: LedgerMapping;
  readonly policies: readonly BacktestPolicy[];
  readonly partitions: number;
  readonly endDay?: number;
}

export async function backtest(input: BacktestInput): Promise<BacktestResult> {
  if (input.policies.length === 0) throw new RangeError('a backtest needs at least one policy');
  const { rows, rejected } = readLedger(input.bytes.toString('utf8'), input.mapping);
  if (rows.length === 0) throw new Error(`${input.file}: no valid rows to replay (${rejected.length} rejected)`);
  const options = {
    sourceId: ledgerSourceId(input.bytes),
    currency: input.mapping.currency,
    partitions: input.partitions,
    ...(input.endDay === undefined ? {} : { endDay: input.endDay }),
  };
  const columns: PolicyColumn[] = [];
  let summary;
  for (const policy of input.policies) {
    const replay = await replayPolicy(rows, policy, options);
    summary = replay.summary;
    columns.push({
      name: policy.name,
      file: policy.file,
      creditLimit: policy.creditLimit.label,
      policyVersion: policy.exposure.policyVersion,
      rejectedInputs: replay.rejected,
      figures: policyFigures(replay.book, replay.holds),
    });
  }
  return {
    file: input.file,
    currency: input.mapping.currency,
    validRows: rows.length,
    rejectedRows: rejected,
    partitions: input.partitions,
    customers: summary!.customers,
    firstDate: isoFromDay(summary!.firstDay),
    endDate: isoFromDay(summary!.endDay),
    policies: columns,
  };
}
