// Every topic is keyed by customerId with the same partition count, so a customer's orders, invoices and payments
// all sit on the same partition number. This assigner gives partition p of every subscribed topic to one member,
// like a Kafka Streams task, so the member owning p owns that customer's whole state. Partition numbers are spread
// round-robin over the members sorted by memberId, which makes the assignment a pure function of the group.
import { AssignerProtocol, type Assignment, type GroupMember, type PartitionAssigner } from 'kafkajs';

const NAME = 'O2cCopartitionAssigner';
const VERSION = 0;

/** The pure core: members' subscriptions and topics' partitions in, assignment per member out. */
export function assignCopartitioned(
  members: ReadonlyArray<{ memberId: string; topics: readonly string[] }>,
  partitionsByTopic: ReadonlyMap<string, readonly number[]>,
): Map<string, Assignment> {
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const result = new Map<string, Assignment>(sorted.map((m) => [m.memberId, {}]));
  for (const [topic, partitions] of partitionsByTopic) {
    // Normally every member subscribes to every topic and this is all members, so partition p goes to the same
    // member for every topic. During a rolling deploy that changes subscriptions, a topic is spread over the members
    // that want it: still complete, co-partitioned again once the deploy is done.
    const subscribers = sorted.filter((m) => m.topics.includes(topic));
    if (subscribers.length === 0) continue;
    for (const p of [...partitions].sort((a, b) => a - b)) {
      const owner = result.get(subscribers[p % subscribers.length]!.memberId)!;
      (owner[topic] ??= []).push(p);
    }
  }
  return result;
}

function decodeSubscription(member: GroupMember): { memberId: string; topics: readonly string[] } {
  const metadata = AssignerProtocol.MemberMetadata.decode(member.memberMetadata);
  return { memberId: member.memberId, topics: metadata?.topics ?? [] };
}

export const CopartitionAssigner: PartitionAssigner = ({ cluster }) => ({
  name: NAME,
  version: VERSION,
  async assign({ members, topics }) {
    const partitionsByTopic = new Map(
      topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).map((m) => m.partitionId)] as const),
    );
    const assignment = assignCopartitioned(members.map(decodeSubscription), partitionsByTopic);
    return [...assignment].map(([memberId, a]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: VERSION, assignment: a, userData: Buffer.alloc(0) }),
    }));
  },
  protocol({ topics }) {
    return {
      name: NAME,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: VERSION, topics, userData: Buffer.alloc(0) }),
    };
  },
});
