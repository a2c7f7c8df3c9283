/**
 * Webhooks as app decorators: the endpoint/delivery service, fed by the domain event bus, and the
 * dispatcher that sends queued deliveries (on every replica; claims keep them from sending the same
 * one), and the event relay that queues what a crash kept from being queued. Both stop, and finish
 * their round, before the database closes.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { WebhookService } from '../../services/webhooks.js';
import { WebhookDispatcher } from '../../services/webhook-dispatcher.js';
import { EventRelay } from '../../services/event-relay.js';

declare module 'fastify' {
  interface FastifyInstance {
    webhooks: WebhookService;
    webhookDispatcher: WebhookDispatcher;
    eventRelay: EventRelay;
  }
}

export default fp(
  async function webhooksPlugin(app: FastifyInstance) {
    const dispatcher = new WebhookDispatcher(app.database.db, app.config.webhooks, { log: app.log });
    const service = new WebhookService(app.database.db, app.config.webhooks, undefined, () => dispatcher.wake(), app.changes);
    app.decorate('webhooks', service);
    app.decorate('webhookDispatcher', dispatcher);
    const unsubscribe = app.events.subscribe((event) => service.enqueue(event).then(() => undefined));
    dispatcher.start(() => app.storageReady());
    // The audit log as outbox: a stored flagged screening whose deliveries a crash kept from being queued.
    const relay = new EventRelay(app.database.db, service, { intervalMs: app.config.webhooks.relayMs, settleMs: app.config.webhooks.relaySettleMs, log: app.log });
    app.decorate('eventRelay', relay);
    app.metrics.watchRelay(() => relay.stats);
    relay.start(() => app.storageReady());
    app.addHook('preClose', async () => {
      unsubscribe();
      await relay.stop();
      await dispatcher.stop();
    });
  },
  { name: 'webhooks', fastify: '5.x' },
);
