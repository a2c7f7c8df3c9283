/**
 * Screenings are written through a group committer: while one transaction is in flight, the
 * next requests gather into a batch that commits together. Every caller still waits for its own
 * row to be durable before it gets an answer (nothing lost), but the database sees one commit per
 * batch instead of one per screening. Idempotent retries are resolved inside the same path.
 */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db.js';
import { screenings } from './schema.js';
import { jsonArrayParam, sendsBinaryParams, utf8Bytes } from './json-param.js';

export type ScreeningRow = typeof screenings.$inferInsert & {
  /**
   * The request and result as JSON text, when the caller already has them (the screening service
   * serialises each once: the request for its hash, the result for the response): the insert embeds
   * these bytes instead of serialising the objects again.
   */
  requestJson?: string;
  resultJson?: string;
};
export type StoredScreening = typeof screenings.$inferSelect;

/**
 * A screening row already encoded for insertScreenings — its columns, request and result as UTF-8
 * JSON — with what a batch needs to know of it. A batch line's row is encoded where it is built
 * (screenLinesWith), so its JSON strings are garbage at once rather than promoted to the old
 * generation while the line waits for its group's commit; bytes live outside the JavaScript heap.
 */
export interface EncodedScreening {
  id: string;
  decision: string;
  rulesetHash: string;
  bytes: { columns: Uint8Array; request: Uint8Array; result: Uint8Array };
}

export function encodeScreeningRow(row: ScreeningRow): EncodedScreening {
  const [columns, request, result] = rowJson(row);
  return { id: row.id!, decision: row.decision, rulesetHash: row.rulesetHash, bytes: utf8Parts(columns, request, result) };
}

/** Where a row is encoded before its exact size is known: reused, so only the row's own bytes are allocated. */
let scratch: Buffer | null = null;
/** A row whose encoding could exceed this is encoded piece by piece (utf8Bytes) instead of growing the scratch. */
const SCRATCH_MAX = 1 << 20;

/**
 * The three JSON texts as UTF-8, each a view of one buffer of the row's own (not Node's shared pool, so it
 * can be posted from a worker thread alone). Encoded in one pass into the scratch buffer — a UTF-16 code
 * unit is at most 3 bytes of UTF-8, so all of it fits — then copied into a buffer of the exact size:
 * the same bytes as utf8Bytes gives each (the same encoder), without measuring each text first, and one
 * ArrayBuffer a row instead of three.
 */
function utf8Parts(columns: string, request: string, result: string): EncodedScreening['bytes'] {
  const most = 3 * (columns.length + request.length + result.length);
  if (most > SCRATCH_MAX) return { columns: utf8Bytes([columns]), request: utf8Bytes([request]), result: utf8Bytes([result]) };
  if (!scratch || scratch.length < most) scratch = Buffer.allocUnsafeSlow(Math.max(most, 64 * 1024));
  const c = scratch.write(columns, 0, 'utf8');
  const q = c + scratch.write(request, c, 'utf8');
  const r = q + scratch.write(result, q, 'utf8');
  const own = Buffer.allocUnsafeSlow(r);
  scratch.copy(own, 0, 0, r);
  return { columns: own.subarray(0, c), request: own.subarray(c, q), result: own.subarray(q, r) };
}

/**
 * A row as insertScreenings sends it: a JSON object of its columns but request and result, and
 * request and result as the JSON text the caller already made, if any.
 */
function rowJson(r: ScreeningRow): [columns: string, request: string, result: string] {
  const columns = JSON.stringify({
    id: r.id,
    reference: r.reference,
    created_at: r.createdAt,
    ship_date: r.shipDate,
    decision: r.decision,
    risk_score: r.riskScore,
    destination: r.destination,
    countries: r.countries,
    rule_ids: r.ruleIds,
    flag_categories: r.flagCategories,
    raised_categories: r.raisedCategories,
    party_names: r.partyNames,
    chip_models: r.chipModels,
    eccns: r.eccns,
    ruleset_version: r.rulesetVersion,
    ruleset_hash: r.rulesetHash,
    request_hash: r.requestHash,
    idempotency_scope: r.idempotencyScope ?? '',
    idempotency_key: r.idempotencyKey ?? null,
    api_key_id: r.apiKeyId ?? null,
  });
  return [columns, r.requestJson ?? JSON.stringify(r.request), r.resultJson ?? JSON.stringify(r.result)];
}

