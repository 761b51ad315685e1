// Test data kept beside the checkout (../shared/testdata), shared with the project's other work.
import { join } from 'node:path';
import { REPO_ROOT } from './collector.ts';

export const SHARED_TESTDATA = join(REPO_ROOT, '..', 'shared', 'testdata');
/** DeepFlow's protocol test captures (see deepflow/README.md there). */
export const DEEPFLOW_CAPTURES = join(SHARED_TESTDATA, 'deepflow', 'flow_generator');
