// The exposure service as a process: configuration from the environment, SIGTERM/SIGINT for a graceful stop, exit
// codes as shared/lifecycle.ts defines them.
import { runMain } from '../../../shared/lifecycle.ts';
import { loadExposureConfig, SERVICE } from './config.ts';
import { createExposureService } from './service.ts';

await runMain(SERVICE, ({ logger, fail }) => createExposureService(loadExposureConfig(), { logger, fail }));
