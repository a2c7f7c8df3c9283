/**
 * Verifying the audit log: recompute every seal from the records as they are stored now.
 *
 * Three things are checked, in seq order: the chain (numbering, contiguous ranges, prev_hash,
 * seal_hash); each seal's manifest against its Merkle root (the manifest is what lets verify name
 * a single record); and every stored record in a sealed range against the manifest — a changed
 * leaf is an altered record, a manifest entry without a row was removed, a row without a manifest
 * entry was added. Records after the last seal are reported as unsealed, not checked. A screening's derived
 * search column (raised_categories), outside the canonical form, is recomputed from its sealed result and
 * compared, so it cannot be changed to hide a screening from the flag log's filter either.
 */
import type { Db } from '../store/db.js';
import { recordAuditEvent } from '../store/audit-events-repo.js';
import {
  countRecordsAfter,
  lastSeal,
  listSeals,
  readAuditLeaves,
  readManifest,
  useCanonicalSession,
  AUDIT_TABLES,
  type Seal,
} from '../store/audit-repo.js';
import { GENESIS_HASH, merkleRoot, parseManifest, sealHash, type ManifestEntry } from './sealer.js';

export interface VerifyProblem {
  /** The record id, or "seal:<n>" for a seal. */
  id: string;
  reason: string;
  table?: string;
  seq?: number;
  sealNo?: number;
}

export interface VerifyReport {
  ok: boolean;
  /** Records recomputed (every stored record with seq ≤ sealedThrough). */
  checked: number;
  firstBroken: { id: string; reason: string } | null;
  sealedThrough: number;
  seals: number;
  /** Records after the last seal: not yet covered, so not checked. */
  unsealed: number;
  /** Every problem found, in seq order (at most `maxProblems`). */
  problems: VerifyProblem[];
  /**
   * The last seal as stored (number and hash), to hold against the copy kept outside the database
   * (the info log line written at each seal): a rewritten tail of the chain shows up as a different hash.
   */
  latestSeal: { sealNo: number; sealHash: string; sealedAt: string } | null;
}

const SEAL_PAGE = 200;
const RECORD_CHUNK = 10_000;

export async function verifyAuditLog(db: Db, opts: { maxProblems?: number } = {}): Promise<VerifyReport> {
  const maxProblems = opts.maxProblems ?? 100;
  const problems: VerifyProblem[] = [];
  let total = 0;
  const report = (p: VerifyProblem) => {
    total++;
    if (problems.length < maxProblems) problems.push(p);
  };
  let checked = 0;
  let sealCount = 0;
  let prev: Seal | null = null;
  for (;;) {
    const page = await listSeals(db, prev?.sealNo ?? 0, SEAL_PAGE);
    for (const seal of page) {
      checkChainLink(seal, prev, report);
      checked += await checkSealRecords(db, seal, report);
      prev = seal;
      sealCount++;
    }
    if (page.length < SEAL_PAGE) break;
  }
  const sealedThrough = prev?.toSeq ?? 0;
  const unsealed = await countRecordsAfter(db, sealedThrough);
  const first = problems[0];
  return {
    ok: total === 0,
    checked,
    firstBroken: first ? { id: first.id, reason: first.reason } : null,
    sealedThrough,
    seals: sealCount,
    unsealed,
    problems,
    latestSeal: prev ? { sealNo: prev.sealNo, sealHash: prev.sealHash, sealedAt: new Date(prev.sealedAt).toISOString() } : null,
  };
}

function checkChainLink(seal: Seal, prev: Seal | null, report: (p: VerifyProblem) => void) {
  const id = `seal:${seal.sealNo}`;
  const expectedNo = (prev?.sealNo ?? 0) + 1;
  if (seal.sealNo !== expectedNo) report({ id, sealNo: seal.sealNo, reason: `seal ${expectedNo} is missing from the chain` });
  if (seal.fromSeq !== (prev?.toSeq ?? 0)) report({ id, sealNo: seal.sealNo, reason: `seal range starts at ${seal.fromSeq}, previous seal ends at ${prev?.toSeq ?? 0}` });
  if (seal.prevHash !== (prev?.sealHash ?? GENESIS_HASH)) report({ id, sealNo: seal.sealNo, reason: 'prev_hash does not match the previous seal' });
  if (sealHash(seal) !== seal.sealHash) report({ id, sealNo: seal.sealNo, reason: 'seal_hash does not match the seal contents' });
}

