import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/config.ts';
import { loadConsoleConfig, migrationSettings } from '../src/config.ts';

const base = { KAFKA_BROKERS: '127.0.0.1:9092', SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8081/apis/ccompat/v7' };

describe('console config', () => {
  it('defaults to o2c_console on the local server, 30 min idle and 12 h sessions, no first admin', () => {
    const c = loadConsoleConfig(base);
    expect(new URL(c.DATABASE_URL).username).toBe('o2c_console');
    expect([c.CONSOLE_SESSION_IDLE_MINUTES, c.CONSOLE_SESSION_MAX_HOURS, c.CONSOLE_COOKIE_SECURE, c.CONSOLE_ADMIN_PASSWORD]).toEqual([30, 12, false, undefined]);
    expect(c.KAFKA_GROUP_ID).toBe('console');
  });

  it('stops naming each bad variable, and never echoes the admin password', () => {
    let error: unknown;
    try {
      loadConsoleConfig({ ...base, DATABASE_URL: 'mysql://x', CONSOLE_SESSION_IDLE_MINUTES: '0', CONSOLE_ADMIN_PASSWORD_FILE: '/nonexistent/secret' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['DATABASE_URL', 'CONSOLE_SESSION_IDLE_MINUTES', 'CONSOLE_ADMIN_PASSWORD_FILE']) expect(message).toContain(name);
  });

  it('hands the migration the role password or the development default', () => {
    expect(migrationSettings(loadConsoleConfig({ ...base, O2C_CONSOLE_PASSWORD: 's3cret' }))).toEqual({ 'o2c.o2c_console_password': 's3cret' });
    expect(migrationSettings(loadConsoleConfig({ ...base, O2C_DEV_ROLE_PASSWORDS: '1' }))).toEqual({ 'o2c.dev_role_passwords': 'on' });
  });
});
