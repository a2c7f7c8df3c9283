/**
 * Batches, their uploaded lines and the link from each line to its screening. The link's primary
 * key (batch, line) is the idempotency guard: a chunk claims its lines by inserting their links,
 * and inserts screenings only for the lines it claimed, in the same transaction — so a chunk run
 * twice (a worker killed mid-chunk, then the job retried) stores each shipment once.
 */
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db.js';
import { batches } from './schema.js';
import { AUDIT_WRITE_LOCK, insertScreenings, type EncodedScreening } from './screenings-repo.js';
import { recordAuditEvent } from './audit-events-repo.js';

export type BatchRow = typeof batches.$inferSelect;

export interface StagedLine {
  lineNo: number;
  reference: string | null;
  input?: unknown;
  errors?: unknown;
}

export async function createBatch(
  db: Db,
  row: { id: string; apiKeyId: string | null; format: string; createdAt: string; idempotencyKey?: string | null; resumedFrom?: string[] },
): Promise<void> {
  // started_at: the screening starts with the first chunk, while the upload goes on.
  await db.insert(batches).values({ ...row, state: 'receiving', startedAt: row.createdAt });
}

/** The submitter's batch under this Idempotency-Key (scope: its API key id, '' for none), if any. */
export async function findBatchByIdempotencyKey(db: Db, scope: string, key: string): Promise<BatchRow | null> {
  const rows = await db
    .select()
    .from(batches)
    .where(and(sql`coalesce(${batches.apiKeyId}, '') = ${scope}`, eq(batches.idempotencyKey, key)))
    .limit(1);
  return rows[0] ?? null;
}

/**
 * The uploads under this Idempotency-Key (scope: the API key id, '' for none) that failed before they were
 * complete — killed with their process, or broken off — oldest first: the retry takes over the lines they screened.
 */
export async function failedUploadsUnderKey(db: Db, scope: string, key: string): Promise<string[]> {
  const rows = await db
    .select({ id: batches.id })
    .from(batches)
    .where(and(sql`coalesce(${batches.apiKeyId}, '') = ${scope}`, eq(batches.releasedIdempotencyKey, key), eq(batches.state, 'failed')))
    .orderBy(batches.createdAt, batches.id);
  return rows.map((r) => r.id);
}

/** The first line errors of an upload, as its 202 listed them (up to three per line, `limit` in all). */
export async function receiptErrors(db: Db, batchId: string, limit: number): Promise<Array<{ lineNo: number; field: string; message: string; line?: number }>> {
  const res = await db.execute(sql`
    select line_no, errors from batch_lines where batch_id = ${batchId} and errors is not null order by line_no limit ${limit}`);
  const out: Array<{ lineNo: number; field: string; message: string; line?: number }> = [];
  for (const r of rowsOf<{ line_no: number; errors: Array<{ field: string; message: string; line?: number }> }>(res)) {
    if (out.length >= limit) break;
    out.push(...r.errors.slice(0, 3).map((e) => ({ lineNo: Number(r.line_no), ...e })));
  }
  return out;
}

/**
 * Stages a group of lines (the group as one JSON parameter; a retried group stages nothing twice) — only
 * while the batch is `receiving`. The batch row is locked first, so a cancel (or the end of a failed upload)
 * either waits for this group and counts it, or comes first and this group stores nothing: a batch's lines
 * never outgrow the total it was ended with. Returns false when the batch no longer takes lines (cancelled,
 * failed): the upload must stop.
 */
