import { describe, expect, it } from 'vitest';
import { EventBus, type ChokepointEvent } from '../../src/services/events.js';

const event: ChokepointEvent = { type: 'screening.flagged', occurredAt: '2026-12-01T00:00:00Z', ownerKeyId: 'k1', data: { screeningId: 's1' } };

describe('EventBus', () => {
  it('delivers to every subscriber even when one throws, and reports the failure', async () => {
    const seen: string[] = [];
    const errors: unknown[] = [];
    const bus = new EventBus((err) => errors.push(err));
    bus.subscribe(() => {
      throw new Error('receiver down');
    });
    bus.subscribe(async (e) => {
      seen.push(e.type);
    });
    await bus.publish(event);
    expect(seen).toEqual(['screening.flagged']);
    expect(errors).toHaveLength(1);
  });

  it('strict: still delivers to every subscriber, then throws, so an outbox job runs again', async () => {
    const seen: string[] = [];
    const bus = new EventBus();
    bus.subscribe(() => {
      throw new Error('database refused the delivery rows');
    });
    bus.subscribe((e) => {
      seen.push(e.type);
    });
    await expect(bus.publish(event, { strict: true })).rejects.toThrow(/1 subscriber\(s\) failed on screening.flagged/);
    expect(seen).toEqual(['screening.flagged']);
    // Without strict, the publisher never fails (a screening's answer does not wait on receivers).
    await expect(bus.publish(event)).resolves.toBeUndefined();
  });

  it('stops delivering after unsubscribe', async () => {
    const bus = new EventBus();
    let n = 0;
    const off = bus.subscribe(() => {
      n++;
    });
    await bus.publish(event);
    off();
    await bus.publish(event);
    expect(n).toBe(1);
  });
});
