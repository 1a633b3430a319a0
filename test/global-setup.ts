// vitest globalSetup of the integration project: one stack for the whole run (see test/stack.ts).
import { ensureStack } from './stack.ts';

export default async function setup(): Promise<void> {
  const stack = await ensureStack();
  console.log(`integration tests use the ${stack.source} stack: Kafka ${stack.kafkaBrokers.join(',')}, registry ${stack.schemaRegistryUrl}`);
}
