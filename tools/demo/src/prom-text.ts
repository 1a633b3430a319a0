// Reads what a service's /metrics says, in the Prometheus text exposition format: enough of it for the demo's
// progress line (samples with labels and a value; comments, timestamps and histograms' shape are not needed).

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/gy;

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function parseValue(raw: string): number {
  switch (raw) {
    case '+Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
    default:
      return Number(raw);
  }
}

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  let end = 0;
  for (let m = LABEL.exec(text); m !== null; m = LABEL.exec(text)) {
    labels[m[1]!] = unescape(m[2]!);
    end = LABEL.lastIndex;
  }
  if (text.slice(end).trim() !== '') throw new SyntaxError(`bad labels in metrics line: ${line}`);
  return labels;
}

/** Every sample of an exposition; a line that is neither a comment nor a sample is an error. */
export function parsePromText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new SyntaxError(`not a metrics line: ${line}`);
    samples.push({ name: m[1]!, labels: m[2] === undefined ? {} : parseLabels(m[2], line), value: parseValue(m[3]!) });
  }
  return samples;
}

/** The sum of a metric's samples whose labels include `match`; 0 when there is none (a counter not yet touched). */
export function sumOf(samples: readonly Sample[], name: string, match: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const s of samples) {
    if (s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}

/** A metric's samples summed per value of one label, e.g. decisions per outcome. */
export function sumBy(samples: readonly Sample[], name: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    const key = s.labels[label];
    if (s.name === name && key !== undefined) out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}
