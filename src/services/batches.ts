/**
 * Batch screening (issue #10): an upload of up to BATCH_MAX_SHIPMENTS shipments is read as a
 * stream, each shipment validated on its own and staged in `batch_lines`; the screening runs as
 * chunk jobs on the job queue, each chunk screening its lines through the same engine and storing
 * them as ordinary audit records (`screenings`, sealed and verified like any other) linked to the
 * batch and line in the same transaction. A chunk run twice stores nothing twice; a chunk lost with
 * its worker is retried by the queue; a chunk that fails every retry goes to a dead-letter queue,
 * whose job records its lines as not screened (the batch then ends `failed`). The transaction that
 * ends a batch also queues a job that publishes `batch.completed` (an outbox on the job queue), so
 * the event is neither lost nor duplicated by a crash in between.
 */
import { createHash, randomUUID, type Hash } from 'node:crypto';
import type { BatchConfig } from '../config.js';
import { AppError, badRequest, conflict, notFound } from '../errors.js';
import type { Principal } from './principal.js';
import type { ShipmentInput } from '../schemas/shipment.js';
import type { Db } from '../store/db.js';
import { dbErrorCode } from '../store/db-errors.js';
import { UNPAIRED_SURROGATE } from './input-guards.js';
import {
  commitChunk,
  createBatch,
  findBatch,
  givenUpLines,
  listBatches,
  attentionLines,
  type AttentionLine,
  NOT_SCREENED,
  pendingLines,
  cancelBatch,
  completeCancelledUpload,
  batchState,
  stageLines,
  failAbandonedUploads,
  findBatchByIdempotencyKey,
  failedUploadsUnderKey,
  receiptErrors,
  failUpload,
  touchUpload,
  startBatch,
  type BatchRow,
  type LineOutcome,
  type NotScreened,
  type OnFinished,
  type StagedLine,
} from '../store/batches-repo.js';
import { transactionExecutor, type JobInfo, type JobQueue, type RetryPolicy } from '../jobs/queue.js';
import type { EventBus } from './events.js';
import type { LineTask, ScreeningEngine } from './active-ruleset.js';
import type { ScreeningService } from './screenings.js';
import { readShipments, BadCsvHeader, MislabelledUpload, csvError, type LineError } from './batch-input.js';
import { MalformedUpload, UploadTooLarge, type BatchFormat } from './batch-records.js';
import { batchResultLines, type ResultFormat } from './batch-results.js';
import { isStorageFailure } from './storage-errors.js';
import { decodePageCursor, encodePageCursor } from './page-cursor.js';

export const BATCH_QUEUE = 'batch-chunk';
/** Chunks that failed every retry (pg-boss dead letters): their lines are recorded as not screened. */
export const BATCH_GIVEN_UP_QUEUE = 'batch-chunk-given-up';
/** One job per finished batch, queued in the transaction that finished it: publishes batch.completed. */
export const BATCH_FINISHED_QUEUE = 'batch-finished';

/**
 * Chunk retries: exponential back-off, by default from 2 s, 10 retries (BATCH_CHUNK_RETRY_DELAY_SECONDS,
 * BATCH_CHUNK_RETRIES) — about half an hour to an hour of a failing database or engine before a chunk is
 * given up (every retry is idempotent).
 */
export const CHUNK_RETRY: RetryPolicy = { retryLimit: 10, retryDelay: 2, retryBackoff: true };
/** Giving up a chunk and publishing an event are small database writes: retried quickly, and long. */
const FOLLOW_UP_RETRY: RetryPolicy = { retryLimit: 20, retryDelay: 1, retryBackoff: true };

/** BATCH_* settings, plus the chunk retry policy and commit group (tests shorten them). */
export type BatchServiceConfig = BatchConfig & {
  chunkRetry?: Partial<RetryPolicy>;
  commitGroup?: number;
  /** How often a live upload says so (received_at); default a third of BATCH_UPLOAD_IDLE_SECONDS. A test seam. */
  uploadHeartbeatMs?: number;
  /**
   * How often an upload asks whether its batch was cancelled on another replica (default 2 s; a cancel on
   * this replica stops it at once). A test seam.
   */
  uploadStatePollMs?: number;
};

/** How often an upload looks at its batch's state (a cancel from another replica). */
const UPLOAD_STATE_POLL_MS = 2_000;

