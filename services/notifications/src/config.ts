// The notifications service's environment: the common variables (its namespace included), the stateful kit's (Redis,
// the consumer's and producers' tuning), the notice policy, and the SMTP delivery.
import { bool, commonSpec, ConfigError, int, list, loadConfig, oneOf, optional, secret, statefulSpec, str, type Config } from '../../../shared/config.ts';
import { defaultPolicy, LANGUAGES, NOTICE_TYPES, validatePolicy, type NoticeType, type NotificationPolicy } from './domain/index.ts';

export const SERVICE = 'notifications';

export const notificationsSpec = {
  ...commonSpec(SERVICE, { httpPort: 9468 }),
  ...statefulSpec,
  NOTIFY_REMINDER_DAYS_BEFORE: int({ default: defaultPolicy.reminderDaysBefore, min: 0, max: 365 }),
  // Per risk class, e.g. A:2,D:5,E:7 (class:days); a class not named takes NOTIFY_REMINDER_DAYS_BEFORE.
  NOTIFY_REMINDER_DAYS_BY_CLASS: list({ default: [] }),
  NOTIFY_LIKELY_LATE_REMINDER_DAYS_BEFORE: int({ default: defaultPolicy.likelyLateReminderDaysBefore, min: 0, max: 365 }),
  NOTIFY_LIKELY_LATE_PROBABILITY_BP: int({ default: defaultPolicy.likelyLateProbabilityBp, min: 0, max: 10_000 }),
  NOTIFY_TYPES: list({ default: NOTICE_TYPES }),
  NOTIFY_DEFAULT_LANGUAGE: oneOf(LANGUAGES, { default: defaultPolicy.defaultLanguage }),
  // Delivery: unset SMTP_HOST and the service only decides and publishes notices.
  SMTP_HOST: optional(str()),
  SMTP_PORT: int({ default: 587, min: 1, max: 65_535 }),
  SMTP_SECURE: bool({ default: false }),
  SMTP_USERNAME: optional(str()),
  SMTP_PASSWORD: optional(secret(str())),
  SMTP_FROM: str({ default: 'Credit control <credit-control@localhost>' }),
  SMTP_MESSAGE_ID_DOMAIN: str({ default: 'notifications.o2c.invalid' }),
  SMTP_MAX_ATTEMPTS: int({ default: 5, min: 1, max: 100 }),
  SMTP_RETRY_INITIAL_MS: int({ default: 1000, min: 1 }),
  SMTP_RETRY_MAX_MS: int({ default: 60_000, min: 1 }),
  SMTP_TIMEOUT_MS: int({ default: 30_000, min: 100 }),
  // A replay of history must not mail customers: notices older than this (event time against the wall clock) are not sent.
  SMTP_MAX_NOTICE_AGE_DAYS: int({ default: 7, min: 0 }),
};

export type NotificationsConfig = Config<typeof notificationsSpec> & { readonly policy: NotificationPolicy };

/** Loads and checks everything, the policy included; a ConfigError names each bad variable. */
export function loadNotificationsConfig(env: Record<string, string | undefined> = process.env): NotificationsConfig {
  const c = loadConfig(notificationsSpec, env);
  const unknown = c.NOTIFY_TYPES.filter((t) => !(NOTICE_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0) throw new ConfigError([`NOTIFY_TYPES: unknown notice type ${unknown.join(', ')} (known: ${NOTICE_TYPES.join(', ')})`]);
  if ((c.SMTP_USERNAME === undefined) !== (c.SMTP_PASSWORD === undefined)) {
    throw new ConfigError(['SMTP_USERNAME and SMTP_PASSWORD: set both or neither']);
  }
  const byClass = new Map<string, number>();
  for (const item of c.NOTIFY_REMINDER_DAYS_BY_CLASS) {
    const m = /^([^:\s]+):(\d{1,3})$/.exec(item.trim());
    if (!m || byClass.has(m[1]!)) throw new ConfigError([`NOTIFY_REMINDER_DAYS_BY_CLASS: '${item}' must be class:days, each class once (e.g. D:5,E:7)`]);
    byClass.set(m[1]!, Number(m[2]));
  }
  try {
    const policy = validatePolicy({
      reminderDaysBefore: c.NOTIFY_REMINDER_DAYS_BEFORE,
      reminderDaysByClass: byClass,
      likelyLateReminderDaysBefore: c.NOTIFY_LIKELY_LATE_REMINDER_DAYS_BEFORE,
      likelyLateProbabilityBp: c.NOTIFY_LIKELY_LATE_PROBABILITY_BP,
      enabledTypes: new Set(c.NOTIFY_TYPES as NoticeType[]),
      defaultLanguage: c.NOTIFY_DEFAULT_LANGUAGE,
    });
    return Object.freeze({ ...c, policy });
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new ConfigError([`NOTIFY_* policy variables: ${e.message}`]);
  }
}
