import { Module } from '@nestjs/common';

/** Stands for the app module a README example imports. */
@Module({})
export class AppModule {}
