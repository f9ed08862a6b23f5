import { BadRequestException, Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { z } from 'zod';
import { issueToken } from './sample-auth.js';

/** Injection token of the sample's signing secret. */
export const SAMPLE_AUTH_SECRET = Symbol('sample:auth-secret');

const tokenRequest = z.strictObject({ userId: z.string().min(1).max(200) });

/** `POST /auth/token {userId}` → `{ token }`: a token the live feed accepts (development sign-in, no password). */
@Controller('auth')
export class AuthController {
  constructor(@Inject(SAMPLE_AUTH_SECRET) private readonly secret: string) {}

  @Post('token')
  @HttpCode(200)
  token(@Body() body: unknown): { token: string } {
    const parsed = tokenRequest.safeParse(body);
    if (!parsed.success) throw new BadRequestException('token needs { userId: string }');
    return { token: issueToken(parsed.data.userId, this.secret) };
  }
}
