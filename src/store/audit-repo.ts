/**
 * SQL for sealing and verifying the audit log. Audit records are the rows of screenings,
 * dispositions and audit_events; they share one `seq` sequence, so together they form one
 * ordered log that the sealer cuts into batches.
 *
 * Canonical form of a record (what its leaf hash covers): json_build_object over every column
 * (CANONICAL_COLUMNS, fixed order) with the session time zone set to UTC, as text. Postgres
 * renders it — timestamps as ISO-8601 UTC, json columns (a screening's request and result) as the
 * text stored, jsonb columns in their normalised jsonb text, arrays as JSON arrays — identically on
 * PGlite and on a Postgres server. (Request and result were jsonb until migration 0015, which stored
 * each as its normalised text: the canonical form of those records did not change.)
 */
import { desc, sql } from 'drizzle-orm';
import type { Db } from './db.js';
import { auditSeals } from './schema.js';
import { AUDIT_WRITE_LOCK } from './screenings-repo.js';

/** One sealer at a time across every replica (transaction-scoped advisory lock). */
export const SEALER_LOCK = 7_201_105;

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type Queryable = Db | Tx;

export const AUDIT_TABLES = { s: 'screenings', d: 'dispositions', e: 'audit_events' } as const;
export type AuditTableCode = keyof typeof AUDIT_TABLES;

export type Seal = typeof auditSeals.$inferSelect;

type Row = Record<string, unknown>;

async function rows<T extends Row>(db: Queryable, query: ReturnType<typeof sql>): Promise<T[]> {
  const res = (await db.execute(query)) as unknown as { rows: T[] };
  return res.rows;
}

/**
 * The safe cut: the highest seq below which every record is committed. Writers hold
 * AUDIT_WRITE_LOCK shared for their insert transaction; taking it exclusively waits for those in
 * flight, so max(seq) read afterwards has no uncommitted seq beneath it. Held for microseconds.
 */
