// Measures of a probability against outcomes, and the offline fit of the late-payment model.

/** Area under the ROC curve: the chance a random positive ranks above a random negative, ties counting half. */
export function auc(scores: readonly number[], labels: readonly boolean[]): number {
  if (scores.length !== labels.length) throw new RangeError('scores and labels differ in length');
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  const ranks = new Array<number>(scores.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]!] = (i + j) / 2 + 1;
    i = j + 1;
  }
  let positives = 0;
  let rankSum = 0;
  labels.forEach((y, i) => {
    if (y) {
      positives++;
      rankSum += ranks[i]!;
    }
  });
  const negatives = labels.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean squared difference between probability and outcome (0 or 1). */
export function brier(probabilities: readonly number[], labels: readonly boolean[]): number {
  if (probabilities.length !== labels.length) throw new RangeError('probabilities and labels differ in length');
  if (probabilities.length === 0) return Number.NaN;
  let sum = 0;
  probabilities.forEach((p, i) => (sum += (p - (labels[i] ? 1 : 0)) ** 2));
  return sum / probabilities.length;
}

/**
 * Logistic regression by Newton's method with a small L2 penalty on the coefficients (not the intercept):
 * deterministic, a few iterations. Returns [intercept, ...coefficients].
 */
export function fitLogistic(xs: ReadonlyArray<readonly number[]>, ys: readonly boolean[], l2 = 1e-3, iterations = 50): number[] {
  const d = (xs[0]?.length ?? 0) + 1;
  const b = new Array<number>(d).fill(0);
  for (let it = 0; it < iterations; it++) {
    const g = new Array<number>(d).fill(0);
    const h = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    xs.forEach((x0, n) => {
      const x = [1, ...x0];
      const z = x.reduce((s, v, i) => s + v * b[i]!, 0);
      const p = 1 / (1 + Math.exp(-z));
      const w = p * (1 - p);
      for (let i = 0; i < d; i++) {
        g[i]! += (p - (ys[n] ? 1 : 0)) * x[i]!;
        for (let j = 0; j < d; j++) h[i]![j]! += w * x[i]! * x[j]!;
      }
    });
    const m = xs.length;
    for (let i = 1; i < d; i++) {
      g[i]! += l2 * m * b[i]!;
      h[i]![i]! += l2 * m;
    }
    const step = solve(h, g);
    let moved = 0;
    for (let i = 0; i < d; i++) {
      b[i]! -= step[i]!;
      moved = Math.max(moved, Math.abs(step[i]!));
    }
    if (moved < 1e-10) break;
  }
  return b;
}

/** Solves a x = y by Gaussian elimination with partial pivoting. */
function solve(a0: number[][], y0: number[]): number[] {
  const n = y0.length;
  const a = a0.map((row, i) => [...row, y0[i]!]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[pivot]![c]!)) pivot = r;
    [a[c], a[pivot]] = [a[pivot]!, a[c]!];
    const div = a[c]![c]! || 1e-12;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / div;
      for (let k = c; k <= n; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return a.map((row, i) => row[n]! / (row[i]! || 1e-12));
}