/**
 * Test seams: called at the points where a crash used to lose or duplicate work, so a test can
 * kill the process exactly there (tests/batches/kill-child.ts) and check that a restart recovers.
 */
export interface BatchTestHooks {
  /** The transaction that finished a batch (and queued its event) has committed. */
  afterFinishCommitted?: (batch: BatchRow) => void | Promise<void>;
  /** batch.completed was published; the job that published it is not yet marked done. */
  afterPublish?: (batch: BatchRow) => void | Promise<void>;
}

export interface BatchFinishedJob {
  batchId: string;
}
const STAGE_GROUP = 500;
/**
 * Lines a chunk commits together. A chunk's rows wait in memory for their commit (each ~10 KB of
 * serialised request and result); at 500 a 20,000-line batch grew the server's RSS by 85–90 MB, at
 * 100 by 45 MB, at the same rate (bench:batch, README).
 */
const COMMIT_GROUP = 100;
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
  /** Shipments read so far: the upload's progress while receiving, the total afterwards. */
  received: number;
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
  /** sha256 of the uploaded bytes, once the upload is complete. */
  uploadSha256: string | null;
  /** Why a `failed` batch failed: lines given up (their chunk failed every retry) and the last error; null otherwise. */
  failure: { linesNotScreened: number; reason: string } | null;
  /**
   * The retry of uploads under the same Idempotency-Key that failed before they were complete: the lines they
   * had screened (the same line, the same shipment) were taken over, not screened again — `lines` of them, counted
   * in `screened` and `counts`. Null when the batch resumed nothing.
   */
  resumed: { from: string[]; lines: number } | null;
  /** The first line errors of the upload (on submission only). */
  lineErrors?: Array<LineError & { lineNo: number }>;
}

export class BatchService {
  /** Test seams (see BatchTestHooks); empty in service. */
  readonly testHooks: BatchTestHooks = {};

  constructor(
    private readonly db: Db,
    private readonly engine: ScreeningEngine,
    private readonly screenings: ScreeningService,
    private readonly queue: JobQueue,
    private readonly events: EventBus,
    private readonly config: BatchServiceConfig,
  ) {}

  /** In the transaction that finishes a batch: queue the job that publishes its event. */
  private readonly onFinished: OnFinished = (tx, batch) =>
    this.queue.sendMany<BatchFinishedJob>(BATCH_FINISHED_QUEUE, [{ data: { batchId: batch.id } }], transactionExecutor(tx));

