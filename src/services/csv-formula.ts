/**
 * What a spreadsheet may run as a formula when it opens a CSV (OWASP CSV Injection), in one place for every CSV
 * the service writes (the audit export, a batch's results): a cell that reaches = + - @ — or the fullwidth
 * ＝ ＋ － ＠, which spreadsheets in East Asian locales take as those — at its start or only after whitespace (a
 * space, an ideographic space, a line break…), zero-width characters or double quotes (` =HYPERLINK(…)`, `"=1`).
 * Such a cell is written with a leading `'`, so the spreadsheet shows it as text.
 */
export const FORMULA_LEAD = String.raw`[\s"\u200B-\u200D\u2060]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]`;

/** A whole cell value that must be defused: FORMULA_LEAD at its start, or a tab or CR first. */
export const STARTS_LIKE_FORMULA = new RegExp(`^(?:${FORMULA_LEAD}|[\\t\\r])`);
