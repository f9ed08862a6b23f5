import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The README's `Order` entity. */
@Entity()
export class Order {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column() userId!: string;
  @Column('numeric') total!: number;
}
