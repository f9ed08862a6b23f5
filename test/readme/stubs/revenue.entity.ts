import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The README's `Revenue` entity. */
@Entity()
export class Revenue {
  @PrimaryColumn('uuid') orderId!: string;
  @Column('numeric') amount!: number;
}
