// The create modal's pipeline select (listeners/actions/form-pipeline.ts), end to end: the
// modal `/deal new` opens, the person types a title and a value, then picks the other
// pipeline. The modal is drawn again with what was typed kept and the stage list of the
// pipeline picked, updated with the view's hash so a newer version of the modal is never
// overwritten.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockActionPayload, slashCommandPayload } from '../../src/console/slack-payloads.js';
import { ActionId, DealFormField } from '../../src/ui/ids.js';
import { ADA, blocksOf, startHarness, type Harness } from '../listeners/http-harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

const text = (value: string) => ({ type: 'plain_text_input', value });

describe('the create modal’s pipeline select', () => {
  it('draws the form again for the pipeline picked, keeping what was typed', async () => {
    const pipelines = await h.local.listPipelines();
    const other = pipelines[1];
    expect(other).toBeDefined();
    const otherStages = (await h.local.listStages(other!.id)).map((s) => s.name);
    expect(otherStages.length).toBeGreaterThan(0);

    const opened = h.standin.calls.length;
    const res = await h.command(slashCommandPayload({ command: '/deal', text: 'new', user: { id: ADA.id, name: ADA.name } }));
    expect(res.status).toBe(200);
    // The modal opens at once and is filled when the CRM's lists arrive.
    const open = await h.standin.waitForCall('views.open', 5_000, opened);
    const viewId = String((open.result.view as { id: string }).id);
    await h.standin.waitFor((c, i) => i > opened && c.method === 'views.update' && c.args.view_id === viewId);
    const modal = h.standin.view(viewId);
    expect(modal).toBeDefined();

    const before = h.standin.calls.length;
    const picked = await h.interact(
      blockActionPayload({
        action: {
          action_id: ActionId.formPipeline,
          block_id: DealFormField.pipeline,
          type: 'static_select',
          selected_option: { text: other!.name, value: other!.id },
        },
        view: { ...(modal as unknown as Record<string, unknown>), id: viewId },
        values: {
          [DealFormField.title]: { [DealFormField.title]: text('Globex renewal') },
          [DealFormField.value]: { [DealFormField.value]: text('12k') },
        },
        user: { id: ADA.id, name: ADA.name },
      }),
    );
    expect(picked.status).toBe(200);

    const update = await h.standin.waitFor((c, i) => i >= before && c.method === 'views.update' && c.args.view_id === viewId);
    expect(update.result.ok).toBe(true);
    expect(update.args.hash).toBe(modal!.hash);
    const blocks = blocksOf(update.args);
    const element = (id: string) => blocks.find((b) => b.block_id === id)?.element as Record<string, unknown> | undefined;
    expect(element(DealFormField.title)?.initial_value).toBe('Globex renewal');
    expect(element(DealFormField.value)?.initial_value).toBe('12k');
    expect((element(DealFormField.pipeline)?.initial_option as { value: string } | undefined)?.value).toBe(other!.id);
    // The stage list is the picked pipeline's, starting at its first stage.
    const stage = element(DealFormField.stage) as {
      options: Array<{ text: { text: string } }>;
      initial_option?: { text: { text: string } };
    };
    expect(stage.options.map((o) => o.text.text)).toEqual(otherStages);
    expect(stage.initial_option?.text.text).toBe(otherStages[0]);
  });
});