export async function stageLines(db: Db, batchId: string, lines: StagedLine[], at: string, resumeFrom: readonly string[] = []): Promise<boolean> {
  return db.transaction(async (tx) => {
    const open = rowsOf<{ id: string }>(await tx.execute(sql`select id from batches where id = ${batchId} and state = 'receiving' for update`));
    if (open.length === 0) return false;
    if (lines.length === 0) return true;
    const payload = JSON.stringify(lines.map((l) => ({ line_no: l.lineNo, reference: l.reference, input: l.input ?? null, errors: l.errors ?? null })));
    // One statement: the lines, how many so far, and the batch's sign that its upload is alive (received_at).
    // A retried group counts only the lines it newly stored.
    if (resumeFrom.length === 0) {
      await tx.execute(sql`
        with staged as (${insertStaged(batchId, payload, sql`1`)})
        update batches set received_at = greatest(received_at, ${at}::timestamptz), received = received + (select count(*)::int from staged)
        where id = ${batchId} and state = 'receiving'`);
      return true;
    }
    // The retry of uploads that failed before they were complete: a line that one of them staged and screened —
    // the same line number, the same shipment as staged (its JSON text: both were read by the same parser from
    // the same bytes) — is linked to that screening here, as this batch's outcome for the line, and counted as
    // screened. Its chunk finds it done and screens it no more: each shipment of the file is stored once.
    await tx.execute(sql`
      with staged as (${insertStaged(batchId, payload, sql`line_no, input`)}),
      reused as (
        insert into batch_results (batch_id, line_no, screening_id, decision, errors)
        select distinct on (s.line_no) ${batchId}, s.line_no, r.screening_id, r.decision, null::jsonb
        from staged s
        join batch_lines p on p.line_no = s.line_no and p.errors is null
          and p.batch_id in (select json_array_elements_text(${JSON.stringify(resumeFrom)}::json))
        join batch_results r on r.batch_id = p.batch_id and r.line_no = p.line_no and r.screening_id is not null
        where s.input is not null and p.input::text = s.input::text
        order by s.line_no, r.screening_id
        on conflict (batch_id, line_no) do nothing
        returning decision
      )
      update batches set received_at = greatest(received_at, ${at}::timestamptz), received = received + (select count(*)::int from staged),
        reused = reused + (select count(*)::int from reused),
        screened = screened + (select count(*)::int from reused),
        clear = clear + (select count(*)::int from reused where decision = 'CLEAR'),
        review = review + (select count(*)::int from reused where decision = 'REVIEW'),
        license_required = license_required + (select count(*)::int from reused where decision = 'LICENSE_REQUIRED'),
        block = block + (select count(*)::int from reused where decision = 'BLOCK')
      where id = ${batchId} and state = 'receiving'`);
    return true;
  });
}

/** The upload is alive (its process is reading it), whether or not lines arrived since the last staging. */
export async function touchUpload(db: Db, id: string, at: string): Promise<boolean> {
  const rows = rowsOf<{ id: string }>(await db.execute(sql`update batches set received_at = greatest(received_at, ${at}::timestamptz) where id = ${id} and state = 'receiving' returning id`));
  return rows.length > 0;
}

/** Inserts a group of lines (one JSON parameter) not staged before, returning `returning` of each new line. */
const insertStaged = (batchId: string, payload: string, returning: SQL) => sql`
  insert into batch_lines (batch_id, line_no, reference, input, errors)
  select ${batchId}, x.line_no, x.reference, x.input, x.errors
  from json_to_recordset(${payload}::json) as x(line_no integer, reference text, input json, errors jsonb)
  on conflict (batch_id, line_no) do nothing
  returning ${returning}`;

/** The batch's state now (null: no such batch): an upload asks whether its batch still takes lines. */
export async function batchState(db: Db, id: string): Promise<string | null> {
  const rows = rowsOf<{ state: string }>(await db.execute(sql`select state from batches where id = ${id}`));
  return rows[0]?.state ?? null;
}

/** An upload that ended before it was complete: `failed`, its total what it staged (so the batch can say how many were not screened). */
const failedUpload = (at: string) => ({
  state: 'failed',
  finishedAt: at,
  // The key is released: the client got no 202 for this upload, and its retry must be able to start anew —
  // kept as released, so that the retry takes over the lines this upload screened (stageLines).
  idempotencyKey: null,
  releasedIdempotencyKey: sql<string | null>`coalesce(${batches.idempotencyKey}, ${batches.releasedIdempotencyKey})`,
  total: sql<number>`(select count(*)::int from batch_lines l where l.batch_id = ${batches.id})`,
  invalid: sql<number>`(select count(*)::int from batch_lines l where l.batch_id = ${batches.id} and l.errors is not null)`,
});

/** The upload broke off or was refused while its process lived (the client got the error). */
export async function failUpload(db: Db, id: string, at: string): Promise<BatchRow | null> {
  const rows = await db.update(batches).set(failedUpload(at)).where(and(eq(batches.id, id), eq(batches.state, 'receiving'))).returning();
  return rows[0] ?? null;
}

/**
 * Ends `failed` every batch still `receiving` whose upload has staged nothing since `idleSince`
 * (its process died in the middle of the upload: the client got no 202). What was screened stays;
 * the rest of its staged lines are never screened (runChunk skips a batch that is not running).
 */
