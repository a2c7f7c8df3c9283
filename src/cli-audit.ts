/**
 * `chokepoint audit verify` and `chokepoint audit seal`: the same verification and sealer as
 * GET /v1/audit/verify and POST /v1/audit/seal, straight against DATABASE_URL (no server needed,
 * so an auditor can run it against a restored backup). verify exits 1 when the log is broken.
 */
import { loadConfig } from './config.js';
import { verifyAuditLog } from './services/audit.js';
import { Sealer } from './services/sealer.js';
import { openDatabase } from './store/db.js';

export const AUDIT_USAGE = 'verify [--max-problems N] | seal: check the audit log (exit 1 if broken) or seal it now';

export async function auditCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'verify' && sub !== 'seal') {
    console.error(`usage: chokepoint audit ${AUDIT_USAGE}`);
    return 64;
  }
  const maxIdx = rest.indexOf('--max-problems');
  const maxProblems = maxIdx >= 0 ? Number(rest[maxIdx + 1]) : 100;
  if (!Number.isInteger(maxProblems) || maxProblems < 1) {
    console.error('--max-problems must be a positive whole number');
    return 64;
  }
  const database = await openDatabase(loadConfig().storage);
  try {
    if (sub === 'seal') {
      const run = await new Sealer(database.db).sealNow();
      console.log(JSON.stringify(run, null, 2));
      return 0;
    }
    const report = await verifyAuditLog(database.db, { maxProblems });
    console.log(JSON.stringify(report, null, 2));
    if (!report.ok) console.error(`audit log BROKEN: first at ${report.firstBroken?.id} (${report.firstBroken?.reason})`);
    return report.ok ? 0 : 1;
  } finally {
    await database.close();
  }
}
