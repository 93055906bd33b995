import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Index } from '@leadrelay/store';
import { type FunctionName, functionNames, functionSpecs } from '../../functions/registry';

/** One DynamoDB call as record-table-calls.mjs saw it: which handler, which IAM action, on what. */
export interface TableCall {
  fn: string;
  action: string;
  /** `table`, or the index's physical name (GSI1..GSI8). */
  on: string;
}

export function readTableCalls(file: string): TableCall[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as TableCall);
}

/** What the registry entry grants (what the stack grants), as `<action> on <table | index>`. */
export function grantedCalls(name: FunctionName): Set<string> {
  const { items, query = [] } = functionSpecs[name].table;
  // The recorder sees DynamoDB's index names; the registry names an index by its access pattern.
  const on = query.map((target) => (target === 'table' ? 'table' : Index[target].indexName));
  return new Set([...items.map((a) => `${a} on table`), ...on.map((target) => `Query on ${target}`)]);
}

/** The calls of the registry's functions that their grant does not cover: AccessDenied on AWS. */
export function notGranted(calls: readonly TableCall[]): string[] {
  const denied = calls
    .filter(({ fn }) => (functionNames as readonly string[]).includes(fn))
    .map(({ fn, action, on }) => ({ fn: fn as FunctionName, call: `${action} on ${on}` }))
    .filter(({ fn, call }) => !grantedCalls(fn).has(call))
    .map(({ fn, call }) => `${fn}: ${call}`);
  return [...new Set(denied)].sort();
}

/**
 * `npx tsx test/support/check-table-calls.ts <calls.jsonl>`: exits 1 naming every
 * call a function would be denied on AWS, and lists the declared actions no run
 * exercised (for a reader to justify from the code, not an error).
 */
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: check-table-calls.ts <calls.jsonl>');
  const calls = readTableCalls(file);
  for (const name of functionNames) {
    const used = new Set(calls.filter((c) => c.fn === name).map((c) => `${c.action} on ${c.on}`));
    const unused = [...grantedCalls(name)].filter((call) => !used.has(call));
    console.log(`${name}: used ${[...used].sort().join(', ') || 'nothing'}`);
    if (unused.length > 0) console.log(`  declared, not seen: ${unused.sort().join(', ')}`);
  }
  const denied = notGranted(calls);
  if (denied.length > 0) {
    console.error(`\nNot granted (AccessDenied on AWS):\n  ${denied.join('\n  ')}`);
    process.exit(1);
  }
}