export async function failAbandonedUploads(db: Db, idleSince: string, at: string): Promise<BatchRow[]> {
  return db
    .update(batches)
    .set(failedUpload(at))
    .where(and(eq(batches.state, 'receiving'), sql`coalesce(${batches.receivedAt}, ${batches.createdAt}) < ${idleSince}::timestamptz`))
    .returning();
}

/**
 * The error code of lines the queue gave up on (their chunk failed every retry): such a line is
 * `failed` with this code in its errors, and a batch holding one ends `failed`, not `completed`.
 */
export const NOT_SCREENED = 'not-screened';

/** The state a batch ends in once every line has an outcome. */
const FINAL_STATE = sql.raw(`case when exists (
    select 1 from batch_results r where r.batch_id = batches.id and r.screening_id is null and r.errors @> '[{"code": "${NOT_SCREENED}"}]'::jsonb
  ) then 'failed' else 'completed' end`);

/** Called inside the transaction that ends a batch (completed or failed), to queue what must follow it exactly once. */
export type OnFinished = (tx: Db, batch: BatchRow) => Promise<void>;

/**
 * The upload is complete: the total is known. Chunks may already have screened lines (they run
 * while the upload goes on), so the batch may be finished the moment its total is.
 */
export async function startBatch(db: Db, id: string, counts: { total: number; invalid: number; uploadSha256: string }, at: string, onFinished: OnFinished): Promise<BatchRow | null> {
  return db.transaction(async (tx) => {
    const res = await tx.execute(sql`
      update batches set total = ${counts.total}, invalid = ${counts.invalid}, upload_sha256 = ${counts.uploadSha256}, started_at = coalesce(started_at, ${at}::timestamptz),
        state = case when screened + failed + ${counts.invalid} >= ${counts.total} then ${FINAL_STATE} else 'running' end,
        finished_at = case when screened + failed + ${counts.invalid} >= ${counts.total} then ${at}::timestamptz else null end
      where id = ${id} and state = 'receiving'
      returning state`);
    const rows = rowsOf<{ state: string }>(res);
    if (rows.length === 0) return null;
    const batch = await findBatch(tx as unknown as Db, id);
    if (batch && rows[0]!.state !== 'running') await onFinished(tx as unknown as Db, batch);
    return batch;
  });
}

/**
 * Cancels a batch that is `receiving` or `running`; null when it is in another state (or absent).
 *
 * A batch cancelled while `receiving` gets what a complete upload would have given it: its total and
 * invalid counts are its staged lines (the upload stops: stageLines refuses a batch that is not receiving),
 * so `done` never exceeds `total`, and the lines without an outcome are the ones never screened. The row is
 * locked first and the counts read by a later statement, so a group of lines staged at the same moment is
 * either counted (it committed first) or never stored (it waited for the lock and found the batch cancelled).
 * A chunk committing at the same moment either committed first (its lines count as screened) or rolls back
 * (commitChunk: a batch that is no longer active takes no outcomes). The Idempotency-Key stays with the batch:
 * the same key again is told the batch was cancelled, and a file sent under it is not screened anew.
 * Recorded as an audit event `batch.cancelled` naming who cancelled (`by`: the key) and the counts.
 */
export async function cancelBatch(db: Db, id: string, at: string, by: string | null): Promise<BatchRow | null> {
  return db.transaction(async (tx) => {
    // The audit log's shared write lock before the batch row, in the order a chunk's commit takes them
    // (its screenings, then the batch's counters): a cancel and a commit never wait on each other in a circle.
    await tx.execute(sql`select pg_advisory_xact_lock_shared(${AUDIT_WRITE_LOCK})`);
    const locked = rowsOf<{ state: string }>(await tx.execute(sql`select state from batches where id = ${id} for update`));
    const from = locked[0]?.state;
    if (from !== 'receiving' && from !== 'running') return null;
    if (from === 'receiving') {
      await tx.execute(sql`
        update batches set state = 'cancelled', finished_at = ${at}::timestamptz,
          total = (select count(*)::int from batch_lines l where l.batch_id = batches.id),
          received = (select count(*)::int from batch_lines l where l.batch_id = batches.id),
          invalid = (select count(*)::int from batch_lines l where l.batch_id = batches.id and l.errors is not null)
        where id = ${id}`);
    } else {
      await tx.execute(sql`update batches set state = 'cancelled', finished_at = ${at}::timestamptz where id = ${id}`);
    }
    const batch = await findBatch(tx as unknown as Db, id);
    if (!batch) return null;
    // Who stopped the screening of which lines: in the sealed log with the cancellation itself.
    await recordAuditEvent(tx as unknown as Db, {
      type: 'batch.cancelled',
      payload: {
        batchId: id,
        from,
        total: batch.total,
        screened: batch.screened,
        failed: batch.failed,
        invalid: batch.invalid,
        notScreened: Math.max(0, batch.total - batch.screened - batch.failed - batch.invalid),
      },
      apiKeyId: by,
      at,
    });
    return batch;
  });
}

