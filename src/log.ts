// The package's diag component logger: every problem the package meets goes here, never to the host.
import { diag } from '@opentelemetry/api';
import { PACKAGE_NAME } from './version.js';

export const logger = diag.createComponentLogger({ namespace: PACKAGE_NAME });
