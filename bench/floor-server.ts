/**
 * The durable floor: a bare Fastify POST route that does only what storing costs — it
 * group-commits the request body and one real result of the service (FLOOR_RESULT_FILE, captured
 * from the running service by bench/http.ts) to the same Postgres and answers with that result
 * after the commit. No engine, no auth, no validation, no audit indexes: what the service could
 * reach if everything but the durable write were free.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import pg from 'pg';

const result = readFileSync(process.env.FLOOR_RESULT_FILE!, 'utf8');
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query('create table if not exists floor_screenings (id bigserial primary key, request json not null, result json not null)');

// The same group commit as the service's writer: up to 4 statements in flight, up to 256 rows each.
let queue: Array<{ request: string; done: (err?: unknown) => void }> = [];
let inFlight = 0;
function pump() {
  while (inFlight < 4 && queue.length > 0) {
    const batch = queue.splice(0, 256);
    inFlight++;
    // As the service's writer sends them: the requests and the results as two JSON arrays, joined by position.
    const requests = `[${batch.map((b) => b.request).join(',')}]`;
    const results = `[${batch.map(() => result).join(',')}]`;
    pool
      .query(
        `insert into floor_screenings (request, result) select q.value, r.value
         from json_array_elements($1::json) with ordinality as q(value, n) join json_array_elements($2::json) with ordinality as r(value, n) using (n)`,
        [requests, results],
      )
      .then(
        () => batch.forEach((b) => b.done()),
        (err) => batch.forEach((b) => b.done(err)),
      )
      .finally(() => {
        inFlight--;
        pump();
      });
  }
}

const app = Fastify({ logger: false, bodyLimit: 262144 });
app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));
app.post('/floor', async (request, reply) => {
  await new Promise<void>((resolve, reject) => {
    queue.push({ request: request.body as string, done: (err) => (err ? reject(err) : resolve()) });
    pump();
  });
  return reply.code(201).type('application/json').send(result);
});
app.get('/readyz', async () => ({ status: 'ready' }));
await app.listen({ port: Number(process.env.PORT ?? 3903), host: '127.0.0.1' });
