// The notice templates, one set per language: subject and plain-text body from a notice's facts. Amounts and dates
// are formatted for the language's locale (format.ts). A language without templates falls back to the policy's
// default before it gets here.
import { formatDate, formatMoney } from './format.ts';
import type { Language, NoticeFacts } from './notice.ts';

export interface Rendered {
  subject: string;
  body: string;
}

type Templates = { [T in NoticeFacts['type']]: (f: Extract<NoticeFacts, { type: T }>, customerId: string) => Rendered };

const en: Templates = {
  PAYMENT_REMINDER: (f, c) => ({
    subject: `Payment reminder: invoice ${f.invoiceId} is due on ${formatDate(f.dueDate, 'en')}`,
    body: letter('en', c, [
      `This is a friendly reminder that invoice ${f.invoiceId} for ${formatMoney(f.amount, f.currency, 'en')} is due for payment on ${formatDate(f.dueDate, 'en')}.`,
      'If you have already paid, please disregard this message.',
    ]),
  }),
  OVERDUE_NOTICE: (f, c) => ({
    subject: `${STAGES.en[f.stage] ?? `Overdue notice (${f.stage})`}: invoice ${f.invoiceId}`,
    body: letter('en', c, [
      `Invoice ${f.invoiceId}, due on ${formatDate(f.dueDate, 'en')}, is ${f.daysPastDue} ${f.daysPastDue === 1 ? 'day' : 'days'} overdue. The open amount is ${formatMoney(f.amount, f.currency, 'en')}.`,
      'Please pay the open amount without delay, or contact us if you believe it is not owed.',
    ]),
  }),
  TERMS_CHANGED: (f, c) => ({
    subject: 'Your payment terms have changed',
    body: letter('en', c, [`Your payment terms have changed from ${f.fromDays} to ${f.toDays} days net. They apply to invoices issued from now on.`]),
  }),
  LIMIT_CHANGED: (f, c) => ({
    subject: 'Your credit limit has changed',
    body: letter('en', c, [`Your credit limit has changed from ${formatMoney(f.from, f.currency, 'en')} to ${formatMoney(f.to, f.currency, 'en')}.`]),
  }),
  CREDIT_HOLD: (f, c) => ({
    subject: `Your order ${f.orderId} is on credit hold`,
    body: letter('en', c, [
      `Your order ${f.orderId} for ${formatMoney(f.amount, f.currency, 'en')} is on credit hold (${f.reasons.map((r) => REASONS.en[r] ?? r).join(', ')}).`,
      'It will be released as soon as the reason is cleared, for example by a payment of open invoices. Our credit team will be glad to help.',
    ]),
  }),
  PROMISE_BROKEN: (f, c) => ({
    subject: `Your promised payment of ${formatMoney(f.amount, f.currency, 'en')} has not arrived`,
    body: letter('en', c, [
      `You promised us a payment of ${formatMoney(f.amount, f.currency, 'en')} by ${formatDate(f.dueDate, 'en')}. ${f.paid > 0 ? `By that date we received ${formatMoney(f.paid, f.currency, 'en')} towards it.` : 'By that date we received no payment towards it.'}`,
      'Please pay the open amount without delay, or call our credit team today to agree how it will be settled.',
    ]),
  }),
};

