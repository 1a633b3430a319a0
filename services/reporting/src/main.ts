// The reporting sink as a process: config from the environment (exit 2 naming a bad variable), migrations, start, and
// a clean stop on SIGTERM/SIGINT (shared/lifecycle.ts). `tsx services/reporting/src/main.ts`
import { runMain } from '../../../shared/lifecycle.ts';
import { loadReportingConfig, SERVICE } from './config.ts';
import { ReportingService } from './service.ts';

await runMain(SERVICE, ({ logger, fail }) => new ReportingService({ config: loadReportingConfig(), logger, onFatal: fail }));
