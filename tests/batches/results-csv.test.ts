/**
 * A batch's results CSV is opened in a spreadsheet: every cell that could run as a formula is written with a
 * leading `'` — by the same rule as the audit export (src/services/csv-formula.ts), not only by its first character.
 */
import { describe, expect, it } from 'vitest';
import { csvCell } from '../../src/services/batch-results.js';
import { defuseFormulaCells } from '../../src/services/audit-export.js';

describe('batch results CSV cells', () => {
  it('defuses a formula at the start, after spaces, quotes or zero-width characters, and in fullwidth forms', () => {
    expect(csvCell('=cmd|\' /C calc\'!A0')).toBe("'=cmd|' /C calc'!A0");
    expect(csvCell(' =1+1')).toBe("' =1+1");
    expect(csvCell('"=1')).toBe(`"'""=1"`);
    expect(csvCell('\u200B@SUM(1)')).toBe("'\u200B@SUM(1)");
    expect(csvCell('＝SUM(1)')).toBe("'＝SUM(1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('-5')).toBe("'-5");
  });

  it('leaves ordinary values as they are, quoting only what RFC 4180 needs', () => {
    expect(csvCell('PO-1234')).toBe('PO-1234');
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell('Acme, Inc.')).toBe('"Acme, Inc."');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(null)).toBe('');
  });

  it('agrees with the audit export on which cells are formulas', () => {
    const quoted = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
    for (const v of [' =1', '"=1', '＝1', '\u200B+1', '@x', 'plain', 'x=1', ' -1', 'Acme, =Inc']) {
      const batch = csvCell(v) !== quoted(v);
      const audit = defuseFormulaCells(quoted(v)) !== quoted(v);
      expect([v, batch]).toEqual([v, audit]);
    }
  });
});
