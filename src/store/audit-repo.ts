/**
 * SQL for sealing and verifying the audit log. Audit records are the rows of screenings,
 * dispositions and audit_events; they share one `seq` sequence, so together they form one
 * ordered log that the sealer cuts into batches.
 *
 * Canonical form of a record (what its leaf hash covers): Postgres's own `to_jsonb(row)` with the
 * session time zone set to UTC, top-level null columns left out, as jsonb text. jsonb text is
 * normalised by Postgres itself (sorted keys, fixed spacing, canonical numbers), identical on
 * PGlite and on a Postgres server, and covers every column — a column added later with NULLs in
 * old rows does not change old hashes.
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

export interface AuditRecordDoc {
  seq: number;
  table: AuditTableCode;
  id: string;
  /** Canonical serialisation (see the file comment). */
  doc: string;
}

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

/** Canonical-form text of a row aliased `r` (see the file comment). */
const CANONICAL_DOC = sql.raw(
  `(select jsonb_object_agg(e.key, e.value) from jsonb_each(to_jsonb(r)) e where jsonb_typeof(e.value) <> 'null')::text`,
);

/** Makes timestamps in to_jsonb() come out in UTC for this transaction, on any server setting. */
export async function useCanonicalSession(tx: Tx): Promise<void> {
  await tx.execute(sql`set local time zone 'UTC'`);
}

/** Records with seq in (after, upTo], in seq order, at most `limit`. Call inside a canonical session. */
export async function readAuditRecords(tx: Tx, after: number, upTo: number, limit: number): Promise<AuditRecordDoc[]> {
  const found = await rows<{ seq: string | number; t: AuditTableCode; id: string; doc: string }>(
    tx,
    sql`select seq, t, id, doc from (
          select r.seq, 's' as t, r.id, ${CANONICAL_DOC} as doc from screenings r where r.seq > ${after} and r.seq <= ${upTo}
          union all
          select r.seq, 'd' as t, r.id, ${CANONICAL_DOC} as doc from dispositions r where r.seq > ${after} and r.seq <= ${upTo}
          union all
          select r.seq, 'e' as t, r.id, ${CANONICAL_DOC} as doc from audit_events r where r.seq > ${after} and r.seq <= ${upTo}
        ) x order by seq limit ${limit}`,
  );
  return found.map((r) => ({ seq: Number(r.seq), table: r.t, id: r.id, doc: r.doc }));
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

/** Seals whose range reaches into [fromSeq, toSeq], to give exported rows their seal reference. */
export async function sealsCovering(db: Queryable, fromSeq: number, toSeq: number): Promise<Array<Pick<Seal, 'sealNo' | 'fromSeq' | 'toSeq'>>> {
  const found = await rows<{ seal_no: string | number; from_seq: string | number; to_seq: string | number }>(
    db,
    // Seal ranges are contiguous, so the covering seals are those from the first ending at or after
    // fromSeq up to the first ending at or after toSeq: two index range bounds on to_seq.
    sql`select seal_no, from_seq, to_seq from audit_seals
        where to_seq >= ${fromSeq}
          and to_seq <= coalesce((select min(to_seq) from audit_seals where to_seq >= ${toSeq}), ${toSeq})
        order by to_seq`,
  );
  return found.map((r) => ({ sealNo: Number(r.seal_no), fromSeq: Number(r.from_seq), toSeq: Number(r.to_seq) }));
}
