// Exact decimal-to-minor-units conversion: the digits are shifted as text, never multiplied as a float, so
// "0.29" is 29 cents and not 28.999999999999996.

/**
 * Minor units of a non-negative decimal string. `scale` is how many decimal digits make up minor units (2 for
 * major units of a cents currency: "55.94" -> 5594; 0 when the text is minor units already). Digits beyond the
 * scale must be zeros. Throws a RangeError saying what is wrong.
 */
export function parseMinorUnits(text: string, scale: number, decimalSeparator = '.'): number {
  const sep = decimalSeparator.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`^([+-])?(\\d+)(?:${sep}(\\d*))?$`).exec(text.trim());
  if (m === null) throw new RangeError(`"${text}" is not a decimal number`);
  const [, sign, whole, fraction = ''] = m;
  if (/[1-9]/.test(fraction.slice(scale))) throw new RangeError(`"${text}" has more than ${scale} decimals`);
  const minor = BigInt(whole! + fraction.slice(0, scale).padEnd(scale, '0'));
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`"${text}" is too large`);
  const value = Number(minor);
  if (sign === '-' && value !== 0) throw new RangeError(`"${text}" is negative`);
  return value;
}
