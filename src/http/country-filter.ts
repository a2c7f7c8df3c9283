/**
 * Country filters resolve through the active ruleset's country normaliser, like a shipment's
 * countries: codes and names alike. A two-letter code needs no ruleset (the log stores alpha-2),
 * so the flag log stays readable by code while no ruleset is loaded; a name then answers 503.
 */
import type { FastifyInstance } from 'fastify';
import { resolveCountry } from '../rules/index.js';
import type { CountryResolver } from '../services/screenings-query.js';

export function countryResolver(app: FastifyInstance): CountryResolver {
  return (input) => {
    const active = app.rules.peek();
    if (active) return resolveCountry(active, input);
    return /^[A-Za-z]{2}$/.test(input) ? input.toUpperCase() : resolveCountry(app.rules.get(), input);
  };
}
