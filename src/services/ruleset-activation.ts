/**
 * Ruleset activations are audit events: every decision cites a ruleset version and hash, and
 * the log shows from when each ruleset (rule files + party-list versions) was in force. An
 * activation is recorded when the hash differs from the last one recorded.
 */
import { desc, eq } from 'drizzle-orm';
import type { Ruleset } from '../rules/index.js';
import type { Db } from '../store/db.js';
import { auditEvents } from '../store/schema.js';
import { recordRulesetActivation } from './audit.js';

export async function recordActivationIfNew(db: Db, rs: Ruleset, apiKeyId: string | null = null): Promise<boolean> {
  const [last] = await db
    .select({ payload: auditEvents.payload })
    .from(auditEvents)
    .where(eq(auditEvents.type, 'ruleset.activated'))
    .orderBy(desc(auditEvents.seq))
    .limit(1);
  if ((last?.payload as { hash?: string } | undefined)?.hash === rs.hash) return false;
  await recordRulesetActivation(
    db,
    {
      version: rs.version,
      hash: rs.hash,
      sources: {
        files: rs.files,
        lists: rs.listSources.map((l) => ({ name: l.name, file: l.file, format: l.format, entryCount: l.entryCount, sha256: l.sha256, generatedAt: l.generatedAt })),
      },
    },
    apiKeyId,
  );
  return true;
}