const de: Templates = {
  PAYMENT_REMINDER: (f, c) => ({
    subject: `Zahlungserinnerung: Rechnung ${f.invoiceId} ist am ${formatDate(f.dueDate, 'de')} fällig`,
    body: letter('de', c, [
      `wir möchten Sie freundlich daran erinnern, dass die Rechnung ${f.invoiceId} über ${formatMoney(f.amount, f.currency, 'de')} am ${formatDate(f.dueDate, 'de')} zur Zahlung fällig ist.`,
      'Sollten Sie bereits gezahlt haben, betrachten Sie diese Nachricht bitte als gegenstandslos.',
    ]),
  }),
  OVERDUE_NOTICE: (f, c) => ({
    subject: `${STAGES.de[f.stage] ?? `Zahlungsverzug (${f.stage})`}: Rechnung ${f.invoiceId}`,
    body: letter('de', c, [
      `die Rechnung ${f.invoiceId}, fällig am ${formatDate(f.dueDate, 'de')}, ist seit ${f.daysPastDue} ${f.daysPastDue === 1 ? 'Tag' : 'Tagen'} überfällig. Der offene Betrag beläuft sich auf ${formatMoney(f.amount, f.currency, 'de')}.`,
      'Bitte begleichen Sie den offenen Betrag umgehend oder setzen Sie sich mit uns in Verbindung, falls Sie die Forderung für unberechtigt halten.',
    ]),
  }),
  TERMS_CHANGED: (f, c) => ({
    subject: 'Ihre Zahlungsbedingungen haben sich geändert',
    body: letter('de', c, [`Ihre Zahlungsbedingungen haben sich von ${f.fromDays} auf ${f.toDays} Tage netto geändert. Sie gelten für ab jetzt ausgestellte Rechnungen.`]),
  }),
  LIMIT_CHANGED: (f, c) => ({
    subject: 'Ihr Kreditlimit hat sich geändert',
    body: letter('de', c, [`Ihr Kreditlimit hat sich von ${formatMoney(f.from, f.currency, 'de')} auf ${formatMoney(f.to, f.currency, 'de')} geändert.`]),
  }),
  CREDIT_HOLD: (f, c) => ({
    subject: `Ihr Auftrag ${f.orderId} ist gesperrt (Kreditprüfung)`,
    body: letter('de', c, [
      `Ihr Auftrag ${f.orderId} über ${formatMoney(f.amount, f.currency, 'de')} ist aufgrund der Kreditprüfung gesperrt (${f.reasons.map((r) => REASONS.de[r] ?? r).join(', ')}).`,
      'Er wird freigegeben, sobald der Grund entfällt, zum Beispiel durch die Zahlung offener Rechnungen. Unser Kreditmanagement hilft Ihnen gern weiter.',
    ]),
  }),
  PROMISE_BROKEN: (f, c) => ({
    subject: `Ihre zugesagte Zahlung über ${formatMoney(f.amount, f.currency, 'de')} ist nicht eingegangen`,
    body: letter('de', c, [
      `Sie haben uns eine Zahlung über ${formatMoney(f.amount, f.currency, 'de')} bis zum ${formatDate(f.dueDate, 'de')} zugesagt. ${f.paid > 0 ? `Bis zu diesem Tag sind ${formatMoney(f.paid, f.currency, 'de')} davon eingegangen.` : 'Bis zu diesem Tag ist keine Zahlung dafür eingegangen.'}`,
      'Bitte begleichen Sie den offenen Betrag umgehend oder rufen Sie noch heute unser Kreditmanagement an, um die Zahlung zu vereinbaren.',
    ]),
  }),
};

/** Names of the delinquency service's default dunning stages; another stage is named by its code. */
const STAGES: Record<Language, Record<string, string>> = {
  en: { REMINDER_1: 'First reminder', REMINDER_2: 'Second reminder', FINAL_NOTICE: 'Final notice', COLLECTIONS: 'Handed to collections' },
  de: { REMINDER_1: 'Erste Mahnung', REMINDER_2: 'Zweite Mahnung', FINAL_NOTICE: 'Letzte Mahnung', COLLECTIONS: 'Übergabe an das Inkasso' },
};

const REASONS: Record<Language, Record<string, string>> = {
  en: { OVER_LIMIT: 'credit limit exceeded', OVERDUE: 'overdue invoices', MANUAL: 'manual hold', RISK_CLASS: 'risk assessment', NO_CREDIT_PROFILE: 'no credit profile yet', STATE_INCOMPLETE: 'account under review', MAX_DOCUMENT_VALUE: 'order value above the single-order maximum', OLDEST_ITEM_OVERDUE: 'an invoice long past due', GROUP_OVER_LIMIT: 'group credit limit exceeded' },
  de: { OVER_LIMIT: 'Kreditlimit überschritten', OVERDUE: 'überfällige Rechnungen', MANUAL: 'manuelle Sperre', RISK_CLASS: 'Risikobewertung', NO_CREDIT_PROFILE: 'noch kein Kreditprofil', STATE_INCOMPLETE: 'Konto in Prüfung', MAX_DOCUMENT_VALUE: 'Auftragswert über dem Höchstbetrag je Auftrag', OLDEST_ITEM_OVERDUE: 'eine seit Langem überfällige Rechnung', GROUP_OVER_LIMIT: 'Konzernkreditlimit überschritten' },
};

function letter(language: Language, customerId: string, paragraphs: readonly string[]): string {
  const [greeting, sign, ref] =
    language === 'de' ? ['Sehr geehrte Damen und Herren,', 'Mit freundlichen Grüßen\nIhr Kreditmanagement', 'Kundennummer'] : ['Dear customer,', 'Kind regards\nCredit control', 'Customer number'];
  return [greeting, ...paragraphs, sign, `${ref}: ${customerId}`].join('\n\n') + '\n';
}

const TEMPLATES: Record<Language, Templates> = { en, de };

export function render(facts: NoticeFacts, language: Language, customerId: string): Rendered {
  const t = TEMPLATES[language][facts.type] as (f: NoticeFacts, c: string) => Rendered;
  return t(facts, customerId);
}
