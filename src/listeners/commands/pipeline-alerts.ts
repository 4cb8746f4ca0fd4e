// `/pipeline alerts …` after the ack: set this channel's deal alerts from one line, list them,
// turn one or all off, or open the alerts modal. Parses (`parse/alert-command.ts`), turns
// typed names into the CRM's ids (`services/alert-filters.ts`), calls the use case
// (`services/alert-subscriptions.ts`), draws its outcome (`ui/alert-notices.ts`) and sends
// it. What the channel gets is told to the channel, with who set it.

import type { AlertSubscription } from '../../domain/alert-subscription.js';
import { parseAlertCommand, type AlertSetCommand } from '../../parse/alert-command.js';
import { resolveAlertFilters } from '../../services/alert-filters.js';
import type { AlertRule } from '../../services/alert-subscriptions.js';
import {
  alertListMessage,
  alertNotYoursMessage,
  alertOffMessage,
  alertOffNoSuchMessage,
  alertOffWhichMessage,
  alertRuleProblemsMessage,
  alertsNotLinkedMessage,
  alertSubscribedMessage,
  alertTooManyMessage,
  alertUnchangedMessage,
  alertUsageMessage,
  noSingleOwnerMessage,
  noSingleStageMessage,
  type AlertNames,
} from '../../ui/alert-notices.js';
import { alertSettingsModal } from '../../ui/alert-settings-modal.js';
import { inviteMeMessage } from '../../ui/digest-notices.js';
import { noticeModal } from '../../ui/notice-modal.js';
import { noSinglePipelineMessage } from '../../ui/pipeline-pick.js';
import { alertActor, alertSubscriptionsFor } from '../alert-slack.js';
import type { DealbotContext } from '../context.js';
import { fillOpenedModal } from '../opened-modal.js';
import type { Reply } from '../replies.js';

export const ALERT_SETTINGS_TITLE = 'Deal alerts';

/** The names of the stages and owners `subscriptions` keep by id; the CRM is asked only when some do (cached lists). */
export async function alertNamesFor(ctx: DealbotContext, subscriptions: readonly AlertSubscription[]): Promise<AlertNames> {
  const needStages = subscriptions.some((s) => s.toStageIds.length > 0);
  const needUsers = subscriptions.some((s) => s.ownerId !== null);
  const [stages, users] = await Promise.all([needStages ? ctx.crm.listStages() : [], needUsers ? ctx.crm.listUsers() : []]);
  return { stages: new Map(stages.map((s) => [s.id, s.name])), users: new Map(users.map((u) => [u.id, u.name])) };
}

export async function runAlertsCommand(ctx: DealbotContext, reply: Reply, args: string, triggerId: string): Promise<void> {
  const channelId = reply.channelId ?? reply.userId;
  // The modal must open within the trigger's 3 s: before anything is looked up.
  if (parseAlertCommand(args, 'UTC').kind === 'settings') return openAlertSettings(ctx, reply, triggerId, channelId);
  const person = await ctx.people.get(reply.client, reply.userId);
  const command = parseAlertCommand(args, person.tz);
  const alerts = alertSubscriptionsFor(ctx, reply.client);
  const ephemeral = (message: { text: string }) => reply.respond({ response_type: 'ephemeral', ...message });
  const inChannel = (message: { text: string }) => reply.respond({ response_type: 'in_channel', ...message });

  switch (command.kind) {
    case 'invalid':
      await ephemeral(alertUsageMessage(command.problem));
      return;
    case 'settings':
      return;
    case 'list': {
      const subscriptions = await alerts.list(channelId);
      await ephemeral(alertListMessage({ subscriptions, names: await alertNamesFor(ctx, subscriptions) }));
      return;
    }
    case 'off': {
      let which = command.which;
      if (which === null) {
        const subscriptions = await alerts.list(channelId);
        if (subscriptions.length === 0) return void (await ephemeral(alertOffMessage({ removed: [], userId: reply.userId })));
        if (subscriptions.length > 1) {
          return void (await ephemeral(alertOffWhichMessage({ subscriptions, names: await alertNamesFor(ctx, subscriptions) })));
        }
        which = 1;
      }
      const outcome = await alerts.off({ channelId, which, actor: alertActor(ctx, reply.userId) });
      switch (outcome.kind) {
        case 'not-found':
          if (outcome.count === 0) return void (await ephemeral(alertOffMessage({ removed: [], userId: reply.userId })));
          return void (await ephemeral(alertOffNoSuchMessage({ number: outcome.n, count: outcome.count })));
        case 'not-yours': {
          const names = await alertNamesFor(
            ctx,
            outcome.subscriptions.map((s) => s.subscription),
          );
          return void (await ephemeral(alertNotYoursMessage({ subscriptions: outcome.subscriptions, names })));
        }
        case 'off': {
          const names = await alertNamesFor(ctx, outcome.removed);
          const message = alertOffMessage({ removed: outcome.removed, userId: reply.userId, names });
          return void (await (outcome.removed.length > 0 ? inChannel(message) : ephemeral(message)));
        }
      }
      return;
    }
    case 'set':
      return setAlerts(ctx, reply, command, channelId, person.email);
  }
}

