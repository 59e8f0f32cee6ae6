import { Writable } from 'node:stream';
import { Logger } from '@nestjs/common';
import { NestLoggerOverPino, serviceLogger, withoutTokens } from '../../src/infrastructure/observability/service-logger';

/** Nest's Logger on the service's pino logger: the lines Nest's calls become. */
describe('NestLoggerOverPino', () => {
  let lines: Array<Record<string, unknown>>;
  const capture = (level: string) => {
    lines = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString().trim().split('\n').map((line) => JSON.parse(line)));
        done();
      },
    });
    Logger.overrideLogger(new NestLoggerOverPino(serviceLogger(level, destination)));
  };
  afterEach(() => Logger.overrideLogger(['error', 'warn']));

  it('writes the context and the message, each Nest level at its pino level', async () => {
    capture('trace');
    const logger = new Logger('Saga');
    logger.log('sent');
    logger.warn('slow');
    logger.debug('detail');
    logger.verbose('more detail');
    logger.fatal('down');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map(({ level, context, msg }) => [level, context, msg])).toEqual([
      [30, 'Saga', 'sent'],
      [40, 'Saga', 'slow'],
      [20, 'Saga', 'detail'],
      [10, 'Saga', 'more detail'],
      [60, 'Saga', 'down'],
    ]);
  });

  it('keeps an error stack given with the message', async () => {
    capture('info');
    new Logger('HTTP').error('failed', 'Error: failed\n    at here');
    new Logger('HTTP').error('alone');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toEqual([
      expect.objectContaining({ level: 50, context: 'HTTP', msg: 'failed', stack: 'Error: failed\n    at here' }),
      expect.objectContaining({ level: 50, context: 'HTTP', msg: 'alone' }),
    ]);
    expect(lines[1]).not.toHaveProperty('stack');
  });

  it('writes nothing below the level', async () => {
    capture('warn');
    new Logger('Run').log('quiet');
    new Logger('Run').warn('loud');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => line.msg)).toEqual(['loud']);
  });
});

describe('withoutTokens', () => {
  it('redacts every token parameter of a URL and nothing else', () => {
    expect(withoutTokens('/x/list?token=abc.def&type=A&token=2')).toBe('/x/list?token=[Redacted]&type=A&token=[Redacted]');
    expect(withoutTokens('/x/list?mytoken=1&a=token=2')).toBe('/x/list?mytoken=1&a=token=2');
  });
});
