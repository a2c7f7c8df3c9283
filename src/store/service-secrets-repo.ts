/** service_secrets: a secret the service generated for itself, written once and shared by every replica. */
import { eq } from 'drizzle-orm';
import type { Db } from './db.js';
import { serviceSecrets } from './schema.js';

/** The stored secret `name`, created from `generate()` if none exists yet (the first writer wins). */
export async function getOrCreateSecret(db: Db, name: string, generate: () => string, now: Date): Promise<string> {
  await db.insert(serviceSecrets).values({ name, value: generate(), createdAt: now.toISOString() }).onConflictDoNothing();
  const [row] = await db.select({ value: serviceSecrets.value }).from(serviceSecrets).where(eq(serviceSecrets.name, name));
  if (!row) throw new Error(`service secret ${name} could not be stored`);
  return row.value;
}
