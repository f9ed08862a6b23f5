import { Injectable } from '@nestjs/common';

/** The README's mailer. */
@Injectable()
export class MailerService {
  async send(to: string, subject: string): Promise<void> {
    void to;
    void subject;
  }
}
