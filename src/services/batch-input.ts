/**
 * From uploaded records to shipments, each validated on its own: a bad line becomes a line error
 * naming its line and field, and the lines around it are unaffected. The CSV layout (documented in
 * the README, "Batch screening") is what an ERP export produces: one row per line item, rows of one
 * shipment adjacent and sharing its `reference`, the shipment's other columns repeated or filled
 * on any one of its rows.
 */
import { Compile } from 'typebox/compile';
import { PARTY_ROLES, ShipmentInput, type Party, type PartyRole } from '../schemas/shipment.js';
import { leadingBytes, readRecords, splitCsvRecord, MalformedUpload, type BatchFormat, type RawRecord } from './batch-records.js';
import { ReferenceSet } from './reference-set.js';
import { duplicateKeyPointer } from './json-duplicate-keys.js';

export interface LineError {
  /** JSON pointer into the shipment, or the CSV column. */
  field: string;
  message: string;
  /** The physical line, when it differs from the shipment's first line (CSV groups). */
  line?: number;
}

export type BatchLine = { lineNo: number; reference: string | null; input: ShipmentInput } | { lineNo: number; reference: string | null; errors: LineError[] };

export interface InputLimits {
  maxLineBytes: number;
  maxBytes: number;
  /** Further checks of a schema-valid shipment (configured limits, control characters). */
  check: (input: ShipmentInput) => LineError[];
}

const validator = Compile(ShipmentInput);

export function shipmentErrors(value: unknown, limits: Pick<InputLimits, 'check'>): LineError[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [{ field: '/', message: 'must be a JSON object (one shipment)' }];
  if (!validator.Check(value)) {
    const out: LineError[] = [];
    for (const e of validator.Errors(value)) {
      if (e.keyword === 'additionalProperties') continue; // the 'boolean' error names the field
      out.push({ field: e.instancePath || '/', message: e.keyword === 'boolean' ? 'is not a known field' : e.message });
      if (out.length >= 20) break;
    }
    return out;
  }
  // The same checks as a single request (formula-leading names, blank names, ship date range, limits…).
  return limits.check(value as ShipmentInput);
}

function referenceOf(value: unknown): string | null {
  const ref = value && typeof value === 'object' ? (value as { reference?: unknown }).reference : null;
  return typeof ref === 'string' ? ref.slice(0, 100) : null;
}

function fromJson(rec: RawRecord, limits: InputLimits): BatchLine {
  if ('error' in rec) return { lineNo: rec.lineNo, reference: null, errors: [{ field: '/', message: rec.error }] };
  let value: unknown;
  try {
    value = JSON.parse(rec.text);
  } catch (err) {
    return { lineNo: rec.lineNo, reference: null, errors: [{ field: '/', message: `not valid JSON: ${(err as Error).message}` }] };
  }
  // As a single screening's body: a member named twice is refused, not read as JSON.parse's last one.
  const dup = duplicateKeyPointer(rec.text);
  if (dup !== null) return { lineNo: rec.lineNo, reference: referenceOf(value), errors: [{ field: dup, message: 'is named twice in one object (a JSON member must be unique)' }] };
  const errors = shipmentErrors(value, limits);
  const reference = referenceOf(value);
  return errors.length ? { lineNo: rec.lineNo, reference, errors } : { lineNo: rec.lineNo, reference, input: value as ShipmentInput };
}

export async function* readShipments(body: AsyncIterable<Buffer | Uint8Array | string>, format: BatchFormat, limits: InputLimits): AsyncGenerator<BatchLine> {
  const records = readRecords(sniffed(body, format), format, limits.maxLineBytes, limits.maxBytes);
  if (format !== 'csv') {
    for await (const rec of records) yield fromJson(rec, limits);
    return;
  }
  yield* csvShipments(records, limits);
}

/* ------------------------------------------------------ a mislabelled upload ------------------------------------------------------ */

/**
 * The body is plainly in another format than its Content-Type says: a CSV export sent as NDJSON (or JSON), NDJSON or
 * a JSON array sent as CSV, a JSON array sent as NDJSON. Refused (415) before anything is stored, naming the format it
 * looks like and the Content-Type to send it with. Before, an ERP's CSV sent as application/x-ndjson was accepted
 * (202) and every line came back "not valid JSON".
 */
