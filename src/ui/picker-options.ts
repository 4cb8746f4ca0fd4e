// The options an external select offers while someone types: organizations and persons by
// name, deals as "#42 Acme renewal · €12,000 · Open". Slack shows at most 100 options of
// at most 75 characters; option values are ids, far below the 150-character value limit.

import type { PlainTextOption } from '@slack/types';
import type { DealHit, PartyRef } from '../crm/port.js';
import { formatMoney, statusLabel } from './format.js';
import { SlackLimits } from './ids.js';
import { plainText } from './mrkdwn.js';

const OPTION_VALUE_MAX = 150;

const option = (text: string, value: string): PlainTextOption => ({ text: plainText(text, SlackLimits.optionText), value });

const fitting = (options: PlainTextOption[]): PlainTextOption[] =>
  options.filter((o) => (o.value ?? '').length > 0 && (o.value ?? '').length <= OPTION_VALUE_MAX).slice(0, SlackLimits.selectOptions);

export function partyOptions(parties: PartyRef[]): PlainTextOption[] {
  return fitting(parties.map((p) => option(p.name.trim() || `#${p.id}`, p.id)));
}

/** The title comes first so a long one is cut, not the id people may recognise it by. */
export function dealOptions(hits: DealHit[]): PlainTextOption[] {
  return fitting(
    hits.map((hit) => {
      const details = [hit.value ? formatMoney(hit.value) : null, statusLabel(hit.status)].filter(Boolean).join(' · ');
      const title = hit.title.trim() || 'Untitled deal';
      const room = SlackLimits.optionText - details.length - ` · #${hit.id}`.length - 3;
      const shortTitle = title.length > room && room > 10 ? `${title.slice(0, room - 1).trimEnd()}…` : title;
      return option(`${shortTitle} · #${hit.id} · ${details}`, hit.id);
    }),
  );
}