/**
 * An upload that was read to its end after its batch was cancelled (the cancel came between its last
 * staged lines and startBatch): the cancel counted every line, so the batch keeps the file's sha256 —
 * the same file again under the same Idempotency-Key is answered with this batch.
 */
export async function completeCancelledUpload(db: Db, id: string, counts: { total: number; uploadSha256: string }): Promise<BatchRow | null> {
  const rows = await db
    .update(batches)
    .set({ uploadSha256: counts.uploadSha256 })
    .where(and(eq(batches.id, id), eq(batches.state, 'cancelled'), sql`${batches.uploadSha256} is null`, eq(batches.total, counts.total)))
    .returning();
  return rows[0] ?? null;
}

export async function findBatch(db: Db, id: string): Promise<BatchRow | null> {
  const rows = await db.select().from(batches).where(eq(batches.id, id)).limit(1);
  return rows[0] ?? null;
}

/**
 * Batches newest first (created_at, id), after a keyset cursor; only one key's when `apiKeyId` is
 * given (a submitter's own, by batches_owner_idx).
 */
export async function listBatches(db: Db, opts: { limit: number; apiKeyId?: string | undefined; before?: { createdAt: string; id: string } | undefined }): Promise<BatchRow[]> {
  return db
    .select()
    .from(batches)
    .where(
      and(
        opts.apiKeyId === undefined ? undefined : eq(batches.apiKeyId, opts.apiKeyId),
        opts.before ? sql`(${batches.createdAt}, ${batches.id}) < (${opts.before.createdAt}::timestamptz, ${opts.before.id})` : undefined,
      ),
    )
    .orderBy(desc(batches.createdAt), desc(batches.id))
    .limit(opts.limit);
}

/**
 * The staged lines of a chunk that have no outcome yet, each input as its JSON text: the chunk parses a
 * line when its group is screened, so the chunk's inputs do not wait as object trees (promoted to the
 * old generation) while the groups before them are screened and committed.
 */
export async function pendingLines(db: Db, batchId: string, fromLine: number, toLine: number): Promise<Array<{ lineNo: number; inputJson: string }>> {
  const res = await db.execute(sql`
    select l.line_no, l.input::text as input from batch_lines l
    where l.batch_id = ${batchId} and l.line_no between ${fromLine} and ${toLine} and l.errors is null
      and not exists (select 1 from batch_results r where r.batch_id = l.batch_id and r.line_no = l.line_no)
    order by l.line_no`);
  return rowsOf<{ line_no: number; input: string }>(res).map((r) => ({ lineNo: Number(r.line_no), inputJson: r.input }));
}

export interface LineOutcome {
  lineNo: number;
  /** The screening to store; absent when the engine refused the line (errors). */
  screening?: EncodedScreening;
  errors?: unknown;
}

const DECISION_COLUMNS = { CLEAR: 'clear', REVIEW: 'review', LICENSE_REQUIRED: 'license_required', BLOCK: 'block' } as const;

/** Thrown inside commitChunk's transaction to roll it back: the batch no longer takes outcomes. */
class BatchNotActive extends Error {}

/**
 * Claims the lines, stores the screenings of the claimed ones and adds them to the batch's counters,
 * in one transaction. When that gives every line an outcome, the batch ends (completed, or failed
 * when some lines were given up) and `onFinished` runs in the same transaction — so the end of a
 * batch and what it queues are committed together or not at all. Returns the batch after the
 * update, and whether this chunk ended it.
 *
 * Only while the batch is `receiving` or `running`: once it is cancelled (or failed), the transaction is
 * rolled back — no link, no screening, no count — and `active` is false. The check is the counters' update,
 * under the batch row's lock, so a chunk that was screening while its batch was cancelled stores nothing:
 * a cancelled batch's counts and results stay as they were when it was cancelled.
 */
