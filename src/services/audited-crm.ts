// The CRM client a request acts through (issue #16 "Acting as the person" and "An audit
// trail"): a port decorator built per request around the person asking. Every listener and
// use case already writes through `context.crm` / `context.deals`, so this is the one place
// all writes pass, whatever surface they came from:
//
// - Reads go to the shared client (its caches serve everyone).
// - Writes go out with the person's own credential when they stored one (`/deal connect`),
//   so the CRM's own history names them; otherwise with the shared credential, under the
//   person's name as the actor (the embedded CRM and Dealbot's journal record it).
// - With the shared credential on a remote CRM, a note Dealbot writes (a message attached to a
//   deal, a deal created from a message) ends with "via Dealbot by <person>", so the CRM's own
//   screens tell who it was, in the same request. No extra note is written for other changes:
//   a note per write would add a CRM request (Pipedrive tokens) to every create, move and
//   close, and the audit trail and Dealbot's timeline already name the person for those. The
//   embedded CRM needs none: every member is its own user there, named as the actor.
// - Every write is recorded in the audit trail: who, which CRM user, the deal, what changed
//   from → to, where, when, and with which credential. The "from" side is the deal as this
//   request last read it (the use cases read a deal before changing it), so recording costs
//   no CRM request; names of stages and users come from the cached account lists.

import type { CrmClient, Deal, DealPatch, Stage, User, WriteOptions } from '../crm/port.js';
import { CrmUnauthorizedError, PersonalCredentialRefusedError } from '../errors.js';
import type { AuditChange, AuditCredential, AuditOp, AuditTrail } from './audit-trail.js';

/** Who is acting; the access middleware's requester gives it, the Slack profile otherwise. */
export interface ActingPerson {
  slackUserId: string;
  name: string | null;
  crmUserId: string | null;
}

export interface AuditedCrmDeps {
  /** The shared client: every read, and writes of a person without their own credential. */
  shared: CrmClient;
  /** The person's own client and the CRM user it is, looked up on their first write; null when they have none. */
  ownClient?: (() => Promise<{ client: CrmClient; crmUserId: string } | null>) | null;
  audit: AuditTrail;
  person: ActingPerson;
  channelId: string | null;
  /** The "via Dealbot by …" line a shared-credential note ends with (`ui/`); absent: notes are left as they are. */
  viaDealbotNote?: ((personName: string) => string) | null;
}

function moneyText(deal: Pick<Deal, 'value'> | null | undefined): string | null {
  return deal?.value ? `${deal.value.amount} ${deal.value.currency}` : null;
}
const numberText = (value: number | null | undefined): string | null => (value === null || value === undefined ? null : String(value));

