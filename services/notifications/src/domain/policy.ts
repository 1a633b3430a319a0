// What the notifications core is told, not what it decides: when reminders go out, who counts as a likely late payer,
// which notice types are on, and the language of a customer whose profile names none (or one without templates).
import { LANGUAGES, NOTICE_TYPES, type Language, type NoticeType } from './notice.ts';

export interface NotificationPolicy {
  /** A payment reminder is due this many days before the invoice's due date... */
  readonly reminderDaysBefore: number;
  /** ... or this many for a customer of the risk class (the latest score's, else the profile's). */
  readonly reminderDaysByClass: ReadonlyMap<string, number>;
  /** ... and this many for a customer whose latest late-payment probability is at least likelyLateProbabilityBp. */
  readonly likelyLateReminderDaysBefore: number;
  /** Basis points (0..10000) of the scoring service's late-payment probability. */
  readonly likelyLateProbabilityBp: number;
  /** Notice types sent at all; a customer can opt out of more in its profile (noticeOptOuts). */
  readonly enabledTypes: ReadonlySet<NoticeType>;
  readonly defaultLanguage: Language;
}

export const defaultPolicy: NotificationPolicy = Object.freeze({
  reminderDaysBefore: 3,
  reminderDaysByClass: new Map(),
  likelyLateReminderDaysBefore: 7,
  likelyLateProbabilityBp: 5000,
  enabledTypes: new Set(NOTICE_TYPES),
  defaultLanguage: 'en',
});

/** Throws a RangeError naming what is wrong; returns a frozen copy. */
export function validatePolicy(p: NotificationPolicy): NotificationPolicy {
  const fail = (m: string): never => {
    throw new RangeError(m);
  };
  if (!Number.isInteger(p.reminderDaysBefore) || p.reminderDaysBefore < 0) fail('reminderDaysBefore must be an integer >= 0');
  if (!Number.isInteger(p.likelyLateReminderDaysBefore) || p.likelyLateReminderDaysBefore < p.reminderDaysBefore) {
    fail('likelyLateReminderDaysBefore must be an integer >= reminderDaysBefore');
  }
  if (!Number.isInteger(p.likelyLateProbabilityBp) || p.likelyLateProbabilityBp < 0 || p.likelyLateProbabilityBp > 10_000) {
    fail('likelyLateProbabilityBp must be an integer 0..10000');
  }
  for (const [c, n] of p.reminderDaysByClass) if (!Number.isInteger(n) || n < 0 || c === '') fail(`reminder days of class '${c}' must be an integer >= 0`);
  for (const t of p.enabledTypes) if (!(NOTICE_TYPES as readonly string[]).includes(t)) fail(`unknown notice type ${t}`);
  if (!LANGUAGES.includes(p.defaultLanguage)) fail(`defaultLanguage must be one of ${LANGUAGES.join(', ')}`);
  return Object.freeze({ ...p, reminderDaysByClass: new Map(p.reminderDaysByClass), enabledTypes: new Set(p.enabledTypes) });
}

/**
 * Days before due the customer's reminder goes out: its class's, else reminderDaysBefore; for a likely late payer (the
 * latest late-payment probability at or above the threshold) at least likelyLateReminderDaysBefore.
 */
export function reminderLead(p: NotificationPolicy, probabilityBp: number | null, riskClass: string | null): number {
  const base = (riskClass === null ? undefined : p.reminderDaysByClass.get(riskClass)) ?? p.reminderDaysBefore;
  return probabilityBp !== null && probabilityBp >= p.likelyLateProbabilityBp ? Math.max(base, p.likelyLateReminderDaysBefore) : base;
}
