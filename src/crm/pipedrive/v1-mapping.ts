// Translation between the v1 dialect and the port where it differs from v2: a v1 deal
// names its person and organization itself (no look-up needed), and v1 bodies call the
// owner `user_id`, carry the value as a string and the deal's name as `title` (Pipedrive)
// or `name` (Fintesk). Everything else is shared with v2 through `pipedrive-mapping.ts`.

import type { Deal } from '../port.js';
import { toDeal } from './pipedrive-mapping.js';
import type { RelatedNames } from './schemas.js';
import type { V1Deal } from './v1-schemas.js';

/** The one name a deal refers to: its own first, else `related_objects`; none shows as `#id`. */
function nameOf(id: string | null, own: string | null, related: ReadonlyMap<string, string>): Map<string, string> {
  const name = id === null ? undefined : (own ?? related.get(id));
  return id !== null && name ? new Map([[id, name]]) : new Map();
}

export function toDealFromV1(raw: V1Deal, related: RelatedNames, companyDomain: string | null): Deal {
  const { deal } = raw;
  return toDeal(
    deal,
    {
      persons: nameOf(deal.person_id, raw.personName, related.person),
      organizations: nameOf(deal.org_id, raw.organizationName, related.organization),
    },
    companyDomain,
  );
}

/**
 * A `POST /v1/deals` or `PUT /v1/deals/{id}` body from the v2 body of the same change
 * (`newDealBody`, `dealPatchBody`). The name goes as both `title` and `name`: each dialect
 * reads its own key and ignores the other, so one body serves Pipedrive and Fintesk alike.
 */
export function toV1DealBody(v2Body: Record<string, unknown>): Record<string, unknown> {
  const { title, owner_id: ownerId, value, ...rest } = v2Body;
  const body: Record<string, unknown> = { ...rest };
  if (title !== undefined) {
    body.title = title;
    body.name = title;
  }
  if (ownerId !== undefined) body.user_id = ownerId;
  if (value !== undefined) body.value = String(value);
  return body;
}