export function createAuditedCrm(deps: AuditedCrmDeps): CrmClient {
  const { shared, audit, person, channelId } = deps;
  /** Deals as this request last saw them: the "from" side of its writes. */
  const seen = new Map<string, Deal>();
  const remember = (deal: Deal): Deal => {
    seen.set(deal.id, deal);
    return deal;
  };

  interface Writer {
    client: CrmClient;
    credential: AuditCredential;
    /** The CRM user the credential is (own), or the person's linked user (shared). */
    crmUserId: string | null;
  }
  let writer: Promise<Writer> | null = null;
  function writerFor(): Promise<Writer> {
    writer ??= (async (): Promise<Writer> => {
      const own = deps.ownClient ? await deps.ownClient() : null;
      return own
        ? { client: own.client, credential: 'own', crmUserId: own.crmUserId }
        : { client: shared, credential: 'shared', crmUserId: person.crmUserId };
    })();
    return writer;
  }

  const personName = (): string => person.name?.trim() || person.slackUserId;

  /**
   * The person as the CRM's actor: their name as the caller gave it (else as known here), and
   * the CRM user the policy linked them to (an admin's link beats the email match the caller
   * may have made), or the user their own credential is.
   */
  const asPerson = (options: WriteOptions | undefined, crmUserId: string | null = person.crmUserId): WriteOptions => ({
    ...options,
    actor: { name: options?.actor?.name?.trim() || personName(), crmUserId: crmUserId ?? options?.actor?.crmUserId ?? null },
  });

  async function stageNames(): Promise<Map<string, Stage>> {
    try {
      return new Map((await shared.listStages()).map((s) => [s.id, s]));
    } catch {
      return new Map();
    }
  }
  async function userNames(): Promise<Map<string, User>> {
    try {
      return new Map((await shared.listUsers()).map((u) => [u.id, u]));
    } catch {
      return new Map();
    }
  }
  const stageText = (stages: Map<string, Stage>, id: string | null | undefined): string | null =>
    id === null || id === undefined ? null : (stages.get(id)?.name ?? id);
  const userText = (users: Map<string, User>, id: string | null | undefined): string | null =>
    id === null || id === undefined ? null : (users.get(id)?.name ?? id);

  async function record(
    op: AuditOp,
    options: WriteOptions | undefined,
    deal: Pick<Deal, 'id' | 'title'>,
    changes: AuditChange[],
    credential: AuditCredential,
  ) {
    await audit.record({
      op: options?.reason === 'undo' ? 'undo' : op,
      slackUserId: person.slackUserId,
      slackName: person.name ?? options?.actor?.name ?? null,
      crmUserId: options?.actor?.crmUserId ?? person.crmUserId,
      dealId: deal.id,
      dealTitle: deal.title,
      changes,
      channelId,
      credential,
    });
  }

  /** A note made with the shared credential says who it is from: the CRM names the token's owner. */
  function signed(text: string, credential: AuditCredential, options: WriteOptions): string {
    if (credential !== 'shared' || !deps.viaDealbotNote || shared.provider === 'local') return text;
    return `${text.trimEnd()}\n\n${deps.viaDealbotNote(options.actor?.name?.trim() || personName())}`;
  }

  /** A refusal of the person's own credential is theirs to fix, not an admin's (the shared token is fine). */
  async function ownOrShared<T>(credential: AuditCredential, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (credential === 'own' && error instanceof CrmUnauthorizedError)
        throw new PersonalCredentialRefusedError(error.crm, { cause: error });
      throw error;
    }
  }

  async function write(
    op: AuditOp,
    options: WriteOptions | undefined,
    run: (client: CrmClient, options: WriteOptions) => Promise<Deal>,
    changes: (before: Deal | null, after: Deal) => Promise<AuditChange[]> | AuditChange[],
    dealId: string | null,
  ): Promise<Deal> {
    const { client, credential, crmUserId } = await writerFor();
    const before = dealId === null ? null : (seen.get(dealId) ?? null);
    const acting = asPerson(options, crmUserId);
    const after = remember(await ownOrShared(credential, () => run(client, acting)));
    const what = await changes(before, after);
    // Nothing changed (a double click on Won): nothing to record or note.
    if (what.length === 0 && op !== 'create') return after;
    await record(op, acting, after, what, credential);
    return after;
  }

  const statusChanges = (before: Deal | null, after: Deal): AuditChange[] => {
    const changes: AuditChange[] = [];
    if (before?.status !== after.status) changes.push({ field: 'status', from: before?.status ?? null, to: after.status });
    if (after.status === 'lost' && before?.lostReason !== after.lostReason) {
      changes.push({ field: 'lostReason', from: before?.lostReason ?? null, to: after.lostReason });
    }
    return changes;
  };

  async function patchChanges(patch: DealPatch, before: Deal | null, after: Deal): Promise<AuditChange[]> {
    const users = patch.ownerId !== undefined ? await userNames() : new Map<string, User>();
    const changes: AuditChange[] = [];
    const add = (field: string, from: string | null, to: string | null) => {
      if (before === null || from !== to) changes.push({ field, from: before === null ? null : from, to });
    };
    if (patch.title !== undefined) add('title', before?.title ?? null, after.title);
    if (patch.value !== undefined) add('value', moneyText(before), moneyText(after));
    if (patch.ownerId !== undefined) add('owner', userText(users, before?.ownerId), userText(users, after.ownerId));
    if (patch.organizationId !== undefined) add('organization', before?.organization?.name ?? null, after.organization?.name ?? null);
    if (patch.personId !== undefined) add('person', before?.person?.name ?? null, after.person?.name ?? null);
    if (patch.expectedCloseDate !== undefined) add('expectedCloseDate', before?.expectedCloseDate ?? null, after.expectedCloseDate);
    if (patch.probability !== undefined) add('probability', numberText(before?.probability), numberText(after.probability));
    return changes;
  }

  const addNote = shared.addNote?.bind(shared);

  return {
    provider: shared.provider,
    displayName: shared.displayName,
    capabilities: shared.capabilities,

    defaultCurrency: () => shared.defaultCurrency(),
    listPipelines: () => shared.listPipelines(),
    listStages: (pipelineId) => shared.listStages(pipelineId),
    listUsers: () => shared.listUsers(),
    getDeal: async (id) => remember(await shared.getDeal(id)),
    searchDeals: (term, options) => shared.searchDeals(term, options),
    listDeals: (query) => shared.listDeals(query),
    getDealHistory: (id, cursor) => shared.getDealHistory(id, cursor),

    createDeal: (input, options) =>
      write(
        'create',
        options,
        (client, acting) => client.createDeal(input, acting),
        async (_before, after) => {
          const [stages, users] = await Promise.all([stageNames(), after.ownerId ? userNames() : Promise.resolve(new Map<string, User>())]);
          return [
            { field: 'title', from: null, to: after.title },
            { field: 'stage', from: null, to: stageText(stages, after.stageId) },
            ...(after.value ? [{ field: 'value', from: null, to: moneyText(after) }] : []),
            ...(after.ownerId ? [{ field: 'owner', from: null, to: userText(users, after.ownerId) }] : []),
          ];
        },
        null,
      ),
    updateDeal: (id, patch, options) =>
      write(
        'update',
        options,
        (client, acting) => client.updateDeal(id, patch, acting),
        (before, after) => patchChanges(patch, before, after),
        id,
      ),
    moveDeal: (id, stageId, options) =>
      write(
        'move',
        options,
        (client, acting) => client.moveDeal(id, stageId, acting),
        async (before, after) => {
          if (before !== null && before.stageId === after.stageId) return [];
          const stages = await stageNames();
          return [{ field: 'stage', from: stageText(stages, before?.stageId), to: stageText(stages, after.stageId) }];
        },
        id,
      ),
    markWon: (id, options) => write('won', options, (client, acting) => client.markWon(id, acting), statusChanges, id),
    markLost: (id, reason, options) => write('lost', options, (client, acting) => client.markLost(id, reason, acting), statusChanges, id),
    reopenDeal: (id, options) => write('reopen', options, (client, acting) => client.reopenDeal(id, acting), statusChanges, id),

    ...(addNote
      ? {
          async addNote(dealId: string, text: string, options?: WriteOptions): Promise<unknown> {
            const { client, credential, crmUserId } = await writerFor();
            const acting = asPerson(options, crmUserId);
            const body = signed(text, credential, acting);
            const answer = await ownOrShared(credential, () =>
              client.addNote ? client.addNote(dealId, body, acting) : addNote(dealId, body, acting),
            );
            const title = seen.get(dealId)?.title ?? `#${dealId}`;
            await record('note', acting, { id: dealId, title }, [{ field: 'note', from: null, to: text.trim() }], credential);
            return answer;
          },
        }
      : {}),
    ...(shared.searchOrganizations ? { searchOrganizations: shared.searchOrganizations.bind(shared) } : {}),
    ...(shared.searchPersons ? { searchPersons: shared.searchPersons.bind(shared) } : {}),
  };
}
