// The one place Redis keys are built. Every key of a partition carries the hash tag {p<partition>}, so one batch's
// keys live in one Redis Cluster slot and a single script can touch them all.
export interface PartitionKeys {
  offsets: string;
  state: string;
  outbox: string;
  index: string;
}

export function partitionKeys(service: string, partition: number, prefix = 'o2c'): PartitionKeys {
  const base = `${prefix}:${service}:{p${partition}}`;
  return { offsets: `${base}:offsets`, state: `${base}:state`, outbox: `${base}:outbox`, index: `${base}:index` };
}
