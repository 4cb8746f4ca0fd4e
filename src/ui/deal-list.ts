// Lists of deals and stages to choose from: search results (`/deal find`), "which deal did
// you mean?" when words match several deals, and "which stage?" when a stage name matches
// none or several. Each row is a section with one button, so every button keeps its plain
// action id (Slack refuses two equal action ids inside one block). Long lists are cut with
// an "and N more" line.

import type { Button, KnownBlock, SectionBlock } from '@slack/types';
import type { Deal, DealHit, Stage } from '../crm/port.js';
import type { DealCommandOnDeal } from '../parse/deal-command.js';
import { formatMoney, statusLabel } from './format.js';
import { ActionId, SlackLimits, encodeDealStage } from './ids.js';
import { codeSpan, escapeMrkdwn, mrkdwnText, plainText, truncate } from './mrkdwn.js';

/** What a "which deal?" picker finishes once a deal is chosen; its button carries it with the deal id. */
export type PendingDealAction = {
  /** The `/deal` subcommand being finished; a new one that acts on a deal is offered here by the compiler. */
  op: DealCommandOnDeal['kind'];
  stage?: string;
  reason?: string | null;
};

type Message = { text: string; blocks: KnownBlock[] };

const TITLE_MAX = 150;
const NAME_MAX = 80;
const QUERY_MAX = 100;
/** The most rows a message can hold next to its prompt and its "and N more" line. */
const ROWS_MAX = SlackLimits.messageBlocks - 2;
const PICKER_CHOICES = 10;

const quoted = (words: string): string => `“${escapeMrkdwn(truncate(words.trim(), QUERY_MAX))}”`;

const section = (text: string, accessory?: Button): SectionBlock => ({
  type: 'section',
  text: mrkdwnText(text, SlackLimits.sectionText),
  ...(accessory ? { accessory } : {}),
});

const context = (text: string): KnownBlock => ({ type: 'context', elements: [mrkdwnText(text, SlackLimits.sectionText)] });

const button = (label: string, actionId: string, value: string): Button => ({
  type: 'button',
  text: plainText(label, SlackLimits.buttonText),
  action_id: actionId,
  value,
});

/** `*Acme renewal*` and a second line: value · stage · status · organization. */
function hitRow(hit: DealHit, stageNames: Map<string, string>): string {
  const stage = hit.stageId ? stageNames.get(hit.stageId) : undefined;
  const details = [
    hit.value ? formatMoney(hit.value) : null,
    stage ? escapeMrkdwn(truncate(stage, NAME_MAX)) : null,
    statusLabel(hit.status),
    hit.organizationName ? escapeMrkdwn(truncate(hit.organizationName, NAME_MAX)) : null,
  ].filter((d): d is string => d !== null);
  const title = hit.title.trim() === '' ? 'Untitled deal' : hit.title;
  return `*${escapeMrkdwn(truncate(title, TITLE_MAX))}* #${escapeMrkdwn(hit.id)}\n${details.join(' · ')}`;
}

/** "and 12 more — …"; `more` says the CRM has matches beyond the ones we got. */
function moreLine(hidden: number, more: boolean, advice: string): string | null {
  if (hidden > 0) return `and ${hidden}${more ? '+' : ''} more — ${advice}`;
  if (more) return `More deals match — ${advice}`;
  return null;
}

export interface DealListInput {
  hits: DealHit[];
  query: string;
  more: boolean;
  stageNames: Map<string, string>;
  /** Rows to show; default 10. */
  max?: number;
}

/** Search results, one row per deal with an "Open" button. */
export function dealList(input: DealListInput): Message {
  const { hits, query, more, stageNames } = input;
  if (hits.length === 0) {
    const words = query.trim();
    const text = words
      ? `No deals match ${quoted(words)}. Try fewer words, or ${codeSpan(`/deal new ${truncate(words, QUERY_MAX)}`)} to create one.`
      : 'No deals found. Try `/deal find` with a few words of the title.';
    return { text, blocks: [section(text)] };
  }
  const max = Math.max(1, Math.min(input.max ?? 10, ROWS_MAX));
  const shown = hits.slice(0, max);
  const title = query.trim() ? `Deals matching ${quoted(query)}` : 'Deals';
  const blocks: KnownBlock[] = [section(`*${title}*`)];
  for (const hit of shown) blocks.push(section(hitRow(hit, stageNames), button('Open', ActionId.openDeal, hit.id)));
  const rest = moreLine(hits.length - shown.length, more, 'narrow your search');
  if (rest) blocks.push(context(rest));
  const count = `${hits.length}${more ? '+' : ''} deal${hits.length === 1 && !more ? '' : 's'}`;
  return { text: `${title}: ${count}`, blocks };
}

