/**
 * A batch's results, streamed in line order, page by page (constant memory): every line with its
 * outcome — screened (screening id, decision, risk score, rule ids, ruleset), failed (the engine's
 * field errors), invalid (the upload's field errors), pending (the batch is still receiving or running) or
 * not-screened (the batch ended — cancelled, or its upload broke off — before the line was screened: no
 * decision exists for it, and the error says why). CSV cells that a spreadsheet would
 * run as a formula (leading = + - @, tab or CR) are prefixed with a quote (OWASP CSV injection).
 */
import type { Db } from '../store/db.js';
import type { BatchResultLine } from '../schemas/batch.js';
import { resultPage, type NotScreened, type ResultLine } from '../store/batches-repo.js';
import { STARTS_LIKE_FORMULA } from './csv-formula.js';

export type ResultFormat = 'csv' | 'ndjson';
const PAGE = 2_000;

export const RESULT_COLUMNS = ['line', 'reference', 'status', 'decision', 'risk_score', 'screening_id', 'rule_ids', 'ruleset_version', 'ruleset_hash', 'errors'] as const;

/** One result line: the shape the API documents as the `BatchResultLine` component (src/schemas/batch.ts). */
type ResultRecord = BatchResultLine;

function record(l: ResultLine, notScreened: NotScreened | null): ResultRecord {
  const open = !l.uploadErrors && !l.linked;
  const errors = open && notScreened ? [notScreened] : ((l.uploadErrors ?? l.engineErrors ?? []) as ResultRecord['errors']);
  const status = l.uploadErrors ? 'invalid' : open ? (notScreened ? 'not-screened' : 'pending') : l.screeningId ? 'screened' : 'failed';
  return {
    line: l.lineNo,
    reference: l.reference,
    status,
    decision: l.decision as ResultRecord['decision'],
    riskScore: l.riskScore,
    screeningId: l.screeningId,
    ruleIds: l.ruleIds ?? [],
    ruleset: l.rulesetVersion && l.rulesetHash ? { version: l.rulesetVersion, hash: l.rulesetHash } : null,
    errors,
  };
}

/** A CSV cell: quoted when needed, and defused when it starts like a formula. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (STARTS_LIKE_FORMULA.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvLine(r: ResultRecord): string {
  const errors = r.errors.map((e) => `${e.line ? `line ${e.line} ` : ''}${e.field}: ${e.message}`).join('; ');
  return `${[r.line, r.reference, r.status, r.decision, r.riskScore, r.screeningId, r.ruleIds.join(';'), r.ruleset?.version, r.ruleset?.hash, errors].map(csvCell).join(',')}\r\n`;
}

/**
 * Every line of the batch after `afterLine` (a physical line number of the upload), in line order. A
 * download that broke off resumes from the last line it got; the CSV header comes only with a download
 * from the start, so the continuation appends to the partial file as it is. `notScreened`: the batch has
 * ended (cancelled, its upload broke off), so a line without an outcome will never have one — it is listed
 * as `not-screened` with this error instead of `pending`.
 */
export async function* batchResultLines(db: Db, batchId: string, format: ResultFormat, afterLine = 0, notScreened: NotScreened | null = null): AsyncGenerator<string> {
  if (format === 'csv' && afterLine === 0) yield `${RESULT_COLUMNS.join(',')}\r\n`;
  let after = afterLine;
  for (;;) {
    const page = await resultPage(db, batchId, after, PAGE);
    if (page.length === 0) return;
    let text = '';
    for (const l of page) {
      const r = record(l, notScreened);
      text += format === 'csv' ? csvLine(r) : `${JSON.stringify(r)}\n`;
    }
    yield text;
    after = page[page.length - 1]!.lineNo;
  }
}
