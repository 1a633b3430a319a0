import type { Queryable } from '../../../../shared/pg/pool.ts';
import { ROW_KINDS, ROW_SPECS, type Row, type RowSpec } from '../domain/row-specs.ts';
import type { RowOps } from '../domain/to-row-ops.ts';

// Writes the row operations of one batch on a client inside the caller's transaction: one multi-row
// INSERT ... ON CONFLICT per kind of row, then one recomputation of the invoices the batch touched. The sink wraps it
// as BEGIN -> writeRowOps -> commitOffsets -> COMMIT, so rows and offsets land together or not at all.

// Postgres takes at most 65,535 bind parameters per statement.
const MAX_PARAMS = 65_535;

const ident = (name: string): string => name.split('.').map((part) => `"${part}"`).join('.');

function onConflict(spec: RowSpec): string {
  const c = spec.conflict;
  const target = `ON CONFLICT (${spec.key.map(ident).join(', ')})`;
  if (c.kind === 'ignore') return `${target} DO NOTHING`;
  const t = ident(spec.table);
  const assignments = c.fill.map((col) => `${ident(col)} = coalesce(${t}.${ident(col)}, EXCLUDED.${ident(col)})`);
  if (c.version !== null) {
    const v = ident(c.version);
    const newer = `${t}.${v} IS NULL OR ${t}.${v} <= EXCLUDED.${v}`;
    for (const col of [...c.set, c.version]) {
      assignments.push(`${ident(col)} = CASE WHEN ${newer} THEN EXCLUDED.${ident(col)} ELSE ${t}.${ident(col)} END`);
    }
  }
  return `${target} DO UPDATE SET ${assignments.join(', ')}`;
}

/** The statements of one kind: as few as the parameter limit allows. */
export function insertStatements(spec: RowSpec, rows: readonly Row[]): Array<{ text: string; values: unknown[] }> {
  const width = spec.columns.length;
  const perStatement = Math.floor(MAX_PARAMS / width);
  const head = `INSERT INTO ${ident(spec.table)} (${spec.columns.map(ident).join(', ')}) VALUES `;
  const tail = ` ${onConflict(spec)}`;
  const statements: Array<{ text: string; values: unknown[] }> = [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const values: unknown[] = [];
    const tuples = chunk.map((row) => {
      const placeholders = spec.columns.map((col) => {
        if (!(col in row)) throw new TypeError(`${spec.table} row lacks column ${col}`);
        values.push(row[col]);
        return `$${values.length}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    statements.push({ text: head + tuples.join(', ') + tail, values });
  }
  return statements;
}

/** Applies a batch's row operations; returns the number of rows inserted or updated. */
export async function writeRowOps(client: Queryable, ops: RowOps): Promise<number> {
  let written = 0;
  for (const kind of ROW_KINDS) {
    for (const statement of insertStatements(ROW_SPECS[kind], ops.rows[kind])) {
      written += (await client.query(statement.text, statement.values)).rowCount ?? 0;
    }
  }
  if (ops.invoiceIds.length > 0 || ops.reversedPaymentIds.length > 0) {
    await client.query('SELECT reporting.refresh_invoices($1::text[], $2::text[])', [
      ops.invoiceIds,
      ops.reversedPaymentIds,
    ]);
  }
  return written;
}

// The sink's consumer offsets live next to its rows (reporting.applied_offsets), written in the batch's transaction;
// on start the sink seeks to them instead of trusting the Kafka group offsets.

export interface PartitionOffset {
  topic: string;
  partition: number;
  /** The offset of the next record to apply (Kafka's committed-offset convention), int64 as a string. */
  nextOffset: string;
}

/** Records the positions after a batch. An offset never moves back, so a stale instance cannot rewind it. */
export async function commitOffsets(client: Queryable, group: string, offsets: readonly PartitionOffset[]): Promise<void> {
  if (offsets.length === 0) return;
  await client.query(
    `INSERT INTO reporting.applied_offsets (consumer_group, topic, partition, next_offset)
     SELECT $1, o.topic, o.partition, o.next_offset
       FROM unnest($2::text[], $3::integer[], $4::bigint[]) AS o (topic, partition, next_offset)
     ON CONFLICT (consumer_group, topic, partition) DO UPDATE
        SET next_offset = greatest(applied_offsets.next_offset, EXCLUDED.next_offset), updated_at = now()`,
    [group, offsets.map((o) => o.topic), offsets.map((o) => o.partition), offsets.map((o) => o.nextOffset)],
  );
}

export async function readOffsets(client: Queryable, group: string): Promise<PartitionOffset[]> {
  const { rows } = await client.query<{ topic: string; partition: number; next_offset: string }>(
    `SELECT topic, partition, next_offset FROM reporting.applied_offsets
      WHERE consumer_group = $1 ORDER BY topic, partition`,
    [group],
  );
  return rows.map((r) => ({ topic: r.topic, partition: r.partition, nextOffset: r.next_offset }));
}