const PENDING_STAGE_MAX = 200;
const PENDING_REASON_MAX = 1000;

/**
 * The picker button's value. It must stay within Slack's 2000 characters (and the sizes
 * the listener accepts), so a long reason is cut, more if JSON escaping makes it grow.
 */
export function encodePendingAction(action: PendingDealAction, dealId: string): string {
  const encode = (reasonMax: number): string => {
    const value: PendingDealAction & { dealId: string } = { op: action.op, dealId };
    if (action.stage !== undefined) value.stage = truncate(action.stage, PENDING_STAGE_MAX);
    if (action.reason !== undefined) value.reason = action.reason === null ? null : truncate(action.reason, reasonMax);
    return JSON.stringify(value);
  };
  let reasonMax = PENDING_REASON_MAX;
  let value = encode(reasonMax);
  while (value.length > SlackLimits.actionValue && reasonMax > 0) {
    reasonMax = Math.floor(reasonMax / 2);
    value = encode(reasonMax);
  }
  return value;
}

export interface DealPickerInput {
  hits: DealHit[];
  stageNames: Map<string, string>;
  /** Plain words, e.g. "Which deal do you want to move to Proposal?"; escaped here. */
  prompt: string;
  action: PendingDealAction;
}

/** "Which deal did you mean?": up to 10 deals, each with a button that finishes `action`. */
export function dealPicker(input: DealPickerInput): Message {
  const prompt = escapeMrkdwn(truncate(input.prompt, 500));
  const shown = input.hits.slice(0, PICKER_CHOICES);
  const blocks: KnownBlock[] = [section(prompt)];
  for (const hit of shown) {
    blocks.push(section(hitRow(hit, input.stageNames), button('Choose', ActionId.pickDeal, encodePendingAction(input.action, hit.id))));
  }
  const rest = moreLine(input.hits.length - shown.length, false, 'add words to narrow it down, or use the deal’s number');
  if (rest) blocks.push(context(rest));
  return { text: prompt, blocks };
}

export interface StagePickerInput {
  deal: Deal;
  /** The candidates, or every stage of the pipeline. */
  stages: Stage[];
  query: string;
  reason: 'unknown' | 'ambiguous';
  pipelineName: string | null;
}

/** "Which stage?" after a stage name that matched none or several: one button per stage. */
export function stagePicker(input: StagePickerInput): Message {
  const { deal, stages, query, reason, pipelineName } = input;
  const dealTitle = `*${escapeMrkdwn(truncate(deal.title.trim() || 'Untitled deal', TITLE_MAX))}*`;
  const where = pipelineName ? ` in ${escapeMrkdwn(truncate(pipelineName, NAME_MAX))}` : '';
  const prompt =
    reason === 'unknown'
      ? `No stage called ${quoted(query)}${where}. Pick one for ${dealTitle}:`
      : `${quoted(query)} matches several stages${where}. Pick one for ${dealTitle}:`;
  const blocks: KnownBlock[] = [section(prompt)];
  if (stages.length === 0) {
    blocks.push(context('This pipeline has no stages to move to.'));
    return { text: prompt, blocks };
  }
  // Everything fits in one message up to 49 stages; beyond, one row makes room for "and N more".
  const room = stages.length <= ROWS_MAX + 1 ? ROWS_MAX + 1 : ROWS_MAX;
  const shown = stages.slice(0, room);
  for (const stage of shown) {
    const name = `*${escapeMrkdwn(truncate(stage.name, NAME_MAX))}*`;
    blocks.push(
      stage.id === deal.stageId
        ? section(`${name} (current stage)`)
        : section(name, button('Move here', ActionId.pickStage, encodeDealStage({ dealId: deal.id, stageId: stage.id }))),
    );
  }
  const hidden = stages.length - shown.length;
  if (hidden > 0) {
    blocks.push(context(`and ${hidden} more — type ${codeSpan(`/deal move ${deal.id} to`)} and the stage’s full name`));
  }
  return { text: prompt, blocks };
}

const PICKER_PROMPTS: Record<PendingDealAction['op'], (p: PendingDealAction) => string> = {
  show: () => 'Several deals match. Which one?',
  move: (p) => `Which deal do you want to move to ${p.stage ?? 'another stage'}?`,
  won: () => 'Which deal did you win?',
  lost: () => 'Which deal was lost?',
  reopen: () => 'Which deal do you want to reopen?',
  timeline: () => 'Whose timeline do you want to see?',
};

/** The question over a "which deal?" picker that finishes `action`, in plain words (`dealPicker` escapes it). */
export function pickerPrompt(action: PendingDealAction): string {
  return PICKER_PROMPTS[action.op](action);
}