  /** Reads the whole upload (constant memory), stages every line, queues the chunks. */
  async submit(cmd: {
    body: AsyncIterable<Buffer | Uint8Array | string>;
    format: BatchFormat;
    principal: Principal | null;
    now: () => Date;
    /** The submitter's retry token: the same key and bytes again are answered with the batch they made (`replayed`). */
    idempotencyKey?: string | null;
  }): Promise<BatchView & { replayed?: true }> {
    const key = cmd.idempotencyKey ?? null;
    if (key) {
      const scope = cmd.principal?.keyId ?? '';
      let existing = await retryStorage(() => findBatchByIdempotencyKey(this.db, scope, key));
      // An upload under this key whose process died (received_at idle for BATCH_UPLOAD_IDLE_SECONDS) is ended
      // here, by the reaper's own rule, rather than when the reaper next runs: a process that lives only for
      // the retry (`chokepoint screen`, whose reaper never gets to run) would otherwise be told 409 for ever.
      if (existing?.state === 'receiving' && !this.uploads.has(existing.id) && isIdle(existing, cmd.now(), this.config.uploadIdleSeconds)) {
        await retryStorage(() => this.failAbandonedUploads(cmd.now()));
        existing = await retryStorage(() => findBatchByIdempotencyKey(this.db, scope, key));
      }
      if (existing) return this.replay(existing, cmd);
    }
    const id = randomUUID();
    const digest = createHash('sha256');
    // Aborted when the batch is cancelled while its upload arrives (cancel() on this replica; the state poll,
    // a refused staging or the heartbeat for a cancel elsewhere): the upload stops at once — nothing more is
    // parsed or staged — and is answered with the cancelled batch.
    const stop = new AbortController();
    this.uploads.set(id, stop);
    const lines = readShipments(hashed(untilStopped(cmd.body, stop.signal, this.config.maxBytes), digest), cmd.format, {
      maxLineBytes: this.config.maxLineBytes,
      maxBytes: this.config.maxBytes,
      // Control characters and unpaired surrogates included (input-guards.ts): json and text refuse them.
      check: (input) => this.screenings.inputErrors(input),
    });
    let created = false;
    let heartbeat: NodeJS.Timeout | undefined;
    let statePoll: NodeJS.Timeout | undefined;
    let total = 0;
    let invalid = 0;
    const lineErrors: Array<LineError & { lineNo: number }> = [];
    let chunk: ChunkJob | null = null;
    let chunkCount = 0;
    let group: StagedLine[] = [];
    // Uploads under this key that failed before they were complete: their screened lines are taken over.
    let resumeFrom: string[] = [];
    // A chunk is queued as soon as its lines are staged, so screening overlaps the upload.
    const flush = async (closeChunk: boolean) => {
      const staged = group;
      group = [];
      // Refused: the batch no longer takes lines (cancelled from another replica): stop here.
      if (!(await retryStorage(() => stageLines(this.db, id, staged, cmd.now().toISOString(), resumeFrom)))) stop.abort();
      if (stop.signal.aborted) throw new UploadStopped();
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
          if (key) resumeFrom = await retryStorage(() => failedUploadsUnderKey(this.db, cmd.principal?.keyId ?? '', key));
          await createBatch(this.db, { id, apiKeyId: cmd.principal?.keyId ?? null, format: cmd.format, createdAt: cmd.now().toISOString(), idempotencyKey: key, resumedFrom: resumeFrom }).catch((err) => {
            // Another upload under the same key began after the look-up above: it is being received now.
            if (key && dbErrorCode(err) === '23505') throw inProgress();
            throw err;
          });
          created = true;
          // While this process reads the upload it keeps saying so, however slowly the client sends: only
          // an upload whose process died stops moving received_at, and only that one is ended as abandoned.
          heartbeat = setInterval(
            () =>
              void touchUpload(this.db, id, cmd.now().toISOString())
                .then((receiving) => (receiving ? undefined : stop.abort()))
                .catch(() => undefined),
            this.config.uploadHeartbeatMs ?? (this.config.uploadIdleSeconds * 1000) / 3,
          );
          heartbeat.unref();
          // However slowly the client sends: a cancel on another replica stops this upload within a poll.
          statePoll = setInterval(
            () =>
              void batchState(this.db, id)
                .then((state) => (state !== null && state !== 'receiving' ? stop.abort() : undefined))
                .catch(() => undefined),
            this.config.uploadStatePollMs ?? UPLOAD_STATE_POLL_MS,
          );
          statePoll.unref();
        }
        if (stop.signal.aborted) throw new UploadStopped();
        total++;
        if (total > this.config.maxShipments) throw new AppError(413, 'too-many-shipments', 'Too many shipments', `A batch holds at most ${this.config.maxShipments} shipments (BATCH_MAX_SHIPMENTS)`);
        if ('errors' in line) {
          invalid++;
          // The first errors by line, as a replay lists them (a CSV shipment is read after a bad row that follows it).
          lineErrors.push(...line.errors.slice(0, 3).map((e) => ({ lineNo: line.lineNo, ...storableError(e) })));
          if (lineErrors.length > 2 * ERRORS_IN_RECEIPT) firstByLine(lineErrors);
          group.push({ lineNo: line.lineNo, reference: storableText(line.reference), errors: line.errors.map(storableError) });
        } else {
          group.push({ lineNo: line.lineNo, reference: storableText(line.reference), input: line.input });
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
      if (created && (stop.signal.aborted || err instanceof UploadStopped)) return this.stoppedUpload(id, cmd.now(), firstByLine(lineErrors));
      if (created) await failUpload(this.db, id, cmd.now().toISOString()).catch(() => undefined);
      throw uploadProblem(err);
    } finally {
      clearInterval(heartbeat);
      clearInterval(statePoll);
      this.uploads.delete(id);
    }
    const uploadSha256 = digest.digest('hex');
    const started = await retryStorage(() => startBatch(this.db, id, { total, invalid, uploadSha256 }, cmd.now().toISOString(), this.onFinished));
    if (started && started.state !== 'running') await this.finished(started);
    let batch = started ?? (await this.mustFind(id));
    // Cancelled after the last lines were staged and before the total was recorded: the cancel counted every
    // line, so the batch keeps the file's sha256 (the same file under the same key is this batch).
    if (!started && batch.state === 'cancelled') batch = (await completeCancelledUpload(this.db, id, { total, uploadSha256 })) ?? batch;
    return { ...(await this.describe(batch, cmd.now())), lineErrors: firstByLine(lineErrors) };
  }

