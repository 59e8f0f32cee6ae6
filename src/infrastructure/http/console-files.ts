import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * The console may reach its own origin only (its files and the API): no script, style, image or request
 * goes anywhere else, and no other site may frame it.
 */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

/** Where `vite build` put the console: beside the compiled service (dist/console), or dist/ when run from the sources. */
export function consoleDirectory(): string | null {
  const candidates = [join(__dirname, '..', '..', 'console'), join(__dirname, '..', '..', '..', 'dist', 'console')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

/** Serves the operator console at /console/ (static files; it logs in through the API like any client). */
export async function serveConsole(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const root = consoleDirectory();
  if (root === null) {
    fastify.get('/console/*', async (_request, reply) => reply.code(404).type('text/plain').send('The console is not built: run npm run build.'));
  } else {
    await app.register(fastifyStatic, {
      root,
      prefix: '/console/',
      decorateReply: false,
      setHeaders: (response) => {
        response.setHeader('Content-Security-Policy', CONSOLE_CSP);
        response.setHeader('X-Content-Type-Options', 'nosniff');
        response.setHeader('Referrer-Policy', 'no-referrer');
      },
    });
  }
  fastify.get('/console', async (_request, reply) => reply.redirect('/console/', 301));
}
