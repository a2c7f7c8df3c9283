/**
 * Batch screening (issue #10): an upload of up to BATCH_MAX_SHIPMENTS shipments is read as a
 * stream, each shipment validated on its own and staged in `batch_lines`; the screening runs as
 * chunk jobs on the job queue, each chunk screening its lines through the same engine and storing
 * them as ordinary audit records (`screenings`, sealed and verified like any other) linked to the
 * batch and line in the same transaction. A chunk run twice stores nothing twice; a chunk lost with
 * its worker is retried by the queue. `batch.completed` is published when the last chunk commits.
 */
import { randomUUID } from 'node:crypto';
import type { BatchConfig } from '../config.js';
import { AppError, badRequest, notFound } from '../errors.js';
import type { Principal } from './principal.js';
import type { ShipmentInput } from '../schemas/shipment.js';
import { canonicalJson } from '../canonical-json.js';
import { sha256Hex } from '../store/canonical.js';
import type { Db } from '../store/db.js';
import {
  commitChunk,
  createBatch,
  findBatch,
  pendingLines,
  resultPage,
  setBatchState,
  stageLines,
  startBatch,
  type BatchRow,
  type LineOutcome,
  type StagedLine,
} from '../store/batches-repo.js';
import type { JobQueue } from '../jobs/queue.js';
import type { EventBus } from './events.js';
import type { ScreeningEngine } from './active-ruleset.js';
import { screeningRow, type ScreeningService } from './screenings.js';
import { readShipments, BadCsvHeader, type LineError } from './batch-input.js';
import { MalformedUpload, UploadTooLarge, type BatchFormat } from './batch-records.js';
import { batchResultLines, type ResultFormat } from './batch-results.js';
import { isStorageFailure } from './storage-errors.js';

export const BATCH_QUEUE = 'batch-chunk';
const STAGE_GROUP = 500;
/** Line errors returned with the 202 answer; all of them are in the results. */
const ERRORS_IN_RECEIPT = 20;

export interface ChunkJob {
  batchId: string;
  fromLine: number;
  toLine: number;
}

export interface BatchView {
  id: string;
  state: string;
  format: string;
  total: number;
  /** Lines with an outcome: screened, failed (refused by the engine) or invalid (refused at upload). */
  done: number;
  screened: number;
  failed: number;
  invalid: number;
  counts: { CLEAR: number; REVIEW: number; LICENSE_REQUIRED: number; BLOCK: number };
  /** Shipments screened per second since the batch started. */
  ratePerSecond: number | null;
  /** Seconds until done at that rate; 0 when finished, null before a rate is known. */
  etaSeconds: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  links: { self: string; results: string };
  /** The first line errors of the upload (on submission only). */
  lineErrors?: Array<LineError & { lineNo: number }>;
}

export class BatchService {
  constructor(
    private readonly db: Db,
    private readonly engine: ScreeningEngine,
    private readonly screenings: ScreeningService,
    private readonly queue: JobQueue,
    private readonly events: EventBus,
    private readonly config: BatchConfig,
  ) {}