  /**
   * The upload stopped because its batch no longer takes lines. Cancelled (the usual case): answered like
   * any upload — 202 with the batch, its state `cancelled`, its total the lines staged before the cancel
   * (the rest of the request body is read and discarded, never parsed or staged). Ended otherwise (taken
   * for abandoned, which a living upload is not, but clocks differ): a 409 naming the batch.
   */
  private async stoppedUpload(id: string, now: Date, lineErrors: Array<LineError & { lineNo: number }>): Promise<BatchView> {
    const batch = await retryStorage(() => this.mustFind(id));
    if (batch.state !== 'cancelled') {
      if (batch.state === 'receiving') await failUpload(this.db, id, now.toISOString()).catch(() => undefined);
      throw conflict(`Batch ${id} was ended (${batch.state}) while its upload was arriving: send the file again`);
    }
    return { ...(await this.describe(batch, now)), lineErrors };
  }

  /**
   * The same Idempotency-Key again. A true retry (the same bytes in the same format: the 202 was lost)
   * is answered with the batch the first upload made, receipt and all, and nothing is screened again.
   * The key with another file is a 409, as is a key whose upload is still arriving (Retry-After).
   * The body is read to its end for the comparison (its sha256), never staged.
   */
  private async replay(existing: BatchRow, cmd: { body: AsyncIterable<Buffer | Uint8Array | string>; format: BatchFormat; now: () => Date }): Promise<BatchView & { replayed: true }> {
    if (existing.state === 'receiving') throw inProgress(existing.id);
    if (!existing.uploadSha256) {
      throw conflict(`The batch under this Idempotency-Key (${existing.id}) was ${existing.state} before its upload was complete: send the file under a new key`);
    }
    const digest = createHash('sha256');
    let bytes = 0;
    try {
      for await (const chunk of hashed(cmd.body, digest)) {
        bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
        if (bytes > this.config.maxBytes) throw new UploadTooLarge(`the upload is larger than ${this.config.maxBytes} bytes (BATCH_MAX_BYTES)`);
      }
    } catch (err) {
      throw uploadProblem(err);
    }
    if (existing.format !== cmd.format || digest.digest('hex') !== existing.uploadSha256) {
      throw conflict(`This Idempotency-Key was used for another upload (batch ${existing.id}): a changed file needs a new key`);
    }
    const lineErrors = await receiptErrors(this.db, existing.id, ERRORS_IN_RECEIPT);
    return { ...(await this.describe(existing, cmd.now())), lineErrors, replayed: true };
  }

  async get(id: string, principal: Principal | null, now = new Date()): Promise<BatchView> {
    return this.describe(await this.visible(id, principal), now);
  }

  /** Batches newest first: a submitter's own, everyone's for the other roles. */
  async list(principal: Principal | null, q: { limit?: number | undefined; cursor?: string | undefined } = {}, now = new Date()): Promise<{ items: BatchView[]; nextCursor: string | null }> {
    const limit = q.limit ?? 20;
    const rows = await listBatches(this.db, {
      limit: limit + 1,
      apiKeyId: principal?.role === 'submitter' ? principal.keyId : undefined,
      before: q.cursor ? decodePageCursor(q.cursor) : undefined,
    });
    const page = rows.slice(0, limit);
    const items = await Promise.all(page.map((b) => this.describe(b, now)));
    const last = page[page.length - 1];
    return { items, nextCursor: rows.length > limit && last ? encodePageCursor({ createdAt: new Date(last.createdAt).toISOString(), id: last.id }) : null };
  }

  /**
   * Cancels a `receiving` or `running` batch (another state: answered as it is). What was screened stays,
   * once; the lines without an outcome are never screened and are listed as `not-screened`. A batch still
   * receiving is ended with the lines staged so far as its total, and its upload stops (at once on this
   * replica, within a poll on another). Chunks still queued find the batch cancelled and do nothing, now or
   * after a restart; one screening at this moment stores nothing (commitChunk).
   */
  async cancel(id: string, principal: Principal | null, now = new Date()): Promise<BatchView> {
    const batch = await this.visible(id, principal);
    const cancelled = await cancelBatch(this.db, batch.id, now.toISOString(), principal?.keyId ?? null);
    if (cancelled) this.uploads.get(batch.id)?.abort();
    return this.describe(cancelled ?? (await this.mustFind(id)), now);
  }

