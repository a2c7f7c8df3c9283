/**
 * Tests must not depend on the list a user has imported. `chokepoint lists import` rewrites
 * rules/lists/manifest.yaml to point at the new list (keeping the old file); the tests' ruleset
 * (tests/helpers/ruleset.ts) reads its lists through tests/fixtures/shipped-rules instead, pinned to
 * the shipped list by sha256. Here a legitimate import goes into a copy of rules/, and the pinned
 * loader still gives the shipped list while the copy's own loader follows the import.
 */
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importListFile, loadLists, readManifest } from '../../src/lists/index.js';
import { PINNED_LISTS_DIR, RULES_DIR, withLists } from '../helpers/ruleset.js';

const SHIPPED_SHA = 'cb5c80f38154906aca05343bf42813089c61fc3679722754c62219088152800f';

describe('the tests’ party list is pinned', () => {
  it('a legitimate lists import changes rules/lists/manifest.yaml, not the list the tests load', async () => {
    const rules = mkdtempSync(path.join(tmpdir(), 'chokepoint-pinned-'));
    cpSync(RULES_DIR, rules, { recursive: true });
    // A small newer list: "legitimate" here means the shrink guard is told to accept it.
    await importListFile(path.join(import.meta.dirname, '../fixtures/lists/csl-current-format-sample.csv'), { rulesDir: rules, maxShrink: 1 });
    const imported = await readManifest(rules);
    expect(imported.lists.map((l) => l.sha256)).not.toContain(SHIPPED_SHA);
    // The shipped file stays beside the new one, so the pinned manifest still finds it.
    expect(readFileSync(path.join(rules, 'lists', 'consolidated-2026-07-31.csv.gz')).length).toBeGreaterThan(0);

    const followed = await loadLists(rules, { threshold: 0.85 });
    expect(followed.sources.map((s) => s.sha256)).not.toContain(SHIPPED_SHA);
    const pinned = await readManifest(PINNED_LISTS_DIR);
    expect(pinned.lists).toEqual([expect.objectContaining({ file: 'consolidated-2026-07-31.csv.gz', sha256: SHIPPED_SHA, entryCount: 25921 })]);
  }, 120_000);

  it('the helper every route test uses loads the pinned list', async () => {
    const rs = await withLists();
    expect(rs.version).toMatch(/\+csl\.2026-07-31$/);
    expect(rs.listSources.map((s) => s.sha256)).toEqual([SHIPPED_SHA]);
  }, 120_000);
});
