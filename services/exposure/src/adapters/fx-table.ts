// The partition's FX rate table as an entity of the partition's state, next to its customers: rates are global, and
// every rate is written to every partition of o2c.fx-rates.v1, so each partition keeps the whole table, committed with
// the customers it converts (a restart or a new owner converts with the same rates). Its id is '', the customerId of
// partition-wide events, which no customer has. Stored a field per currency (`r:<currency>`: its rates by day) and
// one, `n`, for the number of the partition's inputs waiting for a rate (o2c_exposure_fx_parked_documents).
import type { StateCodec } from '../../../../shared/stateful/state-codec.ts';
import { NO_RATES, type CustomerState, type FxRates } from '../domain/index.ts';
import { customerStateCodec } from './state-parts.ts';

export const FX_TABLE_ID = '';

export interface FxTable {
  readonly kind: 'fx-rates';
  rates: FxRates;
  /** Inputs of the partition's customers waiting for a rate. */
  parked: number;
}

/** What the exposure service keeps per partition: its customers and its rate table. */
export type ExposureEntity = CustomerState | FxTable;

export const isFxTable = (e: ExposureEntity | undefined): e is FxTable => e !== undefined && 'kind' in e && e.kind === 'fx-rates';

export const emptyFxTable = (): FxTable => ({ kind: 'fx-rates', rates: NO_RATES, parked: 0 });

const COUNT = 'n';
export const rateField = (currency: string): string => `r:${currency}`;
export const PARKED_FIELD = COUNT;

const fxTableCodec: StateCodec<FxTable> = {
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

export const exposureEntityCodec: StateCodec<ExposureEntity> = {
  encode: (e) => (isFxTable(e) ? fxTableCodec.encode(e) : customerStateCodec.encode(e)),
  part: (e, field) => (isFxTable(e) ? fxTableCodec.part(e, field) : customerStateCodec.part(e, field)),
  decode: (fields, id) => (id === FX_TABLE_ID ? fxTableCodec.decode(fields, id) : customerStateCodec.decode(fields, id)),
};
