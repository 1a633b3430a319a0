// One service as a child process of the demo: its own Node process running services/<name>/src/main.ts through tsx,
// stdout and stderr appended to a log file (never the terminal, where the progress line lives), its /healthz and
// /metrics on a port of its own, and a stop that sends SIGTERM and reports how it exited.
import { spawn, type ChildProcess } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SERVICE_NODE_FLAGS } from '../../../shared/node-flags.ts';

export const SERVICE_NAMES = ['exposure', 'delinquency', 'scoring', 'notifications', 'reporting'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export interface Exit {
  /** null when killed by a signal. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export const describeExit = (e: Exit): string => (e.code === null ? `killed by ${e.signal}` : `exit code ${e.code}`);

/** A port nobody listens on now, so two demos (or a demo and a test) never fight over /metrics. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The last `lines` lines of a file, or a note that it is empty or missing. */
export async function tailOf(file: string, lines = 30): Promise<string> {
  try {
    const text = (await readFile(file, 'utf8')).trimEnd();
    return text === '' ? '(log is empty)' : text.split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}

export interface ServiceProcessOptions {
  name: ServiceName;
  repoRoot: string;
  logDir: string;
  port: number;
  /** The whole environment of the child (the demo's own environment is not inherited beyond what is passed). */
  env: Readonly<Record<string, string | undefined>>;
}

export class ServiceProcess {
  readonly name: ServiceName;
  readonly port: number;
  readonly logFile: string;
  private readonly child: ChildProcess;
  /** Resolves when the process has exited, whatever the reason. */
  readonly exited: Promise<Exit>;
  private exit: Exit | undefined;
  private stopping = false;

  private constructor(options: ServiceProcessOptions, child: ChildProcess, logFile: string) {
    this.name = options.name;
    this.port = options.port;
    this.logFile = logFile;
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  static async start(options: ServiceProcessOptions): Promise<ServiceProcess> {
    const logFile = join(options.logDir, `${options.name}.log`);
    const log = await open(logFile, 'a');
    try {
      // node --import tsx runs the TypeScript in this very process (no tsx CLI in between to relay signals).
      const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--import', 'tsx', join('services', options.name, 'src', 'main.ts')], {
        cwd: options.repoRoot,
        env: { ...options.env, HTTP_PORT: String(options.port) },
        stdio: ['ignore', log.fd, log.fd],
        // Its own process group: a Ctrl-C in the terminal reaches the demo only, which then stops each service once;
        // a service that got the terminal's SIGINT too would take the demo's SIGTERM as "exit now".
        detached: true,
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', reject);
      });
      // Should the demo itself fail without stopping it, the service does not outlive it.
      const orphaned = () => child.kill('SIGTERM');
      process.once('exit', orphaned);
      child.once('exit', () => process.off('exit', orphaned));
      return new ServiceProcess(options, child, logFile);
    } finally {
      await log.close(); // the child holds its own copy of the descriptor
    }
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** True once the demo asked it to stop: an exit before that is a death. */
  get stopRequested(): boolean {
    return this.stopping;
  }

  /**
   * Resolves once GET /healthz answers 200. Rejects if the process exits (its exit is reported with its log by
   * whoever stops the services) or time runs out (with the end of its log: it will stop cleanly, so nobody else will).
   */
  async waitHealthy(timeoutMs: number, pollMs = 250): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (this.exit) throw new Error(`${this.name} exited before it became healthy (${describeExit(this.exit)})`);
      try {
        const res = await fetch(`${this.baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return;
        last = `/healthz answered ${res.status}: ${(await res.text()).slice(0, 300)}`;
      } catch (e) {
        last = (e as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    throw new Error(
      `${this.name} did not become healthy within ${Math.round(timeoutMs / 1000)} s (last: ${last}); ` +
        `the end of ${this.logFile}:\n${await tailOf(this.logFile)}`,
    );
  }

  /** The service's /metrics text. */
  async metrics(): Promise<string> {
    const res = await fetch(`${this.baseUrl}/metrics`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`${this.name} /metrics answered ${res.status}`);
    return res.text();
  }

  /** SIGTERM, then the exit; SIGKILL if it has not exited within graceMs (reported as killed by SIGKILL). */
  async stop(graceMs: number): Promise<Exit> {
    if (this.exit) return this.exit;
    this.stopping = true;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