  /** Uploads this process is reading, by batch: aborted when their batch is cancelled here. */
  private readonly uploads = new Map<string, AbortController>();

  /** The view, with the reason when the batch failed. */
  private async describe(batch: BatchRow, now: Date): Promise<BatchView> {
    return { ...view(batch, now), failure: await this.failureOf(batch) };
  }

  private async failureOf(batch: BatchRow): Promise<BatchView['failure']> {
    if (batch.state !== 'failed') return null;
    const given = await givenUpLines(this.db, batch.id);
    if (given.lines > 0) return { linesNotScreened: given.lines, reason: given.reason ?? 'not screened' };
    // Failed while receiving: the upload was refused (413) or broke off; its client got the error.
    return { linesNotScreened: Math.max(0, batch.total - batch.screened - batch.failed - batch.invalid), reason: 'the upload was refused or broke off before it was complete' };
  }

  /** Lines to look at (invalid, failed, flagged), in line order after `afterLine`: for the console's batch page. */
  async attention(id: string, principal: Principal | null, afterLine = 0, limit = 50): Promise<{ batch: BatchView; lines: AttentionLine[]; nextAfter: number | null }> {
    const batch = await this.visible(id, principal);
    const lines = await attentionLines(this.db, batch.id, afterLine, limit + 1, notScreenedOf(batch));
    const page = lines.slice(0, limit);
    return { batch: await this.describe(batch, new Date()), lines: page, nextAfter: lines.length > limit ? page[page.length - 1]!.lineNo : null };
  }

  /** Checks access now (errors become a problem response), streams afterwards. */
  async results(id: string, principal: Principal | null, format: ResultFormat, afterLine = 0) {
    const batch = await this.visible(id, principal);
    return { batch, lines: batchResultLines(this.db, batch.id, format, afterLine, notScreenedOf(batch)) };
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
    // In groups of COMMIT_GROUP lines: each group is screened (on an engine worker when ENGINE_WORKERS > 0,
    // which hands back serialised rows), then committed in its own transaction that claims its lines — so
    // a retried chunk skips them, and a chunk holds one group's rows in memory, not the whole chunk's.
    const group = this.config.commitGroup ?? COMMIT_GROUP;
    for (let from = 0; from < pending.length; from += group) {
      const tasks: LineTask[] = [];
      for (const line of pending.slice(from, from + group)) {
        const input = JSON.parse(line.inputJson) as ShipmentInput;
        const at = now();
        // As a single screening is: with the reviewed false positives that apply to its parties. Not
        // with the exporter's licences: a batch line never draws on one (README, Batch screening).
        tasks.push({ lineNo: line.lineNo, input, at: at.toISOString(), suppressions: await this.screenings.suppressionsFor(input, at) });
      }
      const inputs = new Map(tasks.map((t) => [t.lineNo, t.input]));
      const outcomes: LineOutcome[] = (await this.engine.screenLines(tasks, batch.apiKeyId)).map((l) =>
        'row' in l
          ? { lineNo: l.lineNo, screening: l.row }
          : // A CSV line's engine errors (an unknown country…) name its column, as its upload errors do.
            { lineNo: l.lineNo, errors: batch.format === 'csv' ? l.errors.map((e) => csvError(e, { items: [], permits: [], parties: inputs.get(l.lineNo)?.parties ?? [] })) : l.errors },
      );
      const { batch: after, completed, active } = await commitChunk(this.db, job.batchId, outcomes, now().toISOString(), this.onFinished);
      if (completed && after) await this.finished(after);
      // Cancelled (or failed) while this group was screened: nothing of it was kept, and the rest is not screened.
      if (!active) return;
    }
  }

