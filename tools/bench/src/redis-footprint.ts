// What a service keeps in Redis at the end of a run: MEMORY USAGE (every element counted, SAMPLES 0) summed over
// its keys. Exact for this service alone, unlike an INFO memory delta on a Redis that other work shares.
import { Redis } from 'ioredis';

export interface RedisFootprint {
  readonly keys: number;
  readonly bytes: number;
}

/**
 * Keys are `<prefix>:<service>:...` (shared/redis/keys.ts builds every one of them that way): the service's keys
 * in the run's namespace, whatever kinds of key its store uses.
 */
export async function redisFootprint(redisUrl: string, prefix: string, service: string): Promise<RedisFootprint> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  try {
    let keys = 0;
    let bytes = 0;
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:${service}:*`, 'COUNT', 1000);
      cursor = next;
      if (found.length === 0) continue;
      const pipeline = redis.pipeline();
      for (const key of found) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
      for (const [error, usage] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        if (usage === null) continue; // deleted since the scan
        keys++;
        bytes += Number(usage);
      }
    } while (cursor !== '0');
    return { keys, bytes };
  } finally {
    redis.disconnect();
  }
}
