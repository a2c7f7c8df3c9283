/** The baseline: a bare Fastify JSON route with the same body limit, no work. */
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 262144 });
app.post('/bare', async (request) => ({ ok: true, size: JSON.stringify(request.body).length }));
app.get('/readyz', async () => ({ status: 'ready' }));
await app.listen({ port: Number(process.env.PORT ?? 3901), host: '127.0.0.1' });
