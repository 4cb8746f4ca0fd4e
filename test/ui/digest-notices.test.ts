import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  digestListMessage,
  digestOffMessage,
  digestOwnerNotice,
  digestSubscribedMessage,
  inviteMeMessage,
} from '../../src/ui/digest-notices.js';
import { createDigestSchedule, type NewDigestSchedule } from '../../src/domain/digest-schedule.js';
import { assertWithinBlockKitLimits, displayedText, mrkdwnTexts } from '../helpers/block-kit-limits.js';

const NOW = DateTime.fromISO('2026-03-10T10:00:00', { zone: 'Europe/Berlin' });
const make = (overrides: Partial<NewDigestSchedule> = {}) =>
  createDigestSchedule(
    {
      channelId: 'C0SALES',
      pipelineId: '1',
      pipelineName: 'Sales',
      frequency: { kind: 'weekdays' },
      time: '08:30',
      zone: 'Europe/Berlin',
      createdBy: 'U0ADA',
      ...overrides,
    },
    NOW,
  );
const read = (message: { text: string; blocks: unknown[] }) => mrkdwnTexts(message.blocks).map(displayedText).join('\n');

describe('digest notices', () => {
  it('tells the channel who set which digest, when, and when the next one comes', () => {
    const message = digestSubscribedMessage({ schedule: make(), userId: 'U0ADA', now: NOW, zoneFromProfile: true });
    assertWithinBlockKitLimits(message);
    expect(read(message)).toContain(
      '🗓️ <@U0ADA> set a pipeline digest of *Sales* for this channel: every weekday at 08:30 (Europe/Berlin, <@U0ADA>’s Slack time zone). Next one: Wed, Mar 11, 08:30.',
    );
    expect(read(message)).toContain('stop it with `/pipeline digest off`');
  });

  it('names the sections when only some are on', () => {
    const message = digestSubscribedMessage({ schedule: make({ sections: ['board', 'stale'], staleDays: 30 }), userId: 'U0ADA', now: NOW });
    expect(read(message)).toContain('Sections: board, stale; stale after 30 days');
  });

  it('tells the channel who turned a digest off, or that there was none', () => {
    expect(read(digestOffMessage({ removed: [make()], userId: 'U0BOB' }))).toBe(
      '🔕 <@U0BOB> turned off the pipeline digest of *Sales* for this channel.',
    );
    expect(read(digestOffMessage({ removed: [], userId: 'U0BOB' }))).toContain('no pipeline digest to turn off');
  });

  it('lists the channel’s digests with their next run, paused ones with why', () => {
    const paused = {
      ...make({ pipelineId: null, pipelineName: null, frequency: { kind: 'daily' } }),
      paused: true,
      pausedReason: 'not_in_channel',
    };
    const message = digestListMessage({ schedules: [make(), paused], now: NOW });
    assertWithinBlockKitLimits(message);
    const text = read(message);
    expect(text).toContain('• *Sales*: every weekday at 08:30 (Europe/Berlin) · next Wed, Mar 11, 08:30 · set by <@U0ADA>');
    expect(text).toContain(
      '• the default pipeline: every day at 08:30 (Europe/Berlin) · ⏸️ paused (Dealbot is not in the channel any more): set it again to resume · set by <@U0ADA>',
    );
    expect(read(digestListMessage({ schedules: [], now: NOW }))).toContain('No pipeline digest is set for this channel');
  });

  it('keeps a hostile pipeline name literal', () => {
    const message = digestSubscribedMessage({ schedule: make({ pipelineName: '<!channel> *x*' }), userId: 'U0ADA', now: NOW });
    assertWithinBlockKitLimits(message);
    expect(read(message)).toContain('*<!channel> *x**');
  });

  it('asks to be invited to a private channel', () => {
    const message = inviteMeMessage();
    assertWithinBlockKitLimits(message);
    expect(read(message)).toContain('Invite me with `/invite @Dealbot`');
  });

  it('tells the owner, by channel, why a digest was paused or skipped', () => {
    const schedule = make();
    const paused = digestOwnerNotice({
      schedule,
      failure: { kind: 'pause', code: 'is_archived', detail: 'the channel was archived' },
      outcome: 'paused',
      slot: NOW,
    });
    expect(paused.text).toBe(
      '⏸️ I paused the pipeline digest of *Sales* in <#C0SALES>: the channel was archived. Once that is sorted out, set it again with `/pipeline digest` there.',
    );
    const skipped = digestOwnerNotice({
      schedule,
      failure: { kind: 'skip', code: 'dealbot_crm_unauthorized', detail: 'Pipedrive did not accept the API credentials' },
      outcome: 'skipped',
      slot: NOW.minus({ hours: 1 }),
    });
    expect(skipped.text).toContain('due Tue, Mar 10, 09:00 was not posted: Pipedrive did not accept the API credentials');
  });
});
