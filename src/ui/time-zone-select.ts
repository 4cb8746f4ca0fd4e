// The time-zone select of the settings modals (digests, alerts' quiet hours): every zone
// Dealbot supports, grouped by region (`Europe`, `America`…), a region over Slack's 100
// options per group split in parts. A zone the list lacks but a person has is kept.

import type { PlainTextOption, StaticSelect } from '@slack/types';
import { supportedTimeZones } from '../domain/time-zones.js';
import { SlackLimits } from './ids.js';
import { plainText } from './mrkdwn.js';

const option = (text: string, value: string): PlainTextOption => ({ text: plainText(text, SlackLimits.optionText), value });

export function timeZoneSelect(actionId: string, initialZone: string): StaticSelect {
  const zones = [...supportedTimeZones()];
  if (!zones.includes(initialZone)) zones.push(initialZone);
  const byRegion = new Map<string, string[]>();
  for (const zone of zones) {
    const region = zone.includes('/') ? (zone.split('/')[0] ?? 'Other') : 'Other';
    byRegion.set(region, [...(byRegion.get(region) ?? []), zone]);
  }
  const groups: NonNullable<StaticSelect['option_groups']> = [];
  for (const [region, list] of [...byRegion].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = list.sort();
    const parts = Math.ceil(sorted.length / SlackLimits.selectOptions);
    for (let i = 0; i < parts; i += 1) {
      const chunk = sorted.slice(i * SlackLimits.selectOptions, (i + 1) * SlackLimits.selectOptions);
      const label = parts === 1 ? region : `${region} (${i + 1}/${parts})`;
      groups.push({ label: plainText(label, SlackLimits.optionText), options: chunk.map((z) => option(z.replace(/_/g, ' '), z)) });
    }
  }
  const initial = groups.flatMap((g) => g.options).find((o) => o.value === initialZone);
  return {
    type: 'static_select',
    action_id: actionId,
    placeholder: plainText('Type a city, e.g. Berlin', 150),
    option_groups: groups.slice(0, SlackLimits.selectOptions),
    ...(initial ? { initial_option: initial } : {}),
  };
}