async function setAlerts(
  ctx: DealbotContext,
  reply: Reply,
  command: AlertSetCommand,
  channelId: string,
  email: string | null,
): Promise<void> {
  const ephemeral = (message: { text: string }) => reply.respond({ response_type: 'ephemeral', ...message });
  const resolved = await resolveAlertFilters(ctx.crm, command, { email });
  switch (resolved.kind) {
    case 'no-single-pipeline':
      return void (await ephemeral(noSinglePipelineMessage(resolved.name, resolved.all)));
    case 'no-single-stage':
      return void (await ephemeral(noSingleStageMessage({ ...resolved, pipelineName: command.pipeline })));
    case 'no-single-owner':
      return void (await ephemeral(noSingleOwnerMessage({ ...resolved, crmName: ctx.crm.displayName })));
    case 'not-linked':
      return void (await ephemeral(alertsNotLinkedMessage({ crmName: ctx.crm.displayName, email })));
    case 'ok':
      break;
  }
  const { pipeline, toStages, owner } = resolved.filters;
  const rule: AlertRule = {
    events: command.events,
    toStageIds: toStages.map((s) => s.id),
    pipelineId: pipeline?.id ?? null,
    pipelineName: pipeline?.name ?? null,
    minValue: command.minValue?.amount ?? null,
    ownerId: owner?.id ?? null,
    delivery: command.delivery,
    quietHours: command.quietHours && { from: command.quietHours.from, to: command.quietHours.to, zone: command.quietHours.zone },
    threadPerDeal: command.threadPerDeal,
  };
  const names: AlertNames = {
    stages: new Map(toStages.map((s) => [s.id, s.name])),
    users: new Map(owner ? [[owner.id, owner.name]] : []),
  };
  const outcome = await alertSubscriptionsFor(ctx, reply.client).subscribe({ channelId, userId: reply.userId, rule });
  switch (outcome.kind) {
    case 'invalid':
      return void (await ephemeral(alertRuleProblemsMessage(outcome.problems)));
    case 'invite-me':
      return void (await ephemeral(inviteMeMessage()));
    case 'too-many':
      return void (await ephemeral(alertTooManyMessage({ limit: outcome.limit })));
    case 'unchanged':
      return void (await ephemeral(alertUnchangedMessage({ n: outcome.n, subscription: outcome.subscription, names })));
    case 'subscribed':
      await reply.respond({
        response_type: 'in_channel',
        ...alertSubscribedMessage({
          subscription: outcome.subscription,
          userId: reply.userId,
          names,
          minValueCurrency: command.minValue?.currency ?? null,
          zoneFromProfile: command.quietHours ? !command.quietHours.zoneGiven : false,
        }),
      });
      return;
  }
}

async function openAlertSettings(ctx: DealbotContext, reply: Reply, triggerId: string, channelId: string): Promise<void> {
  const opened = await reply.client.views.open({
    trigger_id: triggerId,
    view: noticeModal({ title: ALERT_SETTINGS_TITLE, text: 'Loading the alert settings…' }),
  });
  const viewId = opened.view?.id;
  if (!viewId) return;
  await fillOpenedModal({ client: reply.client, viewId, title: ALERT_SETTINGS_TITLE, crmName: ctx.crm.displayName }, async () => {
    const [person, pipelines, stages, users, existing] = await Promise.all([
      ctx.people.get(reply.client, reply.userId),
      ctx.crm.listPipelines(),
      ctx.crm.listStages(),
      ctx.crm.listUsers(),
      alertSubscriptionsFor(ctx, reply.client).list(channelId),
    ]);
    await reply.client.views.update({
      view_id: viewId,
      view: alertSettingsModal({ channelId, pipelines, stages, users, defaultZone: person.tz, existing: existing.length }),
    });
  });
}
