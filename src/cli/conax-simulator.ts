import { loadConfigOrExit } from '../infrastructure/config/app-config';
import { startConaxSimulator } from '../infrastructure/conax-simulator/conax-simulator';

/** `npm run conax-simulator`: the bundled Conax simulator on its own (CONAX_SIMULATOR_PORT, default 8089). */
async function main(): Promise<void> {
  const config = loadConfigOrExit({ CONAX_SIMULATOR_PORT: '8089', ...process.env }, 'simulator');
  const simulator = await startConaxSimulator({ ...config.simulator, username: config.conax.username, password: config.conax.password });
  process.stdout.write(`Conax simulator listening at ${simulator.url} (calls: GET/DELETE http://${config.simulator.host}:${simulator.port}/calls)\n`);
  const stop = () => void simulator.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
