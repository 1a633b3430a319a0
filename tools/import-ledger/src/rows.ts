// Reads an AR export into validated ledger rows. A bad row is reported with its line number and every reason it
// fails, and skipped; the rest go through. Only a file whose header lacks a mapped column is unreadable as a whole.
import { parse, type CsvError, type Info } from 'csv-parse/sync';
import { parseMinorUnits } from './amount.ts';
import { dateParser } from './dates.ts';
import type { LedgerMapping } from './mapping.ts';

export interface LedgerRow {
  /** Line of the file the row ends on (the header is line 1). */
  readonly line: number;
  readonly customerId: string;
  /** As written in the file, leading zeros kept. */
  readonly invoiceId: string;
  readonly invoiceDay: number;
  readonly dueDay: number;
  /** Minor units, > 0. */
  readonly amount: number;
  /** Null when the invoice is still open. */
  readonly settledDay: number | null;
  readonly disputed: boolean;
}

export interface RejectedRow {
  readonly line: number;
  readonly reasons: readonly string[];
}

export interface LedgerRead {
  readonly rows: readonly LedgerRow[];
  readonly rejected: readonly RejectedRow[];
}

/** The file cannot be read at all (its header lacks a mapped column). */
export class LedgerFormatError extends Error {
  override readonly name = 'LedgerFormatError';
}

export function readLedger(text: string, mapping: LedgerMapping): LedgerRead {
  const rejected: RejectedRow[] = [];
  const records = parse<Record<string, string | undefined>>(text, {
    columns: (header: string[]) => {
      const mapped = Object.values(mapping.columns);
      const missing = mapped.filter((c) => !header.includes(c));
      if (missing.length > 0) {
        throw new LedgerFormatError(`header lacks column(s) ${missing.join(', ')}; it has ${header.join(', ')}`);
      }
      return header;
    },
    info: true,
    bom: true,
    delimiter: mapping.delimiter,
    trim: true,
    skip_empty_lines: true,
    // A row with another number of fields than the header is rejected with its line, never read with the missing
    // fields empty (a short row would lose its settlement date and replay as unpaid).
    relax_column_count: false,
    skip_records_with_error: true,
    on_skip: (err: CsvError | undefined) => {
      if (err !== undefined) rejected.push({ line: Number(err.lines), reasons: [err.message] });
      return undefined;
    },
  }) as unknown as Array<{ info: Info; record: Record<string, string | undefined> }>;

  const date = dateParser(mapping.dateFormat);
  const cols = mapping.columns;
  const firstLine = new Map<string, number>();
  const rows: LedgerRow[] = [];

  for (const { info, record } of records) {
    const line = info.lines;
    const reasons: string[] = [];
    const field = (column: string) => (record[column] ?? '').trim();
    const required = (column: string): string => {
      const v = field(column);
      if (v === '') reasons.push(`missing ${column}`);
      return v;
    };
    const attempt = <T>(f: () => T, column: string): T | undefined => {
      try {
        return f();
      } catch (e) {
        reasons.push(`${column} ${(e as Error).message}`);
        return undefined;
      }
    };

    const customerId = required(cols.customerId);
    const invoiceId = required(cols.invoiceId);
    const dayOf = (column: string) => {
      const v = required(column);
      return v === '' ? undefined : attempt(() => date(v), column);
    };
    const invoiceDay = dayOf(cols.invoiceDate);
    const dueDay = dayOf(cols.dueDate);
    const written = required(cols.amount);
    const amountText = mapping.thousandsSeparator === null ? written : written.split(mapping.thousandsSeparator).join('');
    let amount =
      amountText === ''
        ? undefined
        : attempt(() => parseMinorUnits(amountText, mapping.amountScale, mapping.decimalSeparator), cols.amount);
    if (amount === 0) {
      reasons.push(`${cols.amount} must be positive, got "${written}"`);
      amount = undefined;
    }
    let settledDay: number | null | undefined = null;
    if (cols.settledDate !== undefined && field(cols.settledDate) !== '') {
      const v = field(cols.settledDate);
      settledDay = attempt(() => date(v), cols.settledDate);
    }
    let disputed = false;
    if (cols.disputed !== undefined) {
      const v = field(cols.disputed).toLowerCase();
      if (mapping.disputedYes.includes(v)) disputed = true;
      else if (!mapping.disputedNo.includes(v)) {
        reasons.push(`${cols.disputed} "${field(cols.disputed)}" is neither yes (${mapping.disputedYes.join('/')}) nor no`);
      }
    }
    if (invoiceDay !== undefined && dueDay !== undefined && dueDay < invoiceDay) {
      reasons.push(`${cols.dueDate} is before ${cols.invoiceDate}`);
    }
    if (invoiceDay !== undefined && typeof settledDay === 'number' && settledDay < invoiceDay) {
      reasons.push(`${cols.settledDate} is before ${cols.invoiceDate}`);
    }
    if (invoiceId !== '') {
      const first = firstLine.get(invoiceId);
      if (first !== undefined) reasons.push(`duplicate ${cols.invoiceId} ${invoiceId} (first on line ${first})`);
      else firstLine.set(invoiceId, line);
    }

    if (reasons.length > 0) {
      rejected.push({ line, reasons });
      continue;
    }
    rows.push({
      line,
      customerId,
      invoiceId,
      invoiceDay: invoiceDay!,
      dueDay: dueDay!,
      amount: amount!,
      settledDay: settledDay!,
      disputed,
    });
  }
  rejected.sort((a, b) => a.line - b.line);
  return { rows, rejected };
}
