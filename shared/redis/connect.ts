// The ioredis client every service opens the same way: connected before start-up goes on (retried within
// STARTUP_TIMEOUT_MS, then one error naming REDIS_URL), and with an 'error' listener for its whole life, so a lost
// connection is a warning in the JSON log while ioredis reconnects, never a raw "[ioredis] Unhandled error event".
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger.ts';
import { reach, type StartupConfig } from '../startup.ts';

export interface RedisStartupConfig extends StartupConfig {
  REDIS_URL: string;
}

/** A connected client of REDIS_URL (see the header). */
export function connectRedis(config: RedisStartupConfig, logger: Logger, options: RedisOptions = {}): Promise<Redis> {
  const log = logger.child({ component: 'redis' });
  return reach({ variable: 'REDIS_URL', address: config.REDIS_URL, timeoutMs: config.STARTUP_TIMEOUT_MS, logger: log }, async () => {
    const redis = new Redis(config.REDIS_URL, { ...options, lazyConnect: true });
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
      throw lastError ?? e;
    }
  });
}
