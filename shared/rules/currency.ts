// The customer's currency, one rule for every service that keeps a customer's documents (exposure and
// delinquency make the same decision on the same input): the first input that carries a currency (a profile or any
// document) pins it, and from then on an input in another currency is invalid, a new profile included. A profile
// never re-denominates a customer: its invoices and payments would stop adding up.

/** What an input's currency does to the customer's: the currency from now on, or why the input is refused. */
export type CurrencyDecision = { readonly ok: true; readonly currency: string } | { readonly ok: false; readonly message: string };

/** `pinned`: the customer's currency so far, null before any input carried one. */
export function admitCurrency(pinned: string | null, currency: string): CurrencyDecision {
  if (pinned === null || pinned === currency) return { ok: true, currency };
  return { ok: false, message: `currency ${currency} differs from the customer's credit currency ${pinned}` };
}
