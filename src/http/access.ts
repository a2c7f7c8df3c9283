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
  /** Record or withdraw a reviewed false positive (suppression). */
  suppress: ['reviewer', 'admin'],
  /** Auditors list every suppression; submitters see none (they name other customers' parties). */
  readSuppressions: ['reviewer', 'auditor', 'admin'],
  /** Re-run a stored screening against the active ruleset (nothing is stored). */
  replay: ['reviewer', 'auditor', 'admin'],
  audit: ['auditor', 'admin'],
  /** Submit and cancel batches: submitters act on their own (enforced in the service). */
  batches: ['submitter', 'reviewer', 'admin'],
  /** Read batches and their results: submitters see only their own. */
  readBatches: ['submitter', 'reviewer', 'auditor', 'admin'],
  /** Monitoring runs name every submitter's screenings: officers and auditors only. */
  monitoring: ['reviewer', 'auditor', 'admin'],
  /** Export licences: officers record them; everyone but submitters reads them with their draw-down. */
  licencesWrite: ['reviewer', 'admin'],
  licencesRead: ['reviewer', 'auditor', 'admin'],
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
