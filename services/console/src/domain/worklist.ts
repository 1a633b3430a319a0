// The held-orders worklist's query: filters parsed from the page's query string (each bad value named), and the
// keyset cursor that pages oldest first, so page 200 costs what page 1 costs (no OFFSET).
export const HOLD_REASONS = ['OVER_LIMIT', 'OVERDUE', 'MANUAL', 'RISK_CLASS', 'NO_CREDIT_PROFILE'] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

export interface WorklistFilter {
  customer?: string;
  reason?: HoldReason;
  /** Held at least this many hours (event time of the hold against now). */
  minAgeHours?: number;
  minAmount?: number;
  maxAmount?: number;
  riskClass?: string;
}

export interface Cursor {
  heldSince: number;
  orderId: string;
}

export interface WorklistQuery {
  filter: WorklistFilter;
  after?: Cursor;
}

/** Amounts are typed in major units (12.50); minor units with two decimals. */
export function parseAmount(raw: string): number | undefined {
  const m = /^\s*(\d{1,13})(?:\.(\d{1,2}))?\s*$/.exec(raw);
  if (!m) return undefined;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.heldSince, c.orderId])).toString('base64url');
}

export function decodeCursor(raw: string): Cursor | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && Number.isSafeInteger(v[0]) && typeof v[1] === 'string') {
      return { heldSince: v[0] as number, orderId: v[1] };
    }
  } catch {
    // not ours: reported below
  }
  return undefined;
}

/** The query a page asks for, or the problems, each naming its field. Empty fields mean "no filter". */
export function parseWorklistQuery(q: Readonly<Record<string, string | undefined>>): { query: WorklistQuery; errors: string[] } {
  const errors: string[] = [];
  const filter: WorklistFilter = {};
  const text = (name: string) => {
    const v = q[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const customer = text('customer');
  if (customer !== undefined) filter.customer = customer;
  const reason = text('reason');
  if (reason !== undefined) {
    if ((HOLD_REASONS as readonly string[]).includes(reason)) filter.reason = reason as HoldReason;
    else errors.push(`reason: one of ${HOLD_REASONS.join(', ')}`);
  }
  const age = text('minAgeHours');
  if (age !== undefined) {
    if (/^\d{1,6}$/.test(age)) filter.minAgeHours = Number(age);
    else errors.push('minimum age: a whole number of hours');
  }
  for (const [name, key] of [['minAmount', 'minimum amount'], ['maxAmount', 'maximum amount']] as const) {
    const raw = text(name);
    if (raw === undefined) continue;
    const amount = parseAmount(raw);
    if (amount === undefined) errors.push(`${key}: an amount such as 1250 or 1250.50`);
    else filter[name] = amount;
  }
  const riskClass = text('riskClass');
  if (riskClass !== undefined) filter.riskClass = riskClass;
  const query: WorklistQuery = { filter };
  const after = text('after');
  if (after !== undefined) {
    const cursor = decodeCursor(after);
    if (cursor) query.after = cursor;
    else errors.push('page: the link is not valid any more, start from the first page');
  }
  return { query, errors };
}

/** The query string of a filter (and a cursor), for links to the next page. */
export function filterParams(filter: WorklistFilter, after?: Cursor): URLSearchParams {
  const p = new URLSearchParams();
  if (filter.customer !== undefined) p.set('customer', filter.customer);
  if (filter.reason !== undefined) p.set('reason', filter.reason);
  if (filter.minAgeHours !== undefined) p.set('minAgeHours', String(filter.minAgeHours));
  if (filter.minAmount !== undefined) p.set('minAmount', formatMajor(filter.minAmount));
  if (filter.maxAmount !== undefined) p.set('maxAmount', formatMajor(filter.maxAmount));
  if (filter.riskClass !== undefined) p.set('riskClass', filter.riskClass);
  if (after) p.set('after', encodeCursor(after));
  return p;
}

const formatMajor = (minor: number): string => `${Math.trunc(minor / 100)}.${String(Math.abs(minor % 100)).padStart(2, '0')}`;
