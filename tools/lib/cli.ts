// The small things the CLIs share: a progress line, running main() with exit codes, and usage errors.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

/** One progress line: rewritten in place on a terminal, one line per report otherwise. */
export function progressLine(text: string): void {
  if (process.stdout.isTTY) process.stdout.write(`\r\x1b[2K${text}`);
  else process.stdout.write(`${text}\n`);
}

/** Ends a progress line on a terminal, so what follows starts on its own line. */
export function endProgress(): void {
  if (process.stdout.isTTY) process.stdout.write('\n');
}

export const formatCount = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Runs main; a thrown error is printed (message only, no stack for expected failures) and exits non-zero. */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      endProgress();
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A bad command line: the message, then the usage text. */
export class UsageError extends Error {
  constructor(message: string, usage: string) {
    super(`${message}\n${usage}`);
    this.name = 'UsageError';
  }
}

/** A command line's flags, strictly (no positionals, no unknown flags); a parse error is a UsageError. */
export function parseFlags<O extends ParseArgsOptionsConfig>(argv: readonly string[], options: O, usage: string) {
  try {
    return parseArgs({ args: [...argv], strict: true, allowPositionals: false, options }).values;
  } catch (e) {
    throw new UsageError((e as Error).message, usage);
  }
}

/**
 * Parses a CLI's arguments: the options, or the exit code once --help printed the usage (0) or a UsageError its
 * message (2).
 */
export function parseCommandLine<O>(parse: () => { help: true } | { help: false; options: O }, usage: string): O | number {
  let parsed;
  try {
    parsed = parse();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`error: ${e.message}\n`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  return parsed.options;
}
