/**
 * `chokepoint screen <shipment.json | ->` — screen one shipment from a file or stdin through the
 * same app as the server (same validation, rules, storage and audit log: a decision printed here is
 * stored like any other). Authenticates with --key, or the configured CHOKEPOINT_ADMIN_KEY.
 * Exit code: 0 CLEAR, 2 REVIEW, 3 LICENSE_REQUIRED, 4 BLOCK, 1 on an error.
 *
 * A `.json` file holding a JSON array of shipments (what POST /v1/batches takes as application/json) is a batch,
 * screened as a .csv or .ndjson file is (cli-batch.ts); a JSON object is one shipment, as before.
 *
 * `--charset windows-1252` (ISO-8859-1, ISO-8859-15): the file is not UTF-8 — an ERP export on Windows. Read
 * as the API reads an upload declaring that charset (src/http/upload-charset.ts, the same labels, the same
 * conversion); another charset is a usage error (64). Without it the file must be UTF-8: one shipment's file
 * is sent as its bytes, so invalid UTF-8 is refused (400) — it was decoded here first, every invalid byte
 * silently turned into U+FFFD, and "M�ller GmbH" screened and sealed in the audit log instead of "Müller GmbH".
 */
import { readFileSync } from 'node:fs';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { applyHeapPolicy } from './heap-policy.js';
import { AppError } from './errors.js';
import { EXIT, parseFlags } from './cli-args.js';
import { transcoded, uploadDecoder, type UploadDecoder } from './http/upload-charset.js';

import { batchContentType, batchScreenCommand, isJsonArrayFile, notUtf8Hint, unreadableInput } from './cli-batch.js';

export const SCREEN_USAGE =
  '<shipment.json | -> [--key <api key>] [--idempotency-key K] [--charset C]: screen one shipment, store it, print the result; <shipments.csv | .ndjson | .json (an array)> [--out results.csv|.ndjson] [--idempotency-key K] [--charset C]: screen a batch with a progress bar and a summary (run again with the same key after a crash: the batch it made, not a second one). --charset: the file\'s encoding when it is not UTF-8: windows-1252 (also iso-8859-1, latin1, us-ascii) or iso-8859-15';
const DECISION_EXIT: Record<string, number> = { CLEAR: 0, REVIEW: 2, LICENSE_REQUIRED: 3, BLOCK: 4 };

/** The charsets --charset takes, as the upload's Content-Type parameter takes them (upload-charset.ts decides). */
const CHARSETS_SAID = 'utf-8, windows-1252 (also iso-8859-1, latin1, us-ascii) or iso-8859-15';

/** The --charset label, lower-cased, and its decoder (null: UTF-8); null without --charset; `error` for one the API refuses. */
export function charsetOption(raw: string | undefined): { label: string; decode: UploadDecoder | null } | { error: string } | null {
  if (raw === undefined) return null;
  const label = raw.trim().toLowerCase();
  try {
    // Validated as the API validates a declared charset: the label goes into the upload's Content-Type as it is.
    if (!/^[a-z0-9._:-]{1,40}$/.test(label)) throw new AppError(415, 'unsupported-media-type', 'Unsupported media type', '');
    return { label, decode: uploadDecoder(label) };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return { error: `--charset ${JSON.stringify(raw.slice(0, 40))} is not supported: use ${CHARSETS_SAID}` };
  }
}

async function decoded(bytes: Buffer, decode: UploadDecoder): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of transcoded((async function* () { yield bytes; })(), decode)) parts.push(part);
  return Buffer.concat(parts);
}

export async function screenCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { key: { type: 'string' }, 'idempotency-key': { type: 'string' }, out: { type: 'string' }, charset: { type: 'string' } });
  const [file] = positionals;
  if (!file || positionals.length > 1) {
    console.error(`usage: chokepoint screen ${SCREEN_USAGE}`);
    return EXIT.USAGE;
  }
  const option = charsetOption(values.charset);
  if (option && 'error' in option) {
    console.error(`chokepoint screen: ${option.error}\nusage: chokepoint screen ${SCREEN_USAGE}`);
    return EXIT.USAGE;
  }
  const charset = option;
  const config = { ...loadConfig(), logLevel: 'silent' as const };
  applyHeapPolicy(config.heapGrowingPercent);
  const key = values.key ?? config.adminKey;
  if (!key) {
    console.error('chokepoint screen needs an API key: --key <key>, or CHOKEPOINT_ADMIN_KEY in the environment');
    return EXIT.USAGE;
  }
  const batchType = batchContentType(file) ?? (isJsonArrayFile(file) ? 'application/json' : undefined);
  if (batchType) {
    const contentType = charset ? `${batchType}; charset=${charset.label}` : batchType;
    return batchScreenCommand(file, contentType, { config, key, out: values.out, idempotencyKey: values['idempotency-key'], charset: charset?.label });
  }
  if (values.out !== undefined) {
    // One shipment's result is printed on stdout; --out was ignored without a word.
    console.error(`--out is for a batch file (.csv, .ndjson, .jsonl, or a .json file holding an array); one shipment's result is printed (redirect it: > result.json)\nusage: chokepoint screen ${SCREEN_USAGE}`);
    return EXIT.USAGE;
  }
  const problem = file === '-' ? null : await unreadableInput(file);
  if (problem) {
    console.error(`chokepoint screen: ${problem}; nothing was screened`);
    return EXIT.FAILURE;
  }
  // The bytes as they are: the API reads them as strict UTF-8 (or they are converted from the declared --charset).
  const raw = readFileSync(file === '-' ? 0 : file);
  const body = charset?.decode ? await decoded(raw, charset.decode) : raw;
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
    if (res.statusCode !== 201) {
      if (!charset && /not valid UTF-8/.test(JSON.stringify(out))) console.error(`chokepoint screen: ${notUtf8Hint(file === '-' ? 'the input' : file)}`);
      return EXIT.FAILURE;
    }
    return DECISION_EXIT[out.decision as string] ?? EXIT.FAILURE;
  } finally {
    await app.close();
  }
}