  /**
   * A chunk failed its last retry (a dead letter): its lines without an outcome are recorded as
   * `failed` with code `not-screened` and the reason, so the batch can end — `failed`, with the
   * lines already screened kept. Idempotent like a chunk: lines already committed are left alone.
   */
  async giveUpChunk(job: ChunkJob, info: Pick<JobInfo, 'output'>, now: () => Date = () => new Date()): Promise<void> {
    const batch = await this.mustFind(job.batchId);
    if (batch.state !== 'running' && batch.state !== 'receiving') return;
    const pending = await pendingLines(this.db, job.batchId, job.fromLine, job.toLine);
    if (pending.length === 0) return;
    const message = `not screened: the chunk of lines ${job.fromLine}–${job.toLine} failed ${1 + this.chunkRetry().retryLimit} attempts; last error: ${failureMessage(info.output)}`;
    const outcomes: LineOutcome[] = pending.map((l) => ({ lineNo: l.lineNo, errors: [{ field: '/', code: NOT_SCREENED, message }] }));
    const { batch: after, completed } = await commitChunk(this.db, job.batchId, outcomes, now().toISOString(), this.onFinished);
    if (completed && after) await this.finished(after);
  }

  /**
   * The job queued with the end of a batch: publishes `batch.completed` (state `completed` or
   * `failed`). At least once (a crash after publishing runs it again), and the event is built only
   * from the finished batch, so a second publication is the same event: webhook deliveries are
   * keyed by it and queued once per endpoint. If a subscriber fails (the database refused the delivery
   * rows), the job fails and pg-boss runs it again.
   */
  async publishFinished(job: BatchFinishedJob): Promise<void> {
    const batch = await findBatch(this.db, job.batchId);
    if (!batch || (batch.state !== 'completed' && batch.state !== 'failed')) return;
    const v = await this.describe(batch, new Date());
    await this.events.publish({
      type: 'batch.completed',
      occurredAt: v.finishedAt ?? v.createdAt,
      ownerKeyId: batch.apiKeyId,
      data: {
        batchId: v.id,
        state: v.state,
        total: v.total,
        screened: v.screened,
        failed: v.failed,
        invalid: v.invalid,
        counts: v.counts,
        ...(v.failure ? { failure: v.failure } : {}),
        href: `/v1/batches/${v.id}`,
        results: `/v1/batches/${v.id}/results`,
      },
    }, { strict: true }); // a subscriber that failed (the webhook queue's insert) makes the job run again
    await this.testHooks.afterPublish?.(batch);
  }

  private async finished(batch: BatchRow) {
    await this.testHooks.afterFinishCommitted?.(batch);
    this.queue.wake();
  }

  private chunkRetry(): RetryPolicy {
    const fromEnv = {
      ...(this.config.chunkRetries !== undefined ? { retryLimit: this.config.chunkRetries } : {}),
      ...(this.config.chunkRetryDelaySeconds !== undefined ? { retryDelay: this.config.chunkRetryDelaySeconds } : {}),
    };
    return { ...CHUNK_RETRY, ...fromEnv, ...this.config.chunkRetry };
  }

  /**
   * Defines the batch queues and starts this replica's workers: BATCH_WORKERS chunk workers and
   * one for given-up chunks (the one for finished batches starts when the app is ready).
   */
  async startWorkers(onError: (err: unknown, job: { batchId: string; fromLine?: number }, queue: string) => void): Promise<void> {
    await this.queue.defineQueue(BATCH_GIVEN_UP_QUEUE, FOLLOW_UP_RETRY);
    await this.queue.defineQueue(BATCH_FINISHED_QUEUE, FOLLOW_UP_RETRY);
    await this.queue.defineQueue(BATCH_QUEUE, { ...this.chunkRetry(), deadLetter: BATCH_GIVEN_UP_QUEUE });
    if (this.config.workers === 0) return;
    const reporting =
      <T extends ChunkJob | BatchFinishedJob>(queue: string, fn: (job: T, info: JobInfo) => Promise<void>) =>
      async (job: T, info: JobInfo) => {
        try {
          await fn(job, info);
        } catch (err) {
          onError(err, job, queue);
          throw err;
        }
      };
    await this.queue.work<ChunkJob>(BATCH_QUEUE, this.config.workers, reporting(BATCH_QUEUE, (job) => this.runChunk(job)));
    await this.queue.work<ChunkJob>(BATCH_GIVEN_UP_QUEUE, 1, reporting(BATCH_GIVEN_UP_QUEUE, (job, info) => this.giveUpChunk(job, info)));
    this.workersStarted = true;
    this.reportError = onError;
    this.reaper = setInterval(
      () => void this.failAbandonedUploads().catch((err) => onError(err, { batchId: '*' }, 'abandoned-uploads')),
      Math.min(60_000, this.config.uploadIdleSeconds * 500),
    );
    this.reaper.unref();
  }

