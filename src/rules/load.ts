/**
 * Reads rules/ (the only I/O in the rules layer), validates every file, cross-checks references and builds
 * the indexed Ruleset. Any problem is a RulesetError naming file and path: the service must then refuse to
 * become ready rather than screen with a table it cannot trust.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ListSource, PartyMatcher } from '../lists/types.js';
import { RulesetError } from './errors.js';
import { canonicalJson } from '../canonical-json.js';
import { compileCatalog } from './compile-catalog.js';
import { compileCountries } from './compile-countries.js';
import { compileRules } from './compile-rules.js';
import type { Ruleset, RulesetMode } from './ruleset.js';
import * as S from './schema.js';
import { checkSchema } from './validate.js';

/** What the party-list loader hands over (src/lists): the sources it read and the matcher built over them. */
export interface LoadedListsLike {
  sources: ListSource[];
  matcher: PartyMatcher | null;
}

export interface LoadRulesetOptions {
  lists?: LoadedListsLike;
  /** overrides the manifest's mode (enforced_baseline | ecfr_letter) */
  mode?: RulesetMode;
}

interface RawFile {
  key: string;
  file: string;
  text: string;
  data: unknown;
}

async function readYaml(dir: string, key: string, file: string): Promise<RawFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, file));
  } catch (err) {
    throw new RulesetError(file, '', `cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let text: string;
  try {
    // Fatal: a file saved as Latin-1 loaded with U+FFFD in place of its accented letters ("T�rkiye"), silently.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new RulesetError(file, '', 'is not valid UTF-8 (saved in another encoding?); rule files must be UTF-8');
  }
  let data: unknown;
  try {
    data = parse(text, { strict: true, uniqueKeys: true });
  } catch (err) {
    throw new RulesetError(file, '', `is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return { key, file, text, data };
}

export async function loadRuleset(dir: string, opts: LoadRulesetOptions = {}): Promise<Ruleset> {
  const manifestRaw = await readYaml(dir, 'manifest', 'ruleset.yaml');
  const manifest = checkSchema<S.Manifest>('ruleset.yaml', S.Manifest, manifestRaw.data);
  const f = manifest.files;
  const raws = await Promise.all(
    (Object.entries(f) as Array<[keyof S.Manifest['files'], string]>).map(([key, file]) => readYaml(dir, key, file)),
  );
  const raw = (key: keyof S.Manifest['files']) => raws.find((r) => r.key === key) as RawFile;
  const check = <T>(key: keyof S.Manifest['files'], schema: Parameters<typeof checkSchema>[1]) => checkSchema<T>(f[key], schema, raw(key).data);

  const sources = check<S.SourcesFile>('sources', S.SourcesFile);
  const countries = check<S.CountriesFile>('countries', S.CountriesFile);
  const groupsFile = check<S.CountryGroupsFile>('countryGroups', S.CountryGroupsFile);
  const chips = check<S.ChipsFile>('chips', S.ChipsFile);
  const thresholds = check<S.ThresholdsFile>('thresholds', S.ThresholdsFile);
  const licence = check<S.LicenceScopeFile>('licenceScope', S.LicenceScopeFile);
  const embargoes = check<S.EmbargoesFile>('embargoes', S.EmbargoesFile);
  const hubs = check<S.HubsFile>('hubs', S.HubsFile);
  const redFlags = check<S.RedFlagsFile>('redFlags', S.RedFlagsFile);
  const lists = check<S.ListsFile>('lists', S.ListsFile);
  const permitTypes = compilePermitTypes(check<S.PermitsFile>('permits', S.PermitsFile), hubs, f);
  const licensing = check<S.LicensingFile>('licensing', S.LicensingFile);
  // One list of permit types: every licence exception and the licence claim must be declarable.
  for (const [i, type] of [...licensing.exceptions.map((e) => e.type), 'BIS_LICENCE'].entries())
    if (!permitTypes.has(type)) throw new RulesetError(f.licensing, i < licensing.exceptions.length ? `/exceptions/${i}/type` : '/', `permit type "${type}" is not listed in ${f.permits}`);

  for (const r of raws) if (r.key !== 'sources') checkSourceIds(r.file, '', r.data, sources.sources);

  const geo = compileCountries({ countries, groupsFile, redFlags, files: f });
  const catalog = compileCatalog({ chips, thresholds, geo, file: f.chips });
  const rules = compileRules({ thresholds, licence, embargoes, hubs, redFlags, lists, licensing, geo, chipIds: catalog.byId, files: f });

  const listSources = opts.lists?.sources ?? [];
  const hash = rulesetHash(manifestRaw, raws, listSources);
  return {
    name: manifest.name,
    version: manifest.version,
    hash,
    mode: opts.mode ?? manifest.mode,
    asOf: manifest.asOf,
    files: [manifestRaw, ...raws].map((r) => ({ key: r.key, file: r.file, sha256: sha256(r.text) })),
    sources: sources.sources,
    listSources,
    parties: opts.lists?.matcher ?? null,
    countries: geo.countries,
    groups: geo.groups,
    treatedAs: geo.treatedAs,
    countrySets: geo.countrySets,
    chips: catalog.chips,
    systems: catalog.systems,
    thresholds,
    itemRules: rules.itemRules,
    licence: licence.rules,
    embargoes: embargoes.rules,
    hubs: rules.hubs,
    hubTiers: hubs.tiers,
    hubRules: hubs.rules,
    redFlags: redFlags.rules,
    redFlagSummary: redFlags.summary,
    permitTypes,
    riskContext: redFlags.riskContext,
    lists,
    licensing,
    regexes: rules.regexes,
    ruleIds: rules.ruleIds,
    checkRuleIds: rules.checkRuleIds,
    counts: {
      countries: countries.countries.length,
      countryGroups: geo.groups.size,
      chips: chips.chips.length,
      systems: chips.systems.named.length,
      licenceRules: licence.rules.length,
      embargoRules: embargoes.rules.length,
      hubs: hubs.hubs.length,
      routeRules: hubs.rules.length,
      redFlags: redFlags.rules.length,
      listRules: lists.rules.length,
      licenceExceptions: licensing.exceptions.length,
      rules: rules.ruleIds.length,
      sources: Object.keys(sources.sources).length,
      listEntries: listSources.reduce((n, s) => n + s.entryCount, 0),
    },
  };
}

/**
 * The permit types a shipment may declare: one list (permits.yaml), no duplicates, and every type a
 * route rule accepts must be in it — a rule waiting for a type nobody may submit could never clear.
 */
function compilePermitTypes(file: S.PermitsFile, hubs: S.HubsFile, files: S.Manifest['files']): ReadonlyMap<string, string> {
  const types = new Map<string, string>();
  file.permitTypes.forEach((p, i) => {
    if (types.has(p.type)) throw new RulesetError(files.permits, `/permitTypes/${i}/type`, `duplicate permit type "${p.type}"`);
    types.set(p.type, p.description);
  });
  hubs.rules.forEach((r, i) => {
    const accepted = [...(r.localPermitTypes ?? []).map((t, j) => [t, `/rules/${i}/localPermitTypes/${j}`] as const), ...(r.permitType ? [[r.permitType, `/rules/${i}/permitType`] as const] : [])];
    for (const [t, path] of accepted) {
      if (!types.has(t.toUpperCase())) throw new RulesetError(files.hubs, path, `permit type "${t}" is not in ${files.permits}`);
    }
  });
  return types;
}

/** Every `source`/`sources` id anywhere in a rule file must be in the source registry. */
function checkSourceIds(file: string, path: string, node: unknown, registry: Record<string, string>): void {
  if (Array.isArray(node)) return node.forEach((n, i) => checkSourceIds(file, `${path}/${i}`, n, registry));
  if (!node || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node)) {
    if ((k === 'source' || k === 'sources') && Array.isArray(v)) {
      v.forEach((id, i) => {
        if (typeof id !== 'string' || !Object.hasOwn(registry, id)) throw new RulesetError(file, `${path}/${k}/${i}`, `unknown source id "${String(id)}"`);
      });
    } else checkSourceIds(file, `${path}/${k}`, v, registry);
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Canonical content (parsed data, sorted keys) so comments and formatting do not change the hash; list sources by their sha256. */
function rulesetHash(manifest: RawFile, raws: RawFile[], listSources: ListSource[]): string {
  const h = createHash('sha256');
  for (const r of [manifest, ...[...raws].sort((a, b) => a.key.localeCompare(b.key))]) h.update(`file:${r.key}\n${canonicalJson(r.data)}\n`);
  for (const s of [...listSources].sort((a, b) => a.name.localeCompare(b.name) || a.sha256.localeCompare(b.sha256))) h.update(`list:${s.name}:${s.sha256}\n`);
  return `sha256:${h.digest('hex')}`;
}
