import type { MigrationInterface, QueryRunner } from 'typeorm';
import { outboxDdl } from './outbox-schema.js';

/**
 * Creates the outbox tables (`outbox`, `outbox_epoch`) in the `shoal` schema (default prefix). Add it to your TypeORM `migrations` and set
 * `outbox: { createTable: false }`. For another prefix, subclass it and override `schema`.
 */
export class ShoalOutboxMigration1795300000000 implements MigrationInterface {
  name = 'ShoalOutboxMigration1795300000000';
  protected schema = 'shoal';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
    for (const statement of outboxDdl(this.schema)) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS "${this.schema}"."outbox_epoch"`);
    await queryRunner.query(`DROP TABLE IF EXISTS "${this.schema}"."outbox"`);
  }
}
