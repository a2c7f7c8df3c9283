/**
 * Domain events: what integrations are told about (DESIGN.md, "Growing the house"). A service
 * publishes an event after the fact it describes is durable; subscribers (the webhook sender,
 * metrics) turn it into their own durable records. Publishing never fails the publisher: a
 * subscriber that throws is reported to `onError` and the others still run.
 */
export type EventType = 'screening.flagged' | 'screening.changed' | 'batch.completed';

export interface ChokepointEvent {
  type: EventType;
  /** When the fact happened (ISO 8601). */
  occurredAt: string;
  /**
   * The API key whose data this is (the submitter of the screening or batch), so that nothing
   * from one submitter reaches another's view; null for system-initiated facts without one.
   */
  ownerKeyId: string | null;
  /** Event-specific payload, documented with each event type in the README. */
  data: Record<string, unknown>;
}

export type EventSubscriber = (event: ChokepointEvent) => Promise<void> | void;

export class EventBus {
  private readonly subscribers: EventSubscriber[] = [];

  constructor(private readonly onError: (err: unknown, event: ChokepointEvent) => void = () => {}) {}

  subscribe(fn: EventSubscriber): () => void {
    this.subscribers.push(fn);
    return () => {
      const i = this.subscribers.indexOf(fn);
      if (i >= 0) this.subscribers.splice(i, 1);
    };
  }

  /**
   * `strict`: for a publisher that can publish again (a job from an outbox), a subscriber's failure
   * is thrown after every subscriber ran, so the job is retried instead of the event being lost for
   * that subscriber. Subscribers must then take the same event twice calmly (the webhook queue keys
   * deliveries by event).
   */
  async publish(event: ChokepointEvent, opts: { strict?: boolean } = {}): Promise<void> {
    const failures: unknown[] = [];
    for (const fn of this.subscribers) {
      try {
        await fn(event);
      } catch (err) {
        this.onError(err, event);
        failures.push(err);
      }
    }
    if (opts.strict && failures.length > 0) throw new AggregateError(
        failures,
        // Each failure's own message, so that a log line or a monitoring run's lastError says what refused it.
        `${failures.length} subscriber(s) failed on ${event.type}: ${failures.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')}`.slice(0, 500),
      );
  }
}