  /** Reads the whole upload (constant memory), stages every line, queues the chunks. */
  async submit(cmd: { body: AsyncIterable<Buffer | Uint8Array | string>; format: BatchFormat; principal: Principal | null; now: () => Date }): Promise<BatchView> {
    const id = randomUUID();
    const lines = readShipments(cmd.body, cmd.format, {
      maxLineBytes: this.config.maxLineBytes,
      maxBytes: this.config.maxBytes,
      check: (input) => this.screenings.inputErrors(input),
    });
    let created = false;
    let total = 0;
    let invalid = 0;
    const lineErrors: Array<LineError & { lineNo: number }> = [];
    let chunk: ChunkJob | null = null;
    let chunkCount = 0;
    let group: StagedLine[] = [];
    // A chunk is queued as soon as its lines are staged, so screening overlaps the upload.
    const flush = async (closeChunk: boolean) => {
      const staged = group;
      group = [];
      await retryStorage(() => stageLines(this.db, id, staged));
      if (closeChunk && chunk) {
        const job = chunk;
        chunk = null;
        chunkCount = 0;
        await this.queue.sendMany(BATCH_QUEUE, [{ data: job, singletonKey: `${job.batchId}:${job.fromLine}` }]);
        this.queue.wake();
      }
    };
    try {
      for await (const line of lines) {
        if (!created) {
          // Only once the header (CSV) or the first line parsed: a wrong file leaves nothing behind.
          await createBatch(this.db, { id, apiKeyId: cmd.principal?.keyId ?? null, format: cmd.format, createdAt: cmd.now().toISOString() });
          created = true;
        }
        total++;
        if (total > this.config.maxShipments) throw new AppError(413, 'too-many-shipments', 'Too many shipments', `A batch holds at most ${this.config.maxShipments} shipments (BATCH_MAX_SHIPMENTS)`);
        if ('errors' in line) {
          invalid++;
          if (lineErrors.length < ERRORS_IN_RECEIPT) lineErrors.push(...line.errors.slice(0, 3).map((e) => ({ lineNo: line.lineNo, ...e })));
          group.push({ lineNo: line.lineNo, reference: line.reference, errors: line.errors });
        } else {
          group.push({ lineNo: line.lineNo, reference: line.reference, input: line.input });
          chunk ??= { batchId: id, fromLine: line.lineNo, toLine: line.lineNo };
          chunk.toLine = line.lineNo;
          chunkCount++;
        }
        if (chunkCount >= this.config.chunkSize) await flush(true);
        else if (group.length >= STAGE_GROUP) await flush(false);
      }
      if (!created) throw badRequest('The upload holds no shipments (empty, or only blank lines)', [{ field: '/', in: 'body', message: 'no shipments' }]);
      await flush(true);
    } catch (err) {
      if (created) await setBatchState(this.db, id, ['receiving'], 'failed', cmd.now().toISOString()).catch(() => undefined);
      throw uploadProblem(err);
    }
    const started = await startBatch(this.db, id, { total, invalid }, cmd.now().toISOString());
    if (started?.state === 'completed') await this.publishCompleted(started);
    return { ...view(started ?? (await this.mustFind(id)), cmd.now()), lineErrors };
  }

  async get(id: string, principal: Principal | null, now = new Date()): Promise<BatchView> {
    return view(await this.visible(id, principal), now);
  }

  async cancel(id: string, principal: Principal | null, now = new Date()): Promise<BatchView> {
    const batch = await this.visible(id, principal);
    const cancelled = await setBatchState(this.db, batch.id, ['receiving', 'running'], 'cancelled', now.toISOString());
    return view(cancelled ?? (await this.mustFind(id)), now);
  }

  /** Checks access now (errors become a problem response), streams afterwards. */
  async results(id: string, principal: Principal | null, format: ResultFormat) {
    const batch = await this.visible(id, principal);
    return { batch, lines: batchResultLines(this.db, batch.id, format) };
  }

  /**
   * One chunk job: screen the chunk's lines that have no outcome yet, then commit them. Runs
   * while the upload goes on (a chunk is queued once its lines are staged); throws, so the queue
   * retries, when the database fails.
   */
  async runChunk(job: ChunkJob, now: () => Date = () => new Date()): Promise<void> {
    const batch = await this.mustFind(job.batchId);
    // Cancelled, failed or completed: nothing to do. A failed upload keeps what was screened.
    if (batch.state !== 'running' && batch.state !== 'receiving') return;
    const pending = await pendingLines(this.db, job.batchId, job.fromLine, job.toLine);
    if (pending.length === 0) return;
    const outcomes: LineOutcome[] = [];
    for (const line of pending) {
      const input = line.input as ShipmentInput;
      const at = now();
      const screened = await this.engine.screen(input, at);
      if (!screened.ok) {
        outcomes.push({ lineNo: line.lineNo, errors: screened.errors.map((e) => ({ field: e.path, message: e.message })) });
        continue;
      }
      const row = screeningRow({
        input,
        shipment: screened.shipment,
        result: screened.result,
        requestHash: sha256Hex(canonicalJson(input)),
        apiKeyId: batch.apiKeyId,
        idempotencyScope: '',
        idempotencyKey: null,
        now: at,
      });
      outcomes.push({ lineNo: line.lineNo, screening: row });
    }
    const { batch: after, completed } = await commitChunk(this.db, job.batchId, outcomes, now().toISOString());
    if (completed && after) await this.publishCompleted(after);
  }

