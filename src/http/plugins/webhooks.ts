/**
 * Webhooks as app decorators: the endpoint/delivery service, fed by the domain event bus, and the
 * dispatcher that sends queued deliveries (on every replica; claims keep them from sending the same
 * one). The dispatcher stops, and finishes its round, before the database closes.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { WebhookService } from '../../services/webhooks.js';
import { WebhookDispatcher } from '../../services/webhook-dispatcher.js';

declare module 'fastify' {
  interface FastifyInstance {
    webhooks: WebhookService;
    webhookDispatcher: WebhookDispatcher;
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
    app.addHook('preClose', async () => {
      unsubscribe();
      await dispatcher.stop();
    });
  },
  { name: 'webhooks', fastify: '5.x' },
);
