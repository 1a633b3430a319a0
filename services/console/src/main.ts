// The console as a process: config from the environment (exit 2 naming a bad variable), start, and a clean stop on
// SIGTERM/SIGINT (shared/lifecycle.ts).
import { runMain } from '../../../shared/lifecycle.ts';
import { loadConsoleConfig, SERVICE } from './config.ts';
import { ConsoleService } from './service.ts';

await runMain(SERVICE, ({ logger, fail }) => new ConsoleService({ config: loadConsoleConfig(), logger, onFatal: fail }));
