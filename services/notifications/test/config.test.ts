import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config.ts';
import { loadNotificationsConfig } from '../src/config.ts';
import { defaultPolicy } from '../src/domain/index.ts';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7', REDIS_URL: 'redis://127.0.0.1:6379' };

describe('notifications configuration', () => {
  it('defaults to the default policy, without SMTP delivery', () => {
    const c = loadNotificationsConfig(base);
    expect(c.policy).toEqual(defaultPolicy);
    expect(c.KAFKA_GROUP_ID).toBe('notifications');
    expect(c.HTTP_PORT).toBe(9468);
    expect(c.SMTP_HOST).toBeUndefined();
    expect(c.SMTP_MAX_ATTEMPTS).toBe(5);
  });

  it('reads the reminder days, the likely-late threshold, the types on and the default language', () => {
    const c = loadNotificationsConfig({
      ...base, NOTIFY_REMINDER_DAYS_BEFORE: '5', NOTIFY_LIKELY_LATE_REMINDER_DAYS_BEFORE: '10', NOTIFY_LIKELY_LATE_PROBABILITY_BP: '4000',
      NOTIFY_TYPES: 'PAYMENT_REMINDER,OVERDUE_NOTICE', NOTIFY_DEFAULT_LANGUAGE: 'de', SMTP_HOST: 'mail.example', SMTP_PORT: '25',
    });
    expect(c.policy).toMatchObject({ reminderDaysBefore: 5, likelyLateReminderDaysBefore: 10, likelyLateProbabilityBp: 4000, defaultLanguage: 'de' });
    expect([...c.policy.enabledTypes]).toEqual(['PAYMENT_REMINDER', 'OVERDUE_NOTICE']);
    expect([...loadNotificationsConfig({ ...base, NOTIFY_REMINDER_DAYS_BY_CLASS: 'A:1, E:10' }).policy.reminderDaysByClass]).toEqual([['A', 1], ['E', 10]]);
    expect(c.SMTP_HOST).toBe('mail.example');
  });

  it('stops on a bad value, naming the variable', () => {
    expect(() => loadNotificationsConfig({ ...base, NOTIFY_TYPES: 'PAYMENT_REMINDER,SMS' })).toThrow(/NOTIFY_TYPES.*SMS/);
    expect(() => loadNotificationsConfig({ ...base, NOTIFY_REMINDER_DAYS_BY_CLASS: 'E=7' })).toThrow(/NOTIFY_REMINDER_DAYS_BY_CLASS/);
    expect(() => loadNotificationsConfig({ ...base, NOTIFY_REMINDER_DAYS_BY_CLASS: 'E:7,E:8' })).toThrow(/NOTIFY_REMINDER_DAYS_BY_CLASS/);
    expect(() => loadNotificationsConfig({ ...base, NOTIFY_REMINDER_DAYS_BEFORE: '7', NOTIFY_LIKELY_LATE_REMINDER_DAYS_BEFORE: '3' })).toThrow(ConfigError);
    expect(() => loadNotificationsConfig({ ...base, NOTIFY_DEFAULT_LANGUAGE: 'fr' })).toThrow(/NOTIFY_DEFAULT_LANGUAGE/);
    expect(() => loadNotificationsConfig({ ...base, SMTP_USERNAME: 'u' })).toThrow(/SMTP_PASSWORD/);
    expect(() => loadNotificationsConfig({ ...base, SMTP_PORT: '0' })).toThrow(/SMTP_PORT/);
  });

  it('never shows the SMTP password in an error', () => {
    try {
      loadNotificationsConfig({ ...base, SMTP_USERNAME: 'u', SMTP_PASSWORD: 'hunter2-secret', SMTP_PORT: 'x' });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2-secret');
    }
  });
});
