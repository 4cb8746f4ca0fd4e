// The table the fault suite prints at the end: each fault tried, where, what the person saw,
// how many attempts reached Pipedrive, what was created, and whether the app answered the
// next request. The assertions live in the tests; this is the summary a reviewer reads.
// "What the person saw" is never typed by a test: a row names the Slack call that carried
// it (a response_url post, chat.postEphemeral, chat.postMessage, views.update…), as the
// stand-in recorded it, and the words are read from there. A call Slack refused reached
// nobody, so it cannot stand for what the person saw.

import type { StandinCall } from '../../src/console/slack-api-standin.js';
import { visibleText } from '../../bench/support/dealbot-over-http.js';

export interface FaultOutcome {
  fault: string;
  /** The request that met the fault, e.g. `/deal 7` or `create modal`. */
  where: string;
  /** The Slack call that told the person (as the stand-in recorded it). */
  saw: StandinCall;
  /** Where the words that matter begin in it (e.g. the warning in a redrawn modal); the start when absent or not found. */
  sawFrom?: RegExp;
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
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join(' | ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(headers.map((h) => r[h] ?? '')))].join('\n');
}

/** `[method] words…`: what the person read, from the recorded call, starting at `from`. */
export function personSaw(call: StandinCall, from?: RegExp): string {
  if (call.result.ok !== true) {
    throw new Error(`Slack refused this ${call.method} (${String(call.result.error)}): the person never saw it`);
  }
  const text = visibleText(call);
  const at = from ? text.search(from) : -1;
  return `[${call.method}] ${at > 0 ? `…${text.slice(at)}` : text}`;
}

export function createFaultReport(title: string): FaultReport {
  const outcomes: Array<FaultOutcome & { userSaw: string }> = [];
  return {
    add: (outcome) => outcomes.push({ ...outcome, userSaw: personSaw(outcome.saw, outcome.sawFrom) }),
    print() {
      if (outcomes.length === 0) return;
      const rows = outcomes.map((o) => ({
        fault: o.fault,
        where: o.where,
        'person saw': cut(o.userSaw, 80),
        attempts: o.attempts ? `${o.attempts.made} (max ${o.attempts.allowed})` : '',
        'POSTs→deals': o.creates ? `${o.creates.posts}→${o.creates.deals}` : '',
        next: o.nextRequestAnswered ? 'answered' : 'NO ANSWER',
        note: o.note ?? '',
      }));
      console.log(`\n${title}\n${textTable(rows)}\n`);
    },
  };
}
