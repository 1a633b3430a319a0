// Loads Lua scripts from files named `verbNoun-<numberOfKeys>.lua` (`-n`: the caller passes the number of keys
// first, for a script whose keys vary per call) and defines each once on the client with ioredis `defineCommand`
// (EVALSHA with a transparent reload), so no Lua text is ever built in TypeScript.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';

const SCRIPT_FILE = /^([a-zA-Z]+)-(\d+|n)\.lua$/;

/** Defines every script in `dir` on `redis`; returns the command names it defined. */
export function loadScripts(redis: Redis, dir: string): string[] {
  const names: string[] = [];
  for (const file of readdirSync(dir).sort()) {
    const m = SCRIPT_FILE.exec(file);
    if (!m) continue;
    const [, name, keys] = m as unknown as [string, string, string];
    names.push(name);
    if (name in redis) continue;
    const lua = readFileSync(join(dir, file), 'utf8');
    redis.defineCommand(name, keys === 'n' ? { lua } : { lua, numberOfKeys: Number(keys) });
  }
  return names;
}
