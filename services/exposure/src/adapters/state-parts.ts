// A customer state as the fields of its Redis hash: one per document (order, invoice, payment, the allocations
// awaiting their invoice, invoiced amounts and credit actions awaiting their order, retired invoice ids) and one,
// "_", for the rest (profile, totals, the held queue, the last snapshot, the clocks). A commit writes "_" and the
// documents the batch's inputs put or deleted (ApplyResult.writtenDocs), so its cost follows what changed: a payment
// on a customer with hundreds of open documents writes two small fields, not the customer.
import type { StateCodec } from '../../../../shared/stateful/state-codec.ts';
import { emptyState, type CustomerState, type DocumentCollection, type DocumentWrite } from '../domain/index.ts';

/** Field prefix per document collection: `<code>:<document id>`. */
const CODES: Readonly<Record<DocumentCollection, string>> = {
  orders: 'o',
  invoices: 'i',
  payments: 'p',
  awaitingInvoice: 'a',
  invoicedAhead: 'h',
  parkedActions: 'k',
  retiredInvoices: 'r',
};
const COLLECTIONS = Object.keys(CODES) as DocumentCollection[];
const BY_CODE = new Map(COLLECTIONS.map((c) => [CODES[c], c]));
const REST = '_';

const fieldOf = (collection: DocumentCollection, id: string): string => `${CODES[collection]}:${id}`;

/** The state without its document collections. */
function restJson(s: CustomerState): string {
  const {
    orders: _o, invoices: _i, payments: _p, awaitingInvoice: _a, invoicedAhead: _h, parkedActions: _k, retiredInvoices: _r,
    ...rest
  } = s;
  return JSON.stringify(rest);
}

const docsOf = (s: CustomerState, c: DocumentCollection): Record<string, unknown> =>
  (s[c] as Record<string, unknown> | undefined) ?? {};

export const customerStateCodec: StateCodec<CustomerState> = {
  encode(s) {
    const fields = new Map<string, string>([[REST, restJson(s)]]);
    for (const c of COLLECTIONS) {
      const docs = docsOf(s, c);
      for (const id in docs) fields.set(fieldOf(c, id), JSON.stringify(docs[id]));
    }
    return fields;
  },

  part(s, field) {
    if (field === REST) return restJson(s);
    const c = BY_CODE.get(field.slice(0, 1));
    if (c === undefined || field[1] !== ':') throw new Error(`no part ${JSON.stringify(field)} in a customer state`);
    const doc = docsOf(s, c)[field.slice(2)];
    return doc === undefined ? null : JSON.stringify(doc);
  },

  decode(fields, id) {
    const rest = fields.get(REST);
    if (rest === undefined) throw new Error(`the stored state of ${id} has no field ${REST}`);
    // Every field in emptyState's order, whatever order Redis returns them in, so states keep one shape.
    const state = Object.assign(emptyState(id), JSON.parse(rest) as Partial<CustomerState>);
    if (state.schemaVersion !== 1) throw new Error(`customer state schemaVersion ${String(state.schemaVersion)} is not 1`);
    for (const [field, text] of fields) {
      if (field === REST) continue;
      const c = BY_CODE.get(field.slice(0, 1));
      if (c === undefined || field[1] !== ':') throw new Error(`unknown field ${JSON.stringify(field)} in the stored state of ${id}`);
      (state[c] as Record<string, unknown>)[field.slice(2)] = JSON.parse(text);
    }
    return state;
  },
};

/** The fields an input's writes changed: "_" (every accepted input moves the clock) and each document written. */
export function changedFields(docs: readonly DocumentWrite[] | undefined): string[] {
  const fields = [REST];
  for (const [c, id] of docs ?? []) fields.push(fieldOf(c, id));
  return fields;
}