  /** Starts this replica's chunk workers (BATCH_WORKERS of them). */
  async startWorkers(onError: (err: unknown, job: ChunkJob) => void): Promise<void> {
    await this.queue.defineQueue(BATCH_QUEUE);
    if (this.config.workers === 0) return;
    await this.queue.work<ChunkJob>(BATCH_QUEUE, this.config.workers, async (job) => {
      try {
        await this.runChunk(job);
      } catch (err) {
        onError(err, job);
        throw err;
      }
    });
  }

  private async publishCompleted(batch: BatchRow) {
    const v = view(batch, new Date());
    await this.events.publish({
      type: 'batch.completed',
      occurredAt: batch.finishedAt ?? new Date().toISOString(),
      ownerKeyId: batch.apiKeyId,
      data: { batchId: v.id, state: v.state, total: v.total, screened: v.screened, failed: v.failed, invalid: v.invalid, counts: v.counts },
    });
  }

  private async mustFind(id: string): Promise<BatchRow> {
    const batch = await findBatch(this.db, id);
    if (!batch) throw notFound(`No batch ${id}`);
    return batch;
  }

  /** A submitter sees only its own batches; to it, others' do not exist (as with screenings). */
  private async visible(id: string, principal: Principal | null): Promise<BatchRow> {
    const batch = await findBatch(this.db, id);
    if (!batch || (principal?.role === 'submitter' && batch.apiKeyId !== principal.keyId)) throw notFound(`No batch ${id}`);
    return batch;
  }
}

/**
 * A long upload must not fail on one slow or dropped statement (a busy database, a pool checkout
 * timing out): staging a group is idempotent, so it is retried a few times before the upload fails.
 */
async function retryStorage<T>(fn: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || !isStorageFailure(err)) throw err;
      await new Promise((r) => setTimeout(r, 250 * 2 ** i));
    }
  }
}

function uploadProblem(err: unknown): unknown {
  if (err instanceof BadCsvHeader) return badRequest(`CSV header: ${err.message}`, [{ field: '/', in: 'body', message: err.message }]);
  if (err instanceof MalformedUpload) return badRequest(err.message, [{ field: '/', in: 'body', message: err.message }]);
  if (err instanceof UploadTooLarge) return new AppError(413, 'too-large', 'Payload too large', err.message);
  return err;
}

export function view(b: BatchRow, now: Date): BatchView {
  const done = b.screened + b.failed + b.invalid;
  const processed = b.screened + b.failed;
  const started = b.startedAt ? Date.parse(b.startedAt) : null;
  const until = b.finishedAt ? Date.parse(b.finishedAt) : now.getTime();
  const seconds = started === null ? 0 : Math.max(0.001, (until - started) / 1000);
  const rate = started !== null && processed > 0 ? processed / seconds : null;
  const finished = ['completed', 'cancelled', 'failed'].includes(b.state);
  return {
    id: b.id,
    state: b.state,
    format: b.format,
    total: b.total,
    done,
    screened: b.screened,
    failed: b.failed,
    invalid: b.invalid,
    counts: { CLEAR: b.clear, REVIEW: b.review, LICENSE_REQUIRED: b.licenseRequired, BLOCK: b.block },
    ratePerSecond: rate === null ? null : Math.round(rate * 10) / 10,
    etaSeconds: finished ? 0 : rate && b.state === 'running' ? Math.ceil(Math.max(0, b.total - done) / rate) : null,
    createdAt: new Date(b.createdAt).toISOString(),
    startedAt: b.startedAt ? new Date(b.startedAt).toISOString() : null,
    finishedAt: b.finishedAt ? new Date(b.finishedAt).toISOString() : null,
    links: { self: `/v1/batches/${b.id}`, results: `/v1/batches/${b.id}/results` },
  };
}
