/** GET /v1/parties/search: the same matcher the screenings use, over the active ruleset's lists. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ACCESS } from '../access.js';
import { problems } from '../schemas/problem.js';
import { badRequest, unavailable } from '../../errors.js';
import { controlCharacterErrors } from '../../services/input-guards.js';
import { resolveCountry } from '../../rules/index.js';

const SearchQuery = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 300, description: 'Party name as your records show it' }),
    country: Type.Optional(Type.String({ minLength: 2, maxLength: 64, description: 'ISO alpha-2/alpha-3 or English name' })),
    list: Type.Optional(Type.String({ pattern: '^[A-Za-z-]{2,10}(,[A-Za-z-]{2,10}){0,15}$', description: 'Comma-separated list codes (EL, DPL, SDN, MEU, UVL, …)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10 })),
    threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Match threshold for this search (default MATCH_THRESHOLD)' })),
  },
  { additionalProperties: false },
);

const Explanation = Type.Object({
  summary: Type.String(),
  pieces: Type.Array(Type.Object({ name: Type.String(), value: Type.Number(), weight: Type.Optional(Type.Number()), note: Type.Optional(Type.String()) })),
  matchedTokens: Type.Optional(Type.Array(Type.String())),
});

const SearchResponse = Type.Object({
  results: Type.Array(
    Type.Object({
      entryId: Type.String(),
      name: Type.String(),
      matchedName: Type.String(),
      list: Type.String(),
      source: Type.String(),
      score: Type.Number(),
      match: Type.Boolean(),
      countries: Type.Array(Type.String()),
      licenseRequirement: Type.Union([Type.String(), Type.Null()]),
      licensePolicy: Type.Union([Type.String(), Type.Null()]),
      federalRegisterNotice: Type.Union([Type.String(), Type.Null()]),
      explanation: Explanation,
    }),
  ),
  threshold: Type.Number(),
  ruleset: Type.Object({ version: Type.String(), hash: Type.String() }),
});

export default async function partyRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/parties/search',
    {
      config: { access: ACCESS.partySearch },
      schema: {
        tags: ['rules'],
        summary: 'Search the party lists by name (best first), with score, match and an explanation',
        querystring: SearchQuery,
        response: { 200: SearchResponse, ...problems(400, 401, 403, 429, 500, 503) },
      },
    },
    async (request) => {
      const q = request.query;
      const bad = controlCharacterErrors({ name: q.name, country: q.country ?? '' }).map((e) => ({ ...e, in: 'query' as const }));
      if (bad.length) throw badRequest(`${bad[0]!.field}: ${bad[0]!.message}`, bad);
      const rs = app.rules.get();
      if (!rs.parties) throw unavailable('No party lists are loaded');
      let country: string | undefined;
      if (q.country) {
        country = resolveCountry(rs, q.country) ?? undefined;
        if (!country) throw badRequest(`/country: unknown country "${q.country}"`, [{ field: '/country', in: 'query', message: 'unknown country; use an ISO 3166-1 alpha-2 code' }]);
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
    },
  );
}
