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
}
