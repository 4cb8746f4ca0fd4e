// The digest as Slack will see it. The builder (services/pipeline-digest.ts) hands over a
// `DigestToPost` (the digest as data); `renderDigestJob` draws it with the renderers of
// ui/digest-message.ts into a `DigestJob` (the message, the chart as a PNG) that the
// scheduler posts. Drawing happens here, on the Slack side, so the use case holds no Block Kit.

import type { KnownBlock } from '@slack/types';
import type { DigestRun } from '../domain/digest-schedule.js';
import type { Logger } from '../logger.js';
import type { PipelineBoard } from '../services/pipeline-board.js';
import type { DigestToPost, PipelineDigest } from '../services/pipeline-digest.js';
import { digestRenderer } from '../ui/digest-message.js';

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

/** What a digest is drawn with (ui/digest-message.ts `digestRenderer`; tests swap the chart). */
export interface DigestRenderer {
  message(digest: PipelineDigest, options: { chartAttached: boolean }): DigestJob['message'];
  /** The chart's title, file name and alt text. */
  chartWords(digest: PipelineDigest): { title: string; filename: string; altText: string };
  /** The stage chart as a PNG. */
  drawChart(board: PipelineBoard, options: { title: string }): Promise<Buffer>;
}

/** Draws a digest to post: the chart first (a failure posts the message without it), then the message that mentions it. */
export async function renderDigestJob(
  toPost: DigestToPost,
  options: { render?: DigestRenderer; logger?: Logger } = {},
): Promise<DigestJob> {
  const render = options.render ?? digestRenderer;
  const { digest } = toPost;
  let chart: DigestChart | null = null;
  if (toPost.withChart) {
    const words = render.chartWords(digest);
    try {
      const png = await render.drawChart(digest.board, { title: words.title });
      chart = { png, ...words, title: `${words.title} (${digest.at.toFormat('yyyy-LL-dd')})` };
    } catch (error) {
      options.logger?.warn({ err: error, pipelineId: digest.pipeline.id }, 'digest chart failed; posting without it');
    }
  }
  return {
    scheduleId: toPost.scheduleId,
    channelId: toPost.channelId,
    pipelineId: toPost.pipelineId,
    run: toPost.run,
    message: render.message(digest, { chartAttached: chart !== null }),
    chart,
    commit: () => toPost.commit(),
  };
}
