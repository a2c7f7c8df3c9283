/**
 * ECCNs as people type them, read once into the form the rule table uses (15 CFR 738.2(d)): five
 * characters — digit, category letter A-E, three digits — in upper case, then each paragraph in lower
 * case behind a dot. "3a090a", "3A090.A", "3A090(a)", "3 A 090 . a" all read 3A090.a; "4A090.a.1" keeps its
 * sub-paragraph; "ear 99" reads EAR99. Anything else is refused, so a typing variant can never slip past a
 * rule by not matching its text.
 */

/** Placeholders an ERP writes when there is no classification: the same as not declaring one. */
const NOT_DECLARED = /^(n\/?a|none|null|nil|tbd|tba|unknown|-+|\?+)?$/i;

export type EccnParse = { ok: true; eccn: string | null } | { ok: false; message: string };

export function parseEccn(raw: string | null | undefined): EccnParse {
  const compact = (raw ?? '').replace(/[\s_]+/g, '');
  if (NOT_DECLARED.test(compact)) return { ok: true, eccn: null };
  if (/^EAR-?99$/i.test(compact)) return { ok: true, eccn: 'EAR99' };
  const m = /^([0-9])([A-Ea-e])([0-9]{3})([.()a-zA-Z0-9]*)$/.exec(compact);
  if (!m) return { ok: false, message: `"${raw}" is not an ECCN; write e.g. 3A090.a, 4A090.b, 5A992.z or EAR99` };
  const paragraphs = (m[4] ?? '').toLowerCase().match(/[a-z]+|[0-9]+/g) ?? [];
  // A paragraph is one letter or a number ("3A090.ab" is a typo, not a paragraph).
  if (paragraphs.some((p) => /^[a-z]{2,}$/.test(p))) return { ok: false, message: `"${raw}" has an unreadable paragraph; write e.g. 3A090.a.1` };
  return { ok: true, eccn: [`${m[1]}${(m[2] as string).toUpperCase()}${m[3]}`, ...paragraphs].join('.') };
}

/**
 * Does an item classified `item` fall under a rule written for `rule`? Equal, a sub-paragraph of it
 * (3A090.a.1 under 3A090.a), or — conservatively — an item declared without its paragraph (a bare 3A090
 * may be .a or .b, so both rules apply to it).
 */
export function eccnCovers(rule: string, item: string | null | undefined): boolean {
  if (!item) return false;
  return paragraphOf(item, rule) || paragraphOf(rule, item);
}

/** `a` equals `b` or is one of its (sub-)paragraphs, without building a string. */
function paragraphOf(a: string, b: string): boolean {
  return a.startsWith(b) && (a.length === b.length || a.charCodeAt(b.length) === 46);
}
