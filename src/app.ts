import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { openBus, openStorage } from './infrastructure/adapters';
import { AppConfig } from './infrastructure/config/app-config';
import { createApiDocument } from './infrastructure/http/api-document';
import { answerClientError } from './infrastructure/http/client-errors';
import { registerJsonBodyOnly } from './infrastructure/http/body-parsing';
import { BATCHES_ROUTE } from './infrastructure/http/batches/batches.controller';
import { serveConsole } from './infrastructure/http/console-files';
import { correlationIdOf, registerCorrelationHeader } from './infrastructure/http/correlation';
import { HttpGate } from './infrastructure/http/http-gate';
import { RequestValidation } from './infrastructure/http/request-validation';
import { NestLoggerOverPino, RequestLogLines, serviceLogger } from './infrastructure/observability/service-logger';

export const API_BASE_PATH = 'crmapi/rest/v2';

/** Builds the whole service for a configuration; main.ts and the tests both start it through here. */
export async function createApp(config: AppConfig): Promise<INestApplication> {
  const storage = await openStorage(config);
  // The client address (rate limits, logs) comes from X-Forwarded-For only through the proxies configured here.
  const logger = serviceLogger(config.logLevel);
  const adapter = new FastifyAdapter({
    trustProxy: config.trustProxy,
    bodyLimit: config.bodyLimitBytes,
    genReqId: correlationIdOf,
    loggerInstance: logger,
    logController: new RequestLogLines(),
    clientErrorHandler: answerClientError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(config, storage, openBus(config)), adapter, {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(new NestLoggerOverPino(logger));
  registerCorrelationHeader(app.getHttpAdapter().getInstance());
  app.get(HttpGate).register(app.getHttpAdapter().getInstance());
  registerJsonBodyOnly(app.getHttpAdapter().getInstance(), config.bodyLimitBytes, { url: `/${API_BASE_PATH}/${BATCHES_ROUTE}`, limitBytes: config.batchBodyLimitBytes });
  app.setGlobalPrefix(API_BASE_PATH, { exclude: ['health/live', 'health/ready', 'metrics'] });
  // The request schemas, generated once from the DTOs (core module): the pipe's compiled checks and the document.
  const validation = app.get(RequestValidation);
  app.useGlobalPipes(validation.pipe);
  const document = createApiDocument(app, validation.schemas);
  SwaggerModule.setup('docs', app, document);
  await serveConsole(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