export class MislabelledUpload extends Error {
  constructor(
    readonly looksLike: string,
    readonly contentType: string,
    why: string,
  ) {
    super(`the body looks like ${looksLike} (${why}), not what its Content-Type says: send it with Content-Type: ${contentType}`);
  }
}

/** What the start of the body is read for: its first two non-empty lines, within this many bytes. */
const SNIFF_BYTES = 64 * 1024;
const CONTENT_TYPES: Record<BatchFormat, string> = { csv: 'text/csv', ndjson: 'application/x-ndjson', json: 'application/json' };
/** A column name as a spreadsheet or ERP export writes one ("Material", "Ship-to country", "Qty (pcs)"), or a known one. */
const COLUMN_NAME = /^[\p{L}\p{N} _.\-/#()%&+]{1,64}$/u;

/** The start of a line, as shown in the error (cut at 60 characters, control characters dropped). */
function quoted(line: string): string {
  const shown = line.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  return `«${shown.length > 60 ? `${shown.slice(0, 60)}…` : shown}»`;
}

/**
 * Is `line` (the first non-empty one) a CSV header? Excel's `sep=;` hint line; or two or more cells split on the
 * header's separator (as parseHeader chooses it) of which one is a known column; or three or more cells that all
 * read as column names. A JSON line (an object, an array) never is.
 */
function csvHeaderLike(line: string): boolean {
  if (/^sep=[,;\t|]$/i.test(line)) return true;
  if (/^["']?[{[]/.test(line)) return false;
  const unquoted = line.replace(/"[^"]*"/g, '');
  const sep = unquoted.includes(',') ? ',' : unquoted.includes(';') ? ';' : unquoted.includes('\t') ? '\t' : null;
  if (sep === null) return false;
  const cells = (splitCsvRecord(line, sep) ?? line.split(sep)).map((c) => c.trim().replace(/^"|"$/g, '').trim());
  const named = cells.filter((c) => c !== '');
  if (named.length < 2) return false;
  const known = new Set(CSV_COLUMNS);
  if (named.some((c) => known.has(c.toLowerCase()))) return true;
  return named.length >= 3 && named.every((c) => COLUMN_NAME.test(c));
}

/** The format the start of the body plainly is, when its Content-Type says another; null when it may be what it says. */
export function mislabelled(format: BatchFormat, start: string): MislabelledUpload | null {
  const lines = start.replace(/^\uFEFF/, '').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const [first, second] = lines;
  if (first === undefined) return null;
  const as = (looksLike: BatchFormat, why: string) =>
    new MislabelledUpload({ csv: 'CSV', ndjson: 'NDJSON (one shipment per line)', json: 'a JSON array of shipments' }[looksLike], CONTENT_TYPES[looksLike], why);
  if (format !== 'csv') {
    // A file whose first line is unreadable but whose next one is a JSON object is NDJSON with a bad line: its lines keep their own errors.
    if (csvHeaderLike(first) && !(second !== undefined && second.startsWith('{'))) return as('csv', `its first line is a CSV header: ${quoted(first)}`);
    if (format === 'ndjson' && first.startsWith('[')) return as('json', `it starts with "[": a JSON array, not one shipment per line`);
    return null;
  }
  if (first.startsWith('[')) return as('json', 'it starts with "[", not a header row');
  if (first.startsWith('{')) return as('ndjson', 'it starts with "{", not a header row');
  return null;
}

/**
 * The body, unchanged, once its start (the first two non-empty lines, or SNIFF_BYTES) has been read and found to be
 * the format its Content-Type says (mislabelled). Throws MislabelledUpload before the first record is read, so a
 * mislabelled upload stores nothing.
 */
async function* sniffed(body: AsyncIterable<Buffer | Uint8Array | string>, format: BatchFormat): AsyncGenerator<Buffer> {
  const held: Buffer[] = [];
  let size = 0;
  let checked = false;
  const check = () => {
    checked = true;
    // Leniently: invalid UTF-8 (or a gzip or UTF-16 body, which readRecords names) decides nothing here.
    const wrong = mislabelled(format, new TextDecoder('utf-8').decode(Buffer.concat(held)));
    if (wrong) throw wrong;
  };
  // Non-empty lines ended so far (counted byte by byte: a body sent a byte at a time is not decoded again and again).
  let lines = 0;
  let content = false;
  for await (const chunk of leadingBytes(body, 1)) {
    if (checked) {
      yield chunk;
      continue;
    }
    held.push(chunk);
    size += chunk.length;
    for (let i = 0; i < chunk.length && lines < 2; i++) {
      const b = chunk[i]!;
      if (b === 0x0a) {
        if (content) lines++;
        content = false;
      } else if (b !== 0x20 && b !== 0x09 && b !== 0x0d) content = true;
    }
    if (size >= SNIFF_BYTES || lines >= 2) {
      check();
      yield* held;
      held.length = 0;
    }
  }
  if (!checked) {
    check();
    yield* held;
  }
}

/* ---------------------------------------------------------------- CSV ---------------------------------------------------------------- */

const PARTY_FIELDS = {
  name: 'name',
  country: 'country',
  address: 'address',
  headquarters_country: 'headquartersCountry',
  business_type: 'businessType',
  incorporated_on: 'incorporatedOn',
} as const satisfies Record<string, keyof Party>;

const SHIPMENT_COLUMNS = ['reference', 'ship_date', 'end_use', 'route_origin', 'route_via', 'route_destination', 'payment_method', 'payment_country', 'services_declined'] as const;
const ITEM_COLUMNS = ['item_model', 'item_quantity', 'item_unit_price_usd', 'item_eccn', 'item_hs_code', 'item_description', 'item_part_number'] as const;
const PERMIT_COLUMNS = ['permit_type', 'permit_number'] as const;
const PARTY_COLUMNS = PARTY_ROLES.flatMap((role) => Object.keys(PARTY_FIELDS).map((f) => `${role}_${f}`));

/** Every column the CSV layout knows; only `reference`, `route_destination` and `item_quantity` are required. */
export const CSV_COLUMNS: readonly string[] = [...SHIPMENT_COLUMNS, ...ITEM_COLUMNS, ...PARTY_COLUMNS, ...PERMIT_COLUMNS];
/** The columns a CSV header must have (the console's upload form marks them). */
export const REQUIRED_COLUMNS: readonly string[] = ['reference', 'route_destination', 'item_quantity'];

/** The header is wrong: the whole upload is refused before anything is stored. */
export class BadCsvHeader extends Error {}

/** A CSV row of a shipment; `bad`: the row could not be read (its fields are unknown), which refuses its shipment. */
type Row = { lineNo: number; cells: Map<string, string>; bad?: LineError };

/**
 * A row that cannot be read whole — a wrong number of fields, a stray quote, invalid UTF-8, a line too long,
 * an empty reference — may be a line item of the shipment around it. Screening the rest of that shipment
 * without it would answer for goods nobody screened (QA: a row short of its last cell left an order of 500
 * H100s screened as "Rack rails", CLEAR). So: a bad row whose reference can still be read refuses that
 * shipment (reported at the shipment's first line, naming the row); one whose reference cannot be read
 * refuses the shipment before it and the one starting right after it, and is reported as a line of its own.
 * A reference seen again after other shipments' rows (an export sorted by item, not by order) refuses the
 * later rows: the earlier ones were read as a shipment of their own.
 */
async function* csvShipments(records: AsyncIterable<RawRecord>, limits: InputLimits): AsyncGenerator<BatchLine> {
  let header: string[] | null = null;
  /** The header's separator: a comma, or a semicolon (or tab) when the header has no comma (see parseHeader). */
  let sep = ',';
  /** The separator a `sep=` line named, if the file starts with one. */
  let forced: string | undefined;
  let blankRow = /^,*$/;
  let refIndex = -1;
  let group: Row[] = [];
  let groupRef = '';
  /** Errors that refuse the shipment being read (an unreadable row next to it, a reference seen before). */
  let groupErrors: LineError[] = [];
  /** An unreadable row of unknown reference just before: refuses the shipment that starts next, if one does. */
  let nextErrors: LineError[] = [];
  const closed = new ReferenceSet();

  const close = (): BatchLine | null => {
    if (group.length === 0) return null;
    const shipment = shipmentFromRows(group, limits, groupErrors, sep === ';');
    // Every row of it unreadable but the reference: the line still names its shipment.
    const line = shipment.reference === null ? { ...shipment, reference: groupRef.slice(0, 100) } : shipment;
    group = [];
    groupErrors = [];
    return line;
  };

  for await (const rec of records) {
    if (!header) {
      if ('error' in rec) throw new MalformedUpload(rec.lineNo, `the header row is unreadable: ${rec.error}`);
      if (rec.text.trim() === '') continue;
      // Excel's separator hint, a first line `sep=;`: the header follows, split on that separator.
      const hint = /^sep=([,;\t|])$/i.exec(rec.text);
      if (hint && !forced) {
        forced = hint[1]!;
        continue;
      }
      ({ cols: header, sep } = parseHeader(rec.text, forced));
      blankRow = new RegExp(`^[${sep === '\t' ? '\\t' : sep}\\s]*$`);
      refIndex = header.indexOf('reference');
      continue;
    }
    let ref = '';
    let row: Row;
    if ('error' in rec) {
      ref = lenientReference(rec.head ?? '', refIndex, sep);
      row = { lineNo: rec.lineNo, cells: new Map(), bad: { field: '/', message: rec.error, line: rec.lineNo } };
    } else {
      if (rec.text.trim() === '' || blankRow.test(rec.text)) continue;
      const fields = splitCsvRecord(rec.text, sep);
      if (!fields) {
        ref = lenientReference(rec.text, refIndex, sep);
        row = { lineNo: rec.lineNo, cells: new Map(), bad: { field: '/', message: 'malformed CSV (a quote inside an unquoted field, or text after a closing quote)', line: rec.lineNo } };
      } else if (fields.length !== header.length) {
        ref = fields[refIndex]?.trim() ?? '';
        row = { lineNo: rec.lineNo, cells: new Map(), bad: { field: '/', message: `has ${fields.length} fields; the header has ${header.length}`, line: rec.lineNo } };
      } else {
        const cells = new Map<string, string>();
        let unnamed = -1;
        header.forEach((h, i) => {
          const v = fields[i]!.trim();
          if (v === '') return;
          if (h === '') unnamed = i;
          else cells.set(h, v);
        });
        ref = cells.get('reference') ?? '';
        row = { lineNo: rec.lineNo, cells };
        if (ref === '') row.bad = { field: 'reference', message: 'is empty; every row names its shipment', line: rec.lineNo };
        // What the export put under a column without a name is not read: its shipment is not screened without it.
        else if (unnamed >= 0) row.bad = { field: '/', message: `has a value in column ${unnamed + 1}, which the header leaves without a name`, line: rec.lineNo };
      }
    }

    if (ref === '') {
      // Whose row is it? The shipment before it or the one after: neither is screened without it.
      const error = { ...row.bad!, message: `line ${rec.lineNo} cannot be read and may be one of this shipment's rows: ${row.bad!.message}` };
      if (group.length > 0) groupErrors.push(error);
      nextErrors = [error];
      yield { lineNo: rec.lineNo, reference: null, errors: [row.bad!] };
      continue;
    }
    if (group.length > 0 && ref !== groupRef) {
      const line = close();
      if (line) yield line;
    }
    if (group.length === 0) {
      groupRef = ref;
      groupErrors = nextErrors;
      if (closed.add(ref))
        groupErrors = [
          ...groupErrors,
          { field: 'reference', message: `"${ref.slice(0, 40)}" already appeared earlier in the file, before other shipments' rows: the rows of one shipment must be adjacent (its earlier rows were read as a shipment of their own)`, line: rec.lineNo },
        ];
    }
    nextErrors = [];
    group.push(row);
  }
  if (!header) throw new MalformedUpload(1, 'the CSV upload is empty: expected a header row');
  const last = close();
  if (last) yield last;
}

/**
 * The reference cell of a row that could not be split or decoded, when it can still be read for certain: the
 * cell lies wholly before any quote and is followed by a comma, and holds no replacement character.
 */
function lenientReference(text: string, refIndex: number, sep = ','): string {
  if (refIndex < 0) return '';
  const plain = text.split('"', 1)[0]!.split(/[\r\n]/, 1)[0]!;
  const cells = plain.split(sep);
  if (cells.length <= refIndex + 1) return '';
  const ref = cells[refIndex]!.trim();
  return ref.includes('\uFFFD') ? '' : ref;
}

/** Unknown columns named in the error, each cut to this length: a file the header reading went wrong on must not come back whole. */
const UNKNOWN_SHOWN = 5;
const COLUMN_SHOWN = 40;

/**
 * The header's columns and separator. A spreadsheet in a locale whose decimal mark is the comma (German, French…
 * Excel) saves "CSV" with semicolons; a header with no comma outside quotes but a semicolon (or else a tab) is
 * read with that separator — a comma-separated header always has a comma (it names at least three columns).
 * Columns without a name are allowed (Excel writes `,,` after the last column once cells beyond it were
 * formatted); a row with a value under one is not read.
 */
function parseHeader(text: string, forced?: string): { cols: string[]; sep: string } {
  // Lines ending in a carriage return only (classic Mac, some spreadsheet exports) read as one endless header row.
  const unquoted = text.replace(/"[^"]*"/g, '');
  if (/\r(?!\n)/.test(unquoted))
    throw new BadCsvHeader('the lines end in a carriage return only (CR); save the file with CRLF or LF line endings');
  const sep = forced ?? (unquoted.includes(',') ? ',' : unquoted.includes(';') ? ';' : unquoted.includes('\t') ? '\t' : ',');
  const cols = splitCsvRecord(text, sep)?.map((c) => c.trim().toLowerCase());
  if (!cols) throw new BadCsvHeader('the header row is not valid CSV');
  const known = new Set(CSV_COLUMNS);
  const unknown = cols.filter((c) => c !== '' && !known.has(c));
  if (unknown.length) {
    const shown = unknown.slice(0, UNKNOWN_SHOWN).map((c) => `"${c.length > COLUMN_SHOWN ? `${c.slice(0, COLUMN_SHOWN)}…` : c}"`);
    const more = unknown.length > UNKNOWN_SHOWN ? ` and ${unknown.length - UNKNOWN_SHOWN} more` : '';
    throw new BadCsvHeader(`unknown column${unknown.length > 1 ? 's' : ''} ${shown.join(', ')}${more}; see the CSV layout in the README`);
  }
  const dup = cols.find((c, i) => c !== '' && cols.indexOf(c) !== i);
  if (dup) throw new BadCsvHeader(`column "${dup}" appears twice`);
  const missing = REQUIRED_COLUMNS.filter((c) => !cols.includes(c));
  if (missing.length) throw new BadCsvHeader(`missing required column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')}`);
  if (!cols.includes('item_model') && !cols.some((c) => c.startsWith('item_'))) throw new BadCsvHeader('no item columns');
  return { cols, sep };
}

/**
 * `decimalComma`: the file separates its columns with semicolons, as a spreadsheet does where the comma is the
 * decimal mark and the point groups thousands. There "1.000" is a thousand, not one: a quantity must be plain digits,
 * and a price is read with a decimal comma ("1234,56"), or a point followed by one or two digits ("1234.50");
 * anything else with a separator is refused rather than read as the wrong number.
 */
function shipmentFromRows(rows: Row[], limits: InputLimits, refused: readonly LineError[] = [], decimalComma = false): BatchLine {
  const lineNo = rows[0]!.lineNo;
  // A row that could not be read, or an error that refuses the whole shipment: nothing is assembled from the rest.
  const unreadable = [...rows.flatMap((r) => (r.bad ? [r.bad] : [])), ...refused];
  if (unreadable.length) {
    const reference = rows.map((r) => r.cells.get('reference')).find((x) => x !== undefined) ?? null;
    return { lineNo, reference: reference?.slice(0, 100) ?? null, errors: unreadable };
  }
  const errors: LineError[] = [];
  /** A shipment-level value: the same wherever it is repeated in the group. */
  const one = (col: string): string | undefined => {
    let value: string | undefined;
    for (const r of rows) {
      const v = r.cells.get(col);
      if (v === undefined) continue;
      if (value === undefined) value = v;
      else if (v !== value) errors.push({ field: col, message: `differs from an earlier row of the same shipment ("${value.slice(0, 40)}")`, line: r.lineNo });
    }
    return value;
  };
  const num = (col: string, v: string | undefined, line: number, integer = false): number | undefined => {
    if (v === undefined) return undefined;
    if (decimalComma) {
      const ok = integer ? /^-?\d+$/.test(v) : /^-?\d+(,\d+)?$/.test(v) || /^-?\d+\.\d{1,2}$/.test(v);
      const n = Number(v.replace(',', '.'));
      if (!ok || !Number.isFinite(n)) {
        const how = integer ? 'must be a whole number, written without separators' : 'must be a number written without thousands separators (e.g. 1234,56)';
        errors.push({ field: col, message: `${how}: in a file separated by semicolons "1.000" may mean a thousand`, line });
        return undefined;
      }
      return n;
    }
    const n = Number(v);
    if (!/^-?\d+(\.\d+)?$/.test(v) || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      errors.push({ field: col, message: integer ? 'must be a whole number' : 'must be a number', line });
      return undefined;
    }
    return n;
  };

  const reference = one('reference')!;
  const input: Record<string, unknown> = { reference };
  const shipDate = one('ship_date');
  if (shipDate) input.shipDate = shipDate;
  const endUse = one('end_use');
  if (endUse) input.endUse = endUse;
  const via = one('route_via');
  const origin = one('route_origin');
  input.route = {
    ...(origin ? { origin } : {}),
    ...(via ? { via: via.split(/[;|]/).map((s) => s.trim()).filter(Boolean) } : {}),
    destination: one('route_destination') ?? '',
  };
  if (!(input.route as { destination: string }).destination) errors.push({ field: 'route_destination', message: 'is empty' });
  const method = one('payment_method');
  const payCountry = one('payment_country');
  if (method || payCountry) input.payment = { ...(method ? { method } : {}), ...(payCountry ? { country: payCountry } : {}) };
  const declined = one('services_declined');
  if (declined !== undefined) {
    if (/^(true|yes|1)$/i.test(declined)) input.servicesDeclined = true;
    else if (/^(false|no|0)$/i.test(declined)) input.servicesDeclined = false;
    else errors.push({ field: 'services_declined', message: 'must be true or false' });
  }

  const items: Record<string, unknown>[] = [];
  /** The physical line of each item, and of the row that first named each permit: where its errors point. */
  const itemLines: number[] = [];
  const permitLines: number[] = [];
  const permits: Array<{ type: string; number?: string }> = [];
  for (const r of rows) {
    const c = (k: string) => r.cells.get(k);
    if (ITEM_COLUMNS.some((k) => c(k) !== undefined)) {
      const item: Record<string, unknown> = {};
      if (c('item_model')) item.model = c('item_model');
      const quantity = num('item_quantity', c('item_quantity'), r.lineNo, true);
      if (quantity === undefined && c('item_quantity') === undefined) errors.push({ field: 'item_quantity', message: 'is empty', line: r.lineNo });
      if (quantity !== undefined) item.quantity = quantity;
      const price = num('item_unit_price_usd', c('item_unit_price_usd'), r.lineNo);
      if (price !== undefined) item.unitPriceUsd = price;
      if (c('item_eccn')) item.eccn = c('item_eccn');
      if (c('item_hs_code')) item.hsCode = c('item_hs_code');
      if (c('item_description')) item.description = c('item_description');
      if (c('item_part_number')) item.partNumber = c('item_part_number');
      items.push(item);
      itemLines.push(r.lineNo);
    }
    const type = c('permit_type');
    if (type) {
      const number = c('permit_number');
      if (!permits.some((p) => p.type === type && p.number === number)) {
        permits.push({ type, ...(number ? { number } : {}) });
        permitLines.push(r.lineNo);
      }
    } else if (c('permit_number')) errors.push({ field: 'permit_type', message: 'is empty but permit_number is set', line: r.lineNo });
  }
  input.items = items;
  if (permits.length) input.permits = permits;

  const parties: Party[] = [];
  for (const role of PARTY_ROLES) {
    const party: Record<string, string> = {};
    for (const [suffix, key] of Object.entries(PARTY_FIELDS)) {
      const v = one(`${role}_${suffix}`);
      if (v !== undefined) party[key] = v;
    }
    if (Object.keys(party).length === 0) continue;
    if (!party.name) errors.push({ field: `${role}_name`, message: `is empty but other ${role} columns are set` });
    else parties.push({ role: role as PartyRole, ...party } as Party);
  }
  if (parties.length) input.parties = parties;

  if (errors.length === 0) errors.push(...shipmentErrors(input, limits).map((e) => csvError(e, { items: itemLines, permits: permitLines, parties })));
  return errors.length ? { lineNo, reference: reference.slice(0, 100), errors } : { lineNo, reference, input: input as ShipmentInput };
}

/* A schema or policy error names a JSON pointer into the shipment the rows were assembled into; the ERP wrote
   columns and lines. Mapped back: `/items/1/quantity` → `item_quantity` on the second item's line,
   `/parties/0/name` → `buyer_name` (the party's role), `/route/via/0` → `route_via`. A pointer with no column
   (none today) is kept as it is. */
const FIELD_COLUMNS: Record<string, string> = {
  '/reference': 'reference',
  '/shipDate': 'ship_date',
  '/endUse': 'end_use',
  '/route/origin': 'route_origin',
  '/route/via': 'route_via',
  '/route/destination': 'route_destination',
  '/route': 'route_destination',
  '/payment/method': 'payment_method',
  '/payment/country': 'payment_country',
  '/payment': 'payment_method',
  '/servicesDeclined': 'services_declined',
  '/items': 'item_quantity',
  '/permits': 'permit_type',
};
const ITEM_FIELD_COLUMNS: Record<string, string> = {
  model: 'item_model',
  quantity: 'item_quantity',
  unitPriceUsd: 'item_unit_price_usd',
  eccn: 'item_eccn',
  hsCode: 'item_hs_code',
  description: 'item_description',
  partNumber: 'item_part_number',
};
const PARTY_FIELD_SUFFIX: Record<string, string> = Object.fromEntries(Object.entries(PARTY_FIELDS).map(([suffix, key]) => [key, suffix]));

export function csvError(e: LineError, at: { items: readonly number[]; permits: readonly number[]; parties: readonly Party[] }): LineError {
  const path = e.field.split('/').slice(1);
  const [head, index, key] = path;
  const i = index !== undefined && /^\d+$/.test(index) ? Number(index) : null;
  const mapped = (field: string, line?: number): LineError => ({ ...e, field, ...(line !== undefined ? { line } : {}) });
  if (head === 'items' && i !== null) {
    const column = key !== undefined ? ITEM_FIELD_COLUMNS[key] : undefined;
    return mapped(column ?? 'item_model', at.items[i]);
  }
  if (head === 'parties' && i !== null) {
    const role = at.parties[i]?.role;
    const suffix = key !== undefined ? PARTY_FIELD_SUFFIX[key] : undefined;
    if (role) return mapped(`${role}_${suffix ?? 'name'}`);
  }
  if (head === 'permits' && i !== null) return mapped(key === 'number' ? 'permit_number' : 'permit_type', at.permits[i]);
  if (head === 'route' && index === 'via') return mapped('route_via');
  const column = FIELD_COLUMNS[`/${path.slice(0, 2).join('/')}`] ?? FIELD_COLUMNS[`/${head ?? ''}`];
  return column ? mapped(column) : e;
}
