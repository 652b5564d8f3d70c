// Citations of the behaviour reference in lib/ resolve: each names the file as installed (express-bucket-cors/docs/behaviour.md,
// shipped through package.json `files`) and each section, V row, T vector or §15 choice it names exists there.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const SHIPPED = 'express-bucket-cors/docs/behaviour.md';
/** Files other engineers own: their citations must resolve too; the installed name is theirs to add (none left). */
const NAMED_BY_THEIR_OWNERS = new Set<string>();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

const reference = readFileSync(join(ROOT, 'docs', 'behaviour.md'), 'utf8');
const headings = new Set([...reference.matchAll(/^#{2,3} (\d+(?:\.\d+)?)\.? /gm)].map((match) => match[1]!));
const rows = new Set([...reference.matchAll(/^\| ([VT]?\d+(?:\.\d+)?) \|/gm)].map((match) => match[1]!));

/** Every citation in lib/: the file as written and the places it names (`§8.2`, `V4`, `T05`, `§15.11`). */
const citations = sourceFiles(join(ROOT, 'lib')).flatMap((file) => {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/([\w./-]*)behaviour\.md([^\n)]*)/g)].map((match) => ({
    file: relative(ROOT, file),
    written: `${match[1]}behaviour.md`,
    places: [...match[2]!.matchAll(/§(\d+(?:\.\d+)?)|\b([VT]\d+)\b/g)].map((place) => place[1] ?? place[2]!),
  }));
});

test('lib/ cites the behaviour reference in many places', () => {
  expect(citations.length).toBeGreaterThan(40);
});

test('every citation names the file as installed, so hover docs resolve in node_modules', () => {
  const elsewhere = citations.filter((citation) => citation.written !== SHIPPED && !NAMED_BY_THEIR_OWNERS.has(citation.file));
  expect(elsewhere).toEqual([]);
  expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).files).toContain('docs/behaviour.md');
});

test('every section, row and vector a citation names exists in docs/behaviour.md', () => {
  const missing = citations.flatMap((citation) =>
    citation.places.filter((place) => !headings.has(place) && !rows.has(place)).map((place) => `${citation.file}: ${place}`),
  );
  expect(missing).toEqual([]);
});
