// Who may do what in Redis: one ACL user per stateful service, limited to its own keys (`<prefix>:<service>:*`, the
// layout of keys.ts, and the segments of what it keeps besides, SERVICE_EXTRAS) and to the commands the shared kit
// sends for it (and those extras'), plus an admin for setup and tests. The one
// place these rules live: the secure stack writes its ACL file from them (stack/secure/setup.ts redis-acl), and a
// production Redis takes the same lines (`aclFileLines`). A command added to partition-store.ts, outbox-publisher.ts,
// connect.ts or a Lua script (Redis checks a script's calls against the caller's ACL too) goes here as well, or the
// secure tests (shared/redis/test/acl.int.test.ts, test/secure-services.int.test.ts) fail with NOPERM.
import { createHash } from 'node:crypto';

/** What the shared kit sends, by who sends it; lower case, as Redis names them in ACL rules. */
export const KIT_COMMANDS = {
  // ioredis' ready check after every connect: it waits while Redis is still loading its AOF after a restart.
  // AUTH, HELLO and QUIT need no rule; CLIENT SETINFO is best-effort and its refusal ignored.
  connect: ['info'],
  // PartitionStore.load: offsets and the batch's entity hashes in one pipeline.
  load: ['hgetall'],
  // PartitionStore.commit: commitBatch-n.lua (EVAL on a connection's first call, EVALSHA after) and what it calls:
  // DEL for an entity replaced or deleted whole (its own keys only, as every command here), HKEYS to drop the
  // earlier layout's offsets.
  commit: ['eval', 'evalsha', 'hget', 'hkeys', 'hset', 'hdel', 'del', 'hincrby', 'zadd', 'zrem', 'xlen', 'xadd'],
  // PartitionStore.due: the due-date / daily index.
  due: ['zrangebyscore'],
  // PartitionStore.readOutbox / ackOutbox / outboxLength, for the OutboxPublisher.
  outbox: ['xrange', 'xdel', 'xlen'],
} as const;

/** Every command a stateful service's user needs (exposure, delinquency, scoring and notifications use the same kit). */
export const SERVICE_COMMANDS: readonly string[] = [...new Set(Object.values(KIT_COMMANDS).flat())].sort();

/** The services that keep state in Redis, each its own user (the name is also its key segment, keys.ts). */
export const REDIS_SERVICES = ['exposure', 'delinquency', 'scoring', 'notifications'] as const;
export type RedisService = (typeof REDIS_SERVICES)[number];

/**
 * What a service keeps in Redis besides the kit's state: notifications' SMTP delivery log
 * (services/notifications/src/adapters/delivery-log.ts), one hash per notice under its own key segment, read with
 * HGETALL and written with HSET and PEXPIRE in one MULTI/EXEC.
 */
export const SERVICE_EXTRAS: Readonly<Partial<Record<RedisService, { segments: readonly string[]; commands: readonly string[] }>>> = {
  notifications: { segments: ['notifications-delivery'], commands: ['hgetall', 'hset', 'pexpire', 'multi', 'exec'] },
};

/** A service's key segments (its own name first) and its commands: the kit's and its extras'. */
export function serviceGrants(service: RedisService): { segments: string[]; commands: string[] } {
  const extra = SERVICE_EXTRAS[service];
  return {
    segments: [service, ...(extra?.segments ?? [])],
    commands: [...new Set([...SERVICE_COMMANDS, ...(extra?.commands ?? [])])].sort(),
  };
}

/** The user the stack's setup and the tests administer Redis with (every key and command). */
export const REDIS_ADMIN = 'admin';

export interface RedisUser {
  readonly name: string;
  /** Key patterns (glob) it may read and write. */
  readonly keys: readonly string[];
  /** Commands it may run; `@all` for the admin. */
  readonly commands: readonly string[];
}

/**
 * The users for key prefixes `prefixes` (REDIS_KEY_PREFIX values, globs allowed: the secure stack gives `o2c` and
 * `o2c.*`, the tests' and demos' namespaces): each service may touch `<prefix>:<service>:*` and nothing else.
 */
export function redisUsers(prefixes: readonly string[]): RedisUser[] {
  return [
    ...REDIS_SERVICES.map((service) => {
      const { segments, commands } = serviceGrants(service);
      return { name: service, keys: segments.flatMap((segment) => prefixes.map((prefix) => `${prefix}:${segment}:*`)), commands };
    }),
    { name: REDIS_ADMIN, keys: ['*'], commands: ['@all'] },
  ];
}

/**
 * The lines of a Redis ACL file (`aclfile`) for `users`, each with the SHA-256 of its password (no password in
 * clear in the file), and the default user off: nobody works unauthenticated.
 */
export function aclFileLines(users: readonly RedisUser[], passwordOf: (user: string) => string): string[] {
  const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
  return [
    'user default off resetkeys resetchannels -@all',
    ...users.map((u) =>
      [
        `user ${u.name} on`,
        `#${sha256(passwordOf(u.name))}`,
        'resetkeys',
        ...u.keys.map((k) => `~${k}`),
        'resetchannels',
        '-@all',
        ...u.commands.map((c) => `+${c}`),
      ].join(' '),
    ),
  ];
}
