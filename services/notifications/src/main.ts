// The notifications service as a process: config from the environment (exit 2 naming a bad variable), start, and a
// clean stop on SIGTERM/SIGINT (shared/lifecycle.ts).
import { runMain } from '../../../shared/lifecycle.ts';
import { loadNotificationsConfig, SERVICE } from './config.ts';
import { NotificationsService } from './service.ts';

await runMain(SERVICE, ({ logger, fail }) => new NotificationsService({ config: loadNotificationsConfig(), logger, onFatal: fail }));
