// The options of a static select of any length. Slack shows at most 100 options in a flat
// list, but a select may hold up to 100 groups of 100: beyond 100 the options go into groups
// named by their positions ("101–200"), so the 250th stage of a long pipeline can still be
// picked. Only past 10,000 are options cut.

import type { PlainTextElement, PlainTextOption } from '@slack/types';
import { SlackLimits } from './ids.js';
import { plainText } from './mrkdwn.js';

export type SelectOptions =
  { options: PlainTextOption[] } | { option_groups: Array<{ label: PlainTextElement; options: PlainTextOption[] }> };

/** The most options a static select can hold (100 groups × 100 options). */
export const SELECT_OPTIONS_MAX = SlackLimits.selectOptions * SlackLimits.selectOptions;

/** `options` as a flat list when they fit, else in groups of 100. */
export function selectOptions(options: PlainTextOption[]): SelectOptions {
  const fitting = options.slice(0, SELECT_OPTIONS_MAX);
  if (fitting.length <= SlackLimits.selectOptions) return { options: fitting };
  const groups: Array<{ label: PlainTextElement; options: PlainTextOption[] }> = [];
  for (let start = 0; start < fitting.length; start += SlackLimits.selectOptions) {
    const end = Math.min(start + SlackLimits.selectOptions, fitting.length);
    groups.push({ label: plainText(`${start + 1}–${end}`, SlackLimits.optionText), options: fitting.slice(start, end) });
  }
  return { option_groups: groups };
}

/** Every option of a select, grouped or not (to find an initial option, or in tests). */
export function allOptions(select: {
  options?: PlainTextOption[];
  option_groups?: Array<{ options: PlainTextOption[] }>;
}): PlainTextOption[] {
  return select.options ?? (select.option_groups ?? []).flatMap((g) => g.options);
}
