const SPACES = /\s+/g;

/**
 * Partner names compare trimmed, with repeated spaces collapsed, case-insensitively:
 * the store keeps them unique by this, and routing finds a named partner by it.
 */
export function normaliseName(name: string): string {
  return name.trim().replace(SPACES, ' ').toLowerCase();
}
