// How every service process lives and dies, so orchestrators can rely on the exit code:
//   0  stopped on SIGTERM/SIGINT after a clean stop (in-flight batch finished, offsets committed, disconnected)
//   1  failed: start-up failed (a dependency still unreachable after STARTUP_TIMEOUT_MS: one line names the variable
//      and the address), the service reported a fatal error, an error went unhandled, stop() failed or outlasted the
//      grace period, or a second signal asked to stop now
//   2  bad configuration: one log line names every bad or missing variable
import { ConfigError } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { UnreachableError } from './startup.ts';

export interface Service {
  start(): Promise<void>;
  /** Finish the work in hand, commit, disconnect. Called at most once. */
  stop(): Promise<void>;
}

export interface MainContext {
  logger: Logger;
  /** For failures the service cannot recover from after start (e.g. a consumer crash kafkajs will not restart). */
  fail(error: Error): void;
}

/** The part of `process` runMain uses; tests pass a fake. */
export interface ProcessLike {
  on(event: 'SIGTERM' | 'SIGINT', listener: (signal: NodeJS.Signals) => void): unknown;
  on(event: 'uncaughtException' | 'unhandledRejection', listener: (error: unknown) => void): unknown;
  exit(code: number): void;
}

export interface MainOptions {
  /** How long stop() may take after a signal before the process exits 1 anyway. Default 30 s. */
  graceMs?: number;
  logger?: Logger;
  process?: ProcessLike;
}

export const ExitCode = { OK: 0, FAILED: 1, BAD_CONFIG: 2 } as const;

/**
 * Runs a service as the process' main: `create` loads config and builds the service (a ConfigError there exits 2),
 * then start(); the first SIGTERM/SIGINT stops it within the grace period and exits 0.
 */
export async function runMain(
  name: string,
  create: (ctx: MainContext) => Promise<Service> | Service,
  opts: MainOptions = {},
): Promise<void> {
  const proc: ProcessLike = opts.process ?? process;
  const graceMs = opts.graceMs ?? 30_000;
  const logger = opts.logger ?? createLogger(name);
  let exited = false;
  let stopping = false;
  let service: Service | undefined;

  const exit = (code: number): void => {
    if (exited) return;
    exited = true;
    proc.exit(code);
  };

  const shutdown = async (code: number, reason: string, starting: Promise<void>): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason, graceMs }, 'stopping');
    const deadline = setTimeout(() => {
      logger.fatal({ graceMs }, 'stop did not finish within the grace period');
      exit(ExitCode.FAILED);
    }, graceMs);
    try {
      await starting.catch(() => undefined); // a failed start exits on its own path
      await service?.stop();
      logger.info('stopped');
      exit(code);
    } catch (error) {
      logger.fatal({ err: error }, 'stop failed');
      exit(ExitCode.FAILED);
    } finally {
      clearTimeout(deadline);
    }
  };

  let starting: Promise<void> = Promise.resolve();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.fatal({ signal }, 'second signal while stopping: exiting now');
      exit(ExitCode.FAILED);
      return;
    }
    void shutdown(ExitCode.OK, signal, starting);
  };
  proc.on('SIGTERM', onSignal);
  proc.on('SIGINT', onSignal);
  proc.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    exit(ExitCode.FAILED);
  });
  proc.on('unhandledRejection', (error) => {
    logger.fatal({ err: error }, 'unhandled promise rejection');
    exit(ExitCode.FAILED);
  });

  const ctx: MainContext = {
    logger,
    fail(error) {
      logger.fatal({ err: error }, 'service failed');
      void shutdown(ExitCode.FAILED, 'service failed', starting);
    },
  };
  starting = (async () => {
    service = await create(ctx);
    await service.start();
  })();
  try {
    await starting;
    logger.info('started');
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.fatal(error.message);
      exit(ExitCode.BAD_CONFIG);
    } else if (error instanceof UnreachableError) {
      // The message says what to fix: `REDIS_URL redis://redis:6379 unreachable after 120 s: ECONNREFUSED`.
      logger.fatal({ variable: error.variable, address: error.address, reason: error.reason }, error.message);
      exit(ExitCode.FAILED);
    } else {
      logger.fatal({ err: error }, 'start failed');
      exit(ExitCode.FAILED);
    }
  }
}
