import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFormat, parseListBytes, readListPath } from '../../src/lists/import.js';
import { ListParseError } from '../../src/lists/csl.js';
import { listCodeFor } from '../../src/lists/list-codes.js';
import { toCountryCode } from '../../src/lists/countries.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'lists');
const read = (f: string): Buffer => readFileSync(join(FIX, f));

describe('CSL CSV', () => {
  it('reads the current 29-column layout with `_id`, one row per source', () => {
    const { source, entries } = parseListBytes(read('csl-current-format-sample.csv'), 'csl-current-format-sample.csv');
    expect(source).toMatchObject({ format: 'csl-csv', entryCount: entries.length, name: 'Consolidated Screening List (trade.gov)' });
    expect(source.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(entries.map((e) => e.list))).toEqual(new Set(['ISN', 'UVL', 'MEU', 'PLC', 'SDN', 'DTC', 'DPL', 'SSI', 'FSE', 'EL']));
    const uvl = entries.find((e) => e.list === 'UVL')!;
    expect(uvl).toMatchObject({ id: '1b5979e8fd3920a1a0985bf5088dad930a6a5562d1513f9e4b015e42', name: 'Atlas Sanatgaran', countries: ['AM'] });
    const meu = entries.find((e) => e.list === 'MEU')!;
    expect(meu.federalRegisterNotice).toBe('85 FR 83799');
    expect(meu.licenseRequirement).toMatch(/supplement no\. 2 to part 744/);
    expect(meu.startDate).toBe('2020-12-23');
    const plc = entries.find((e) => e.list === 'PLC')!;
    expect(plc.altNames).toEqual(['Mohammad Mutlaq ABU JHESHEH', 'Mohammed ABU JEHEISHA']);
    expect(plc.type).toBe('Individual');
  });

  it('reads the c. 2019 28-column layout (no `_id`) with stable content ids', () => {
    const a = parseListBytes(read('csl-2019.csv'), 'csl-2019.csv');
    const b = parseListBytes(read('csl-2019.csv'), 'csl-2019.csv');
    expect(a.entries).toHaveLength(115);
    expect(a.entries.map((e) => e.id)).toEqual(b.entries.map((e) => e.id));
    expect(new Set(a.entries.map((e) => e.id)).size).toBeGreaterThan(110);
    expect(a.entries[0]).toMatchObject({ list: 'DPL', name: 'ADRIAN MANUEL HERNANDEZ', startDate: '2017-10-16' });
  });

  it('reads rows appended with LF to a CRLF file one by one, and refuses a row whose field count differs from the header', () => {
    const crlf = read('csl-current-format-sample.csv').toString('utf8').replace(/\r?\n/g, '\r\n');
    const header = crlf.split('\r\n', 1)[0]!.split(',');
    const row = (id: string, source: string, name: string) => [id, source, '', '', '', name, '', '", , , , DE"', ...Array(header.length - 8).fill('')].join(',');
    const appended = `${crlf.replace(/(\r\n)*$/, '\r\n')}${row('qa1', 'Denied Persons List (DPL) - Bureau of Industry and Security', 'NORTHWIND GMBH')}\n${row('qa2', 'Entity List (EL) - Bureau of Industry and Security', 'BUYER 7 GMBH')}\n`;
    const base = parseListBytes(Buffer.from(crlf), 'x.csv').entries.length;
    const { entries } = parseListBytes(Buffer.from(appended), 'x.csv');
    expect(entries.length).toBe(base + 2);
    expect(entries.map((e) => e.name)).toEqual(expect.arrayContaining(['NORTHWIND GMBH', 'BUYER 7 GMBH']));
    // A row with a field too many (two rows run together, a stray comma) fails the import: no list loses an entry quietly.
    expect(() => parseListBytes(Buffer.from(`${crlf.replace(/(\r\n)*$/, '\r\n')}${row('qa3', 'Entity List (EL) - Bureau of Industry and Security', 'X')},extra\r\n`), 'x.csv')).toThrow(ListParseError);
  });

  it('reads gzip and records the hash of the uncompressed bytes', () => {
    const plain = parseListBytes(read('csl-2019.csv'), 'x.csv');
    const gz = parseListBytes(gzipSync(read('csl-2019.csv')), 'x.csv.gz');
    expect(gz.source.sha256).toBe(plain.source.sha256);
    expect(gz.entries).toEqual(plain.entries);
  });

  it('the shipped list: 25,921 entries with Entity List licence terms and aliases', () => {
    const { source, entries } = parseListBytes(readFileSync(join(import.meta.dirname, '..', '..', 'rules', 'lists', 'consolidated-2026-07-31.csv.gz')), 'consolidated-2026-07-31.csv');
    expect(source).toMatchObject({ entryCount: 25921, generatedAt: '2026-07-31' });
    const counts = new Map<string, number>();
    for (const e of entries) counts.set(e.list, (counts.get(e.list) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toMatchObject({ SDN: 19181, EL: 3420, DPL: 1596, DTC: 787, SSI: 286, UVL: 222, ISN: 161, MEU: 70, CMIC: 68, 'NS-MBS': 51, CAP: 1 });
    const inspur = entries.find((e) => e.name === 'Inspur Taiwan')!;
    expect(inspur).toMatchObject({ list: 'EL', countries: ['TW'], federalRegisterNotice: '90 FR 14046', licensePolicy: 'Policy of denial' });
    expect(inspur.altNames).toContain('Number Media Ltd.');
    const arrow = entries.find((e) => e.name.startsWith('Arrow Electronics (Hong Kong)'))!;
    expect(arrow.countries).toEqual(['HK', 'CN']);
  });
});

describe('CSL JSON', () => {
  it('reads the trade.gov `{ results }` shape', () => {
    const doc = {
      total: 1,
      results: [
        {
          id: 'abc', source: 'Entity List (EL) - Bureau of Industry and Security', name: 'PowerAir Pte. Ltd.', alt_names: ['Power Air'],
          addresses: [{ address: '1 Road', city: 'Singapore', country: 'SG', postal_code: '123' }], programs: [],
          federal_register_notice: '90 FR 4621', license_requirement: 'For all items subject to the EAR', license_policy: 'Presumption of denial',
          start_date: '2025-01-16', source_list_url: 'https://www.bis.gov/x', type: null,
        },
      ],
    };
    const { source, entries } = parseListBytes(Buffer.from(JSON.stringify(doc)), 'csl.json');
    expect(source.format).toBe('csl-json');
    expect(entries).toEqual([
      {
        id: 'abc', list: 'EL', source: 'Entity List (EL) - Bureau of Industry and Security', name: 'PowerAir Pte. Ltd.', altNames: ['Power Air'], type: null,
        countries: ['SG'], addresses: ['1 Road, Singapore, , 123, SG'], programs: [], licenseRequirement: 'For all items subject to the EAR',
        licensePolicy: 'Presumption of denial', federalRegisterNotice: '90 FR 4621', startDate: '2025-01-16', sourceListUrl: 'https://www.bis.gov/x',
      },
    ]);
  });

  it('refuses JSON without results', () => {
    expect(() => parseListBytes(Buffer.from('{"total":0}'), 'x.json')).toThrow(ListParseError);
  });
});

describe('OFAC legacy CSV set', () => {
  it('joins sdn, add, alt and comments on ent_num; `-0-` is empty', async () => {
    const { source, entries } = await readListPath(join(FIX, 'ofac-sdn-mini'));
    expect(source).toMatchObject({ format: 'ofac-legacy-csv', name: 'OFAC SDN List', entryCount: 17 });
    expect(entries.every((e) => e.list === 'SDN')).toBe(true);
    expect(entries.some((e) => e.altNames.length > 0)).toBe(true);
    expect(entries.some((e) => e.addresses.length > 0 && e.countries.length > 0)).toBe(true);
    for (const e of entries) {
      expect(e.name).not.toContain('-0-');
      for (const a of e.addresses) expect(a).not.toContain('-0-');
    }
    expect(entries.find((e) => e.type === 'Individual')).toBeDefined();
  });

  it('prim.csv is the non-SDN consolidated list (NONSDN)', async () => {
    const { source, entries } = await readListPath(join(FIX, 'ofac-consolidated-mini'));
    expect(source.name).toBe('OFAC Non-SDN Consolidated List');
    expect(entries).toHaveLength(30);
    expect(entries[0]).toMatchObject({ id: '9639', list: 'NONSDN', name: 'HANIYA, Ismail Abdul Salah', type: 'Individual', programs: ['NS-PLC'] });
    expect(entries[0]!.altNames).toContain('HANIYYA, Ismaeel');
  });
});

describe('BIS Denied Persons', () => {
  it('reads the quoted tab-separated file with MM/DD/YYYY dates', () => {
    const { source, entries } = parseListBytes(read('bis-denied-persons.txt'), 'dpl.txt');
    expect(source.format).toBe('bis-dpl-tsv');
    expect(entries).toHaveLength(40);
    expect(entries[1]).toMatchObject({ list: 'DPL', name: 'I. ASH', countries: ['US'], startDate: '2003-06-19' });
    expect(entries[1]!.federalRegisterNotice).toContain('68 F.R. 38290');
  });
});

describe('format detection and codes', () => {
  it.each([
    ['_id,source,entity_number,type\n', 'csl-csv'],
    ['source,entity_number,type,programs\n', 'csl-csv'],
    ['{"results": []}', 'csl-json'],
    ['"Name"\t"Street_Address"\t"City"\n', 'bis-dpl-tsv'],
    ['36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA"\n', 'ofac-legacy-csv'],
  ] as const)('%j → %s', (text, format) => {
    expect(detectFormat(text)).toBe(format);
  });

  it('refuses what it does not know', () => {
    expect(() => detectFormat('hello world\n')).toThrow(ListParseError);
  });

  it.each([
    ['Entity List (EL) - Bureau of Industry and Security', 'EL'],
    ['ITAR Debarred (DTC) - State Department', 'DTC'],
    ['Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department', 'NS-MBS'],
    ['Capta List (CAP) - Treasury Department', 'CAP'],
    ['Some New List (XYZ) - Agency', 'XYZ'],
  ])('%s → %s', (source, code) => {
    expect(listCodeFor(source)).toBe(code);
  });

  it.each([
    ['CN', 'CN'], ['China', 'CN'], ['Korea, North', 'KP'], ['Burma', 'MM'], ['Virgin Islands, British', 'VG'], ['RUS', 'RU'], ['Hong Kong', 'HK'], ['undetermined', null],
  ])('country %s → %s', (name, code) => {
    expect(toCountryCode(name)).toBe(code);
  });
});
