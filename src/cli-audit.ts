/**
 * `chokepoint audit verify` and `chokepoint audit seal`: the same verification and sealer as
 * GET /v1/audit/verify and POST /v1/audit/seal, straight against DATABASE_URL (no server needed,
 * so an auditor can run it against a restored backup).
 *
 * verify's exit code keeps "could not check" apart from "checked, broken", because a script that
 * alarms on a broken log must not alarm (or, worse, stay silent) on a database it could not open:
 *   0  checked, intact            1  checked, BROKEN (the first broken record is named)
 *   69 could not check (embedded folder held by a running server, database unreachable, any error)
 *   64 usage
 */
import { loadConfig } from './config.js';
import { verifyAuditLog, type VerifyReport } from './services/audit.js';
import { Sealer } from './services/sealer.js';
import { openDatabase } from './store/db.js';
import { assertStorageAvailable, EXIT, parseFlags } from './cli-args.js';

export const AUDIT_USAGE =
  'verify [--max-problems N] | seal: check the audit log (exit 0 intact, 1 broken, 69 could not check) or seal it now';

export function describeVerify(report: VerifyReport): string {
  const seal = report.latestSeal
    ? `latest seal #${report.latestSeal.sealNo} ${report.latestSeal.sealHash} (${report.latestSeal.sealedAt}): compare it with the copy kept outside the database`
    : 'no seal yet';
  return report.ok
    ? `audit log intact: ${report.checked} records checked through seq ${report.sealedThrough}, ${report.unsealed} not yet sealed; ${seal}`
    : `audit log BROKEN: first at ${report.firstBroken?.id} (${report.firstBroken?.reason}); ${seal}`;
}

export async function auditCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'verify' && sub !== 'seal') {
    console.error(`usage: chokepoint audit ${AUDIT_USAGE}`);
    return EXIT.USAGE;
  }
  const { values, positionals } = parseFlags(rest, { 'max-problems': { type: 'string', default: '100' } });
  if (positionals.length > 0 || (sub === 'seal' && rest.some((a) => a.startsWith('--max-problems')))) {
    console.error(`usage: chokepoint audit ${AUDIT_USAGE}`);
    return EXIT.USAGE;
  }
  const maxProblems = Number(values['max-problems']);
  if (!Number.isInteger(maxProblems) || maxProblems < 1) {
    console.error('--max-problems must be a positive whole number');
    return EXIT.USAGE;
  }
  const storage = loadConfig().storage;
  if (sub === 'seal') {
    assertStorageAvailable(storage);
    const database = await openDatabase(storage);
    try {
      const run = await new Sealer(database.db).sealNow();
      console.log(JSON.stringify(run, null, 2));
      return EXIT.OK;
    } finally {
      await database.close();
    }
  }
  let report: VerifyReport;
  try {
    assertStorageAvailable(storage);
    const database = await openDatabase(storage);
    try {
      report = await verifyAuditLog(database.db, { maxProblems });
    } finally {
      await database.close();
    }
  } catch (err) {
    console.error(`audit log NOT CHECKED: ${(err as Error).message}`);
    return EXIT.UNAVAILABLE;
  }
  console.log(JSON.stringify(report, null, 2));
  console.error(describeVerify(report));
  return report.ok ? EXIT.OK : EXIT.FAILURE;
}
