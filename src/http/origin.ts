/** The origin a client addressed: configured behind a proxy (`HUTONG_PUBLIC_URL`), otherwise the request's own. */
export function clientOrigin(request: { readonly protocol: string; readonly host: string }, publicOrigin: string | undefined): string {
  return publicOrigin ?? `${request.protocol}://${request.host}`;
}
