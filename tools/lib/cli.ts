// The small things the CLIs share: a progress line, running main() with exit codes, usage errors and the parsing
// of flag values (each bad value a UsageError naming its flag).
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { dayFromIso } from '../../shared/time.ts';

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

/**
 * Runs main; a thrown error is printed (message only, no stack for expected failures) and exits 1, or 2 for a
 * UsageError (a flag value found bad only once a file was read, e.g. a date before the file's last one).
 */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      endProgress();
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(e instanceof UsageError ? 2 : 1);
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

/** As parseFlags, for a command that also takes positional arguments (checking their number is the caller's). */
export function parseFlagsAndArguments<O extends ParseArgsOptionsConfig>(argv: readonly string[], options: O, usage: string) {
  try {
    return parseArgs({ args: [...argv], strict: true, allowPositionals: true, options });
  } catch (e) {
    throw new UsageError((e as Error).message, usage);
  }
}

/**
 * A whole-number flag's value, at least `min` (thousands separators allowed: `1,000,000`, `1_000_000`);
 * undefined when the flag is not given.
 */
export function integerFlag(flag: string, raw: string | undefined, min: number, usage: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\d[\d,_]*$/.test(raw.trim()) ? Number(raw.trim().replace(/[,_]/g, '')) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${flag} must be an integer >= ${min}, got ${JSON.stringify(raw)}`, usage);
  }
  return n;
}

/** A decimal flag's value (`12`, `0.5`, `.5`) within [min, max]; undefined when the flag is not given. */
export function numberFlag(
  flag: string,
  raw: string | undefined,
  range: { readonly min: number; readonly max?: number },
  usage: string,
): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^(\d+(\.\d*)?|\.\d+)$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  const max = range.max ?? Infinity;
  if (!(n >= range.min && n <= max)) {
    const bounds = Number.isFinite(max) ? `between ${range.min} and ${max}` : `>= ${range.min}`;
    throw new UsageError(`--${flag} must be a number ${bounds}, got ${JSON.stringify(raw)}`, usage);
  }
  return n;
}

/** A YYYY-MM-DD flag's value as days since the epoch; undefined when the flag is not given. */
export function dateFlag(flag: string, raw: string | undefined, usage: string): number | undefined {
  if (raw === undefined) return undefined;
  try {
    return dayFromIso(raw);
  } catch {
    throw new UsageError(`--${flag} must be a date YYYY-MM-DD, got ${JSON.stringify(raw)}`, usage);
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
