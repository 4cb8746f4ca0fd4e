// What passes between the scheduler, the digest builder and the code that posts to Slack:
// a run (which slot, how late) goes in, a job (the message, the chart, how to remember what
// was shown) comes out.

import type { KnownBlock } from '@slack/types';
import type { DateTime } from 'luxon';

export interface DigestRun {
  /** `schedule`: a slot came due; `now`: someone asked with `/pipeline digest now`. */
  trigger: 'schedule' | 'now';
  /** The slot this digest is for (for `now`, the moment it was asked). */
  slot: DateTime;
  /** Posted well after its slot (Dealbot was down, or retries took long); the digest says so. */
  late: boolean;
  /** Slots that passed since the last digest, this one included; more than one after downtime. */
  missedSlots: number;
}

export interface DigestChart {
  png: Buffer;
  filename: string;
  /** The file's title in Slack. */
  title: string;
  /** What the picture shows, for screen readers. */
  altText: string;
}

export interface DigestJob {
  /** Null for an ad-hoc digest that belongs to no stored schedule. */
  scheduleId: string | null;
  channelId: string;
  pipelineId: string;
  run: DigestRun;
  message: { text: string; blocks: KnownBlock[] };
  /** The stage chart, to upload beside the message; null when there is nothing to draw. */
  chart: DigestChart | null;
  /**
   * Keeps what this digest showed as the baseline of the channel's next "what changed".
   * Call it only after the digest was posted, so a failed post loses no change.
   */
  commit(): Promise<void>;
}
