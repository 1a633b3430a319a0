import { hash } from 'node:crypto';

// Fixed namespace for every id this project derives; changing it would change every derived event id.
const O2C_NAMESPACE = '6f1b0f3e-3c2a-5b7e-9d41-0c2e8a51d7a4';
const NAMESPACE_BYTES = Buffer.from(O2C_NAMESPACE.replaceAll('-', ''), 'hex');

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** RFC 9562 UUID v5 of `name` (UTF-8) in the O2C namespace; the same bits as uuid's v5, without its per-call parsing. */
function uuidV5(name: string): string {
  const input = Buffer.allocUnsafe(16 + Buffer.byteLength(name, 'utf8'));
  NAMESPACE_BYTES.copy(input, 0);
  input.write(name, 16, 'utf8');
  const h = hash('sha1', input, 'buffer');
  const hex = (i: number) => HEX[h[i]!]!;
  const version = HEX[(h[6]! & 0x0f) | 0x50]!;
  const variant = HEX[(h[8]! & 0x3f) | 0x80]!;
  return (
    hex(0) + hex(1) + hex(2) + hex(3) + '-' + hex(4) + hex(5) + '-' + version + hex(7) + '-' + variant + hex(9) + '-' +
    hex(10) + hex(11) + hex(12) + hex(13) + hex(14) + hex(15)
  );
}

/**
 * The id of a derived event: a UUID v5 of the input event id, the rule that fired and any distinguishing parts,
 * so a replay or a retry produces the same id and consumers can de-duplicate.
 */
export function deriveEventId(inputEventId: string, rule: string, ...parts: Array<string | number>): string {
  return uuidV5([inputEventId, rule, ...parts].join('|'));
}
