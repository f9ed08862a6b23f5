import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClusterService } from '@shoal/cluster';
import { MessagingModule } from '@shoal/messaging';
import { AppModule } from './app.module.js';
import { readSampleConfig } from './sample-config.js';

async function bootstrap(): Promise<void> {
  const config = readSampleConfig();
  const app = await NestFactory.create(AppModule.forConfig(config), { bufferLogs: false });
  app.enableShutdownHooks();
  MessagingModule.connect(app);
  await app.startAllMicroservices();
  await app.listen(config.port, '0.0.0.0');
  const self = app.get(ClusterService).self;
  // One machine-readable line for scripts and tests.
  console.log(`shoal:ready ${JSON.stringify({ id: self.id, port: config.port, pid: process.pid })}`);
}

bootstrap().catch((error: unknown) => {
  new Logger('Sample').error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
