import type { InputBlock, StaticSelect } from '@slack/types';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { Pipeline } from '../../src/crm/port.js';
import {
  digestSettingsModal,
  readDigestSettings,
  readDigestSettingsMetadata,
  type ViewStateValues,
} from '../../src/ui/digest-settings-modal.js';
import { createDigestSchedule } from '../../src/domain/digest-schedule.js';
import { ActionId, CallbackId } from '../../src/ui/ids.js';
import { assertWithinBlockKitLimits, plainTexts } from '../helpers/block-kit-limits.js';
import { partnerPipeline, salesPipeline } from '../helpers/digest-fake-crm.js';

const NOW = DateTime.fromISO('2026-03-10T10:00:00', { zone: 'Europe/Berlin' });

const inputBlock = (view: ReturnType<typeof digestSettingsModal>, id: string): InputBlock => {
  const block = view.blocks.find((b) => b.block_id === id);
  if (!block || block.type !== 'input') throw new Error(`no input ${id}`);
  return block as InputBlock;
};

/** A submission as Slack sends it, for the values given. */
function submission(values: {
  frequency?: string;
  time?: string;
  zone?: string;
  pipeline?: string;
  sections?: string[];
  staleDays?: string;
}): ViewStateValues {
  return {
    [ActionId.digestFrequency]: {
      [ActionId.digestFrequency]: { type: 'static_select', selected_option: values.frequency ? { value: values.frequency } : null },
    },
    [ActionId.digestTime]: { [ActionId.digestTime]: { type: 'plain_text_input', value: values.time ?? null } },
    [ActionId.digestZone]: {
      [ActionId.digestZone]: { type: 'static_select', selected_option: values.zone ? { value: values.zone } : null },
    },
    [ActionId.digestPipeline]: {
      [ActionId.digestPipeline]: { type: 'static_select', selected_option: values.pipeline ? { value: values.pipeline } : null },
    },
    [ActionId.digestSections]: {
      [ActionId.digestSections]: { type: 'multi_static_select', selected_options: (values.sections ?? []).map((value) => ({ value })) },
    },
    [ActionId.digestStaleDays]: { [ActionId.digestStaleDays]: { type: 'number_input', value: values.staleDays ?? null } },
  };
}

