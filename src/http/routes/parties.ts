/** GET /v1/parties/search: the same matcher the screenings use, over the active ruleset's lists. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ACCESS } from '../access.js';
import { ref } from '../../schemas/named.js';
import { PartySearchResultSchema } from '../schemas/components.js';
import { problems } from '../schemas/problem.js';
import { SearchQuery } from '../../schemas/party-search.js';
import { searchParties } from '../../services/party-search.js';

export default async function partyRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/parties/search',
    {
      config: { access: ACCESS.partySearch },
      schema: {
        operationId: 'searchParties',
        tags: ['rules'],
        summary: 'Search the party lists by name (best first), with score, match and an explanation',
        querystring: SearchQuery,
        response: { 200: ref(PartySearchResultSchema), ...problems(400, 401, 403, 429, 500, 503) },
      },
    },
    async (request) => searchParties(app.rules.get(), request.query),
  );
}
