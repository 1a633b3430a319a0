// The live clock: at start-up and at each UTC midnight it writes a BusinessDateTick for today to every partition of
// the invoices and payments topics, so live time reaches the as-of date through the same path as a replay's ticks
// (and stays deterministic given the topics). Several instances writing the same tick are harmless: a tick that
// does not move a topic's watermark changes nothing, and the tick's id is the same from every writer.
import type { Producer } from 'kafkajs';
import type { EventSerde } from '../../../../shared/contracts/serde.ts';
import type { InvoiceEvent, PaymentEvent } from '../../../../shared/contracts/events.generated.ts';
import type { TopicSpec } from '../../../../shared/contracts/topics.ts';
import { deriveEventId } from '../../../../shared/ids.ts';
import type { Logger } from '../../../../shared/logger.ts';
import { dayOf, startOfDay } from '../../../../shared/time.ts';
import { SOURCE } from '../domain/index.ts';

export interface LiveClockOptions {
  producer: Producer;
  serde: Pick<EventSerde, 'encode'>;
  topics: ReadonlyArray<TopicSpec<InvoiceEvent> | TopicSpec<PaymentEvent>>;
  partitions: number;
  now: () => number;
  logger: Logger;
  /** A tick that could not be written: the service cannot keep live time and must stop. */
  onError: (error: Error) => void;
}

export class LiveClock {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private writing: Promise<void> = Promise.resolve();
  private written = Number.NEGATIVE_INFINITY;

  constructor(private readonly o: LiveClockOptions) {}

  /** Writes today's ticks, then keeps writing each new day's at its UTC midnight. */
  async start(): Promise<void> {
    await this.write(dayOf(this.o.now()));
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.writing.catch(() => undefined);
  }

  /** Writes the next day's ticks at its midnight (timers may fire a little early: the day is fixed beforehand). */
  private schedule(): void {
    if (this.stopped) return;
    const now = this.o.now();
    const next = Math.max(dayOf(now), this.written) + 1;
    this.timer = setTimeout(() => {
      this.writing = this.write(next).then(
        () => this.schedule(),
        (error: unknown) => this.o.onError(error as Error),
      );
    }, startOfDay(next) - now);
  }

  private async write(day: number): Promise<void> {
    const topicMessages = await Promise.all(
      this.o.topics.map(async (spec) => ({
        topic: spec.name,
        messages: await Promise.all(
          Array.from({ length: this.o.partitions }, async (_, partition) => ({
            key: '',
            partition,
            value: await this.o.serde.encode(spec as TopicSpec, {
              eventId: deriveEventId(SOURCE, 'BusinessDateTick', spec.name, partition, day),
              eventType: 'BusinessDateTick',
              occurredAt: startOfDay(day),
              customerId: '',
              source: SOURCE,
              causationId: null,
              payload: { businessDate: day },
            }),
          })),
        ),
      })),
    );
    await this.o.producer.sendBatch({ topicMessages, acks: -1 });
    this.written = day;
    this.o.logger.info({ businessDate: day }, 'live clock ticked');
  }
}
