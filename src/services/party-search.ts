/**
 * Party search over the active ruleset's matcher (the one every screening uses): the query's
 * country is resolved like a shipment's, and each candidate carries what its list entry says.
 */
import { COUNTRY_HINT } from '../rules/ruleset.js';
import { badRequest, unavailable } from '../errors.js';
import type { SearchQuery, SearchResponse } from '../schemas/party-search.js';
import { resolveCountry, type Ruleset } from '../rules/index.js';
import { controlCharacterErrors } from './input-guards.js';

export function searchParties(rs: Ruleset, q: SearchQuery): SearchResponse {
  const bad = controlCharacterErrors({ name: q.name, country: q.country ?? '' }).map((e) => ({ ...e, in: 'query' as const }));
  if (bad.length) throw badRequest(`${bad[0]!.field}: ${bad[0]!.message}`, bad);
  if (!rs.parties) throw unavailable('No party lists are loaded');
  let country: string | undefined;
  if (q.country) {
    country = resolveCountry(rs, q.country) ?? undefined;
    if (!country) throw badRequest(`/country: unknown country "${q.country}"`, [{ field: '/country', in: 'query', message: `unknown country; ${COUNTRY_HINT}` }]);
  }
  const threshold = q.threshold ?? rs.parties.threshold;
  const candidates = rs.parties.search({
    name: q.name,
    country,
    lists: q.list ? q.list.toUpperCase().split(',') : undefined,
    limit: q.limit ?? 10,
    threshold,
  });
  return {
    results: candidates.map((c) => ({
      entryId: c.entry.id,
      name: c.entry.name,
      matchedName: c.matchedName,
      list: c.entry.list,
      source: c.entry.source,
      score: Math.round(c.score * 10000) / 10000,
      match: c.match,
      countries: c.entry.countries,
      licenseRequirement: c.entry.licenseRequirement,
      licensePolicy: c.entry.licensePolicy,
      federalRegisterNotice: c.entry.federalRegisterNotice,
      explanation: c.explanation,
    })),
    threshold,
    ruleset: { version: rs.version, hash: rs.hash },
  };
}
