import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import type { TestHub } from './hub.ts';

// What a citizen does by clicking before a service opens to them, in the app's Chinese: log in with
// the SMS code, prove the real name, link an identifier. The browser suites share these steps.

/** On the app's open login page: asks for a code for `phone`, reads it on the emulated phone and logs in. */
export async function logInWithSmsCode(page: Page, hub: TestHub, phone: string): Promise<void> {
  await page.getByLabel('手机号').fill(phone);
  await page.getByRole('button', { name: '获取验证码' }).click();
  await page.getByLabel('验证码').waitFor();
  const code = /\d{6}/.exec(hub.emulators.sms.inbox(phone)[0]?.text ?? '')?.[0];
  assert.ok(code, `no login code reached ${phone}`);
  await page.getByLabel('验证码').fill(code);
  await page.getByRole('button', { name: '登录', exact: true }).click();
}

export interface RealNameLabels {
  readonly region: string;
  readonly name: string;
  readonly id: string;
  readonly submit: string;
}

const REAL_NAME_ZH: RealNameLabels = { region: '实名认证', name: '姓名', id: '身份证号', submit: '提交认证' };

/** On Me: fills in and submits the real-name form (agreeing to the consent text); the form's region, to read the answer in. */
export async function submitRealName(page: Page, person: { name: string; nationalId: string }, labels: RealNameLabels = REAL_NAME_ZH): Promise<Locator> {
  const realName = page.getByRole('region', { name: labels.region });
  await realName.getByLabel(labels.name, { exact: true }).fill(person.name);
  await realName.getByLabel(labels.id).fill(person.nationalId);
  await realName.getByRole('checkbox').check();
  await realName.getByRole('button', { name: labels.submit }).click();
  return realName;
}

/** On Me: proves the real name and waits until the public-security register has confirmed it. */
export async function proveRealName(page: Page, person: { name: string; nationalId: string }): Promise<void> {
  const realName = await submitRealName(page, person);
  await realName.getByText('已通过公安部门核验', { exact: false }).waitFor();
}

/** On Me: links a plate, or a card or account its issuer in `cityId` confirms, and waits for "linked". */
export async function linkIdentifier(
  page: Page,
  identifier: { kind: 'plate' | 'library-card' | 'utility-account'; value: string; cityId?: string; departmentId?: string },
): Promise<void> {
  const link = page.getByRole('region', { name: '绑定证件', exact: true });
  await link.getByLabel('证件类型').selectOption(identifier.kind);
  if (identifier.cityId) await link.getByLabel('所在城市').selectOption(identifier.cityId);
  if (identifier.departmentId) await link.getByLabel('发证单位').selectOption(identifier.departmentId);
  await link.getByLabel('号码').fill(identifier.value);
  await link.getByRole('checkbox').check();
  await link.getByRole('button', { name: '绑定', exact: true }).click();
  await link.getByRole('status').filter({ hasText: '已绑定' }).waitFor();
}
