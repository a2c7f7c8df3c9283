/**
 * A reload's activation is recorded before the next reload may start: two admins' POST /v1/rules/reload at once used
 * to be able to record the older table last (each recorded after its own switch, in whatever order the database
 * answered), so the audit log named the wrong ruleset as the last one activated. A recording that fails leaves the
 * switch in place and says which ruleset is active.
 */
import { describe, expect, it } from 'vitest';
import { ActivationNotRecorded, RulesService } from '../../src/services/active-ruleset.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}
const settle = () => new Promise((r) => setImmediate(r));

describe('RulesService.reload with an activation to record', () => {
  it('records activations in the order they took effect, however slowly the first one records', async () => {
    const disk = { version: 'v1' };
    const loaded: string[] = [];
    const rules = new RulesService(async () => {
      loaded.push(disk.version);
      return { version: disk.version, hash: `hash-${disk.version}` };
    });
    const recorded: string[] = [];
    const slowRecord = gate();
    const first = rules.reload(async (rs) => {
      await slowRecord.opened; // the database is slow to answer the first admin
      recorded.push(rs.version);
    });
    await settle();
    disk.version = 'v2';
    const second = rules.reload(async (rs) => void recorded.push(rs.version));
    await settle();
    // The second reload waits for the first one's record: had it switched now, v1 would be recorded after v2.
    expect(loaded).toEqual(['v1']);
    expect(rules.get().version).toBe('v1');
    slowRecord.open();
    await Promise.all([first, second]);
    expect(recorded).toEqual(['v1', 'v2']);
    expect(rules.get().version).toBe('v2');
  });

  it('a recording that fails keeps the switch, names the active ruleset, and does not stop the next reload', async () => {
    const disk = { version: 'v1' };
    const rules = new RulesService(async () => ({ version: disk.version, hash: `hash-${disk.version}` }));
    const failed = await rules.reload(async () => {
      throw new Error('database unavailable');
    }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(ActivationNotRecorded);
    expect((failed as ActivationNotRecorded).ruleset).toEqual({ version: 'v1', hash: 'hash-v1' });
    expect(((failed as ActivationNotRecorded).cause as Error).message).toBe('database unavailable');
    expect(rules.get().version).toBe('v1');
    disk.version = 'v2';
    const recorded: string[] = [];
    await rules.reload(async (rs) => void recorded.push(rs.version));
    expect(recorded).toEqual(['v2']);
  });

  it('a ruleset that does not load is refused as before: the loader’s error, nothing recorded', async () => {
    const rules = new RulesService<{ version: string; hash: string }>(async () => {
      throw new Error('rules/chips.yaml: not valid');
    });
    const recorded: string[] = [];
    const err = await rules.reload(async (rs) => void recorded.push(rs.version)).catch((e: Error) => e);
    expect(err).not.toBeInstanceOf(ActivationNotRecorded);
    expect((err as Error).message).toBe('rules/chips.yaml: not valid');
    expect(recorded).toEqual([]);
  });
});
