/**
 * A service process for the kill test (kill.test.ts): MODE=submit uploads a batch of N shipments
 * and works on it, printing progress, until the parent kills it with SIGKILL; MODE=resume starts
 * the service on the same database and waits for the batch to finish. Short job expiry and
 * maintenance intervals, so the chunk lost with the killed worker is retried within seconds.
 */
import { buildApp } from '../../src/app.js';
import { parseStorage, testConfig } from '../../src/config.js';
import { rulesOnly } from '../helpers/ruleset.js';
import { BATCH_QUEUE, type ChunkJob } from '../../src/services/batches.js';

const ADMIN = 'kill-test-admin-key-0123456789abcdefghijkl';
const mode = process.env.MODE;
const n = Number(process.env.N ?? 200);
const config = testConfig({
  storage: parseStorage(process.env.DATABASE_URL, process.cwd()),
  adminKey: ADMIN,
  rateLimitPerMinute: 0,
  // No workers while the batch is uploaded (screening would otherwise overlap the upload and may
  // finish before the parent can kill mid-batch); one is started after the 202, below.
  batch: { ...testConfig().batch, chunkSize: 5, workers: mode === 'submit' ? 0 : 1, jobExpireSeconds: 2 },
});
const app = await buildApp({ config, loadRuleset: rulesOnly, sealIntervalMs: 0, queueTiming: { maintenanceIntervalSeconds: 1, pollingIntervalSeconds: 0.5 } });
const auth = { authorization: `Bearer ${ADMIN}` };

let id = process.env.BATCH_ID ?? '';
if (mode === 'submit') {
  const body = Array.from({ length: n }, (_, i) =>
    JSON.stringify({ reference: `KILL-${i}`, shipDate: '2026-11-30', items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 1 + i }], route: { origin: 'US', destination: i % 3 ? 'SG' : 'CN' } }),
  ).join('\n');
  const res = await app.inject({ method: 'POST', url: '/v1/batches', headers: { ...auth, 'content-type': 'application/x-ndjson' }, payload: body });
  id = res.json().id;
  console.log(`batch ${id}`);
  // Paced (50 ms after each chunk) so that progress is observable and the kill lands mid-batch
  // even on PGlite, where this process's status queries wait behind the worker's.
  await app.queue.work<ChunkJob>(BATCH_QUEUE, 1, async (job) => {
    await app.batches.runChunk(job);
    await new Promise((r) => setTimeout(r, 50));
  });
}
for (;;) {
  const b = (await app.inject({ method: 'GET', url: `/v1/batches/${id}`, headers: auth })).json();
  console.log(`progress ${b.done} ${b.total} ${b.state}`);
  if (b.state === 'completed') break;
  await new Promise((r) => setTimeout(r, 30));
}
await app.close();
process.exit(0);
