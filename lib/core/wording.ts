// How messages name rules and list things, the same in validation, explain, lint, the dialects and the CLI.

/** `rule 2` or `rule 2 ("uploads")`: rules are numbered from 1 in messages. */
export function ruleLabel(index: number, id: string | undefined): string {
  return id === undefined || id === '' ? `rule ${index + 1}` : `rule ${index + 1} (${JSON.stringify(id)})`;
}

/** `a`, `a and b`, `a, b and c`. */
export function joinWords(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
