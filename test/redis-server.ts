// A private redis-server for one test (Debian's /usr/bin/redis-server, or REDIS_SERVER_BIN): a free port and a data
// directory of its own, so a test can shut it down with SAVE and start it again on its data while the shared Redis
// every other test uses is never restarted, flushed or reconfigured.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { waitUntil } from './kafka.ts';
import { freePort } from './service-spawn.ts';

const BIN = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';

/** A client that fails at once instead of queueing while the server is down (for a test's own reads). */
function directClient(url: string): Redis {
  return new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => null });
}

async function answers(url: string): Promise<boolean> {
  const client = directClient(url);
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export class PrivateRedis {
  private server: { child: ChildProcess; exited: Promise<void> } | undefined;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), await mkdtemp(join(tmpdir(), 'o2c-redis-')));
    await redis.launch();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server on its port and directory (loading the dump.rdb a SHUTDOWN SAVE left there) and waits for PONG. */
  async launch(): Promise<void> {
    if (this.server) throw new Error('the private redis-server is running already');
    // No automatic snapshots and no AOF: the data survives a restart only through the SHUTDOWN SAVE a test asks for.
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', '--appendonly', 'no'];
    const child = spawn(BIN, [...args, '--logfile', join(this.dir, 'redis.log')], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.server = { child, exited };
    void exited.then(() => {
      if (this.server?.child === child) this.server = undefined;
    });
    await waitUntil(() => answers(this.url), `redis-server on port ${this.port} to answer`, 30_000);
  }

  /** SHUTDOWN SAVE: the server writes its data to dump.rdb in its directory and exits. */
  async shutdownSave(): Promise<void> {
    const server = this.server;
    if (!server) throw new Error('the private redis-server is not running');
    const client = directClient(this.url);
    client.on('error', () => undefined);
    await client.connect();
    await client.call('SHUTDOWN', 'SAVE').catch(() => undefined); // the server closes the connection as it exits
    client.disconnect();
    await server.exited;
  }

  /** Stops the server (its data is not kept) and removes its directory. */
  async remove(): Promise<void> {
    const server = this.server;
    if (server) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
