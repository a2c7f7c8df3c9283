import { parse } from 'csv-parse/sync';
import type { ListEntry } from './types.js';
import { toCountryCode } from './countries.js';
import { blankToNull, contentId, isoDate, MAX_LIST_RECORD_CHARS, uniqueHeader } from './import-util.js';
import { ListParseError } from './csl.js';

const US_STATES = new Set(
  'AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA PR RI SC SD TN TX UT VT VA WA WV WI WY'.split(' '),
);

/** BIS Denied Persons List: tab-separated, quoted, header `Name Street_Address City State Country …`. */
export function parseBisDpl(text: string): ListEntry[] {
  let records: Record<string, string>[];
  try {
    records = parse(text, {
      delimiter: '\t',
      columns: uniqueHeader('BIS Denied Persons file', (m) => new ListParseError(m)),
      skip_empty_lines: true,
      relax_column_count: false,
      relax_quotes: true,
      record_delimiter: ['\r\n', '\n'],
      max_record_size: MAX_LIST_RECORD_CHARS,
    });
  } catch (err) {
    throw new ListParseError(`BIS Denied Persons file could not be parsed: ${(err as Error).message}`, { cause: err });
  }
  if (records[0] && !('Name' in records[0])) throw new ListParseError('BIS Denied Persons file lacks the `Name` column');
  // A row without a name is a broken row, not one to skip: refused (fail closed), naming it.
  const unnamed = records.findIndex((r) => !blankToNull(r.Name));
  if (unnamed >= 0) throw new ListParseError(`BIS Denied Persons file row ${unnamed + 1} (after the header) has no Name`);
  return records
    .map((r) => {
      const name = r.Name!.trim();
      const country = toCountryCode(r.Country) ?? (US_STATES.has((r.State ?? '').trim()) ? 'US' : null);
      const address = [r.Street_Address, r.City, r.State, r.Postal_Code, r.Country].map((p) => (p ?? '').trim()).filter(Boolean).join(', ');
      return {
        id: contentId('DPL', name, address, r.Effective_Date ?? ''),
        list: 'DPL',
        source: 'Denied Persons List (DPL) - Bureau of Industry and Security',
        name,
        altNames: [],
        type: null,
        countries: country ? [country] : [],
        addresses: address ? [address] : [],
        programs: [],
        licenseRequirement: null,
        licensePolicy: null,
        federalRegisterNotice: blankToNull(r.FR_Citation),
        startDate: isoDate(r.Effective_Date),
        sourceListUrl: 'https://www.bis.doc.gov/index.php/policy-guidance/lists-of-parties-of-concern/denied-persons-list',
      } satisfies ListEntry;
    });
}
