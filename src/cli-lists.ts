/**
 * `chokepoint lists import <file|url>` — import a newer official list (CSL CSV/JSON, OFAC legacy
 * CSV folder, BIS Denied Persons) into RULES_DIR with a progress bar. Fail closed: an empty,
 * unparsable or sharply shrunk list is refused and the active one stays. After the import the
 * whole ruleset is loaded once to prove it is valid; the import is recorded in the audit log when
 * a database is reachable. Running services pick it up with POST /v1/rules/reload (or a restart).
 * `chokepoint lists show` prints the active lists.
 */
import type { Config } from './config.js';
import { ALLOW_INCOMPLETE_OFAC_FLAG, importListFile, ListValidationError, manifestListVersion, readManifest, type ListFormat } from './lists/index.js';
import { createRulesetLoader } from './services/active-ruleset.js';
import type { Ruleset } from './rules/index.js';
import { openDatabase } from './store/db.js';
import { recordAuditEvent } from './store/audit-events-repo.js';
import { EXIT, parseFlags } from './cli-args.js';

const LIST_FORMATS: readonly ListFormat[] = ['csl-csv', 'csl-json', 'ofac-legacy-csv', 'bis-dpl-tsv'];
const isListFormat = (f: string): f is ListFormat => (LIST_FORMATS as readonly string[]).includes(f);

export const LISTS_USAGE =
  'usage: chokepoint lists import <file|directory|url> [--format csl-csv|csl-json|ofac-legacy-csv|bis-dpl-tsv] [--allow-incomplete-ofac] | lists show';

function progressBar(stream: NodeJS.WriteStream) {
  let last = 0;
  return (done: number, total: number) => {
    const now = Date.now();
    if (now - last < 100 && done !== total) return;
    last = now;
    const mb = (n: number) => (n / 1e6).toFixed(1);
    if (total > 0) {
      const share = Math.min(1, done / total);
      const width = 30;
      const filled = Math.round(share * width);
      stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${mb(done)}/${mb(total)} MB`);
    } else {
      stream.write(`\r${mb(done)} MB read`);
    }
  };
}

export async function listsCommand(args: string[], config: Config): Promise<number> {
  const { values, positionals } = parseFlags(args, { format: { type: 'string' }, 'allow-incomplete-ofac': { type: 'boolean' } });
  const [sub, target] = positionals;
  const allowIncompleteOfac = values['allow-incomplete-ofac'] === true;
  if (sub === 'show' && (positionals.length > 1 || values.format !== undefined || allowIncompleteOfac)) {
    console.error(LISTS_USAGE);
    return EXIT.USAGE;
  }
  if (sub === 'show') {
    const manifest = await readManifest(config.rulesDir);
    for (const l of manifest.lists) {
      const missing = l.incomplete?.length ? `\tINCOMPLETE: imported without ${l.incomplete.join(', ')}` : '';
      console.log(`${l.name}\t${l.file}\t${l.format}\t${l.entryCount} entries\tversion ${manifestListVersion(l)}\tgenerated ${l.generatedAt ?? '?'}\tsha256 ${l.sha256}${missing}`);
    }
    return 0;
  }
  if (sub !== 'import' || !target || positionals.length > 2) {
    console.error(LISTS_USAGE);
    return EXIT.USAGE;
  }
  const format = values.format;
  if (format !== undefined && !isListFormat(format)) {
    console.error(`unknown --format "${format}"; use one of ${LIST_FORMATS.join(', ')}`);
    return EXIT.USAGE;
  }
  let result;
  // The whole ruleset must load with the new list before the import stands: else the manifest is put back.
  let rs: Ruleset | undefined;
  try {
    result = await importListFile(target, {
      rulesDir: config.rulesDir,
      maxShrink: config.listMaxShrink,
      onProgress: progressBar(process.stderr),
      ...(format ? { format } : {}),
      ...(allowIncompleteOfac ? { allowIncompleteOfac } : {}),
      check: async () => {
        rs = await createRulesetLoader(config)();
      },
    });
    process.stderr.write('\n');
  } catch (err) {
    process.stderr.write('\n');
    if (err instanceof ListValidationError) {
      console.error(`refused: ${err.message}\nThe active list stays in force.`);
      return 1;
    }
    throw err;
  }
  const { source, replaced } = result;
  if (result.unchanged) {
    console.log(`unchanged: ${target} is the active ${source.name} already (${result.storedAs}, ${source.entryCount} entries, version ${source.version}, sha256 ${source.sha256}); nothing was imported`);
    return 0;
  }
  console.log(
    `imported ${source.name}: ${source.entryCount} entries, version ${source.version}, sha256 ${source.sha256}${replaced ? ` (replaces ${replaced.file}, ${replaced.entryCount} entries)` : ''}`,
  );
  if (source.incomplete?.length) {
    // Loud: an operator's override that weakens screening must not scroll by unnoticed.
    const warning =
      `WARNING: ${source.name} was imported INCOMPLETE (${ALLOW_INCOMPLETE_OFAC_FLAG}): ${source.incomplete.join(', ')} missing. ` +
      `Aliases/addresses in the missing files are NOT screened. Recorded in the manifest (incomplete) and in the version ${source.version}.`;
    console.error(warning);
    console.log(warning);
  }
  const loaded = rs as Ruleset | undefined;
  if (!loaded) throw new Error('the ruleset was not loaded after the import');
  console.log(`ruleset ${loaded.version} ${loaded.hash} loads and validates`);
  try {
    const db = await openDatabase(config.storage);
    try {
      await db.migrate();
      await db.db.transaction((tx) =>
        recordAuditEvent(tx as never, {
          type: 'list.imported',
          payload: {
            name: source.name,
            file: result.storedAs,
            format: source.format,
            entryCount: source.entryCount,
            sha256: source.sha256,
            generatedAt: source.generatedAt,
            version: source.version ?? null,
            incomplete: source.incomplete ?? null,
            replaced: replaced?.file ?? null,
            rulesetHash: loaded.hash,
          },
          apiKeyId: null,
        }),
      );
    } finally {
      await db.close();
    }
  } catch (err) {
    console.error(`warning: the import could not be recorded in the audit log (${(err as Error).message}); it will be when a service activates the ruleset`);
  }
  console.log('running services: POST /v1/rules/reload (admin) or restart to activate it');
  return 0;
}
