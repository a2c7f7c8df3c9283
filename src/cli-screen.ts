/**
 * `chokepoint screen <shipment.json | ->` — screen one shipment from a file or stdin through the
 * same app as the server (same validation, rules, storage and audit log: a decision printed here is
 * stored like any other). Authenticates with --key, or the configured CHOKEPOINT_ADMIN_KEY.
 * Exit code: 0 CLEAR, 2 REVIEW, 3 LICENSE_REQUIRED, 4 BLOCK, 1 on an error.
 */
import { readFileSync } from 'node:fs';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { applyHeapPolicy } from './heap-policy.js';
import { EXIT, parseFlags } from './cli-args.js';

import { batchContentType, batchScreenCommand } from './cli-batch.js';

export const SCREEN_USAGE =
  '<shipment.json | -> [--key <api key>] [--idempotency-key K]: screen one shipment, store it, print the result; <shipments.csv | .ndjson> [--out results.csv|.ndjson] [--idempotency-key K]: screen a batch with a progress bar and a summary (run again with the same key after a crash: the batch it made, not a second one)';
const DECISION_EXIT: Record<string, number> = { CLEAR: 0, REVIEW: 2, LICENSE_REQUIRED: 3, BLOCK: 4 };

export async function screenCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { key: { type: 'string' }, 'idempotency-key': { type: 'string' }, out: { type: 'string' } });
  const [file] = positionals;
  if (!file || positionals.length > 1) {
    console.error(`usage: chokepoint screen ${SCREEN_USAGE}`);
    return EXIT.USAGE;
  }
  const config = { ...loadConfig(), logLevel: 'silent' as const };
  applyHeapPolicy(config.heapGrowingPercent);
  const key = values.key ?? config.adminKey;
  if (!key) {
    console.error('chokepoint screen needs an API key: --key <key>, or CHOKEPOINT_ADMIN_KEY in the environment');
    return EXIT.USAGE;
  }
  const batchType = batchContentType(file);
  if (batchType) return batchScreenCommand(file, batchType, { config, key, out: values.out, idempotencyKey: values['idempotency-key'] });
  if (values.out !== undefined) {
    // One shipment's result is printed on stdout; --out was ignored without a word.
    console.error(`--out is for a batch file (.csv, .ndjson, .jsonl); one shipment's result is printed (redirect it: > result.json)\nusage: chokepoint screen ${SCREEN_USAGE}`);
    return EXIT.USAGE;
  }
  const body = readFileSync(file === '-' ? 0 : file, 'utf8');
  const app = await buildApp({ config, sealIntervalMs: 0 });
  try {
    const idem = values['idempotency-key'];
    const res = await app.inject({
      method: 'POST',
      url: '/v1/screenings',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(idem ? { 'idempotency-key': idem } : {}) },
      payload: body,
    });
    const out = res.json();
    console.log(JSON.stringify(out, null, 2));
    if (res.statusCode !== 201) return 1;
    return DECISION_EXIT[out.decision as string] ?? EXIT.FAILURE;
  } finally {
    await app.close();
  }
}
