/**
 * The CSL `source` column carries the list's full name ("Entity List (EL) - Bureau of Industry and
 * Security"); the engine keys its rules on the short code. Known names map exactly; otherwise the
 * code in parentheses is taken, so a renamed source still lands on the right code.
 */
const KNOWN: ReadonlyArray<[RegExp, string]> = [
  [/^entity list/i, 'EL'],
  [/^denied persons/i, 'DPL'],
  [/^specially designated nationals/i, 'SDN'],
  [/^military end user/i, 'MEU'],
  [/^unverified list/i, 'UVL'],
  [/^nonproliferation sanctions/i, 'ISN'],
  [/^sectoral sanctions/i, 'SSI'],
  [/^palestinian legislative council/i, 'PLC'],
  [/^cap(ta)? list|correspondent account or payable-through/i, 'CAP'],
  [/chinese military-industrial complex/i, 'CMIC'],
  [/menu-based sanctions/i, 'NS-MBS'],
  [/^itar debarred|aeca debarred|debarred/i, 'DTC'],
  [/foreign sanctions evaders/i, 'FSE'],
  [/non-sdn iran sanctions|^non-sdn iranian/i, 'NS-ISA'],
];

export function listCodeFor(source: string): string {
  const s = source.trim();
  for (const [re, code] of KNOWN) if (re.test(s)) return code;
  const paren = /\(([A-Z][A-Z0-9-]{1,10})(?: List)?\)/.exec(s);
  if (paren?.[1]) return paren[1];
  return s.toUpperCase().replace(/[^A-Z0-9]+/g, '-').slice(0, 16) || 'UNKNOWN';
}
