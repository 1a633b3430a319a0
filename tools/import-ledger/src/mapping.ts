// How an AR export's columns map to the ledger fields the importer needs. The built-in mapping reads the layout of
// data/ar-late-payments.csv; other layouts come as a JSON file with the same shape.

export interface LedgerMapping {
  /** Header names of the columns; settledDate and disputed are optional (an export may hold open invoices). */
  readonly columns: {
    readonly customerId: string;
    readonly invoiceId: string;
    readonly invoiceDate: string;
    readonly dueDate: string;
    readonly amount: string;
    readonly settledDate?: string;
    readonly disputed?: string;
  };
  /** Date format with tokens YYYY, M/MM, D/DD, e.g. "M/D/YYYY", "DD.MM.YYYY", "YYYY-MM-DD". */
  readonly dateFormat: string;
  /** Decimal digits that make up minor units: 2 for major units of a cents currency, 0 for minor units. */
  readonly amountScale: number;
  readonly decimalSeparator: string;
  /** Digit grouping in amounts ("1.234,50"), removed before parsing; null when amounts are not grouped. */
  readonly thousandsSeparator: string | null;
  readonly delimiter: string;
  /** ISO 4217 code of every amount in the file. */
  readonly currency: string;
  /** Values of the disputed column meaning yes and no (compared case-insensitively, trimmed). */
  readonly disputedYes: readonly string[];
  readonly disputedNo: readonly string[];
}

export const AR_LATE_PAYMENTS: LedgerMapping = Object.freeze({
  columns: Object.freeze({
    customerId: 'customerID',
    invoiceId: 'invoiceNumber',
    invoiceDate: 'InvoiceDate',
    dueDate: 'DueDate',
    amount: 'InvoiceAmount',
    settledDate: 'SettledDate',
    disputed: 'Disputed',
  }),
  dateFormat: 'M/D/YYYY',
  amountScale: 2,
  decimalSeparator: '.',
  thousandsSeparator: null,
  delimiter: ',',
  currency: 'EUR',
  disputedYes: Object.freeze(['yes', 'y', 'true', '1']),
  disputedNo: Object.freeze(['no', 'n', 'false', '0', '']),
});

/** The most decimal digits a mapping's amountScale may name. */
export const MAX_AMOUNT_SCALE = 6;

const REQUIRED_COLUMNS = ['customerId', 'invoiceId', 'invoiceDate', 'dueDate', 'amount'] as const;
const OPTIONAL_COLUMNS = ['settledDate', 'disputed'] as const;

/** A mapping file's JSON over the built-in defaults; throws a RangeError naming the first bad field. */
export function parseMapping(json: string): LedgerMapping {
  const raw = JSON.parse(json) as Record<string, unknown>;
  const bad = (field: string, why: string): never => {
    throw new RangeError(`mapping: ${field} ${why}`);
  };
  const str = (field: string, value: unknown): string =>
    typeof value === 'string' && value.length > 0 ? value : bad(field, 'must be a non-empty string');
  const strings = (field: string, value: unknown): string[] =>
    Array.isArray(value) && value.every((v) => typeof v === 'string')
      ? value.map((v: string) => v.trim().toLowerCase())
      : bad(field, 'must be an array of strings');

  const cols = raw.columns;
  if (typeof cols !== 'object' || cols === null) return bad('columns', 'must be an object');
  const c = cols as Record<string, unknown>;
  const columns: Record<string, string> = {};
  for (const k of REQUIRED_COLUMNS) columns[k] = str(`columns.${k}`, c[k]);
  for (const k of OPTIONAL_COLUMNS) if (c[k] !== undefined) columns[k] = str(`columns.${k}`, c[k]);
  for (const k of Object.keys(c)) {
    if (!(REQUIRED_COLUMNS as readonly string[]).includes(k) && !(OPTIONAL_COLUMNS as readonly string[]).includes(k)) {
      bad(`columns.${k}`, 'is not a ledger field');
    }
  }

  const d = AR_LATE_PAYMENTS;
  const scale = raw.amountScale ?? d.amountScale;
  if (!Number.isInteger(scale) || (scale as number) < 0 || (scale as number) > MAX_AMOUNT_SCALE) {
    bad('amountScale', `must be an integer 0..${MAX_AMOUNT_SCALE}`);
  }
  const currency = str('currency', raw.currency ?? d.currency);
  if (!/^[A-Z]{3}$/.test(currency)) bad('currency', 'must be an ISO 4217 code');
  const decimalSeparator = str('decimalSeparator', raw.decimalSeparator ?? d.decimalSeparator);
  const thousandsSeparator =
    raw.thousandsSeparator === undefined || raw.thousandsSeparator === null
      ? null
      : str('thousandsSeparator', raw.thousandsSeparator);
  if (thousandsSeparator === decimalSeparator) bad('thousandsSeparator', 'must differ from decimalSeparator');
  return Object.freeze({
    columns: Object.freeze(columns as unknown as LedgerMapping['columns']),
    dateFormat: str('dateFormat', raw.dateFormat ?? d.dateFormat),
    amountScale: scale as number,
    decimalSeparator,
    thousandsSeparator,
    delimiter: str('delimiter', raw.delimiter ?? d.delimiter),
    currency,
    disputedYes: raw.disputedYes === undefined ? d.disputedYes : strings('disputedYes', raw.disputedYes),
    disputedNo: raw.disputedNo === undefined ? d.disputedNo : strings('disputedNo', raw.disputedNo),
  });
}
