import { hutongError } from '../../errors.ts';

/** Sends text messages through the SMS gateway's REST API (the emulator on loopback, or a real provider). */
export class SmsClient {
  constructor(
    private readonly baseUrl: string,
    private readonly appKey: string,
    private readonly signName = '互通',
  ) {}

  async send(phone: string, template: string, params: Record<string, string>, { signal }: { signal: AbortSignal }): Promise<void> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.appKey}` },
        body: JSON.stringify({ phone, signName: this.signName, template, params }),
        signal,
      });
    } catch (error) {
      throw hutongError('HUTONG_ERR_SMS_UNAVAILABLE', 'The SMS gateway could not be reached', { cause: error });
    }
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { code?: string };
      throw hutongError('HUTONG_ERR_SMS_UNAVAILABLE', `The SMS gateway refused the message (${response.status} ${body.code ?? ''})`.trim());
    }
  }
}
