// Reads what every log line and metric needs from a raw Slack payload, whatever its kind:
// which kind of request it is, its id, the team and the user. Payloads are untrusted, so
// nothing here assumes a field exists.

import { randomUUID } from 'node:crypto';
import type { RequestContext } from './request-context.js';

type Loose = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const obj = (value: unknown): Loose => (value && typeof value === 'object' ? (value as Loose) : {});

/** The request kind used in logs and as the `kind` label of the metrics. */
export function slackRequestKind(body: Loose): string {
  if (str(body.command)) return 'command';
  const type = str(body.type);
  switch (type) {
    case 'block_actions':
    case 'interactive_message':
      return 'action';
    case 'view_submission':
    case 'view_closed':
      return type;
    case 'shortcut':
    case 'message_action':
      return 'shortcut';
    case 'block_suggestion':
      return 'options';
    case 'event_callback':
      return 'event';
    default:
      return 'other';
  }
}

export function slackRequestContext(body: Loose, envelopeId?: string): RequestContext {
  const user = obj(body.user);
  const team = obj(body.team);
  const event = obj(body.event);
  return {
    requestId: str(body.trigger_id) ?? str(body.event_id) ?? envelopeId ?? randomUUID(),
    team: str(body.team_id) ?? str(team.id) ?? null,
    user: str(body.user_id) ?? str(user.id) ?? str(event.user) ?? null,
    kind: slackRequestKind(body),
  };
}