export async function safeCut(db: Db): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_WRITE_LOCK})`);
    const [r] = await rows<{ cut: string | number | null }>(
      tx,
      sql`select greatest(
            (select max(seq) from screenings),
            (select max(seq) from dispositions),
            (select max(seq) from audit_events)) as cut`,
    );
    return Number(r?.cut ?? 0);
  });
}

/**
 * The columns each record's canonical form covers, in this order. Every column of the table is
 * listed (a test compares these lists with the drizzle schema): a new column must be added here
 * deliberately, as a new leaf version, because adding it changes the hash of every stored record.
 */
export const CANONICAL_COLUMNS = {
  s: ['id', 'seq', 'reference', 'created_at', 'ship_date', 'decision', 'risk_score', 'destination', 'countries', 'rule_ids', 'flag_categories',
    'party_names', 'chip_models', 'eccns', 'ruleset_version', 'ruleset_hash', 'request', 'result', 'request_hash', 'idempotency_scope',
    'idempotency_key', 'api_key_id'],
  d: ['id', 'seq', 'screening_id', 'action', 'justification', 'api_key_id', 'created_at'],
  e: ['id', 'seq', 'type', 'payload', 'api_key_id', 'created_at'],
} as const satisfies Record<AuditTableCode, readonly string[]>;

/**
 * Columns outside the canonical form because they are derived from a column inside it, for searching:
 * `raised_categories` is the categories of the sealed `result`'s flags that are not checks (migration 0024,
 * raisedCategories in services/screening-row.ts). Sealing it would change every earlier record's hash; the
 * append-only trigger protects it like every column, and verify recomputes it from the sealed result it comes
 * from (DERIVED_OK_SQL): a changed value is reported like an altered record.
 */
export const DERIVED_COLUMNS = {
  s: ['raised_categories'],
  d: [],
  e: [],
} as const satisfies Record<AuditTableCode, readonly string[]>;

/** json_build_object over the canonical columns of row `r`: the record's canonical form. */
const canonicalDoc = (t: AuditTableCode) => `json_build_object(${CANONICAL_COLUMNS[t].map((c) => `'${c}', r."${c}"`).join(', ')})::text`;

/**
 * Leaf = sha256(0x00 ‖ "<table>\n" ‖ canonical form), computed by the database so sealing and
 * verifying a million records does not ship gigabytes of JSON to Node. `leafHash` in the sealer
 * computes the same from `canonicalDocument`, for anyone checking a record independently.
 */
const leafSql = (t: AuditTableCode) =>
  `encode(sha256('\\x00'::bytea || convert_to('${AUDIT_TABLES[t]}' || chr(10) || ${canonicalDoc(t)}, 'UTF8')), 'hex')`;

/**
 * Whether row `r`'s derived columns (DERIVED_COLUMNS) still say what its sealed columns say: `raised_categories`
 * recomputed from the sealed `result` as migration 0024 and raisedCategories (services/screening-row.ts) build it.
 * The seal cannot cover them, so verify checks them against what it does cover: a category removed to hide a
 * screening from the flag log's category filter shows up here.
 */
const DERIVED_OK_SQL: Record<AuditTableCode, string> = {
  s: `(r.raised_categories is not distinct from coalesce((
        select array_agg(distinct f->>'category' order by f->>'category')
        from json_array_elements(r."result"->'flags') f
        where not (f->>'severity' = 'info' and f->>'decision' = 'CLEAR')), '{}'))`,
  d: 'true',
  e: 'true',
};

const leavesInRange = (after: number, through: number, derived: boolean) =>
  sql.join(
    (['s', 'd', 'e'] as const).map(
      (t) =>
        sql`select r.seq, ${t}::text as t, r.id, ${sql.raw(leafSql(t))} as leaf, ${sql.raw(derived ? DERIVED_OK_SQL[t] : 'true')} as derived_ok
            from ${sql.raw(AUDIT_TABLES[t])} r where r.seq > ${after} and r.seq <= ${through}`,
    ),
    sql` union all `,
  );

/** Makes timestamps in the canonical form come out in UTC for this transaction, on any server setting. */
export async function useCanonicalSession(tx: Tx): Promise<void> {
  await tx.execute(sql`set local time zone 'UTC'`);
}

export interface AuditLeaf {
  seq: number;
  table: AuditTableCode;
  id: string;
  /** Hex sha256 leaf hash. */
  leaf: string;
  /** False when a derived column no longer matches the sealed columns it comes from (only read with `derived`). */
  derivedOk: boolean;
}

/**
 * Leaves of the first `limit` records with seq in (after, upTo], in seq order, and the seq the
 * batch reaches (upTo when fewer than `limit` records remain). Finds the boundary on the seq
 * indexes first, then hashes exactly the records in range. Call inside a canonical session.
 */
export async function readAuditLeaves(
  tx: Tx,
  after: number,
  upTo: number,
  limit: number,
  opts: { derived?: boolean } = {},
): Promise<{ leaves: AuditLeaf[]; through: number; full: boolean }> {
  const [edge] = await rows<{ seq: string | number }>(
    tx,
    sql`select seq from (
          (select seq from screenings where seq > ${after} and seq <= ${upTo} order by seq limit ${limit})
          union all (select seq from dispositions where seq > ${after} and seq <= ${upTo} order by seq limit ${limit})
          union all (select seq from audit_events where seq > ${after} and seq <= ${upTo} order by seq limit ${limit})
        ) x order by seq offset ${limit - 1} limit 1`,
  );
  const through = edge ? Number(edge.seq) : upTo;
  const found = await rows<{ seq: string | number; t: AuditTableCode; id: string; leaf: string; derived_ok: boolean | string }>(
    tx,
    sql`select seq, t, id, leaf, derived_ok from (${leavesInRange(after, through, opts.derived === true)}) x order by seq`,
  );
  return {
    leaves: found.map((r) => ({ seq: Number(r.seq), table: r.t, id: r.id, leaf: r.leaf, derivedOk: r.derived_ok === true || r.derived_ok === 't' })),
    through,
    full: !!edge,
  };
}

/** The canonical form of one record as text, exactly what its leaf hash covers. */
export async function canonicalDocument(tx: Tx, table: AuditTableCode, id: string): Promise<string | null> {
  const [r] = await rows<{ doc: string }>(tx, sql`select ${sql.raw(canonicalDoc(table))} as doc from ${sql.raw(AUDIT_TABLES[table])} r where r.id = ${id}`);
  return r?.doc ?? null;
}

export async function countRecordsAfter(db: Queryable, after: number): Promise<number> {
  const [r] = await rows<{ n: string | number }>(
    db,
    sql`select (select count(*) from screenings where seq > ${after})
             + (select count(*) from dispositions where seq > ${after})
             + (select count(*) from audit_events where seq > ${after}) as n`,
  );
  return Number(r?.n ?? 0);
}

/** False when another sealer (this or another replica) holds the sealer lock. */
export async function trySealerLock(tx: Tx): Promise<boolean> {
  const [r] = await rows<{ ok: boolean }>(tx, sql`select pg_try_advisory_xact_lock(${SEALER_LOCK}) as ok`);
  return r?.ok === true;
}

export async function lastSeal(db: Queryable): Promise<Seal | null> {
  const [r] = await db.select().from(auditSeals).orderBy(desc(auditSeals.sealNo)).limit(1);
  return r ?? null;
}

export async function insertSeal(tx: Tx, seal: Seal, manifest: string): Promise<void> {
  await tx.insert(auditSeals).values(seal);
  await tx.execute(sql`insert into audit_seal_manifests (seal_no, entries) values (${seal.sealNo}, ${manifest})`);
}

/** Seals in seal_no order, a page at a time. */
export async function listSeals(db: Queryable, afterSealNo: number, limit: number): Promise<Seal[]> {
  return db
    .select()
    .from(auditSeals)
    .where(sql`${auditSeals.sealNo} > ${afterSealNo}`)
    .orderBy(auditSeals.sealNo)
    .limit(limit);
}

export async function readManifest(db: Queryable, sealNo: number): Promise<string | null> {
  const [r] = await rows<{ entries: string }>(db, sql`select entries from audit_seal_manifests where seal_no = ${sealNo}`);
  return r?.entries ?? null;
}
