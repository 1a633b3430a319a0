// The ACL file the secure stack (and a production Redis) takes from shared/redis/acl.ts: one user per stateful
// service on its own key segment with the kit's commands only, an admin, the default user off, no password in clear.
import { describe, expect, it } from 'vitest';
import { aclFileLines, REDIS_SERVICES, redisUsers, SERVICE_COMMANDS } from '../acl.ts';

describe('Redis ACL users', () => {
  const users = redisUsers(['o2c', 'o2c.*']);
  const lines = aclFileLines(users, (user) => `pw-of-${user}`);

  it('gives each service its own keys under every prefix, and nothing of another service', () => {
    for (const service of REDIS_SERVICES.filter((s) => s !== 'notifications')) {
      const user = users.find((u) => u.name === service)!;
      expect(user.keys).toEqual([`o2c:${service}:*`, `o2c.*:${service}:*`]);
      expect(user.commands).toEqual(SERVICE_COMMANDS);
    }
  });

  it("gives notifications its state's keys and its delivery log's, with the log's commands besides the kit's", () => {
    const user = users.find((u) => u.name === 'notifications')!;
    expect(user.keys).toEqual(['o2c:notifications:*', 'o2c.*:notifications:*', 'o2c:notifications-delivery:*', 'o2c.*:notifications-delivery:*']);
    expect(user.commands).toEqual([...new Set([...SERVICE_COMMANDS, 'hgetall', 'hset', 'pexpire', 'multi', 'exec'])].sort());
    // No other service may touch the delivery log.
    for (const other of users.filter((u) => u.name !== 'notifications' && u.name !== 'admin')) {
      expect(other.keys.some((k) => k.includes('notifications'))).toBe(false);
    }
  });

  it('grants the kit’s commands only: no key scans, deletes, flushes, config or scripts management', () => {
    for (const refused of ['unlink', 'keys', 'scan', 'flushdb', 'flushall', 'config', 'acl', 'script', 'get', 'set']) {
      expect(SERVICE_COMMANDS).not.toContain(refused);
    }
    expect(SERVICE_COMMANDS).toEqual(expect.arrayContaining(['evalsha', 'eval', 'hgetall', 'del', 'zrangebyscore', 'xrange', 'xdel', 'xlen']));
  });

  it('writes the default user off, each user with the SHA-256 of its password, never the password', () => {
    expect(lines[0]).toBe('user default off resetkeys resetchannels -@all');
    expect(lines.find((l) => l.startsWith('user exposure '))).toBe(
      'user exposure on #a12fa20b601ae15232517b6fbd1fda71f8f4d9158acd22b57062d5f18c971072 resetkeys ' +
        `~o2c:exposure:* ~o2c.*:exposure:* resetchannels -@all ${SERVICE_COMMANDS.map((c) => `+${c}`).join(' ')}`,
    );
    expect(lines.find((l) => l.startsWith('user admin '))).toMatch(/^user admin on #[0-9a-f]{64} resetkeys ~\* resetchannels -@all \+@all$/);
    expect(lines.join('\n')).not.toContain('pw-of-');
  });
});
