// The TypeScript and JavaScript code blocks of a Markdown file (README.md unless given), with where they are, for tests that compile and run them.

import { readFileSync } from 'node:fs';
import path from 'node:path';

/** One fenced code block of README.md in a language the tests compile. */
export interface ReadmeBlock {
  readonly language: 'ts' | 'js';
  /** The block's text, without the fences. */
  readonly code: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** Text of the last `##` or `###` heading above the block. */
  readonly section: string;
}

const LANGUAGES: Readonly<Record<string, ReadmeBlock['language']>> = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js' };

export const README_PATH = path.join(__dirname, '..', '..', 'README.md');

/** Every ```ts / ```typescript / ```js / ```javascript block of `markdown`, in order. */
export function readmeBlocks(markdown: string = readFileSync(README_PATH, 'utf8')): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = [];
  const lines = markdown.split('\n');
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(`{3,})\s*([\w-]*)/.exec(lines[i]!);
    if (fence === null) {
      const heading = /^#{2,3}\s+(.*)$/.exec(lines[i]!);
      if (heading !== null) section = heading[1]!.trim();
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith(fence[1]!); i++) body.push(lines[i]!);
    const language = LANGUAGES[fence[2]!.toLowerCase()];
    if (language !== undefined) blocks.push({ language, code: `${body.join('\n')}\n`, line: start + 1, section });
  }
  return blocks;
}
