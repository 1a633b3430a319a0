import { finished } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { Queryable } from '../../../../shared/pg/pool.ts';
import { ROW_KINDS, ROW_SPECS, type Cell, type Row, type RowKind, type RowSpec } from '../domain/row-specs.ts';
import type { RowOps } from '../domain/to-row-ops.ts';

// Writes the row operations of one batch on a client inside the caller's transaction, then recomputes the invoices
// the batch touched. The sink wraps it as BEGIN -> writeRowOps -> commitOffsets -> COMMIT, so rows and offsets land
// together or not at all.
//
// Per kind of row, one statement (multi-row INSERT ... VALUES spent its time on tens of thousands of bind parameters):
// - history kinds (the first row with a key stays): COPY straight into the table, under a savepoint. A key already
//   there (an event seen before at another offset) fails the COPY with a unique violation; the kind is then written
//   as an upsert, whose ON CONFLICT DO NOTHING keeps the stored row.
// - current-state kinds: INSERT ... SELECT from json_populate_recordset(the rows as one JSON parameter, typed by the
//   table's row type) ... ON CONFLICT with the kind's rule. Measured as fast as COPY into a temporary staging table
//   followed by INSERT ... SELECT, without per-session tables to create and empty.

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

interface KindSql {
  copy: string;
  upsert: string;
}

const SQL = Object.fromEntries(
  ROW_KINDS.map((kind) => {
    const spec: RowSpec = ROW_SPECS[kind];
    const table = ident(spec.table);
    const columns = spec.columns.map(ident).join(', ');
    return [kind, {
      copy: `COPY ${table} (${columns}) FROM STDIN`,
      upsert: `INSERT INTO ${table} (${columns}) SELECT ${columns}
                 FROM json_populate_recordset(NULL::${table}, $1::json) ${onConflict(spec)}`,
    }];
  }),
) as Record<RowKind, KindSql>;

// COPY text format: tab-separated, \N for NULL, backslash escapes for backslash, tab, newline and carriage return.
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const escapeText = (s: string): string => (NEEDS_ESCAPE.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : s);
/** A Postgres array literal of text elements, every element quoted. */
const arrayLiteral = (items: readonly string[]): string =>
  `{${items.map((s) => `"${s.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;

function copyCell(value: Cell): string {
  if (value === null) return '\\N';
  if (typeof value === 'string') return escapeText(value);
  if (typeof value === 'object') return escapeText(arrayLiteral(value));
  return String(value);
}

/** The COPY text of rows of one kind, in the spec's column order. */
export function copyText(spec: RowSpec, rows: readonly Row[]): string {
  const lines: string[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    let line = '';
    for (let c = 0; c < spec.columns.length; c++) {
      const col = spec.columns[c]!;
      const value = row[col];
      if (value === undefined) throw new TypeError(`${spec.table} row lacks column ${col}`);
      line += c === 0 ? copyCell(value) : `\t${copyCell(value)}`;
    }
    lines[r] = line;
  }
  return `${lines.join('\n')}\n`;
}

async function copyIn(client: Queryable, sql: string, text: string): Promise<number> {
  const stream = client.query(copyFrom(sql));
  stream.end(text);
  await finished(stream);
  return stream.rowCount;
}

const isUniqueViolation = (error: unknown): boolean => (error as { code?: unknown }).code === '23505';

async function upsert(client: Queryable, kind: RowKind, rows: readonly Row[]): Promise<number> {
  const spec: RowSpec = ROW_SPECS[kind];
  // JSON.stringify would drop the column and json_populate_recordset read it as NULL.
  for (const col of spec.columns) {
    if (rows.some((row) => row[col] === undefined)) throw new TypeError(`${spec.table} row lacks column ${col}`);
  }
  const { rowCount } = await client.query({
    name: `reporting_upsert_${kind}`,
    text: SQL[kind].upsert,
    values: [JSON.stringify(rows)],
  });
  return rowCount ?? 0;
}

async function copyOrUpsert(client: Queryable, kind: RowKind, rows: readonly Row[]): Promise<number> {
  await client.query('SAVEPOINT reporting_copy');
  try {
    const copied = await copyIn(client, SQL[kind].copy, copyText(ROW_SPECS[kind], rows));
    await client.query('RELEASE SAVEPOINT reporting_copy');
    return copied;
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await client.query('ROLLBACK TO SAVEPOINT reporting_copy');
    await client.query('RELEASE SAVEPOINT reporting_copy');
  }
  return upsert(client, kind, rows);
}

/** Applies a batch's row operations; returns the number of rows inserted or updated. */
export async function writeRowOps(client: Queryable, ops: RowOps): Promise<number> {
  let written = 0;
  for (const kind of ROW_KINDS) {
    const rows = ops.rows[kind];
    if (rows.length === 0) continue;
    const history = ROW_SPECS[kind].conflict.kind === 'ignore';
    written += history ? await copyOrUpsert(client, kind, rows) : await upsert(client, kind, rows);
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
