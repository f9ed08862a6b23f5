import { BadRequestException, Controller, Get, Post, Query } from '@nestjs/common';
import { CounterService } from './counter.service.js';

/** `POST /counter/increment?times=N` (sequential locked increments), `GET /counter`. */
@Controller('counter')
export class CounterController {
  constructor(private readonly counter: CounterService) {}

  @Post('increment')
  async increment(@Query('times') times = '1'): Promise<{ value: number }> {
    const n = Number(times);
    if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new BadRequestException('times must be 1-100000');
    let value = 0;
    for (let i = 0; i < n; i += 1) value = await this.counter.increment();
    return { value };
  }

  @Get()
  async value(): Promise<{ value: number }> {
    return { value: await this.counter.value() };
  }
}
