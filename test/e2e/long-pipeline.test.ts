// A pipeline with 300 stages, and an account with 150 pipelines, end to end through Bolt's
// HTTP receiver against the embedded CRM: Slack shows at most 100 options in a flat select,
// so the card's Move menu and the board's pipeline switcher put theirs in groups of 100.
// The person picks stage #250 and pipeline #120 from what Slack was actually sent, and
// what Slack was sent stays within Block Kit's limits.

import { afterEach, describe, expect, it } from 'vitest';
import type { StandinCall } from '../../src/console/slack-api-standin.js';
import type { Stage } from '../../src/crm/port.js';
import { ActionId } from '../../src/ui/ids.js';
import { assertWithinBlockKitLimits } from '../helpers/block-kit-limits.js';
import { blockActionPayload, slashCommandPayload } from '../helpers/slack-payloads.js';
import { ADA, CHANNEL, blocksOf, startHarness, type Harness } from '../listeners/http-harness.js';

interface Option {
  text: { text: string };
  value: string;
}
interface Select {
  action_id?: string;
  options?: Option[];
  option_groups?: Array<{ label: { text: string }; options: Option[] }>;
}

let h: Harness;
afterEach(async () => {
  await h?.close();
});

async function slash(command: '/deal' | '/pipeline', text: string): Promise<StandinCall> {
  const from = h.standin.calls.length;
  const responseUrl = h.standin.responseUrl({ channel: CHANNEL.id, ephemeral: true });
  const res = await h.command(slashCommandPayload({ command, text, channel: CHANNEL, responseUrl, user: { id: ADA.id, name: ADA.name } }));
  expect(res.status).toBe(200);
  const id = h.standin.responseIdOf(responseUrl);
  return h.standin.waitFor((c, i) => i >= from && c.method === 'response_url' && c.responseId === id);
}

function selectIn(call: StandinCall, actionId: string): Select {
  for (const block of blocksOf(call.args)) {
    for (const element of (block.elements ?? []) as Select[]) if (element.action_id === actionId) return element;
  }
  throw new Error(`no ${actionId} select in the message`);
}

const optionsOf = (select: Select): Option[] => select.options ?? (select.option_groups ?? []).flatMap((g) => g.options);

async function pick(actionId: string, option: Option): Promise<StandinCall> {
  const from = h.standin.calls.length;
  const responseUrl = h.standin.responseUrl({ channel: CHANNEL.id, ts: '1700000000.000100', ephemeral: true });
  await h.interact(
    blockActionPayload({
      action: { action_id: actionId, type: 'static_select', selected_option: option },
      message: { ts: '1700000000.000100', channel: CHANNEL, ephemeral: true },
      responseUrl,
      triggerId: h.standin.triggerId(),
    }),
  );
  const id = h.standin.responseIdOf(responseUrl);
  return h.standin.waitFor((c, i) => i >= from && c.method === 'response_url' && c.responseId === id);
}

describe('more than 100 stages or pipelines', () => {
  it('stage #250 of 300 can be picked from the card’s Move menu, and the deal moves there', async () => {
    h = await startHarness();
    const pipeline = await h.local.createPipeline({ name: 'Enterprise rollout' });
    const stages: Stage[] = [];
    for (let i = 1; i <= 300; i++) stages.push(await h.local.createStage({ pipelineId: pipeline.id, name: `Step ${i}` }));
    const deal = await h.local.createDeal({ title: 'Long Road Freight', pipelineId: pipeline.id, stageId: stages[0]!.id });

    const card = await slash('/deal', deal.id);
    expect(card.result.ok).toBe(true);
    assertWithinBlockKitLimits({ blocks: blocksOf(card.args) });
    const move = selectIn(card, ActionId.cardMove);
    expect(move.options).toBeUndefined();
    expect(move.option_groups?.map((g) => g.options.length)).toEqual([100, 100, 99]);
    const step250 = optionsOf(move).find((o) => o.text.text === 'Step 250');
    expect(step250).toBeDefined();

    const answer = await pick(ActionId.cardMove, step250!);
    expect(answer.result.ok).toBe(true);
    expect((await h.local.getDeal(deal.id)).stageId).toBe(stages[249]!.id);
    expect(JSON.stringify(answer.args.blocks)).toContain('Step 250');
  });

  it('pipeline #120 of 150 can be picked from the board’s switcher, and its board is drawn', async () => {
    h = await startHarness();
    const existing = (await h.local.listPipelines()).length;
    for (let i = existing + 1; i <= 150; i++) {
      const pipeline = await h.local.createPipeline({ name: `Region ${i}` });
      await h.local.createStage({ pipelineId: pipeline.id, name: `Lead ${i}` });
    }
    const board = await slash('/pipeline', '');
    expect(board.result.ok).toBe(true);
    assertWithinBlockKitLimits({ blocks: blocksOf(board.args) });
    const switcher = selectIn(board, ActionId.pipelinePick);
    expect(switcher.options).toBeUndefined();
    expect(optionsOf(switcher)).toHaveLength(150);
    const region120 = optionsOf(switcher).find((o) => o.text.text === 'Region 120');
    expect(region120).toBeDefined();

    const answer = await pick(ActionId.pipelinePick, region120!);
    expect(answer.result.ok).toBe(true);
    expect(JSON.stringify(answer.args.blocks)).toContain('Region 120');
    expect(JSON.stringify(answer.args.blocks)).toContain('Lead 120');
  });
});
