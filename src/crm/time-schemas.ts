// The zod schemas that turn a CRM's date-times into luxon `DateTime`s, built from that CRM's
// own reader (its formats differ; what an unreadable or unset time means does not): a
// required time fails the parse when unreadable, and an optional one is null when the CRM
// sends null, nothing or "".

import type { DateTime } from 'luxon';
import { z } from 'zod';

/**
 * `parse` reads one CRM's time (null when unreadable); `what` names the expected value in the
 * issue a bad one raises, e.g. `a date-time`.
 */
export function dateTimeSchemas(parse: (value: string) => DateTime | null, what = 'a date-time') {
  const timestamp = z.string().transform((value, ctx) => {
    const parsed = parse(value);
    if (parsed) return parsed;
    ctx.addIssue({ code: 'custom', message: `not ${what}: ${JSON.stringify(value)}` });
    return z.NEVER;
  });

  const optionalTimestamp = z
    .string()
    .nullish()
    .transform((value, ctx) => {
      if (value === null || value === undefined || value.trim() === '') return null;
      const parsed = parse(value);
      if (parsed) return parsed;
      ctx.addIssue({ code: 'custom', message: `not ${what}: ${JSON.stringify(value)}` });
      return z.NEVER;
    });

  return { timestamp, optionalTimestamp };
}
