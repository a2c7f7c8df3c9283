/**
 * Who may call what. Every route declares `config: { access }`: 'public' (only /livez, /readyz,
 * /docs) or the roles allowed. The auth plugin enforces it; a route without a declaration is
 * refused at start-up, and the role × endpoint matrix test lists every route.
 */
import type { Principal, Role } from '../services/principal.js';

export type Access = 'public' | readonly Role[];

export const ACCESS = {
  public: 'public',
  /** ERP systems and officers submit screenings. */
  screen: ['submitter', 'reviewer', 'admin'],
  /** Read screenings: submitters see only their own (enforced in the service). */
  readScreenings: ['submitter', 'reviewer', 'auditor', 'admin'],
  rules: ['submitter', 'reviewer', 'auditor', 'admin'],
  partySearch: ['submitter', 'reviewer', 'auditor', 'admin'],
  dispositions: ['reviewer', 'admin'],
  /** Re-run a stored screening against the active ruleset (nothing is stored). */
  replay: ['reviewer', 'auditor', 'admin'],
  audit: ['auditor', 'admin'],
  /** The console's flag log and dashboard: the people who oversee screenings (not ERP keys). */
  oversight: ['reviewer', 'auditor', 'admin'],
  admin: ['admin'],
} as const satisfies Record<string, Access>;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    /** The authenticated caller; null on public routes. */
    principal: Principal | null;
  }
}
