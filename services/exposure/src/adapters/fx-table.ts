// The partition's FX rate table as an entity of the partition's state, next to its customers: rates are global, and
// every rate is written to every partition of o2c.fx-rates.v1, so each partition keeps the whole table, committed with
// the customers it converts (a restart or a new owner converts with the same rates). Its id is '', the customerId of
// partition-wide events, which no customer has. Stored a field per currency (`r:<currency>`: its rates by day) and
// one, `n`, for the number of the partition's inputs waiting for a rate (o2c_exposure_fx_parked_documents).
import type { StateCodec } from '../../../../shared/stateful/state-codec.ts';
import { NO_RATES, type FxRates } from '../domain/index.ts';

export const FX_TABLE_ID = '';

export interface FxTable {
  readonly kind: 'fx-rates';
  rates: FxRates;
  /** Inputs of the partition's customers waiting for a rate. */
  parked: number;
}

// The partition's entities as a whole (customers, this table, group tasks, routes) and their codec: account-entities.ts.

export const isFxTable = (e: object | undefined): e is FxTable => e !== undefined && 'kind' in e && e.kind === 'fx-rates';

export const emptyFxTable = (): FxTable => ({ kind: 'fx-rates', rates: NO_RATES, parked: 0 });

const COUNT = 'n';
export const rateField = (currency: string): string => `r:${currency}`;
export const PARKED_FIELD = COUNT;

export const fxTableCodec: StateCodec<FxTable> = {
  encode(t) {
    const fields = new Map<string, string>([[COUNT, String(t.parked)]]);
    for (const currency of Object.keys(t.rates)) fields.set(rateField(currency), JSON.stringify(t.rates[currency]));
    return fields;
  },
  part(t, field) {
    if (field === COUNT) return String(t.parked);
    const rates = t.rates[field.slice(2)];
    return rates === undefined ? null : JSON.stringify(rates);
  },
  decode(fields) {
    const rates: Record<string, FxRates[string]> = {};
    for (const [field, text] of fields) if (field.startsWith('r:')) rates[field.slice(2)] = JSON.parse(text) as FxRates[string];
    return { kind: 'fx-rates', rates, parked: Number(fields.get(COUNT) ?? 0) };
  },
};
