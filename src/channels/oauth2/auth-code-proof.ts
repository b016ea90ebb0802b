import { Type, type TObject, type TString } from '@sinclair/typebox';

/**
 * The login body of an OAuth2-style entrance: the authorization `code` the platform appended to the
 * redirect URI. One schema shape for every such channel, titled per channel in the OpenAPI document.
 *
 * @example
 *   export const WeiboLoginProof = authCodeProof('WeiboLoginProof', 'the code Weibo appended to the redirect URI')
 */
export function authCodeProof(title: string, description: string): TObject<{ code: TString }> {
  return Type.Object(
    { code: Type.String({ minLength: 1, maxLength: 256, pattern: '^[!-~]+$', description }) },
    { additionalProperties: false, title },
  );
}
