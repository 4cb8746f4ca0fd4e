// Recognises a backend that refuses writes because it is read-only, whatever says so: SQLite
// (`SQLITE_READONLY`, a file, folder or mount without write access, or `PRAGMA query_only`)
// or Redis (`READONLY`, a replica). Such a store still answers reads, so it looks healthy
// until the first write; naming it lets start-up and readiness say what to fix.

export function isReadOnlyError(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_READONLY')) return true;
    if (/^READONLY\b|attempt to write a readonly database/.test(current.message)) return true;
  }
  return false;
}
