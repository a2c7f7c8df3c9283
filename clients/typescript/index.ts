/**
 * The typed Chokepoint client: openapi-fetch over the types generated from openapi/openapi.json.
 *
 *   const api = createChokepointClient({ baseUrl: 'https://chokepoint.internal', apiKey: process.env.CHOKEPOINT_KEY! });
 *   const { data, error, response } = await api.POST('/v1/screenings', { body: shipment, params: { header: { 'idempotency-key': 'SO-10042' } } });
 *
 * Every path, body, query, header and response is typed from the document; `error` is the
 * problem+json body (`Problem`) on a 4xx/5xx.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type { components, paths };
export type Schemas = components['schemas'];
export type ChokepointClient = Client<paths>;

export interface ClientOptions {
  /** Where the service runs, e.g. https://chokepoint.internal (no trailing /v1). */
  baseUrl: string;
  /** An API key: sent as Authorization: Bearer <key>. */
  apiKey: string;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof globalThis.fetch;
}

export function createChokepointClient(opts: ClientOptions): ChokepointClient {
  const client = createClient<paths>({ baseUrl: opts.baseUrl, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  client.use({
    onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${opts.apiKey}`);
      return request;
    },
  });
  return client;
}
