// npm run score:eval -- FILE [--fit] [--json]
// Replays an AR ledger (the layout of data/ar-late-payments.csv) through the scoring core in event time and prints,
// for the invoices issued in 2013, the AUC and Brier score of the late-payment probability at issue against "paid
// late" (settled after the due date), beside the customer's own prior late rate and the PAYDEX score at issue.
// --fit also prints the model refitted on the 2012 invoices, as the constants of
// services/scoring/src/domain/coefficients.ts. Exit 1 when the file cannot be read, 2 on a bad flag.
import { readFile } from 'node:fs/promises';
import { AR_LATE_PAYMENTS } from '../import-ledger/src/mapping.ts';
import { readLedger } from '../import-ledger/src/rows.ts';
import { evaluate, fitModel, invoicesAtIssue, type Figures } from './ledger-eval.ts';

const USAGE = 'usage: npm run score:eval -- FILE [--fit] [--json]';

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const files = args.filter((a) => !a.startsWith('--'));
const unknown = [...flags].filter((f) => f !== '--fit' && f !== '--json' && f !== '--help');
if (flags.has('--help')) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (unknown.length > 0 || files.length !== 1) {
  process.stderr.write(`${unknown.length > 0 ? `unknown flag ${unknown.join(', ')}\n` : ''}${USAGE}\n`);
  process.exit(2);
}

try {
  const { rows, rejected } = readLedger(await readFile(files[0]!, 'utf8'), AR_LATE_PAYMENTS);
  if (rows.length === 0) throw new Error(`${files[0]}: no valid rows (${rejected.length} rejected)`);
  const atIssue = invoicesAtIssue(rows);
  const e = evaluate(atIssue);
  if (flags.has('--json')) {
    process.stdout.write(`${JSON.stringify(flags.has('--fit') ? { ...e, fit: fitModel(atIssue) } : e)}\n`);
  } else {
    const line = (name: string, f: Figures, note = '') =>
      `${name.padEnd(38)} ${f.auc.toFixed(4).padStart(7)} ${f.brier.toFixed(4).padStart(7)}${note}`;
    process.stdout.write(
      [
        `${files[0]}: ${rows.length} invoices, ${e.invoices} issued in 2013 (${(e.lateShare * 100).toFixed(1)} % paid late)`,
        `${'probability at issue'.padEnd(38)} ${'AUC'.padStart(7)} ${'Brier'.padStart(7)}`,
        line('model (scoring core)', e.model),
        line("baseline (customer's prior late rate)", e.baseline),
        line('PAYDEX score', e.paydex, `   (${e.paydex.scored} invoices with a score; Brier of its 2012 band rates)`),
        '',
      ].join('\n'),
    );
    if (flags.has('--fit')) {
      const fit = fitModel(atIssue);
      const r = (x: number) => Number(x.toFixed(4));
      process.stdout.write(
        `fit on 2012 invoices:\nexport const MODEL_INTERCEPT = ${r(fit.intercept)};\n` +
          Object.entries(fit.coefficients).map(([t, c]) => `  ${t}: ${r(c)},`).join('\n') + '\n',
      );
    }
  }
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
