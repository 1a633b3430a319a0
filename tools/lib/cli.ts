// The small things both generator CLIs share: a progress line, and running main() with exit codes.

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
