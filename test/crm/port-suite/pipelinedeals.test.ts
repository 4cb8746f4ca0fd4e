// The port suite on the PipelineDeals adapter (one pipeline, no history feed).

import { createPipelineDealsHarness } from './pipelinedeals-harness.js';
import { describePortBehaviour } from './port-behaviour.js';

describePortBehaviour('PipelineDeals', createPipelineDealsHarness());
