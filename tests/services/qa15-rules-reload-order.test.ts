/**
 * QA 15: two rules reloads at once — an admin's POST /v1/rules/reload and one started by another replica's
 * NOTIFY — could finish out of order and leave the older table active. Reloads are serialised: each load
 * starts after the previous one ended, so the table that ends active is the one on disk when the last reload
 * started. The interleavings are forced with a loader held at a gate, not left to timing.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RulesService, RULES_CHANNEL } from '../../src/services/active-ruleset.js';
import { TEST_ADMIN_KEY, bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { listEntry, mutableListLoader } from '../helpers/lists.js';
import type { Ruleset } from '../../src/rules/index.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}
const settle = () => new Promise((r) => setImmediate(r));

/** A "disk" whose content the loader reads when it is called; the first `slow` calls wait at their gate before returning it. */
function diskLoader() {
  const disk = { version: 'v1', fail: false };
  const calls: string[] = [];
  const gates: Array<ReturnType<typeof gate> | null> = [];
  const load = async () => {
    const n = calls.length;
    const seen = { version: disk.version, hash: `hash-${disk.version}` };
    const fail = disk.fail;
    calls.push(seen.version);
    await gates[n]?.opened;
    if (fail) throw new Error(`${seen.version} does not validate`);
    return seen;
  };
  return { disk, calls, gates, load };
}

describe('RulesService.reload runs one reload at a time (QA 15)', () => {
  it('a slow reload started first cannot leave its older table active after a later one', async () => {
    const d = diskLoader();
    const rules = new RulesService(d.load);
    const slow = gate();
    d.gates[0] = slow;
    const first = rules.reload(); // reads v1, then is slow (a big list file, a busy disk)
    await settle();
    d.disk.version = 'v2'; // a list import lands
    const second = rules.reload(); // e.g. another replica's NOTIFY
    await settle();
    // The second load has not started while the first is in progress: it would read the disk too early or finish first.
    expect(d.calls).toEqual(['v1']);
    slow.open();
    expect((await first).version).toBe('v1');
    expect((await second).version).toBe('v2');
    expect(d.calls).toEqual(['v1', 'v2']);
    expect(rules.get().version).toBe('v2');
  });

  it('a refused reload does not stop the next one, and a refused later one keeps the earlier table', async () => {
    const d = diskLoader();
    const rules = new RulesService(d.load);
    const slow = gate();
    d.gates[0] = slow;
    d.disk.fail = true;
    const first = rules.reload();
    await settle();
    d.disk = Object.assign(d.disk, { version: 'v2', fail: false });
    const second = rules.reload();
    slow.open();
    await expect(first).rejects.toThrow(/v1 does not validate/);
    expect((await second).version).toBe('v2');
    expect(rules.error).toBeNull();

    d.disk.version = 'v3';
    d.disk.fail = true;
    await expect(rules.reload()).rejects.toThrow(/v3 does not validate/);
    expect(rules.get().version).toBe('v2');
    expect(rules.error).toMatch(/v3/);
  });
});

describe('an admin reload and a NOTIFY-started reload at once (QA 15)', () => {
  const OLD = [listEntry('el-1', 'Old Harbour Trading Limited')];
  const NEW = [...OLD, listEntry('el-2', 'New Harbour Trading Limited')];
  const lists = mutableListLoader(OLD);
  let held: ReturnType<typeof gate> | null = null;
  let loads = 0;
  let t: KeyedTestApp;
  // Reads the entries when called (the disk at the reload's start); a held call waits before returning.
  const load = async (): Promise<Ruleset> => {
    loads++;
    const rs = lists.load();
    const wait = held?.opened;
    held = null;
    await wait;
    return rs;
  };

  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: load, sealIntervalMs: 0 });
  });
  afterAll(async () => t?.close());

  it('the table on disk at the last reload ends active', async () => {
    const oldHash = t.app.rules.get().hash;
    lists.state.entries = NEW;
    const newHash = (await lists.load()).hash;
    lists.state.entries = OLD;
    expect(newHash).not.toBe(oldHash);

    const slow = gate();
    held = slow;
    // The admin's reload reads the old files and is slow to finish.
    const admin = t.app.inject({ method: 'POST', url: '/v1/rules/reload', headers: bearer(TEST_ADMIN_KEY) });
    await vi.waitFor(() => expect(held).toBeNull());
    // A list import lands, another replica activates it and announces it.
    lists.state.entries = NEW;
    const followed = vi.spyOn(t.app.rules, 'reload');
    const loadsBefore = loads;
    await t.app.database.db.execute(sql`select pg_notify(${RULES_CHANNEL}, ${newHash})`);
    await vi.waitFor(() => expect(followed).toHaveBeenCalled(), { timeout: 5_000 });
    const follower = followed.mock.results[0]!.value as Promise<unknown>;
    followed.mockRestore();
    // Had the follower's load started at once (reloads not serialised), let it finish first: the interleaving
    // that left the older table active. Serialised, it has not started: it waits for the admin's.
    if (loads > loadsBefore) await follower;
    slow.open();
    expect((await admin).statusCode).toBe(200);
    await vi.waitFor(() => expect(t.app.rules.get().hash).toBe(newHash), { timeout: 5_000 });
    const rules = await t.app.inject({ method: 'GET', url: '/v1/rules', headers: bearer(t.keys.auditor.key) });
    expect(rules.json().hash).toBe(newHash);
  });
});
