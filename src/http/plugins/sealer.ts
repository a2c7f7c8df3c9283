/**
 * The audit sealer as an app decorator: seals on an interval (unref'd, so it never keeps the
 * process alive), on demand through `app.sealer.sealNow()`, and stops before the database closes.
 * Every replica runs one; the sealer advisory lock lets only one of them seal at a time.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Sealer } from '../../services/sealer.js';

export const DEFAULT_SEAL_INTERVAL_MS = 10_000;

declare module 'fastify' {
  interface FastifyInstance {
    sealer: Sealer;
  }
}

export interface SealerPluginOptions {
  /** Milliseconds between background seals; 0 turns the timer off (sealNow still works). */
  intervalMs?: number;
}

export default fp<SealerPluginOptions>(
  async function sealerPlugin(app: FastifyInstance, opts) {
    const sealer = new Sealer(app.database.db, { log: app.log });
    app.decorate('sealer', sealer);
    sealer.start(opts.intervalMs ?? DEFAULT_SEAL_INTERVAL_MS, () => app.storageReady());
    app.addHook('preClose', async () => {
      await sealer.stop();
    });
  },
  { name: 'sealer', fastify: '5.x' },
);
