// The table the fault suite prints at the end: each fault tried, where, what the person saw,
// how many attempts reached Pipedrive, what was created, and whether the app answered the
// next request. The assertions live in the tests; this is the summary a reviewer reads.

export interface FaultOutcome {
  fault: string;
  /** The request that met the fault, e.g. `/deal 7` or `create modal`. */
  where: string;
  /** The first words the person read. */
  userSaw: string;
  /** Requests that reached the faulty endpoint, and the most allowed (1 + maxRetries, or 1 for a create). */
  attempts?: { made: number; allowed: number };
  /** `POST /api/v2/deals` requests and the deals that exist afterwards with the submitted title. */
  creates?: { posts: number; deals: number };
  nextRequestAnswered: boolean;
  /** Anything a reviewer should look at. */
  note?: string;
}

export interface FaultReport {
  add(outcome: FaultOutcome): void;
  print(): void;
}

const cut = (text: string, max: number): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** Columns padded to their widest cell; plain text so CI logs stay readable. */
export function textTable(rows: Array<Record<string, string>>): string {
  const first = rows[0];
  if (!first) return '';
  const headers = Object.keys(first);
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => (r[h] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(headers.map((h) => r[h] ?? '')))].join('\n');
}

export function createFaultReport(title: string): FaultReport {
  const outcomes: FaultOutcome[] = [];
  return {
    add: (outcome) => outcomes.push(outcome),
    print() {
      if (outcomes.length === 0) return;
      const rows = outcomes.map((o) => ({
        fault: o.fault,
        where: o.where,
        'person saw': cut(o.userSaw, 60),
        attempts: o.attempts ? `${o.attempts.made} (max ${o.attempts.allowed})` : '',
        'POSTs→deals': o.creates ? `${o.creates.posts}→${o.creates.deals}` : '',
        next: o.nextRequestAnswered ? 'answered' : 'NO ANSWER',
        note: o.note ?? '',
      }));
      console.log(`\n${title}\n${textTable(rows)}\n`);
    },
  };
}
