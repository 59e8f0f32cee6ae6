import { InMemoryBus } from '../../src/infrastructure/bus/in-memory-bus';
import { FAST_RETRY, messageBusContract } from './message-bus.contract';

messageBusContract('in-process', () => new InMemoryBus(FAST_RETRY));
