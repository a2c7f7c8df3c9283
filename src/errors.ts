/**
 * Domain errors carry their HTTP status and a stable problem code; services throw them,
 * the HTTP error handler turns them into problem+json. Nothing else decides a status.
 */
import type { FieldError } from './schemas/field-error.js';

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail?: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail ?? title);
    this.name = 'AppError';
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) => new AppError(400, 'validation', 'Invalid request', detail, errors);
export const unauthorized = (detail = 'A valid API key is required: Authorization: Bearer <key>') =>
  new AppError(401, 'unauthorized', 'Unauthorized', detail, undefined, { 'www-authenticate': 'Bearer' });
export const forbidden = (detail: string) => new AppError(403, 'forbidden', 'Forbidden', detail);
export const notFound = (detail: string) => new AppError(404, 'not-found', 'Not found', detail);
export const conflict = (detail: string) => new AppError(409, 'conflict', 'Conflict', detail);
export const unavailable = (detail: string) =>
  new AppError(503, 'unavailable', 'Service unavailable', detail, undefined, { 'retry-after': '5' });
