// The customer's credit currency, one rule for every service that keeps a customer's documents (exposure and
// delinquency make the same decision on the same input): the first input that carries a currency (a profile or any
// document) pins it. A profile in another currency is invalid: a profile never re-denominates a customer (its limit
// would be in one currency and everything counted against it in another). A document in another currency is admitted
// (issue 15, multi-currency): exposure converts it into the credit currency at the rate of its day, delinquency keeps
// each invoice in its own currency.

/** What an input's currency does to the customer's: the currency from now on, or why the input is refused. */
export type CurrencyDecision =
  | { readonly ok: true; readonly currency: string; readonly foreign: boolean }
  | { readonly ok: false; readonly message: string };

/** `pinned`: the customer's currency so far, null before any input carried one. */
export function admitCurrency(pinned: string | null, currency: string, input: 'profile' | 'document'): CurrencyDecision {
  if (pinned === null || pinned === currency) return { ok: true, currency, foreign: false };
  if (input === 'document') return { ok: true, currency: pinned, foreign: true };
  return { ok: false, message: `currency ${currency} differs from the customer's credit currency ${pinned}` };
}
