// A small Bolt app standing in for Dealbot's in the console's tests: a `/deal` command that
// acks with help, replies through respond() and opens a modal; card buttons that call
// chat.update; a submission that answers `response_action: errors` for an empty title.

import { App, LogLevel, type Logger } from '@slack/bolt';
import type { ConsoleWiring } from '../../src/console/console.js';
import type { StateValues } from '../../src/console/form-state.js';

export const STAGES = ['Lead', 'Qualified', 'Proposal'];
const PIPELINE_STAGES: Record<string, string[]> = { sales: STAGES, partners: ['Intro', 'Contract'] };

const option = (text: string) => ({ text: { type: 'plain_text' as const, text }, value: text.toLowerCase() });

export interface DemoAppRecord {
  submissions: Array<{ values: StateValues; privateMetadata: string }>;
}

const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => LogLevel.ERROR,
  setName: () => undefined,
};

function card(title: string, status: string) {
  return [
    { type: 'header', text: { type: 'plain_text', text: title } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Value*\n€5,000' },
        { type: 'mrkdwn', text: `*Status*\n${status}` },
      ],
    },
    {
      type: 'actions',
      block_id: 'card_actions',
      elements: [
        { type: 'button', action_id: 'demo_won', text: { type: 'plain_text', text: 'Won' }, style: 'primary', value: 'deal-1' },
        {
          type: 'static_select',
          action_id: 'demo_move',
          placeholder: { type: 'plain_text', text: 'Move to stage' },
          options: STAGES.map((s) => ({ text: { type: 'plain_text', text: s }, value: s.toLowerCase() })),
        },
        { type: 'button', action_id: 'demo_broken', text: { type: 'plain_text', text: 'Break' } },
      ],
    },
  ];
}

function createModal(channelId: string, pipeline = 'sales') {
  const stages = PIPELINE_STAGES[pipeline] ?? STAGES;
  return {
    type: 'modal' as const,
    callback_id: 'demo_create',
    notify_on_close: true,
    private_metadata: JSON.stringify({ channelId }),
    title: { type: 'plain_text' as const, text: 'New deal' },
    submit: { type: 'plain_text' as const, text: 'Create' },
    close: { type: 'plain_text' as const, text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: 'title',
        label: { type: 'plain_text', text: 'Title' },
        element: { type: 'plain_text_input', action_id: 'title' },
        hint: { type: 'plain_text', text: 'What is being sold, to whom' },
      },
      {
        type: 'input',
        block_id: 'pipeline',
        dispatch_action: true,
        label: { type: 'plain_text', text: 'Pipeline' },
        element: {
          type: 'static_select',
          action_id: 'pipeline',
          initial_option: option(pipeline === 'sales' ? 'Sales' : 'Partners'),
          options: [option('Sales'), option('Partners')],
        },
      },
      {
        type: 'input',
        block_id: 'stage',
        label: { type: 'plain_text', text: 'Stage' },
        element: {
          type: 'static_select',
          action_id: 'stage',
          initial_option: option(stages[0] ?? 'Lead'),
          options: stages.map(option),
        },
      },
      {
        type: 'input',
        block_id: 'close_date',
        optional: true,
        label: { type: 'plain_text', text: 'Expected close' },
        element: { type: 'datepicker', action_id: 'close_date' },
      },
      {
        type: 'input',
        block_id: 'org',
        optional: true,
        label: { type: 'plain_text', text: 'Organization' },
        element: { type: 'external_select', action_id: 'org', min_query_length: 2 },
      },
    ],
  };
}

export function createDemoApp(record: DemoAppRecord = { submissions: [] }) {
  return ({ receiver, slackApiUrl, token }: ConsoleWiring): App => {
    const app = new App({ token, receiver, clientOptions: { slackApiUrl }, tokenVerificationEnabled: false, logger: silentLogger });

    app.command('/deal', async ({ command, ack, respond, client }) => {
      const [sub = '', ...words] = command.text.split(/\s+/);
      if (sub === 'help' || sub === '') {
        return ack({ response_type: 'ephemeral', text: 'Usage: `/deal new <title>` creates a *deal*' });
      }
      if (sub === 'share') return ack({ response_type: 'in_channel', text: 'Shared', blocks: card('Shared deal', 'Open') });
      await ack();
      if (sub === 'new' && words.length === 0) {
        await client.views.open({ trigger_id: command.trigger_id, view: createModal(command.channel_id) });
        return;
      }
      if (sub === 'new') {
        await respond({ response_type: 'in_channel', text: `Deal ${words.join(' ')}`, blocks: card(words.join(' '), 'Open') });
        return;
      }
      await respond({ response_type: 'ephemeral', text: `I do not know "${sub}".` });
    });

    app.action('demo_won', async ({ ack, body, client }) => {
      await ack();
      if (body.type !== 'block_actions' || !body.channel || !body.message) return;
      await client.chat.update({ channel: body.channel.id, ts: body.message.ts, text: 'Won', blocks: card('Acme rollout', 'Won 🎉') });
    });

    app.action('demo_move', async ({ ack, action, respond }) => {
      await ack();
      const stage = action.type === 'static_select' ? action.selected_option.text.text : '?';
      await respond({ replace_original: true, text: `Moved to *${stage}*` });
    });

    app.action('demo_broken', async ({ ack }) => {
      await ack();
      throw new Error('the CRM is down');
    });

    // Organizations are found by typing: Slack asks for options with what was typed.
    app.options('org', async ({ ack, options }) => {
      const orgs = ['Acme Corp', 'Acme Labs', 'Globex'].filter((o) => o.toLowerCase().includes(options.value.toLowerCase()));
      await ack({ options: orgs.map((o) => ({ text: { type: 'plain_text', text: o }, value: o.toLowerCase().replace(/\s+/g, '-') })) });
    });

    // The pipeline select dispatches: the stage list follows it, with the view's hash.
    app.action('pipeline', async ({ ack, body, action, client }) => {
      await ack();
      if (body.type !== 'block_actions' || !body.view || action.type !== 'static_select') return;
      const { channelId } = JSON.parse(body.view.private_metadata) as { channelId: string };
      await client.views.update({
        view_id: body.view.id,
        hash: body.view.hash,
        view: createModal(channelId, action.selected_option.value),
      });
    });

    app.view('demo_create', async ({ ack, view, client }) => {
      const values = view.state.values as StateValues;
      record.submissions.push({ values, privateMetadata: view.private_metadata });
      const title = values.title?.title?.value;
      if (typeof title !== 'string' || !title.trim()) {
        return ack({ response_action: 'errors', errors: { title: 'Give the deal a title' } });
      }
      await ack();
      const stage = (values.stage?.stage?.selected_option as { text: { text: string } } | null)?.text.text ?? 'no stage';
      const { channelId } = JSON.parse(view.private_metadata) as { channelId: string };
      await client.chat.postMessage({ channel: channelId, text: `Created *${title}* in ${stage}` });
    });

    app.view({ callback_id: 'demo_create', type: 'view_closed' }, async ({ ack, body, client }) => {
      await ack();
      const { channelId } = JSON.parse(body.view.private_metadata) as { channelId: string };
      await client.chat.postEphemeral({ channel: channelId, user: body.user.id, text: 'Nothing was created.' });
    });

    return app;
  };
}
