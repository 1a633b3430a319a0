// A structural pass over Avro binary before avsc decodes it. avsc trusts the counts it reads: an array block count
// of 2^31 in a ten-byte record makes it allocate and fill billions of items (minutes of CPU, then out of memory),
// so one corrupt record would stall or crash-loop its partition. This walk allocates nothing, bounds every length,
// count and index by the bytes actually present, and rejects trailing bytes; after it passes, avsc only decodes.
import type avro from 'avsc';

// Larger than any length that fits in a Kafka record, small enough to stay exact in a double.
const MAX_LENGTH = 2 ** 31;

class Cursor {
  constructor(
    private readonly buf: Buffer,
    public pos: number,
  ) {}

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  skip(n: number): void {
    if (n > this.remaining) throw new Error(`truncated: ${n} bytes needed at ${this.pos}, ${this.remaining} left`);
    this.pos += n;
  }

  /** Skips one varint (at most 10 bytes); avsc checks the value itself. */
  skipVarint(): void {
    for (let i = 0; i < 10; i++) {
      if (this.remaining === 0) throw new Error(`truncated varint at ${this.pos}`);
      if ((this.buf[this.pos++]! & 0x80) === 0) return;
    }
    throw new Error(`varint longer than 10 bytes at ${this.pos}`);
  }

  /** A zig-zag varint used as a length, count or index: must be within ±MAX_LENGTH. */
  small(): number {
    const start = this.pos;
    let n = 0;
    let scale = 1;
    for (;;) {
      if (this.remaining === 0) throw new Error(`truncated varint at ${start}`);
      const b = this.buf[this.pos++]!;
      n += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) break;
      scale *= 128;
      if (scale > 2 * MAX_LENGTH) throw new Error(`length or index out of range at ${start}`);
    }
    const value = n % 2 === 0 ? n / 2 : -(n + 1) / 2;
    if (Math.abs(value) > MAX_LENGTH) throw new Error(`length or index out of range at ${start}`);
    return value;
  }

  length(): number {
    const at = this.pos;
    const n = this.small();
    if (n < 0) throw new Error(`negative length ${n} at ${at}`);
    return n;
  }
}

function walk(type: avro.Type, c: Cursor): void {
  switch (type.typeName) {
    case 'null':
      return;
    case 'boolean':
      return c.skip(1);
    case 'int':
    case 'long':
      return c.skipVarint();
    case 'float':
      return c.skip(4);
    case 'double':
      return c.skip(8);
    case 'string':
    case 'bytes':
      return c.skip(c.length());
    case 'fixed':
      return c.skip((type as avro.types.FixedType).size);
    case 'enum': {
      const at = c.pos;
      const i = c.small();
      const symbols = (type as avro.types.EnumType).symbols;
      if (i < 0 || i >= symbols.length) throw new Error(`enum index ${i} out of range at ${at} (${type.name})`);
      return;
    }
    case 'record':
      for (const field of (type as avro.types.RecordType).fields) walk(field.type, c);
      return;
    case 'union:wrapped':
    case 'union:unwrapped': {
      const at = c.pos;
      const i = c.small();
      const branches = (type as avro.Type & { types: avro.Type[] }).types;
      if (i < 0 || i >= branches.length) throw new Error(`union index ${i} out of range at ${at}`);
      return walk(branches[i]!, c);
    }
    case 'array':
      return blocks(c, () => walk((type as avro.types.ArrayType).itemsType, c));
    case 'map':
      return blocks(c, () => {
        c.skip(c.length());
        walk((type as avro.types.MapType).valuesType as avro.Type, c);
      });
    default:
      throw new Error(`unsupported Avro type ${type.typeName}`);
  }
}

/** Array and map blocks: a count, negated when followed by the block's byte size, until a zero count. */
function blocks(c: Cursor, item: () => void): void {
  for (;;) {
    const at = c.pos;
    let n = c.small();
    if (n === 0) return;
    if (n < 0) {
      n = -n;
      c.length();
    }
    // Every item of our schemas takes at least one byte, so a count above the bytes left cannot be honest.
    if (n > c.remaining) throw new Error(`block count ${n} at ${at} exceeds the ${c.remaining} bytes left`);
    for (let i = 0; i < n; i++) item();
  }
}

/** Throws an Error naming the first structural fault of `buf[offset..]` as a value of `type`. */
export function scanAvro(type: avro.Type, buf: Buffer, offset: number): void {
  const c = new Cursor(buf, offset);
  walk(type, c);
  if (c.remaining > 0) throw new Error(`${c.remaining} trailing bytes after the value`);
}
