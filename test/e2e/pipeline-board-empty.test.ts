// `/pipeline` against a CRM that has no pipeline to draw: a new account with none yet, or a
// board switcher naming a pipeline deleted since. The person is told why, never left with
// silence.

import { afterEach, describe, expect, it } from 'vitest';
import { ActionId } from '../../src/ui/ids.js';
import { blockActionPayload, slashCommandPayload } from '../helpers/slack-payloads.js';
import { CHANNEL, startHarness, type Harness } from '../listeners/http-harness.js';

let h: Harness;
afterEach(() => h?.close());

describe('/pipeline with no pipeline to show', () => {
  it('says the CRM has no pipelines yet and what to do, when the account has none', async () => {
    h = await startHarness({ crm: (local) => ({ ...local, listPipelines: async () => [] }) });
    const res = await h.command(
      slashCommandPayload({
        command: '/pipeline',
        text: '',
        channel: CHANNEL,
        responseUrl: h.standin.responseUrl({ channel: CHANNEL.id }),
      }),
    );
    expect(res.status).toBe(200);
    const answer = await h.standin.waitForCall('response_url');
    expect(answer.args.response_type).toBe('ephemeral');
    expect(String(answer.args.text)).toContain('Dealbot CRM has no pipelines yet');
    expect(String(answer.args.text)).toContain('Create a pipeline in Dealbot CRM, then try `/pipeline` again.');
  });

  it('says the pipeline is gone when the switcher names one deleted since', async () => {
    h = await startHarness();
    const res = await h.interact(
      blockActionPayload({
        action: { action_id: ActionId.pipelinePick, selected_option: { text: 'Old', value: '999' } },
        channel: CHANNEL,
        responseUrl: h.standin.responseUrl({ channel: CHANNEL.id }),
      }),
    );
    expect(res.status).toBe(200);
    const answer = await h.standin.waitForCall('response_url');
    expect(String(answer.args.text)).toContain('That pipeline is no longer in Dealbot CRM');
    expect(answer.args.replace_original).toBe(false);
  });
});
