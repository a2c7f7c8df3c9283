/**
 * A service process for the kill tests (kill.test.ts):
 *  - MODE=submit uploads a batch of N shipments and works on it, printing progress, until the
 *    parent kills it with SIGKILL;
 *  - MODE=finish registers a webhook endpoint for batch.completed, uploads a batch of N and works
 *    on it; CRASH=after-finish kills this process (SIGKILL, from inside) right after the
 *    transaction that finished the batch commits, CRASH=after-publish right after batch.completed
 *    was published and before its job is marked done;
 *  - MODE=upload-kill streams a batch slowly under an Idempotency-Key, a worker screening its chunks, and
 *    prints the upload's progress until the parent kills it (before the 202); MODE=upload-retry sends the
 *    same file again under the key and works on it until it finishes;
 *  - MODE=resume starts the service on the same database and waits for the batch to finish and
 *    its batch.completed job to be done.
 * Every batch.completed this process publishes is printed (`event <batchId> <state>`). Short job
 * expiry and maintenance intervals, so a job lost with the killed process is retried within seconds.
 */
import { Readable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { buildApp } from '../../src/app.js';
import { parseStorage, testConfig } from '../../src/config.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { BATCH_FINISHED_QUEUE, BATCH_QUEUE, type ChunkJob } from '../../src/services/batches.js';

const ADMIN = 'kill-test-admin-key-0123456789abcdefghijkl';
const mode = process.env.MODE;
const n = Number(process.env.N ?? 200);
const config = testConfig({
  storage: parseStorage(process.env.DATABASE_URL, process.cwd()),
  adminKey: ADMIN,
  rateLimitPerMinute: 0,
  // MODE=submit: no workers while the batch is uploaded (screening would otherwise overlap the
  // upload and may finish before the parent can kill mid-batch); one is started after the 202, below.
  // Chunks of 5 lines committed 2 at a time: a kill can fall between two commits of one chunk.
  batch: { ...testConfig().batch, chunkSize: 5, commitGroup: 2, workers: mode === 'submit' ? 0 : 1, jobExpireSeconds: 2 } as never,
});
// MODE=upload-kill / upload-retry: an upload killed before its 202, and its retry under the same key. An upload
// idle for a second counts as dead (BATCH_UPLOAD_IDLE_SECONDS), so the retry need not wait fifteen minutes.
if (mode === 'upload-kill' || mode === 'upload-retry') (config.batch as { uploadIdleSeconds: number }).uploadIdleSeconds = 1;
const app = await buildApp({ config, loadRuleset: rulesOnly, sealIntervalMs: 0, queueTiming: { maintenanceIntervalSeconds: 1, pollingIntervalSeconds: 0.5 } });
const auth = { authorization: `Bearer ${ADMIN}` };
app.events.subscribe((e) => {
  if (e.type === 'batch.completed') console.log(`event ${String(e.data.batchId)} ${String(e.data.state)}`);
});
const suicide = () => {
  console.log('crashing');
  process.kill(process.pid, 'SIGKILL');
};

const shipments = (count: number) =>
  Array.from({ length: count }, (_, i) =>
    JSON.stringify({ reference: `KILL-${i}`, shipDate: '2026-11-30', items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 1 + i }], route: { origin: 'US', destination: i % 3 ? 'SG' : 'CN' } }),
  ).join('\n');

async function upload(): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/v1/batches', headers: { ...auth, 'content-type': 'application/x-ndjson' }, payload: shipments(n) });
  const id = res.json().id as string;
  console.log(`batch ${id}`);
  return id;
}

const rows = async (query: ReturnType<typeof sql>) => {
  const r = await app.database.db.execute(query);
  return ((r as { rows?: unknown[] }).rows ?? r) as Array<Record<string, unknown>>;
};

let id = process.env.BATCH_ID ?? '';
if (mode === 'upload-kill' || mode === 'upload-retry') {
  const file = shipments(n).split('\n');
  // The file arrives slowly (as over a long link) while a worker screens its chunks; the parent kills this
  // process once some lines are screened, before the upload ends (upload-kill), or it goes through (upload-retry).
  async function* slowly() {
    for (let i = 0; i < file.length; i += 10) {
      yield `${file.slice(i, i + 10).join('\n')}\n`;
      if (mode === 'upload-kill') await new Promise((r) => setTimeout(r, 30));
    }
  }
  const headers = { ...auth, 'content-type': 'application/x-ndjson', 'idempotency-key': 'nightly-kill' };
  const answer = app.inject({ method: 'POST', url: '/v1/batches', headers, payload: Readable.from(slowly()) });
  if (mode === 'upload-kill') {
    for (;;) {
      const [b] = await rows(sql`select state, received, screened from batches where idempotency_key = 'nightly-kill'`);
      if (b) console.log(`upload ${String(b.state)} ${Number(b.received)} ${Number(b.screened)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const res = await answer;
  if (res.statusCode !== 202) throw new Error(`retry: ${res.statusCode} ${res.body}`);
  id = res.json().id as string;
  console.log(`batch ${id} resumed ${JSON.stringify(res.json().resumed)}`);
} else if (mode === 'submit') {
  id = await upload();
  // Paced (50 ms after each chunk) so that progress is observable and the kill lands mid-batch
  // even on PGlite, where this process's status queries wait behind the worker's.
  await app.queue.work<ChunkJob>(BATCH_QUEUE, 1, async (job) => {
    await app.batches.runChunk(job);
    await new Promise((r) => setTimeout(r, 50));
  });
} else if (mode === 'finish') {
  const hook = await app.inject({
    method: 'POST',
    url: '/v1/webhooks/endpoints',
    headers: auth,
    payload: { url: 'https://erp.invalid/hooks/chokepoint', events: ['batch.completed'] },
  });
  if (hook.statusCode !== 201) throw new Error(`webhook endpoint: ${hook.statusCode} ${hook.body}`);
  if (process.env.CRASH === 'after-finish') app.batches.testHooks.afterFinishCommitted = suicide;
  if (process.env.CRASH === 'after-publish') app.batches.testHooks.afterPublish = suicide;
  id = await upload();
}

for (;;) {
  const b = (await app.inject({ method: 'GET', url: `/v1/batches/${id}`, headers: auth })).json();
  console.log(`progress ${b.done} ${b.total} ${b.state}`);
  if (b.state === 'completed' || b.state === 'failed') {
    // And the job that publishes batch.completed is done (pg-boss keeps completed jobs for a day).
    const [job] = await rows(sql`select count(*)::int as n from pgboss.job where name = ${BATCH_FINISHED_QUEUE} and data ->> 'batchId' = ${id} and state = 'completed'`);
    if (Number(job?.n) > 0) break;
  }
  await new Promise((r) => setTimeout(r, 100));
}
await app.close();
process.exit(0);