export async function commitChunk(
  db: Db,
  batchId: string,
  outcomes: LineOutcome[],
  at: string,
  onFinished: OnFinished,
): Promise<{ claimed: number; batch: BatchRow | null; completed: boolean; active: boolean }> {
  try {
    return await db.transaction(async (tx) => {
      const links = JSON.stringify(
        outcomes.map((o) => ({ line_no: o.lineNo, screening_id: o.screening?.id ?? null, decision: o.screening?.decision ?? null, errors: o.errors ?? null })),
      );
      const claimedRows = rowsOf<{ line_no: number }>(
        await tx.execute(sql`
          insert into batch_results (batch_id, line_no, screening_id, decision, errors)
          select ${batchId}, x.line_no, x.screening_id, x.decision, x.errors
          from jsonb_to_recordset(${links}::jsonb) as x(line_no integer, screening_id text, decision text, errors jsonb)
          on conflict (batch_id, line_no) do nothing
          returning line_no`),
      );
      const claimed = new Set(claimedRows.map((r) => Number(r.line_no)));
      const mine = outcomes.filter((o) => claimed.has(o.lineNo));
      const rows = mine.flatMap((o) => (o.screening ? [o.screening] : []));
      if (rows.length) await insertScreenings(tx as unknown as Db, rows);
      const count = (d: string) => rows.filter((r) => r.decision === d).length;
      const failed = mine.length - rows.length;
      const counted = rowsOf<{ id: string }>(
        await tx.execute(sql`
          update batches set
            screened = screened + ${rows.length}, failed = failed + ${failed},
            clear = clear + ${count('CLEAR')}, review = review + ${count('REVIEW')},
            license_required = license_required + ${count('LICENSE_REQUIRED')}, block = block + ${count('BLOCK')}
          where id = ${batchId} and state in ('receiving', 'running')
          returning id`),
      );
      // Cancelled (or failed) while this chunk was screening: nothing of it is kept.
      if (counted.length === 0) throw new BatchNotActive();
      // Under the row lock this transaction now holds: of two chunks finishing last, one sees 'running'.
      const done = rowsOf<{ id: string }>(
        await tx.execute(sql`
          update batches set state = ${FINAL_STATE}, finished_at = ${at}::timestamptz
          where id = ${batchId} and state = 'running' and screened + failed + invalid >= total
          returning id`),
      );
      const completed = done.length > 0;
      const batch = await findBatch(tx as unknown as Db, batchId);
      if (completed && batch) await onFinished(tx as unknown as Db, batch);
      return { claimed: mine.length, batch, completed, active: true };
    });
  } catch (err) {
    if (err instanceof BatchNotActive) return { claimed: 0, batch: await findBatch(db, batchId), completed: false, active: false };
    throw err;
  }
}

/** Why a failed batch failed: the lines given up and the error their chunk last failed with. */
export async function givenUpLines(db: Db, batchId: string): Promise<{ lines: number; reason: string | null }> {
  const res = await db.execute(sql`
    select count(*)::int as n, min(r.errors -> 0 ->> 'message') as reason from batch_results r
    where r.batch_id = ${batchId} and r.screening_id is null and r.errors @> ${JSON.stringify([{ code: NOT_SCREENED }])}::jsonb`);
  const [row] = rowsOf<{ n: number; reason: string | null }>(res);
  return { lines: Number(row?.n ?? 0), reason: row?.reason ?? null };
}

export interface ResultLine {
  lineNo: number;
  reference: string | null;
  uploadErrors: unknown;
  screeningId: string | null;
  decision: string | null;
  engineErrors: unknown;
  riskScore: number | null;
  ruleIds: string[] | null;
  rulesetVersion: string | null;
  rulesetHash: string | null;
  linked: boolean;
}

/**
 * A page of a batch's lines with their outcomes, in line order, after `afterLine`. Each page must cost
 * the page, not the batch: the lines are walked in primary-key order and each line's result and
 * screening are looked up by key (LATERAL). Right after a large upload the tables' statistics are
 * stale (autovacuum has not analysed them yet), and the planner then chose hash or merge joins over
 * every result of the batch for each page — 1.7–3 s a page at 100,000 lines, a download of 100k
 * results taking 33 s. Within this read-only transaction the planner is told to use the keys, and each
 * lookup ends in `limit 1` (both are primary keys): without it the planner flattened the LATERAL into
 * a plain join and, with stale statistics, rescanned every result of the batch for each line of the
 * page (a materialised nested loop: 0.9 s a page at 20,000 lines, 40 ms with the limit).
 */
