// The ioredis client every service opens the same way: connected before start-up goes on (retried within
// STARTUP_TIMEOUT_MS, then one error naming REDIS_URL), and with an 'error' listener for its whole life, so a lost
// connection is a warning in the JSON log while ioredis reconnects, never a raw "[ioredis] Unhandled error event".
//
// As whom and how: the user and password of REDIS_URL (or REDIS_PASSWORD / REDIS_PASSWORD_FILE), TLS for rediss://
// with REDIS_TLS_CA_FILE. Refused credentials or an untrusted certificate are a deployment mistake no retry fixes:
// start-up stops at once with a ConfigError naming the variable (exit 2), the URL shown without its password.
import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import { ConfigError, maskSecrets } from '../config.ts';
import type { Logger } from '../logger.ts';
import { reach, type StartupConfig } from '../startup.ts';

export interface RedisStartupConfig extends StartupConfig {
  REDIS_URL: string;
  REDIS_PASSWORD?: string | undefined;
  REDIS_TLS_CA_FILE?: string | undefined;
}

/**
 * The URL and options of a client of the config: the password given apart goes into the URL (ioredis prefers the
 * URL's empty password to an option's), and a rediss server's certificate must chain to the CA file (read now).
 */
export function redisClientArgs(config: Omit<RedisStartupConfig, 'STARTUP_TIMEOUT_MS'>): [url: string, options: RedisOptions] {
  const url = new URL(config.REDIS_URL);
  if (config.REDIS_PASSWORD !== undefined) url.password = encodeURIComponent(config.REDIS_PASSWORD);
  const tls = url.protocol === 'rediss:';
  return [
    url.toString(),
    {
      ...(tls ? { tls: config.REDIS_TLS_CA_FILE === undefined ? {} : { ca: readFileSync(config.REDIS_TLS_CA_FILE) } } : {}),
      // CLIENT SETINFO is not in Redis 7.0 and not in a service's ACL: not sent.
      disableClientInfo: true,
    },
  ];
}

// Redis' words for refused credentials (WRONGPASS, a disabled user, AUTH required) and Node's for a certificate
// that does not verify.
const CREDENTIALS_REFUSED = /WRONGPASS|NOAUTH|invalid username-password|user is disabled/i;
const CERTIFICATE_REFUSED =
  /SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER)|CERT_(UNTRUSTED|REJECTED|HAS_EXPIRED|NOT_YET_VALID|SIGNATURE_FAILURE)|ERR_TLS_CERT_ALTNAME_INVALID|self.signed certificate|unable to verify|unable to get (local )?issuer/i;

/** The ConfigError a connection failure means when no retry can fix it; undefined otherwise. */
export function redisConfigProblem(error: unknown, redisUrl: string): ConfigError | undefined {
  const text = `${(error as { code?: unknown } | null)?.code ?? ''} ${error instanceof Error ? error.message : String(error)}`;
  const at = maskSecrets(redisUrl);
  if (CREDENTIALS_REFUSED.test(text)) {
    return new ConfigError([
      `REDIS_URL: Redis at ${at} refused the credentials (${maskSecrets(text.trim())}): check the URL's user and its password (REDIS_URL, REDIS_PASSWORD or REDIS_PASSWORD_FILE)`,
    ]);
  }
  if (CERTIFICATE_REFUSED.test(text)) {
    return new ConfigError([`REDIS_TLS_CA_FILE: the certificate of Redis at ${at} is not trusted (${maskSecrets(text.trim())})`]);
  }
  return undefined;
}

/** A connected client of REDIS_URL (see the header). */
export function connectRedis(config: RedisStartupConfig, logger: Logger, options: RedisOptions = {}): Promise<Redis> {
  const log = logger.child({ component: 'redis' });
  return reach({ variable: 'REDIS_URL', address: config.REDIS_URL, timeoutMs: config.STARTUP_TIMEOUT_MS, logger: log }, async () => {
    const [url, own] = redisClientArgs(config);
    const redis = new Redis(url, { ...own, ...options, lazyConnect: true });
    // connect() rejects with a bare "Connection is closed." and ioredis reconnects on its own: the error event says
    // why, and a failed attempt's client is closed so that only the next attempt's client is left.
    let lastError: Error | undefined;
    let connected = false;
    redis.on('error', (err: Error) => {
      lastError = err;
      if (connected) log.warn({ err }, 'Redis connection failed; ioredis reconnects');
    });
    try {
      await redis.connect();
      connected = true;
      return redis;
    } catch (e) {
      redis.disconnect();
      throw redisConfigProblem(lastError ?? e, config.REDIS_URL) ?? lastError ?? e;
    }
  });
}
