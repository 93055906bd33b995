/**
 * A request path as it may be logged. An email link's path, `/l/{token}`, holds
 * the token itself, and whoever holds it can view and act on the lead, so the
 * token never reaches a log; every other path is kept as it is.
 */
export function loggablePath(path: string): string {
  return path.replace(/^\/l\/[^/?#]*/, '/l/{token}');
}
