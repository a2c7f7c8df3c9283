/**
 * A ruleset activated on one replica reaches the others through Postgres LISTEN/NOTIFY: the
 * activating replica announces the new hash, every other replica reloads RULES_DIR (a shared
 * volume or the same deployment). A replica whose files do not produce the announced hash keeps
 * what it loaded and says so loudly: the hash recorded with each screening shows which it used.
 */
import { sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Ruleset } from '../rules/index.js';
import type { Database, Db } from '../store/db.js';
import type { RulesService } from './rules-service.js';

export const RULES_CHANNEL = 'chokepoint_rules';

export async function announceRuleset(db: Db, hash: string): Promise<void> {
  await db.execute(sql`select pg_notify(${RULES_CHANNEL}, ${hash})`);
}

export function followRulesets(database: Database, rules: RulesService<Ruleset>, log: FastifyBaseLogger): Promise<() => Promise<void>> {
  let reloading: Promise<unknown> = Promise.resolve();
  return database.listen(RULES_CHANNEL, (announced) => {
    reloading = reloading.then(async () => {
      if (rules.peek()?.hash === announced) return;
      try {
        const rs = await rules.reload();
        if (rs.hash === announced) log.info({ rulesetVersion: rs.version, rulesetHash: rs.hash }, 'ruleset activated by another replica');
        else log.warn({ rulesetHash: rs.hash, announced }, 'reloaded after another replica activated a ruleset, but the files here hash differently');
      } catch (err) {
        log.error({ err: { message: (err as Error).message }, announced }, 'another replica activated a ruleset that does not load here; the active one stays');
      }
    });
  });
}
