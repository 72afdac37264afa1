// The app of set-up 2, started after node-sdk-telemetry.js (see there).
import { lifecycle } from './node-sdk-telemetry.js';
import { startHost } from './host.js';

const server = await startHost(lifecycle, Number(process.env.PORT ?? 0));
const address = server.address();
process.stdout.write(
  `${JSON.stringify({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` })}\n`,
);