describe('digestSettingsModal', () => {
  it('offers a new schedule prefilled with weekdays at 09:00 in the person’s zone, every section on', () => {
    const view = digestSettingsModal({
      channelId: 'C0SALES',
      pipelines: [salesPipeline, partnerPipeline],
      current: null,
      defaultZone: 'America/New_York',
    });
    assertWithinBlockKitLimits(view);
    expect(view.callback_id).toBe(CallbackId.digestSettingsModal);
    expect(readDigestSettingsMetadata(view.private_metadata ?? '')).toEqual({ channelId: 'C0SALES', scheduleId: null });
    const frequency = inputBlock(view, ActionId.digestFrequency).element as StaticSelect;
    expect(frequency.initial_option?.value).toBe('weekdays');
    expect(frequency.options?.map((o) => o.value)).toContain('off');
    expect(inputBlock(view, ActionId.digestTime).element).toMatchObject({ initial_value: '09:00' });
    expect((inputBlock(view, ActionId.digestZone).element as StaticSelect).initial_option?.value).toBe('America/New_York');
    const pipeline = inputBlock(view, ActionId.digestPipeline).element as StaticSelect;
    expect(pipeline.options?.map((o) => o.text.text)).toEqual(['Default pipeline (Sales)', 'Sales', 'Partners']);
    expect(inputBlock(view, ActionId.digestSections).element).toMatchObject({
      initial_options: expect.arrayContaining([expect.objectContaining({ value: 'stale' })]),
    });
  });

  it('groups every time zone by region, no group over Slack’s 100 options', () => {
    const view = digestSettingsModal({ channelId: 'C0SALES', pipelines: [salesPipeline], current: null, defaultZone: 'Europe/Berlin' });
    const zone = inputBlock(view, ActionId.digestZone).element as StaticSelect;
    const groups = zone.option_groups ?? [];
    expect(groups.map((g) => g.label.text)).toEqual(expect.arrayContaining(['Europe', 'America (1/2)', 'America (2/2)', 'Other']));
    expect(groups.every((g) => g.options.length <= 100)).toBe(true);
    expect(groups.flatMap((g) => g.options).length).toBeGreaterThan(400);
  });

  it('edits the channel’s schedule with its values, and says when it is paused', () => {
    const current = {
      ...createDigestSchedule(
        {
          channelId: 'C0SALES',
          pipelineId: '2',
          frequency: { kind: 'weekly', day: 'fri' },
          time: '16:30',
          zone: 'Australia/Sydney',
          createdBy: 'U1',
          sections: ['board', 'forecast'],
          staleDays: 30,
        },
        NOW,
      ),
      paused: true,
      pausedReason: 'is_archived',
    };
    const view = digestSettingsModal({
      channelId: 'C0SALES',
      pipelines: [salesPipeline, partnerPipeline],
      current,
      defaultZone: 'Europe/Berlin',
    });
    assertWithinBlockKitLimits(view);
    expect((inputBlock(view, ActionId.digestFrequency).element as StaticSelect).initial_option?.value).toBe('weekly:fri');
    expect(inputBlock(view, ActionId.digestTime).element).toMatchObject({ initial_value: '16:30' });
    expect((inputBlock(view, ActionId.digestZone).element as StaticSelect).initial_option?.value).toBe('Australia/Sydney');
    expect((inputBlock(view, ActionId.digestPipeline).element as StaticSelect).initial_option?.value).toBe('2');
    expect(inputBlock(view, ActionId.digestStaleDays).element).toMatchObject({ initial_value: '30' });
    expect(readDigestSettingsMetadata(view.private_metadata ?? '')).toEqual({ channelId: 'C0SALES', scheduleId: 'C0SALES.2' });
    expect(JSON.stringify(view.blocks)).toContain('This digest is paused: the channel was archived. Saving starts it again.');
  });

  it('stays within limits with hundreds of pipelines and a hostile banner', () => {
    const pipelines: Pipeline[] = Array.from({ length: 250 }, (_, i) => ({
      id: String(i),
      name: `<!channel> pipeline ${i} ${'x'.repeat(100)}`,
      order: i,
      isDefault: i === 0,
    }));
    const view = digestSettingsModal({
      channelId: 'C0SALES',
      pipelines,
      current: null,
      defaultZone: 'Nowhere/Special',
      banner: '<!here> *failed*',
    });
    assertWithinBlockKitLimits(view);
    expect(plainTexts(view)).toContain('Pipeline digest');
  });
});

describe('readDigestSettings', () => {
  it('reads a submission back into settings', () => {
    expect(
      readDigestSettings(
        submission({
          frequency: 'weekly:mon',
          time: '8:30',
          zone: 'Europe/Berlin',
          pipeline: '2',
          sections: ['board', 'stale', 'nonsense'],
          staleDays: '21',
        }),
      ),
    ).toEqual({
      ok: true,
      settings: {
        frequency: { kind: 'weekly', day: 'mon' },
        time: '08:30',
        zone: 'Europe/Berlin',
        pipelineId: '2',
        sections: ['board', 'stale'],
        staleDays: 21,
      },
    });
    const daily = readDigestSettings(
      submission({ frequency: 'daily', time: '5pm', zone: 'UTC', pipeline: '__default__', sections: ['forecast'] }),
    );
    expect(daily).toMatchObject({ ok: true, settings: { frequency: { kind: 'daily' }, time: '17:00', pipelineId: null, staleDays: 14 } });
  });

  it('reads "off" as turning the digest off, whatever else is filled in', () => {
    expect(readDigestSettings(submission({ frequency: 'off', time: 'whenever' }))).toMatchObject({
      ok: true,
      settings: { frequency: null },
    });
  });

  it('answers each bad field next to it', () => {
    const result = readDigestSettings(submission({ frequency: 'daily', time: '25:00', zone: 'Mars/Base', sections: [], staleDays: '0' }));
    expect(result).toEqual({
      ok: false,
      errors: {
        [ActionId.digestTime]: 'Use 24-hour HH:MM, e.g. 08:30 or 17:00.',
        [ActionId.digestZone]: 'Pick a time zone.',
        [ActionId.digestSections]: 'Pick at least one section.',
        [ActionId.digestStaleDays]: 'A whole number of days from 1 to 365.',
      },
    });
    expect(readDigestSettings(submission({}))).toMatchObject({ ok: false, errors: { [ActionId.digestFrequency]: 'Pick how often.' } });
  });

  it('refuses metadata that is not its own', () => {
    expect(readDigestSettingsMetadata('not json')).toBeNull();
    expect(readDigestSettingsMetadata('{"dealId":"1"}')).toBeNull();
  });
});
