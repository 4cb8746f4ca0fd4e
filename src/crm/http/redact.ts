// Removes credentials from anything an HTTP error or a log line keeps: URLs, messages,
// parsed bodies and causes. A CRM may echo a token back (in a 401 body, in a URL it
// quotes), so redaction happens on everything we store, not only on what we built.

const CENSOR = '[redacted]';

export interface Redactor {
  /** The text with every secret (raw or URL-encoded) replaced by `[redacted]`. */
  text(value: string): string;
  /** A copy of a parsed JSON value with every string, object keys included, redacted. */
  value(value: unknown): unknown;
  /** The error itself when it holds no secret, else a copy whose message and stack are redacted. */
  cause(error: unknown): unknown;
}

/** Secrets shorter than this are not redacted: replacing "1" everywhere would ruin messages. */
const MIN_SECRET_LENGTH = 4;

export function createRedactor(secrets: readonly string[]): Redactor {
  const needles = [
    ...new Set(
      secrets
        .filter((s) => s.length >= MIN_SECRET_LENGTH)
        .flatMap((s) => [s, encodeURIComponent(s), new URLSearchParams({ s }).toString().slice(2)]),
    ),
  ].sort((a, b) => b.length - a.length);

  const text = (value: string): string => {
    let out = value;
    for (const needle of needles) out = out.split(needle).join(CENSOR);
    return out;
  };

  const holdsSecret = (value: string): boolean => needles.some((needle) => value.includes(needle));

  const redactValue = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return text(value);
    if (depth > 20 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
    // Keys too: a CRM may echo a token as a key (`{"<token>": …}`), and a key is logged like a value.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [text(k), redactValue(v, depth + 1)]));
  };

  const cause = (error: unknown): unknown => {
    if (!(error instanceof Error)) return typeof error === 'string' ? text(error) : error;
    const inner = error.cause === undefined ? undefined : cause(error.cause);
    if (!holdsSecret(`${error.message}\n${error.stack ?? ''}`) && inner === error.cause) return error;
    // Rebuilt only because the original quotes a credential; name and chain are kept.
    const copy = new Error(text(error.message), inner === undefined ? undefined : { cause: inner });
    copy.name = error.name;
    copy.stack = text(error.stack ?? '');
    return copy;
  };

  if (needles.length === 0) return { text: (value) => value, value: (value) => value, cause: (error) => error };
  return { text, value: (value) => redactValue(value, 0), cause };
}
