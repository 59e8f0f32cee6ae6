import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';

/**
 * The benchmark's baseline (issue 9): a bare NestJS app on Fastify with one POST route that reads the JSON
 * body and answers a small envelope, nothing else. `npm run bench` runs it as its own process on PORT and
 * loads it exactly as it loads create_pairing, so every figure is a ratio to this one, measured in the same run.
 */
@Controller()
class BareController {
  /** For the benchmark to see that it is up, probed like the service (never loaded). */
  @Get('health/live')
  live() {
    return { status: 'up' };
  }

  @Post('bare')
  @HttpCode(200)
  answer(@Body() body: { smartcard_set?: unknown[] }) {
    return { status: { code: 'OK', message: null, description: null }, data: { received: Array.isArray(body.smartcard_set) ? body.smartcard_set.length : 0 } };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), { logger: false });
  await app.listen(Number(process.env.PORT ?? 3999), '127.0.0.1');
}

void main();