  private reaper: NodeJS.Timeout | undefined;

  /** Stops looking for abandoned uploads (the app's onClose). */
  stopReaper(): void {
    if (this.reaper) clearInterval(this.reaper);
    this.reaper = undefined;
  }

  /**
   * Batches whose upload died with its process (a crash, a killed pod: the client got no 202) would
   * stay `receiving` for ever. Any replica doing batch work ends them `failed` once `received_at` has not
   * moved for BATCH_UPLOAD_IDLE_SECONDS (the process reading an upload moves it with every staged group
   * and on a heartbeat, however slow the client). Lines already screened stay; the batch shows why it failed. No batch.completed is
   * published, as for an upload that broke off while its process lived. Returns the batches ended.
   */
  async failAbandonedUploads(now: Date = new Date()): Promise<string[]> {
    const idleSince = new Date(now.getTime() - this.config.uploadIdleSeconds * 1000).toISOString();
    const ended = await failAbandonedUploads(this.db, idleSince, now.toISOString());
    return ended.map((b) => b.id);
  }

  private workersStarted = false;
  private eventWorkerStarted = false;
  private reportError: (err: unknown, job: { batchId: string }, queue: string) => void = () => {};

  /**
   * Starts the worker that publishes batch.completed — only once the app is ready (the routes
   * plugin's onReady), when every subscriber (the webhook queue) has subscribed: a job queued
   * before a restart would otherwise be published, and done, before anyone listens.
   */
  async startEventWorker(): Promise<void> {
    if (!this.workersStarted || this.eventWorkerStarted) return;
    this.eventWorkerStarted = true;
    await this.queue.work<BatchFinishedJob>(BATCH_FINISHED_QUEUE, 1, async (job) => {
      try {
        await this.publishFinished(job);
      } catch (err) {
        this.reportError(err, job, BATCH_FINISHED_QUEUE);
        throw err;
      }
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

/** received_at (or, before any line was staged, created_at) has not moved for `idleSeconds`: the failAbandonedUploads rule. */
function isIdle(batch: BatchRow, now: Date, idleSeconds: number): boolean {
  return Date.parse(batch.receivedAt ?? batch.createdAt) < now.getTime() - idleSeconds * 1000;
}

/**
 * Text as Postgres can store it: a NUL (refused by `text`, and as `\u0000` by `jsonb`) and a lone surrogate
 * (an invalid `\ud800` escape to `jsonb`) become U+FFFD. Only what the upload is read *about* is made
 * storable — a line's reference and its error messages, which may quote the line (`not valid JSON: Unexpected
 * token…`) — never a shipment: one with such a character is refused by the input checks (control characters).
 * Without this, one NUL in a refused line's reference made the whole upload a 500 (22P05).
 */
function storableText<T extends string | null>(s: T): T {
  if (s === null) return s;
  return s.replace(/\u0000/g, '\uFFFD').replace(new RegExp(UNPAIRED_SURROGATE.source, 'g'), '\uFFFD') as T;
}

function storableError(e: LineError): LineError {
  return { ...e, field: storableText(e.field), message: storableText(e.message) };
}

/** Keeps the ERRORS_IN_RECEIPT errors of the lowest lines (in place; returns the array). */
function firstByLine<T extends { lineNo: number }>(errors: T[]): T[] {
  errors.sort((a, b) => a.lineNo - b.lineNo);
  errors.length = Math.min(errors.length, ERRORS_IN_RECEIPT);
  return errors;
}

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

/** The message of the error a job failed with, as pg-boss stored it (never a stack trace). */
function failureMessage(output: unknown): string {
  const o = output as { message?: unknown; value?: { message?: unknown } } | null;
  const m = typeof o?.message === 'string' ? o.message : typeof o?.value?.message === 'string' ? o.value.message : 'unknown';
  return m.length > 300 ? `${m.slice(0, 300)}…` : m;
}

/** Passes the upload through unchanged, adding every byte to `digest` (the upload's sha256). */
async function* hashed(body: AsyncIterable<Buffer | Uint8Array | string>, digest: Hash): AsyncGenerator<Buffer | Uint8Array | string> {
  for await (const chunk of body) {
    digest.update(chunk);
    yield chunk;
  }
}

/** The upload was stopped: its batch no longer takes lines (cancelled). */
class UploadStopped extends Error {
  constructor() {
    super('the batch no longer takes lines (cancelled)');
  }
}

/**
 * Passes the upload through until `signal` aborts, then stops at once — also while waiting for the client's
 * next bytes — by throwing UploadStopped to the reader. The rest of the body is then read and discarded in
 * the background (up to `discardLimit` bytes, then the source is closed): never parsed, hashed or staged, but
 * consumed, so that the answer reaches a client still sending (a request body left unread, or a connection
 * closed under a client still writing, leaves common clients waiting or failing with EPIPE before they read
 * the answer). Any other early end (a refused upload) closes the source as before.
 */
async function* untilStopped<T extends Buffer | Uint8Array | string>(body: AsyncIterable<T>, signal: AbortSignal, discardLimit: number): AsyncGenerator<T> {
  const it = body[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | null = null;
  let ended = false;
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(new UploadStopped());
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    for (;;) {
      if (signal.aborted) throw new UploadStopped();
      pending = it.next();
      const r = await Promise.race([pending, aborted]);
      pending = null;
      if (r.done) {
        ended = true;
        return;
      }
      yield r.value;
    }
  } finally {
    if (!ended) {
      if (signal.aborted) void discard(it, pending, discardLimit);
      else await it.return?.();
    }
  }
}

async function discard<T extends Buffer | Uint8Array | string>(it: AsyncIterator<T>, pending: Promise<IteratorResult<T>> | null, limit: number): Promise<void> {
  let bytes = 0;
  try {
    for (let r = await (pending ?? it.next()); !r.done; r = await it.next()) {
      bytes += typeof r.value === 'string' ? Buffer.byteLength(r.value) : r.value.byteLength;
      if (bytes > limit) {
        await it.return?.();
        return;
      }
    }
  } catch {
    // The client went away: nothing left to discard.
  }
}

/**
 * Why a finished batch's lines without an outcome were never screened (they are `not-screened` in the
 * results and among the lines to look at); null while it runs (such lines are `pending`).
 */
function notScreenedOf(batch: BatchRow): NotScreened | null {
  const at = batch.finishedAt ? ` at ${new Date(batch.finishedAt).toISOString()}` : '';
  if (batch.state === 'cancelled') return { field: '/', code: 'batch-cancelled', message: `not screened: the batch was cancelled${at} before this line was screened` };
  if (batch.state === 'failed') return { field: '/', code: 'upload-incomplete', message: 'not screened: the upload was refused or broke off before it was complete' };
  return null;
}

const inProgress = (id?: string) =>
  new AppError(
    409,
    'idempotency-in-progress',
    'Upload in progress',
    `A batch under this Idempotency-Key${id ? ` (${id})` : ''} is still being received: retry once it is complete`,
    undefined,
    { 'retry-after': '5' },
  );

function uploadProblem(err: unknown): unknown {
  // The body is plainly another format than its Content-Type says: nothing was stored (see MislabelledUpload).
  if (err instanceof MislabelledUpload)
    return new AppError(415, 'unsupported-media-type', 'Unsupported media type', `${err.message[0]!.toUpperCase()}${err.message.slice(1)}`, [{ field: '/', in: 'body', message: err.message }]);
  if (err instanceof BadCsvHeader) return badRequest(`CSV header: ${err.message}`, [{ field: '/', in: 'body', message: err.message }]);
  if (err instanceof MalformedUpload) return badRequest(err.message, [{ field: '/', in: 'body', message: err.message }]);
  if (err instanceof UploadTooLarge) return new AppError(413, 'too-large', 'Payload too large', err.message);
  return err;
}

export function view(b: BatchRow, now: Date): Omit<BatchView, 'failure'> {
  const done = b.screened + b.failed + b.invalid;
  // Screened by this batch: lines taken over from a failed upload under the same key took no time here.
  const processed = b.screened + b.failed - (b.reused ?? 0);
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
    // Staged so far while receiving; the upload's count once it is complete (a failed upload: what it staged).
    received: b.state === 'receiving' ? b.received : Math.max(b.received, b.total),
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
    uploadSha256: b.uploadSha256 ?? null,
    resumed: b.resumedFrom && b.resumedFrom.length > 0 ? { from: b.resumedFrom, lines: b.reused } : null,
  };
}
