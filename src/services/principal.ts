/**
 * Who is calling a service: the authenticated key's id, prefix, role and holder's name. The HTTP
 * layer, the CLI, the console and job workers all build one and pass it in; services never look
 * at a request.
 */
export const ROLES = ['submitter', 'reviewer', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  keyId: string;
  prefix: string;
  role: Role;
  name: string;
  /** The key holder's name (a person, or e.g. "SAP S/4 production"); null when none was given. */
  holder?: string | null;
  /** This key's requests per minute; null/absent = the configured default. */
  rateLimitPerMinute?: number | null;
}

/** How a person or system is named to people (dispositions, exports): the holder, else the key's name. */
export const displayName = (p: { holder?: string | null; name: string }): string => p.holder ?? p.name;