export async function resultPage(db: Db, batchId: string, afterLine: number, limit: number): Promise<ResultLine[]> {
  const res = await byKeys(db, sql`
      select p.line_no, p.reference, p.upload_errors, p.linked, p.screening_id, p.decision, p.engine_errors,
        s.risk_score, s.rule_ids, s.ruleset_version, s.ruleset_hash
      from (
        select l.line_no, l.reference, l.errors as upload_errors, r.line_no is not null as linked, r.screening_id, r.decision,
          r.errors as engine_errors
        from batch_lines l
        left join lateral (
          select r.line_no, r.screening_id, r.decision, r.errors from batch_results r where r.batch_id = l.batch_id and r.line_no = l.line_no limit 1
        ) r on true
        where l.batch_id = ${batchId} and l.line_no > ${afterLine}
        order by l.line_no
        limit ${limit}
      ) p
      left join lateral (
        select s.risk_score, s.rule_ids, s.ruleset_version, s.ruleset_hash from screenings s where s.id = p.screening_id limit 1
      ) s on true
      order by p.line_no`);
  return rowsOf<Record<string, unknown>>(res).map((r) => ({
    lineNo: Number(r.line_no),
    reference: (r.reference as string | null) ?? null,
    uploadErrors: r.upload_errors ?? null,
    screeningId: (r.screening_id as string | null) ?? null,
    decision: (r.decision as string | null) ?? null,
    engineErrors: r.engine_errors ?? null,
    riskScore: r.risk_score === null || r.risk_score === undefined ? null : Number(r.risk_score),
    ruleIds: (r.rule_ids as string[] | null) ?? null,
    rulesetVersion: (r.ruleset_version as string | null) ?? null,
    rulesetHash: (r.ruleset_hash as string | null) ?? null,
    linked: r.linked === true,
  }));
}

export interface AttentionLine {
  lineNo: number;
  reference: string | null;
  status: 'invalid' | 'failed' | 'flagged' | 'not-screened';
  screeningId: string | null;
  decision: string | null;
  errors: Array<{ field: string; message: string; line?: number; code?: string }>;
}

/** Why the lines of a finished batch that have no outcome were never screened (cancelled, the upload broke off). */
export interface NotScreened {
  field: string;
  code: string;
  message: string;
}

/**
 * The lines of a batch someone must look at, in line order after `afterLine`: refused at upload
 * (invalid), refused by the engine or given up (failed), or screened with a decision other than CLEAR
 * (flagged) — and, in a batch that ended before every line was screened (`notScreened`: cancelled, or its
 * upload broke off), the lines never screened (not-screened: no decision exists for them). Walked by key
 * as resultPage is, so a page costs the lines it passes, not a hash of the batch.
 */
export async function attentionLines(db: Db, batchId: string, afterLine: number, limit: number, notScreened: NotScreened | null = null): Promise<AttentionLine[]> {
  const unscreened = notScreened ? sql`or r.line_no is null` : sql``;
  const res = await byKeys(db, sql`
      select l.line_no, l.reference, l.errors as upload_errors, r.screening_id, r.decision, r.errors as engine_errors, r.line_no is not null as linked
      from batch_lines l
      left join lateral (
        select r.line_no, r.screening_id, r.decision, r.errors from batch_results r where r.batch_id = l.batch_id and r.line_no = l.line_no limit 1
      ) r on true
      where l.batch_id = ${batchId} and l.line_no > ${afterLine}
        and (l.errors is not null or (r.line_no is not null and (r.screening_id is null or r.decision <> 'CLEAR')) ${unscreened})
      order by l.line_no
      limit ${limit}`);
  return rowsOf<Record<string, unknown>>(res).map((r) => {
    const open = !r.upload_errors && r.linked !== true;
    return {
      lineNo: Number(r.line_no),
      reference: (r.reference as string | null) ?? null,
      status: r.upload_errors ? 'invalid' : open ? 'not-screened' : r.screening_id ? 'flagged' : 'failed',
      screeningId: (r.screening_id as string | null) ?? null,
      decision: (r.decision as string | null) ?? null,
      errors: open && notScreened ? [notScreened] : ((r.upload_errors ?? r.engine_errors ?? []) as AttentionLine['errors']),
    };
  });
}

/** Runs a read of a batch's lines in a transaction that tells the planner to walk keys (see resultPage). */
async function byKeys(db: Db, query: SQL): Promise<unknown> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_hashjoin = off`);
    await tx.execute(sql`set local enable_mergejoin = off`);
    await tx.execute(sql`set local enable_bitmapscan = off`);
    return tx.execute(query);
  });
}

function rowsOf<T>(res: unknown): T[] {
  return ((res as { rows?: T[] }).rows ?? (res as T[])) as T[];
}
