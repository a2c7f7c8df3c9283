/**
 * QA 15: an entry id is unique only within its list. The shipped Consolidated Screening List gives 96 ids to two
 * entries each (an SDN entry and its PLC/SSI/NS-MBS twin); a suppression recorded against the SSI entry took
 * away the flags of both — the SDN BLOCK included. A suppression now names its entry by id and list code:
 * - the API refuses an id on more than one list unless the list is named (400, `/entryList`);
 * - a record covers only the candidate of its list (flags and matches keyed by party, list and entry id);
 * - a record stored without the list (in a screening stored before it was carried, replayed) covers only the
 *   entry whose content it reviewed, and none when it cannot tell which of two it meant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, makeKeyedApp, type KeyedTestApp } from '../helpers/keys.js';
import { listEntry, mutableListLoader } from '../helpers/lists.js';
import { screen } from '../../src/engine/index.js';
import { AMBIGUOUS_ENTRY_REASON, entryContentHash, partyNameKey } from '../../src/engine/suppressions.js';
import { normaliseShipment } from '../../src/rules/index.js';
import type { SuppressionRecord } from '../../src/schemas/screening-result.js';

const NAME = 'Volga Agrarian Joint Stock Bank';
const SDN = listEntry('17014', NAME, { list: 'SDN', source: 'Specially Designated Nationals (SDN) - Treasury Department', countries: ['RU'], addresses: ['Moscow, RU'], programs: ['RUSSIA-EO14024'] });
const SSI = listEntry('17014', NAME, { list: 'SSI', source: 'Sectoral Sanctions Identifications List (SSI) - Treasury Department', countries: ['RU'], addresses: ['Moscow, RU'], programs: ['UKRAINE-EO13662'] });
const SOLO = listEntry('el-300', 'Amber Coast Photonics Limited', { countries: ['GB'], addresses: ['London, GB'] });

const shipment = (party: Record<string, unknown>, reference: string) => ({
  reference,
  shipDate: '2030-01-15',
  items: [{ model: 'NVIDIA H100 SXM5 80GB', quantity: 8 }],
  parties: [{ role: 'buyer', ...party }],
  route: { origin: 'US', destination: 'GB' },
  endUse: 'research',
});
const BANK = { name: NAME, country: 'RU' };

type Result = {
  id: string;
  decision: string;
  flags: Array<{ ruleId: string; category: string; evidence: { entryId?: string; list?: string } }>;
  parties: Array<{ matches: Array<{ entryId: string; list: string; suppressedBy?: string }> }>;
  suppressed?: Array<{ entryId: string; list: string; applied: boolean; reason?: string; suppression: { id: string } }>;
};
/** The party flags of entry 17014, as "list entryId". */
const entryFlags = (r: Pick<Result, 'flags'>) =>
  r.flags
    .filter((f) => f.category === 'party' && f.evidence.entryId === '17014')
    .map((f) => `${f.ruleId} ${f.evidence.list} ${f.evidence.entryId}`)
    .sort();

