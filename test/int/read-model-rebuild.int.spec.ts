import { rebuildScenario } from '../support/rebuild-scenario';

rebuildScenario('sqlite', () => ({}), 'sqlite');
