// The one place Redis keys are built. Every key of a partition carries the hash tag {p<partition>}, so one batch's
// keys live in one Redis Cluster slot and a single script can touch them all.
export interface PartitionKeys {
  offsets: string;
  /** The hash of whole-entity states the store wrote before states were kept per entity (deleted on upgrade). */
  legacyState: string;
  outbox: string;
  index: string;
  /** The hash holding one entity's state, a field per part (e.g. per document). */
  entity(id: string): string;
  /** What every entity key of the partition starts with (for SCAN MATCH `${entityPrefix}*`). */
  entityPrefix: string;
}

export function partitionKeys(service: string, partition: number, prefix = 'o2c'): PartitionKeys {
  const base = `${prefix}:${service}:{p${partition}}`;
  const entityPrefix = `${base}:e:`;
  return {
    offsets: `${base}:offsets`,
    legacyState: `${base}:state`,
    outbox: `${base}:outbox`,
    index: `${base}:index`,
    entity: (id) => `${entityPrefix}${id}`,
    entityPrefix,
  };
}