/** Compares the stored records in the seal's range with its manifest; returns how many were read. */
async function checkSealRecords(db: Db, seal: Seal, report: (p: VerifyProblem) => void): Promise<number> {
  const sealId = `seal:${seal.sealNo}`;
  const text = await readManifest(db, seal.sealNo);
  const manifest = text === null ? null : parseManifest(text);
  let trusted = manifest;
  if (manifest === null) {
    report({ id: sealId, sealNo: seal.sealNo, reason: text === null ? 'seal manifest is missing' : 'seal manifest is unreadable' });
  } else if (manifest.length !== seal.recordCount || merkleRoot(manifest.map((e) => Buffer.from(e.leaf, 'hex'))) !== seal.merkleRoot) {
    report({ id: sealId, sealNo: seal.sealNo, reason: 'seal manifest does not match the sealed Merkle root' });
    trusted = null;
  }

  const leaves: Buffer[] = [];
  let read = 0;
  let mi = 0;
  const expected = trusted ?? [];
  const recordProblem = (e: ManifestEntry, reason: string) =>
    report({ id: e.id, table: AUDIT_TABLES[e.table], seq: e.seq, sealNo: seal.sealNo, reason });
  await db.transaction(async (tx) => {
    await useCanonicalSession(tx);
    let after = seal.fromSeq;
    for (;;) {
      const chunk = await readAuditLeaves(tx, after, seal.toSeq, RECORD_CHUNK, { derived: true });
      for (const cur of chunk.leaves) {
        leaves.push(Buffer.from(cur.leaf, 'hex'));
        read++;
        if (!cur.derivedOk) {
          report({
            id: cur.id,
            table: AUDIT_TABLES[cur.table],
            seq: cur.seq,
            sealNo: seal.sealNo,
            reason: `${AUDIT_TABLES[cur.table]} record's raised_categories no longer match its sealed result (altered after seal ${seal.sealNo})`,
          });
        }
        if (!trusted) continue;
        while (mi < expected.length && expected[mi]!.seq < cur.seq) {
          recordProblem(expected[mi]!, `${AUDIT_TABLES[expected[mi]!.table]} record was removed after seal ${seal.sealNo}`);
          mi++;
        }
        const want = expected[mi];
        if (want && want.seq === cur.seq) {
          mi++;
          if (want.table !== cur.table || want.id !== cur.id) recordProblem(cur, `record at seq ${cur.seq} was replaced after seal ${seal.sealNo} (sealed: ${AUDIT_TABLES[want.table]} ${want.id})`);
          else if (want.leaf !== cur.leaf) recordProblem(cur, `${AUDIT_TABLES[cur.table]} record was altered after seal ${seal.sealNo}: its hash no longer matches`);
        } else {
          recordProblem(cur, `${AUDIT_TABLES[cur.table]} record was added to sealed range of seal ${seal.sealNo}`);
        }
      }
      if (!chunk.full) break;
      after = chunk.through;
    }
  });
  for (; trusted && mi < expected.length; mi++) {
    recordProblem(expected[mi]!, `${AUDIT_TABLES[expected[mi]!.table]} record was removed after seal ${seal.sealNo}`);
  }
  // Without a trustworthy manifest, the root over the stored records is the only check left.
  if (!trusted && merkleRoot(leaves) !== seal.merkleRoot) {
    report({ id: sealId, sealNo: seal.sealNo, reason: `records in seq (${seal.fromSeq}, ${seal.toSeq}] no longer match the sealed Merkle root` });
  }
  return read;
}

export interface RulesetActivation {
  version: string;
  hash: string;
  /** Where the rules and lists came from (file names, list publication dates…). */
  sources: unknown;
}

/**
 * Records that a ruleset became active: decisions cite a ruleset version and hash, and the
 * audit log shows from when each one was in force. Runs in its own transaction so the shared
 * audit-write lock covers the insert.
 */
export async function recordRulesetActivation(db: Db, activation: RulesetActivation, apiKeyId: string | null = null): Promise<{ id: string; seq: number }> {
  return db.transaction((tx) =>
    recordAuditEvent(tx as unknown as Db, {
      type: 'ruleset.activated',
      payload: { version: activation.version, hash: activation.hash, sources: activation.sources },
      apiKeyId,
    }),
  );
}

/** How far the seals reach: cheap (the last seal and a count after it), for status displays. */
export async function sealStatus(db: Db): Promise<{ sealedThrough: number; seals: number; unsealed: number }> {
  const last = await lastSeal(db);
  const sealedThrough = last ? Number(last.toSeq) : 0;
  return { sealedThrough, seals: last ? Number(last.sealNo) : 0, unsealed: await countRecordsAfter(db, sealedThrough) };
}
