// The collections page's rules: the worklist's filters and keyset cursor (reporting.collections_worklist ranks per
// currency, so the page walks currency, rank, customer id), and what a promise to pay must state before the console
// publishes it on o2c.collections.v1.
import { dayFromIso } from '../../../../shared/time.ts';
import { parseAmount } from './worklist.ts';

export interface CollectionsFilter {
  customer?: string;
  currency?: string;
  /** Only accounts whose latest judged promise was broken. */
  brokenOnly?: boolean;
  /** Worst days past due at least this. */
  minDaysPastDue?: number;
}

export interface CollectionsCursor {
  currency: string;
  rank: number;
  customerId: string;
}

export function encodeCollectionsCursor(c: CollectionsCursor): string {
  return Buffer.from(JSON.stringify([c.currency, c.rank, c.customerId])).toString('base64url');
}

export function decodeCollectionsCursor(raw: string): CollectionsCursor | undefined {
  try {
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && Number.isSafeInteger(v[1]) && typeof v[2] === 'string') {
      return { currency: v[0], rank: v[1] as number, customerId: v[2] };
    }
  } catch {
    // not ours: reported by the caller
  }
  return undefined;
}

type Query = Readonly<Record<string, string | undefined>>;
const text = (q: Query, name: string): string | undefined => {
  const v = q[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
};

/** The filter and cursor a page asks for, or the problems, each naming its field. */
export function parseCollectionsQuery(q: Query): { filter: CollectionsFilter; after?: CollectionsCursor; errors: string[] } {
  const errors: string[] = [];
  const filter: CollectionsFilter = {};
  const customer = text(q, 'customer');
  if (customer !== undefined) filter.customer = customer;
  const currency = text(q, 'currency');
  if (currency !== undefined) {
    if (/^[A-Z]{3}$/.test(currency)) filter.currency = currency;
    else errors.push('currency: three capital letters (ISO 4217), such as EUR');
  }
  if (text(q, 'broken') === '1') filter.brokenOnly = true;
  const dpd = text(q, 'minDaysPastDue');
  if (dpd !== undefined) {
    if (/^\d{1,5}$/.test(dpd)) filter.minDaysPastDue = Number(dpd);
    else errors.push('days past due: a whole number of days');
  }
  const raw = text(q, 'after');
  let after: CollectionsCursor | undefined;
  if (raw !== undefined) {
    after = decodeCollectionsCursor(raw);
    if (!after) errors.push('page: the link is not valid any more, start from the first page');
  }
  return after ? { filter, after, errors } : { filter, errors };
}

export function collectionsParams(filter: CollectionsFilter, after?: CollectionsCursor): URLSearchParams {
  const p = new URLSearchParams();
  if (filter.customer !== undefined) p.set('customer', filter.customer);
  if (filter.currency !== undefined) p.set('currency', filter.currency);
  if (filter.brokenOnly) p.set('broken', '1');
  if (filter.minDaysPastDue !== undefined) p.set('minDaysPastDue', String(filter.minDaysPastDue));
  if (after) p.set('after', encodeCollectionsCursor(after));
  return p;
}

export interface PromiseInput {
  promiseId: string;
  amount: number;
  currency: string;
  promisedDate: number;
  note: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const NOTE_MAX = 500;
/** A promise further out than this is a payment plan, not a promise to pay. */
export const PROMISE_HORIZON_DAYS = 366;

/**
 * A promise as the form states it, checked against the business date `today` (the worklist's as-of date): an amount
 * above zero, a currency, a date from today to a year ahead (a date already past would be broken the moment it is
 * recorded), a note of at most NOTE_MAX characters. The promise id comes with the form, so sending it twice records
 * one promise.
 */
export function validatePromise(form: Query, today: number): { promise?: PromiseInput; errors: string[] } {
  const errors: string[] = [];
  const promiseId = text(form, 'promiseId') ?? '';
  if (!UUID.test(promiseId)) errors.push('the form is not valid any more: reload the page');
  const rawAmount = text(form, 'amount');
  const amount = rawAmount === undefined ? undefined : parseAmount(rawAmount);
  if (amount === undefined || amount <= 0) errors.push('amount: above zero, such as 1250 or 1250.50');
  const currency = text(form, 'currency') ?? '';
  if (!/^[A-Z]{3}$/.test(currency)) errors.push('currency: three capital letters (ISO 4217), such as EUR');
  let promisedDate: number | undefined;
  try {
    promisedDate = dayFromIso(text(form, 'promisedDate') ?? '');
  } catch {
    errors.push('promised date: a date such as 2026-12-31');
  }
  if (promisedDate !== undefined && promisedDate < today) errors.push('promised date: today or later');
  if (promisedDate !== undefined && promisedDate > today + PROMISE_HORIZON_DAYS) errors.push(`promised date: at most ${PROMISE_HORIZON_DAYS} days ahead`);
  const note = text(form, 'note') ?? null;
  if (note !== null && note.length > NOTE_MAX) errors.push(`note: at most ${NOTE_MAX} characters`);
  if (errors.length) return { errors };
  return { promise: { promiseId, amount: amount!, currency, promisedDate: promisedDate!, note }, errors };
}
