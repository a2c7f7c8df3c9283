/**
 * The sealer: cuts the audit log into batches and chains their Merkle roots.
 *
 * Writers never wait on a row lock: they hold AUDIT_WRITE_LOCK shared while inserting. The sealer
 * takes it exclusively only for a moment to find a safe cut (safeCut), then reads the records in
 * (last sealed seq, cut] in seq order, hashes each one's canonical form into a leaf, builds a
 * Merkle root and appends a seal:
 *
 *   seal_hash = sha256("<prev_hash>|<merkle_root>|<from_seq>|<to_seq>|<record_count>")
 *
 * with prev_hash of the first seal = 64 zeros. Leaves and inner nodes are domain-separated as in
 * RFC 6962 (0x00 ‖ leaf data, 0x01 ‖ left ‖ right); an odd node is carried up unchanged. Only one
 * sealer works at a time across replicas (SEALER_LOCK, transaction-scoped); another sealer that
 * finds it taken simply stops, the holder covers the same records.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../store/db.js';
import {
  insertSeal,
  lastSeal,
  readAuditLeaves,
  safeCut,
  trySealerLock,
  useCanonicalSession,
  AUDIT_TABLES,
  type AuditTableCode,
  type Seal,
} from '../store/audit-repo.js';

export const GENESIS_HASH = '0'.repeat(64);
/** Records per seal: bounds the sealer's memory and transaction, and verify's unit of work. */
export const DEFAULT_MAX_RECORDS_PER_SEAL = 10_000;

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

/** The leaf of a record from its canonical form (store: canonicalDocument); the database computes the same. */
export function leafHash(table: AuditTableCode, doc: string): Buffer {
  return createHash('sha256').update(LEAF).update(`${AUDIT_TABLES[table]}\n${doc}`, 'utf8').digest();
}

export function merkleRoot(leaves: readonly Buffer[]): string {
  if (leaves.length === 0) return createHash('sha256').digest('hex');
  let level = leaves.slice();
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i]!;
      const right = level[i + 1];
      next.push(right ? createHash('sha256').update(NODE).update(left).update(right).digest() : left);
    }
    level = next;
  }
  return level[0]!.toString('hex');
}

export function sealHash(s: Pick<Seal, 'prevHash' | 'merkleRoot' | 'fromSeq' | 'toSeq' | 'recordCount'>): string {
  return createHash('sha256').update(`${s.prevHash}|${s.merkleRoot}|${s.fromSeq}|${s.toSeq}|${s.recordCount}`).digest('hex');
}

export interface ManifestEntry {
  seq: number;
  table: AuditTableCode;
  id: string;
  leaf: string;
}

/** One line per record: "<seq>\t<table code>\t<id>\t<leaf hex>". */
export function formatManifest(entries: readonly ManifestEntry[]): string {
  return entries.map((e) => `${e.seq}\t${e.table}\t${e.id}\t${e.leaf}`).join('\n');
}

export function parseManifest(text: string): ManifestEntry[] | null {
  if (text === '') return [];
  const out: ManifestEntry[] = [];
  for (const line of text.split('\n')) {
    const [seq, table, id, leaf] = line.split('\t');
    if (!seq || !table || !id || !leaf || !Object.hasOwn(AUDIT_TABLES, table) || !/^[0-9a-f]{64}$/.test(leaf)) return null;
    out.push({ seq: Number(seq), table: table as AuditTableCode, id, leaf });
  }
  return out;
}

export interface SealSummary {
  sealNo: number;
  fromSeq: number;
  toSeq: number;
  recordCount: number;
  sealHash: string;
}

export interface SealRun {
  seals: SealSummary[];
  /** True when another sealer held the lock; it covers these records instead. */
  busy: boolean;
  /** The last sealed seq after this run. */
  sealedThrough: number;
}

type Logger = { info(obj: object, msg: string): void; error(obj: object, msg: string): void };

export interface SealerOptions {
  maxRecordsPerSeal?: number;
  log?: Logger;
}

export class Sealer {
  private tail: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly max: number;

  constructor(
    private readonly db: Db,
    private readonly opts: SealerOptions = {},
  ) {
    this.max = opts.maxRecordsPerSeal ?? DEFAULT_MAX_RECORDS_PER_SEAL;
  }

  /** Seals everything committed before this call; runs after any seal already in progress. */
  sealNow(): Promise<SealRun> {
    const run = this.tail.then(() => this.sealOnce());
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Seals every `intervalMs` in the background (timer unref'd: it never keeps the process up). */
  start(intervalMs: number, isReady: () => boolean = () => true): void {
    if (intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (!isReady()) return;
      this.sealNow().catch((err: unknown) => this.opts.log?.error({ err: { message: (err as Error).message } }, 'audit seal failed; will retry'));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a seal in progress, so the database can close under it. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.tail;
  }

  private async sealOnce(): Promise<SealRun> {
    const cut = await safeCut(this.db);
    const seals: SealSummary[] = [];
    for (;;) {
      const step = await this.db.transaction(async (tx) => {
        if (!(await trySealerLock(tx))) return { kind: 'busy' as const };
        await useCanonicalSession(tx);
        const last = await lastSeal(tx);
        const from = last?.toSeq ?? 0;
        if (from >= cut) return { kind: 'done' as const, through: from };
        const { leaves, through, full } = await readAuditLeaves(tx, from, cut, this.max);
        if (leaves.length === 0) return { kind: 'done' as const, through: from };
        const body = {
          sealNo: (last?.sealNo ?? 0) + 1,
          fromSeq: from,
          toSeq: through,
          recordCount: leaves.length,
          merkleRoot: merkleRoot(leaves.map((e) => Buffer.from(e.leaf, 'hex'))),
          prevHash: last?.sealHash ?? GENESIS_HASH,
        };
        const seal: Seal = { ...body, sealHash: sealHash(body), sealedAt: new Date().toISOString() };
        await insertSeal(tx, seal, formatManifest(leaves));
        return { kind: 'sealed' as const, seal, more: full };
      });
      if (step.kind === 'busy') return { seals, busy: true, sealedThrough: seals.at(-1)?.toSeq ?? (await lastSeal(this.db))?.toSeq ?? 0 };
      if (step.kind === 'done') return { seals, busy: false, sealedThrough: step.through };
      const { sealNo, fromSeq, toSeq, recordCount, sealHash: hash } = step.seal;
      seals.push({ sealNo, fromSeq, toSeq, recordCount, sealHash: hash });
      // The seal hash in the log is an anchor outside the database: a later rewrite of the whole
      // chain no longer matches what was logged.
      this.opts.log?.info({ sealNo, fromSeq, toSeq, recordCount, sealHash: hash }, 'audit seal');
      if (!step.more) return { seals, busy: false, sealedThrough: toSeq };
    }
  }
}
