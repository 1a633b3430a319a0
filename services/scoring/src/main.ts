// The scoring service as a process: config from the environment (exit 2 naming a bad variable), start, and a clean
// stop on SIGTERM/SIGINT (shared/lifecycle.ts).
import { runMain } from '../../../shared/lifecycle.ts';
import { loadScoringConfig, SERVICE } from './config.ts';
import { ScoringService } from './service.ts';

await runMain(SERVICE, ({ logger, fail }) => new ScoringService({ config: loadScoringConfig(), logger, onFatal: fail }));
