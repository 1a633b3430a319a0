// The delinquency service as a process: config from the environment (exit 2 naming a bad variable), start, and a
// clean stop on SIGTERM/SIGINT (shared/lifecycle.ts).
import { runMain } from '../../../shared/lifecycle.ts';
import { loadDelinquencyConfig, SERVICE } from './config.ts';
import { DelinquencyService } from './service.ts';

await runMain(SERVICE, ({ logger, fail }) => new DelinquencyService({ config: loadDelinquencyConfig(), logger, onFatal: fail }));