describe('a suppression names its entry by id and list (QA 15)', () => {
  let t: KeyedTestApp;
  const lists = mutableListLoader([SDN, SSI, SOLO]);
  const post = (url: string, key: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers: bearer(key), payload: payload as object });
  const screenIt = async (body: unknown): Promise<Result> => {
    const res = await post('/v1/screenings', t.keys.submitter.key, body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };
  const expiresAt = new Date(Date.now() + 90 * 86_400_000).toISOString();
  const body = { ...BANK, entryId: '17014', justification: 'Different bank: registry 1027700342890 differs', expiresAt };

  beforeAll(async () => {
    t = await makeKeyedApp({ rateLimitPerMinute: 0 }, { loadRuleset: lists.load, sealIntervalMs: 0 });
  });
  afterAll(async () => t?.close());

  it('both entries with the id flag the party before any review: the SDN one blocks', async () => {
    const r = await screenIt(shipment(BANK, 'QA15-DUP-1'));
    expect(entryFlags(r)).toEqual(['LIST-OTHER SSI 17014', 'LIST-SDN SDN 17014']);
    expect(r.decision).toBe('BLOCK');
  });

  it('refuses a record by an id that is on two lists unless the list is named, naming the field', async () => {
    const ambiguous = await post('/v1/suppressions', t.keys.reviewer.key, body);
    expect(ambiguous.statusCode, ambiguous.body).toBe(400);
    expect(ambiguous.json().errors).toEqual([expect.objectContaining({ field: '/entryList', message: expect.stringMatching(/more than one list \(SDN, SSI\)/) })]);
    const wrongList = await post('/v1/suppressions', t.keys.reviewer.key, { ...body, entryList: 'EL' });
    expect(wrongList.statusCode, wrongList.body).toBe(400);
    expect(wrongList.json().errors).toEqual([expect.objectContaining({ field: '/entryList', message: expect.stringMatching(/not on list "EL"/) })]);
    expect((await t.app.inject({ method: 'GET', url: '/v1/suppressions', headers: bearer(t.keys.auditor.key) })).json().items).toEqual([]);
  });

  it('an id on one list needs no list code (records made as before stay valid)', async () => {
    const res = await post('/v1/suppressions', t.keys.reviewer.key, { name: 'Amber Coast Photonics Ltd', country: 'GB', entryId: 'el-300', justification: 'Different firm', expiresAt });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().entry).toMatchObject({ id: 'el-300', list: 'EL' });
  });

  it('a record against the SSI entry covers that entry only: the SDN entry still blocks', async () => {
    const res = await post('/v1/suppressions', t.keys.reviewer.key, { ...body, entryList: 'SSI' });
    expect(res.statusCode, res.body).toBe(201);
    const s = res.json();
    expect(s.entry).toEqual({ id: '17014', list: 'SSI', name: NAME, hash: entryContentHash(SSI) });

    const r = await screenIt(shipment(BANK, 'QA15-DUP-2'));
    expect(entryFlags(r)).toEqual(['LIST-SDN SDN 17014']);
    expect(r.decision).toBe('BLOCK');
    expect(r.suppressed).toEqual([expect.objectContaining({ entryId: '17014', list: 'SSI', applied: true, suppression: expect.objectContaining({ id: s.id, entryList: 'SSI' }) })]);
    const matches = r.parties[0]!.matches.filter((m) => m.entryId === '17014');
    expect(matches.find((m) => m.list === 'SSI')?.suppressedBy).toBe(s.id);
    expect(matches.find((m) => m.list === 'SDN')?.suppressedBy).toBeUndefined();

    // Replaying it applies the same record to the same entry only.
    const replay = await post(`/v1/screenings/${r.id}/replay`, t.keys.reviewer.key, undefined);
    expect(replay.statusCode, replay.body).toBe(200);
    expect(replay.json()).toMatchObject({ sameRuleset: true, identical: true });
  });

  it("the console's Not this entry form names the candidate's list: it records against that entry, and a form without the list is refused for a shared id", async () => {
    const party = { name: NAME, country: 'RU', partyId: 'BANK-9' };
    const r = await screenIt(shipment(party, 'QA15-DUP-CONSOLE'));
    const page = { ...bearer(t.keys.reviewer.key), accept: 'text/html' };
    const view = await t.app.inject({ method: 'GET', url: `/screenings/${r.id}`, headers: page });
    expect(view.statusCode).toBe(200);
    expect(view.body).toContain('<input type="hidden" name="entryId" value="17014"><input type="hidden" name="entryList" value="SDN">');
    const send = (fields: Record<string, string>) =>
      t.app.inject({ method: 'POST', url: `/screenings/${r.id}/suppressions`, headers: { ...page, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
    // A page from before the list was sent: the id alone cannot tell the SDN entry from its SSI twin.
    const old = await send({ party: '0', entryId: '17014', justification: 'Different bank: registry differs' });
    expect(old.statusCode).toBe(400);
    expect(old.body).toContain('That candidate is not on this screening');
    const res = await send({ party: '0', entryId: '17014', entryList: 'SDN', justification: 'Different bank: registry 1027700342890 differs' });
    expect(res.statusCode, res.body).toBe(303);
    const items = (await t.app.inject({ method: 'GET', url: '/v1/suppressions?entryId=17014', headers: bearer(t.keys.auditor.key) })).json().items as Array<{ partyId: string | null; entry: { list: string } }>;
    expect(items.filter((i) => i.partyId === 'BANK-9').map((i) => i.entry.list)).toEqual(['SDN']);
    // The page shows the record beside the SDN candidate: its form is gone.
    const after = await t.app.inject({ method: 'GET', url: `/screenings/${r.id}`, headers: page });
    expect(after.body).toContain('<strong>Suppressed</strong>');
    expect(after.body).not.toContain('<input type="hidden" name="entryList" value="SDN">');
  });

  describe('in the engine', () => {
    const record = (over: Partial<SuppressionRecord>): SuppressionRecord => ({
      id: 'sup-1', partyId: null, partyNameKey: partyNameKey(NAME), partyCountry: 'RU', entryId: '17014', entryHash: entryContentHash(SSI),
      justification: 'x', by: null, at: '2029-01-01T00:00:00.000Z', expiresAt: '2031-01-01T00:00:00.000Z', ...over,
    });
    const run = async (suppressions: SuppressionRecord[]) => {
      const rs = await lists.load();
      const n = normaliseShipment(shipment(BANK, 'QA15-E') as never, rs, '2030-01-01');
      if (!n.ok) throw new Error('fixture does not normalise');
      return screen(n.shipment, rs, { now: '2030-01-01T00:00:00.000Z', suppressions });
    };

    it('a record naming the SSI list never takes the SDN flag away', async () => {
      const r = await run([record({ entryList: 'SSI' })]);
      expect(entryFlags(r)).toEqual(['LIST-SDN SDN 17014']);
      expect(r.decision).toBe('BLOCK');
    });

    it('a record without the list covers only the entry whose content it reviewed', async () => {
      const r = await run([record({})]);
      expect(entryFlags(r)).toEqual(['LIST-SDN SDN 17014']);
      expect(r.decision).toBe('BLOCK');
      expect(r.suppressed).toEqual([expect.objectContaining({ list: 'SSI', applied: true })]);
      const sdn = await run([record({ entryHash: entryContentHash(SDN) })]);
      expect(entryFlags(sdn)).toEqual(['LIST-OTHER SSI 17014']);
      expect(sdn.suppressed).toEqual([expect.objectContaining({ list: 'SDN', applied: true })]);
    });

    it('a record without the list that matches neither entry as reviewed covers neither, and says why', async () => {
      const r = await run([record({ entryHash: 'sha256:stale' })]);
      expect(entryFlags(r)).toEqual(['LIST-OTHER SSI 17014', 'LIST-SDN SDN 17014']);
      expect(r.decision).toBe('BLOCK');
      expect(r.suppressed?.map((s) => [s.list, s.applied, s.reason]).sort()).toEqual([
        ['SDN', false, AMBIGUOUS_ENTRY_REASON],
        ['SSI', false, AMBIGUOUS_ENTRY_REASON],
      ]);
      expect(r.parties[0]!.matches.some((m) => m.suppressedBy)).toBe(false);
    });

    it('two records, one for each list, cover both', async () => {
      const r = await run([record({ id: 'a', entryList: 'SSI' }), record({ id: 'b', entryList: 'SDN', entryHash: entryContentHash(SDN) })]);
      expect(entryFlags(r)).toEqual([]);
      const by = Object.fromEntries(r.parties[0]!.matches.filter((m) => m.entryId === '17014').map((m) => [m.list, m.suppressedBy]));
      expect(by).toEqual({ SDN: 'b', SSI: 'a' });
    });
  });
});