/** Writers take this advisory lock in shared mode; the sealer takes it exclusively to find a safe cut. */
export const AUDIT_WRITE_LOCK = 7_201_104;

export type InsertOutcome = { kind: 'inserted'; row: StoredScreening } | { kind: 'existing'; row: StoredScreening };

interface Pending {
  row: ScreeningRow;
  resolve: (o: InsertOutcome) => void;
  reject: (e: unknown) => void;
}

/** Told about every committed (or failed) batch: its size and how long the statement took. */
export type BatchObserver = (size: number, seconds: number, ok: boolean) => void;

export class ScreeningWriter {
  private queue: Pending[] = [];
  private inFlight = 0;

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 256,
    private readonly maxConcurrent = 4,
    private readonly onBatch?: BatchObserver,
  ) {}

  /** Screenings waiting for a batch (a gauge for /metrics). */
  get waiting(): number {
    return this.queue.length;
  }

  insert(row: ScreeningRow): Promise<InsertOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      this.pump();
    });
  }

  private pump() {
    while (this.inFlight < this.maxConcurrent && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      void this.flush(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async flush(batch: Pending[]) {
    // Two requests in one batch may carry the same idempotency key: the first one writes.
    const seen = new Map<string, Pending>();
    const unique: Pending[] = [];
    const dupes: Array<[Pending, Pending]> = [];
    for (const p of batch) {
      const k = p.row.idempotencyKey ? `${p.row.idempotencyScope ?? ''}\u0000${p.row.idempotencyKey}` : null;
      const first = k ? seen.get(k) : undefined;
      if (first) dupes.push([p, first]);
      else {
        if (k) seen.set(k, p);
        unique.push(p);
      }
    }
    const started = performance.now();
    let committed = false;
    try {
      const inserted = await insertScreenings(this.db, unique.map((p) => p.row));
      committed = true;
      this.onBatch?.(unique.length, (performance.now() - started) / 1000, true);
      const seqById = new Map(inserted.map((r) => [r.id, r.seq]));
      const outcomes = new Map<Pending, InsertOutcome>();
      for (const p of unique) {
        const seq = seqById.get(p.row.id);
        if (seq !== undefined) outcomes.set(p, { kind: 'inserted', row: storedFrom(p.row, seq) });
        else {
          // Lost the race to an earlier request with the same idempotency key.
          const existing = await findByIdempotencyKey(this.db, p.row.idempotencyScope ?? '', p.row.idempotencyKey ?? '');
          if (!existing) throw new Error('idempotency conflict without a stored row');
          outcomes.set(p, { kind: 'existing', row: existing });
        }
      }
      for (const [p, o] of outcomes) p.resolve(o);
      for (const [dupe, first] of dupes) {
        const o = outcomes.get(first);
        if (o) dupe.resolve({ kind: 'existing', row: o.row });
      }
    } catch (err) {
      if (!committed) this.onBatch?.(unique.length, (performance.now() - started) / 1000, false);
      for (const p of batch) p.reject(err);
    }
  }
}

/**
 * One statement, one round trip: the rows travel as three arrays — their columns (JSON), their
 * requests, their results (JSON arrays on PGlite, json[] on Postgres: insertBinary) — which Postgres
 * unpacks and puts together by position. Request and result are
 * stored as the text sent (json, not jsonb), and taken whole from their arrays: unpacking one array
 * of whole rows with json_to_recordset walked every key of every result, ~270 µs a row of server
 * CPU against ~45 for json_array_elements (measured on real rows, README *Writer*). Each array is
 * one parameter built from the pieces as they are (jsonArrayParam: no joined copy of a payload
 * that reaches megabytes in a batch chunk). The shared audit-write lock is taken by the
 * materialised CTE before any row (and so any seq) is produced, and released when the statement's
 * transaction commits; rows get their seq in the order given. Conflicting idempotency keys insert
 * nothing and come back without a seq. Batch chunks call it inside their own transaction, with the
 * links to their batch lines.
 */
export async function insertScreenings(db: Db, rows: ReadonlyArray<ScreeningRow | EncodedScreening>): Promise<Array<{ id: string; seq: number }>> {
  if (rows.length === 0) return [];
  const columns: Array<string | Uint8Array> = [];
  const requests: Array<string | Uint8Array> = [];
  const results: Array<string | Uint8Array> = [];
  for (const r of rows) {
    const [c, q, s] = 'bytes' in r ? [r.bytes.columns, r.bytes.request, r.bytes.result] : rowJson(r);
    columns.push(c);
    requests.push(q);
    results.push(s);
  }
  const res = await db.execute(sendsBinaryParams(db) ? insertBinary(db, columns, requests, results) : insertText(db, columns, requests, results));
  const out = (res as unknown as { rows?: Array<{ id: string; seq: string | number }> }).rows ?? (res as unknown as Array<{ id: string; seq: string | number }>);
  return out.map((r) => ({ id: r.id, seq: Number(r.seq) }));
}

/** The row's table columns, without the JSON text it may carry for insertScreenings. */
export function columnsOf(row: ScreeningRow): typeof screenings.$inferInsert {
  const { requestJson: _request, resultJson: _result, ...columns } = row;
  return columns;
}

function storedFrom(row: ScreeningRow, seq: number): StoredScreening {
  const columns = columnsOf(row);
  return {
    ...columns,
    seq,
    idempotencyScope: row.idempotencyScope ?? '',
    idempotencyKey: row.idempotencyKey ?? null,
    apiKeyId: row.apiKeyId ?? null,
  } as StoredScreening;
}

export async function findScreening(db: Db, id: string): Promise<StoredScreening | null> {
  const rows = await db.select().from(screenings).where(eq(screenings.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function findByIdempotencyKey(db: Db, scope: string, key: string): Promise<StoredScreening | null> {
  const rows = await db
    .select()
    .from(screenings)
    .where(and(eq(screenings.idempotencyScope, scope), eq(screenings.idempotencyKey, key)))
    .limit(1);
  return rows[0] ?? null;
}

/** The pieces with a comma between each two (jsonArrayParam puts the brackets). */
const commaSeparated = (pieces: ReadonlyArray<string | Uint8Array>): Array<string | Uint8Array> => pieces.flatMap((p, i) => (i === 0 ? [p] : [',', p]));

/** The columns the statement takes from the columns' JSON objects (all but seq, request and result). */
const RECORD_COLUMNS = sql.raw(`id text, reference text, created_at timestamptz,
        ship_date date, decision text, risk_score integer, destination text, countries text[], rule_ids text[], flag_categories text[],
        raised_categories text[], party_names text, chip_models text[], eccns text[], ruleset_version text, ruleset_hash text, request_hash text,
        idempotency_scope text, idempotency_key text, api_key_id text`);

/** The insert and its select list up to the source of the rows; `payload` selects the request and the result. */
const insertHead = (payload: SQL) => sql`
    with audit_lock as (select pg_advisory_xact_lock_shared(${AUDIT_WRITE_LOCK}))
    insert into screenings (id, reference, created_at, ship_date, decision, risk_score, destination, countries, rule_ids,
      flag_categories, raised_categories, party_names, chip_models, eccns, ruleset_version, ruleset_hash, request, result, request_hash,
      idempotency_scope, idempotency_key, api_key_id)
    select x.id, x.reference, x.created_at, x.ship_date, x.decision, x.risk_score, x.destination, x.countries, x.rule_ids,
      x.flag_categories, x.raised_categories, x.party_names, x.chip_models, x.eccns, x.ruleset_version, x.ruleset_hash, ${payload},
      x.request_hash, x.idempotency_scope, x.idempotency_key, x.api_key_id`;

/**
 * PGlite (text parameters): the rows' columns, requests and results as three JSON arrays, the requests and
 * results taken whole from theirs by position (json_array_elements).
 */
function insertText(db: Db, columns: ReadonlyArray<string | Uint8Array>, requests: ReadonlyArray<string | Uint8Array>, results: ReadonlyArray<string | Uint8Array>) {
  return sql`
    ${insertHead(sql.raw('q.value, r.value'))}
    from audit_lock,
      rows from (json_to_recordset(${jsonArrayParam(db, commaSeparated(columns), 'json')}) as (${RECORD_COLUMNS})) with ordinality
        as x(id, reference, created_at, ship_date, decision, risk_score, destination, countries, rule_ids, flag_categories,
          raised_categories, party_names, chip_models, eccns, ruleset_version, ruleset_hash, request_hash, idempotency_scope, idempotency_key, api_key_id, n)
      join json_array_elements(${jsonArrayParam(db, commaSeparated(requests), 'json')}) with ordinality as q(value, n) on q.n = x.n
      join json_array_elements(${jsonArrayParam(db, commaSeparated(results), 'json')}) with ordinality as r(value, n) on r.n = x.n
    order by x.n
    on conflict (idempotency_scope, idempotency_key) do nothing
    returning id, seq`;
}

/**
 * node-postgres (binary parameters): the columns as one JSON array, as on PGlite, but the requests and
 * results each as a json[] in the array's binary form — each element the JSON text as sent. The JSON
 * array of ~9 KB a row was lexed twice by the server (json's input check of the whole parameter, then
 * json_array_elements to find the elements: json_lex was ~22 % of the insert's server CPU, perf); an
 * element of a json[] arrives by its length and is lexed once, by json_recv's check. Stored bytes are the
 * same: json keeps its text as given. The three arrays are zipped by position (ROWS FROM) rather than
 * joined on their ordinality.
 */
function insertBinary(db: Db, columns: ReadonlyArray<string | Uint8Array>, requests: ReadonlyArray<string | Uint8Array>, results: ReadonlyArray<string | Uint8Array>) {
  return sql`
    ${insertHead(sql.raw('x.request, x.result'))}
    from audit_lock,
      rows from (
        json_to_recordset(${jsonArrayParam(db, commaSeparated(columns), 'json')}) as (${RECORD_COLUMNS}),
        unnest(${jsonArrayBinary(requests)}::json[]),
        unnest(${jsonArrayBinary(results)}::json[])
      ) with ordinality
        as x(id, reference, created_at, ship_date, decision, risk_score, destination, countries, rule_ids, flag_categories,
          raised_categories, party_names, chip_models, eccns, ruleset_version, ruleset_hash, request_hash, idempotency_scope, idempotency_key, api_key_id,
          request, result, n)
    order by x.n
    on conflict (idempotency_scope, idempotency_key) do nothing
    returning id, seq`;
}

/** Postgres' OID of json: the element type the binary array names. */
const JSON_OID = 114;

/**
 * A one-dimensional json[] without nulls in Postgres' binary array form (array_recv): dimensions, no
 * null bitmap flag, element type, the dimension's length and lower bound (1), then each element as its
 * byte length and its bytes — json's binary form is its UTF-8 text, which json_recv checks and keeps as
 * it is. node-postgres sends a Buffer as a binary parameter.
 */
function jsonArrayBinary(pieces: ReadonlyArray<string | Uint8Array>): Buffer {
  let bytes = 20;
  for (const p of pieces) bytes += 4 + (typeof p === 'string' ? Buffer.byteLength(p, 'utf8') : p.byteLength);
  const buf = Buffer.allocUnsafe(bytes);
  buf.writeInt32BE(1, 0); // dimensions
  buf.writeInt32BE(0, 4); // no nulls
  buf.writeUInt32BE(JSON_OID, 8);
  buf.writeInt32BE(pieces.length, 12);
  buf.writeInt32BE(1, 16); // lower bound
  let at = 20;
  for (const p of pieces) {
    const len = typeof p === 'string' ? buf.write(p, at + 4, 'utf8') : (buf.set(p, at + 4), p.byteLength);
    buf.writeInt32BE(len, at);
    at += 4 + len;
  }
  if (at !== bytes) throw new Error(`jsonArrayBinary: wrote ${at} of ${bytes} bytes`);
  return buf;
}
