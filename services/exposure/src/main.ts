// The exposure service as a process: configuration from the environment, SIGTERM/SIGINT for a graceful stop, exit
// codes as shared/lifecycle.ts defines them.
import { runMain } from '../../../shared/lifecycle.ts';
import { loadExposureConfig, SERVICE } from './config.ts';
import { ExposureService } from './service.ts';

await runMain(SERVICE, ({ logger, fail }) => new ExposureService({ config: loadExposureConfig(), logger, onFatal: fail }));
