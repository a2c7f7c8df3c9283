/**
 * `chokepoint screen shipments.csv|.ndjson|.json [--out results.csv|.ndjson] [--key K] [--idempotency-key K] [--charset C]` — a batch
 * through the same app as the server: the file is streamed to POST /v1/batches (same parsing,
 * validation, jobs, audit log), progress is drawn on stderr (count, rate, ETA), the results are
 * streamed to --out, and a summary by decision ends the run. Exit code: the strongest decision
 * (0 CLEAR, 2 REVIEW, 3 LICENSE_REQUIRED, 4 BLOCK); lines that could not be screened make it at
 * least 2, since a human must look at them; 1 on an error.
 */
import { closeSync, constants, createReadStream, createWriteStream, openSync, readSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import type { BatchView } from './services/batches.js';

export const BATCH_EXTENSIONS: Record<string, string> = { '.csv': 'text/csv', '.ndjson': 'application/x-ndjson', '.jsonl': 'application/x-ndjson' };
const EXIT: Record<string, number> = { CLEAR: 0, REVIEW: 2, LICENSE_REQUIRED: 3, BLOCK: 4 };

export function batchContentType(file: string): string | undefined {
  const ext = /\.[a-z]+$/i.exec(file)?.[0]?.toLowerCase();
  return ext ? BATCH_EXTENSIONS[ext] : undefined;
}

/** How far into a .json file its first character is looked for (after a byte order mark and white space). */
const JSON_SNIFF_BYTES = 64 * 1024;

/**
 * A .json file whose first character (after a UTF-8 byte order mark and white space) is `[`: a JSON array of
 * shipments, screened as a batch (POST /v1/batches, application/json), not as one shipment. False when it cannot
 * be read: the one-shipment path says why.
 */
export function isJsonArrayFile(file: string): boolean {
  if (file === '-' || !/\.json$/i.test(file)) return false;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(JSON_SNIFF_BYTES);
    const n = readSync(fd, head, 0, head.length, 0);
    let i = n >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
    while (i < n && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
    return i < n && head[i] === 0x5b;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** What to do about a file that is not UTF-8, said when no --charset was given. */
export function notUtf8Hint(file: string): string {
  return `${path.basename(file)} is not UTF-8 (names like "Müller" are refused as invalid UTF-8): if it was saved in Windows-1252 (a Windows ERP or Excel export; ISO-8859-1 / -15), run again with --charset windows-1252 (or iso-8859-15)`;
}

function duration(seconds: number | null): string {
  if (seconds === null) return '--';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function progressLine(b: Pick<BatchView, 'done' | 'total' | 'ratePerSecond' | 'etaSeconds'>, width = 30): string {
  const share = b.total > 0 ? b.done / b.total : 0;
  const filled = Math.round(share * width);
  const rate = b.ratePerSecond === null ? '--' : Math.round(b.ratePerSecond).toLocaleString('en-US');
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${b.done.toLocaleString('en-US')}/${b.total.toLocaleString('en-US')}  ${rate}/s  ETA ${duration(b.etaSeconds)}`;
}

/**
 * The CLI picks the Content-Type from the file's extension: a 415 saying the body is in another format (a CSV
 * export saved as orders.ndjson) is told as the extension to use, which is what the user can change.
 */
export function mislabelledHint(file: string, detail: string): string | null {
  const wanted = /send it with Content-Type: ([\w./+-]+)/.exec(detail)?.[1];
  if (!wanted) return null;
  const ext = Object.entries(BATCH_EXTENSIONS).find(([, type]) => type === wanted)?.[0];
  const name = path.basename(file);
  if (ext) return `${name} is read by its extension, and its content is not that format: save it as a ${ext} file`;
  return `${name} looks like a JSON array of shipments: save it as ${name.replace(/\.[^.]*$/, '')}.json (a .json file holding an array is screened as a batch)`;
}

/** Why `file` cannot be read as the batch, or null: checked before anything is opened or screened. */
export async function unreadableInput(file: string): Promise<string | null> {
  try {
    const st = await stat(file);
    if (st.isDirectory()) return `${file} is a directory, not a file to screen`;
    await access(file, constants.R_OK);
    return null;
  } catch (err) {
    return `cannot read ${file}: ${(err as Error).message}`;
  }
}

/**
 * Why --out cannot be written, or null. Checked before the upload: the results are written once the batch is
 * screened, and a path found unwritable only then left the batch screened (in the audit log) with neither its
 * results nor its summary — a run again without --idempotency-key screened the whole file a second time.
 */
export async function unwritableOut(out: string): Promise<string | null> {
  try {
    const st = await stat(out);
    if (st.isDirectory()) return `--out ${out} is a directory; name a file (results.csv or results.ndjson)`;
    await access(out, constants.W_OK);
    return null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return `cannot write --out ${out}: ${(err as Error).message}`;
  }
  const dir = path.dirname(path.resolve(out));
  try {
    if (!(await stat(dir)).isDirectory()) return `cannot write --out ${out}: ${dir} is not a directory`;
    await access(dir, constants.W_OK);
    return null;
  } catch (err) {
    return `cannot write --out ${out}: ${(err as Error).message}`;
  }
}

/**
 * --out naming the input file itself (or a link to it): the results were written over the file once it had been
 * screened — the user's input replaced by the results. Refused before anything is screened.
 */
export async function outIsInput(file: string, out: string): Promise<string | null> {
  try {
    const [a, b] = await Promise.all([stat(file), stat(out)]);
    return a.dev === b.dev && a.ino === b.ino ? `--out ${out} is the input file itself: the results would be written over it; name another file` : null;
  } catch {
    return null; // --out does not exist yet (or the input cannot be read, which is said first)
  }
}

export async function batchScreenCommand(file: string, contentType: string, opts: { config: Config; key: string; out?: string | undefined; idempotencyKey?: string | undefined; charset?: string | undefined }): Promise<number> {
  // Before the database is opened and anything is screened: a file that cannot be read, results that could not be written.
  const problem = (await unreadableInput(file)) ?? (opts.out !== undefined ? ((await outIsInput(file, opts.out)) ?? (await unwritableOut(opts.out))) : null);
  if (problem) {
    console.error(`chokepoint screen: ${problem}; nothing was screened`);
    return 1;
  }
  // This process screens the batch itself: at least one worker, whatever BATCH_WORKERS says for servers.
  const config = { ...opts.config, batch: { ...opts.config.batch, workers: Math.max(1, opts.config.batch.workers) } };
  const app = await buildApp({ config, sealIntervalMs: 0, queueTiming: { pollingIntervalSeconds: 0.5 } });
  const auth = { authorization: `Bearer ${opts.key}` };
  const tty = process.stderr.isTTY;
  try {
    // Embedded storage is one process at a time (this one holds its lock): an upload still `receiving` there was
    // read by a process that died (a run killed mid-upload). It is ended now, as the reaper would after
    // BATCH_UPLOAD_IDLE_SECONDS, so that a run again under the same --idempotency-key starts anew, not 409.
    if (config.storage.kind !== 'postgres') {
      const ended = await app.batches.failAbandonedUploads(new Date(Date.now() + config.batch.uploadIdleSeconds * 1000));
      for (const id of ended) console.error(`batch ${id}: its upload broke off with the process that read it; ended as failed (lines it screened stay linked to it)`);
    }
    const idem = opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {};
    const res = await app.inject({ method: 'POST', url: '/v1/batches', headers: { ...auth, 'content-type': contentType, ...idem }, payload: createReadStream(file) });
    if (res.statusCode !== 202) {
      console.error(JSON.stringify(res.json(), null, 2));
      const hint = res.statusCode === 415 ? mislabelledHint(file, String((res.json() as { detail?: unknown }).detail ?? '')) : null;
      if (hint) console.error(`chokepoint screen: ${hint}; nothing was screened`);
      else if (!opts.charset && /not valid UTF-8/.test(res.body)) console.error(`chokepoint screen: ${notUtf8Hint(file)}; nothing was screened`);
      return 1;
    }
    let batch = res.json() as BatchView;
    if (res.headers['idempotent-replayed']) console.error(`batch ${batch.id}: already submitted under this key (${batch.state}); not screened again`);
    else if (batch.resumed) {
      const { from, lines } = batch.resumed;
      console.error(`batch ${batch.id}: resumes the failed upload${from.length > 1 ? 's' : ''} ${from.join(', ')}: ${lines} line${lines === 1 ? '' : 's'} ${from.length > 1 ? 'they' : 'it'} had screened taken over, not screened again`);
    }
    for (const e of batch.lineErrors ?? []) console.error(`line ${e.line ?? e.lineNo}: ${e.field}: ${e.message}`);
    if (batch.invalid > (batch.lineErrors?.length ?? 0)) console.error(`… ${batch.invalid} invalid lines in all (see the results)`);
    if (!opts.charset && (batch.lineErrors ?? []).some((e) => /not valid UTF-8/.test(e.message))) console.error(`chokepoint screen: ${notUtf8Hint(file)}`);
    let lastPrint = 0;
    while (!['completed', 'cancelled', 'failed'].includes(batch.state)) {
      await new Promise((r) => setTimeout(r, 250));
      batch = (await app.inject({ method: 'GET', url: `/v1/batches/${batch.id}`, headers: auth })).json() as BatchView;
      if (tty) process.stderr.write(`\r${progressLine(batch)}`);
      else if (batch.state === 'running' && Date.now() - lastPrint > 5_000) {
        lastPrint = Date.now();
        console.error(progressLine(batch));
      }
    }
    process.stderr.write(`${tty ? '\r' : ''}${progressLine(batch)}\n`);

    // The batch is screened and stored whatever happens to the results file: a write that fails (disk full) still
    // leaves the summary, the batch id and the way to the results.
    let written = true;
    if (opts.out) {
      const format = opts.out.toLowerCase().endsWith('.csv') ? 'csv' : 'ndjson';
      try {
        const { lines } = await app.batches.results(batch.id, null, format);
        const out = createWriteStream(opts.out);
        const failed = once(out, 'error').then(([err]) => Promise.reject(err as Error));
        failed.catch(() => undefined);
        for await (const text of lines) if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
        out.end();
        await Promise.race([once(out, 'finish'), failed]);
      } catch (err) {
        written = false;
        console.error(`chokepoint screen: the results could not be written to ${opts.out}: ${(err as Error).message}; the batch is screened and stored — its results: GET /v1/batches/${batch.id}/results`);
      }
    }

    const c = batch.counts;
    console.log(`batch ${batch.id}: ${batch.state}, ${batch.total} shipments`);
    console.log(`  CLEAR ${c.CLEAR}  REVIEW ${c.REVIEW}  LICENSE_REQUIRED ${c.LICENSE_REQUIRED}  BLOCK ${c.BLOCK}  invalid ${batch.invalid}  failed ${batch.failed}`);
    if (opts.out && written) console.log(`  results: ${opts.out}`);
    if (batch.failure) console.error(`batch failed: ${batch.failure.linesNotScreened} lines not screened (in the results as failed, code not-screened): ${batch.failure.reason}`);
    if (batch.state !== 'completed' || !written) return 1;
    const strongest = Math.max(0, ...Object.entries(c).filter(([, n]) => n > 0).map(([d]) => EXIT[d] ?? 1));
    return batch.invalid + batch.failed > 0 ? Math.max(strongest, EXIT.REVIEW!) : strongest;
  } finally {
    await app.close();
  }
}
