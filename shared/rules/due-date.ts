// When an invoice falls due, one rule for every service that reads invoices (exposure, delinquency, scoring,
// notifications, the reporting sink): its own dueDate when it has one, else its issue date plus the customer's
// payment terms (net days). Without terms either (a service that keeps no profile, or an invoice that arrives before
// its customer's first profile), DEFAULT_PAYMENT_TERMS_DAYS. The default is a constant, not a setting, so no two
// services can be configured to disagree about the same invoice; a producer that knows the terms sends the date.

/** Net days assumed for an invoice without a due date when the customer's payment terms are not known. */
export const DEFAULT_PAYMENT_TERMS_DAYS = 30;

/** The invoice's due date (days since 1970-01-01, as the contract's `date`). */
export function dueDateOf(
  invoice: { readonly issueDate: number; readonly dueDate: number | null },
  paymentTermsDays: number | null | undefined,
): number {
  if (invoice.dueDate !== null) return invoice.dueDate;
  return invoice.issueDate + (paymentTermsDays ?? DEFAULT_PAYMENT_TERMS_DAYS);
}
