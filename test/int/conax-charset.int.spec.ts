import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { RunningSimulator, startConaxSimulator } from '../../src/infrastructure/conax-simulator/conax-simulator';
import { UNENCODABLE_REQUEST, SoapConaxClient } from '../../src/infrastructure/conax/soap-conax-client';
import { replyEnvelope } from '../../src/infrastructure/conax/conax-messages';
import { loadConfig } from '../../src/infrastructure/config/app-config';

/** CONAX_ENCODING=ISO-8859-1 writes real ISO-8859-1 bytes, says so in the prolog, and refuses what it cannot hold. */
describe('Conax charset', () => {
  let capture: Server;
  let url: string;
  const received: Array<{ contentType: string; bytes: Buffer }> = [];

  beforeAll(async () => {
    capture = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        received.push({ contentType: String(request.headers['content-type']), bytes: Buffer.concat(chunks) });
        response.writeHead(200, { 'Content-Type': 'text/xml; charset=ISO-8859-1' });
        response.end(Buffer.from(replyEnvelope('LoginResponse', { SessionId: 'S1' }, 'ISO-8859-1'), 'latin1'));
      });
    });
    await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(capture.address() as AddressInfo).port}/conax`;
  });
  afterAll(() => new Promise<void>((resolve) => capture.close(() => resolve())));

  it('writes ISO-8859-1 bytes and names ISO-8859-1 in the XML prolog and the Content-Type', async () => {
    const client = new SoapConaxClient({ url, username: 'jürgen', password: 'pw', encoding: 'ISO-8859-1', callTimeoutMs: 2000 });
    await client.call('CreatePairing', '<CreatePairing/>').catch(() => undefined); // the capture server only answers logins
    const login = received[0];
    expect(login.contentType).toBe('text/xml; charset=ISO-8859-1');
    const text = login.bytes.toString('latin1');
    expect(text.startsWith('<?xml version="1.0" encoding="ISO-8859-1"?>')).toBe(true);
    expect(login.bytes.includes(Buffer.from([0x6a, 0xfc, 0x72]))).toBe(true); // "jür" as one byte per character
  });

  it('refuses a payload with a character ISO-8859-1 cannot hold instead of folding it (U+013C is not "<")', async () => {
    received.length = 0;
    const client = new SoapConaxClient({ url, username: 'u', password: 'pw', encoding: 'ISO-8859-1', callTimeoutMs: 2000 });
    const result = await client.call('CreatePairing', '<CreatePairing><CaId>1\u013c2</CaId></CreatePairing>');
    expect(result).toMatchObject({ kind: 'fault', code: UNENCODABLE_REQUEST });
    expect(received).toHaveLength(0); // nothing went on the wire
  });

  it('round-trips a Latin-1 login with the simulator, which reads the charset the request declares', async () => {
    let simulator: RunningSimulator | null = null;
    try {
      simulator = await startConaxSimulator({ port: 0, host: '127.0.0.1', username: 'crm', password: 'pässwörd', latencyMs: 0, transientFailureRate: 0, sessionTtlMs: 60_000, callLogSize: 100 });
      const client = new SoapConaxClient({ url: simulator.url, username: 'crm', password: 'pässwörd', encoding: 'ISO-8859-1', callTimeoutMs: 2000 });
      const payload = '<CreatePairing xmlns="urn:conax:contego:provisioning:v1"><RequestId>R</RequestId><SequenceNumber>1</SequenceNumber><Smartcards><CaId>1</CaId></Smartcards><Stbs><CaId>2</CaId></Stbs></CreatePairing>';
      expect(await client.call('CreatePairing', payload)).toMatchObject({ kind: 'accepted' });
    } finally {
      await simulator?.close();
    }
  });

  it('refuses Conax credentials the configured charset cannot hold at boot', () => {
    expect(() => loadConfig({ CONAX_ENCODING: 'ISO-8859-1', CONAX_PASSWORD: 'p\u013c' })).toThrow(/CONAX_PASSWORD cannot be written in ISO-8859-1/);
  });

  it('keeps only the newest calls in the simulator log', async () => {
    const simulator = await startConaxSimulator({ port: 0, host: '127.0.0.1', username: 'u', password: 'p', latencyMs: 0, transientFailureRate: 0, sessionTtlMs: 60_000, callLogSize: 3 });
    try {
      const client = new SoapConaxClient({ url: simulator.url, username: 'u', password: 'p', encoding: 'UTF-8', callTimeoutMs: 2000 });
      for (let i = 0; i < 5; i++) {
        await client.call('CreatePairing', `<CreatePairing xmlns="urn:conax:contego:provisioning:v1"><RequestId>R${i}</RequestId><Smartcards><CaId>1</CaId></Smartcards><Stbs><CaId>2</CaId></Stbs></CreatePairing>`);
      }
      expect(simulator.calls().map((c) => c.request_id)).toEqual(['R2', 'R3', 'R4']);
    } finally {
      await simulator.close();
    }
  });
});
