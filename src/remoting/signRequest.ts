/**
 * The access-key signature of a remoting request: HMAC-SHA1, keyed by the secret, over every
 * ext-field value in key order followed by the body. Brokers with authentication rebuild the
 * same content, so we sign last, over the values exactly as they are sent. The secret is used
 * here and nowhere else: never logged, never in an error.
 */
import { createHmac } from 'node:crypto';

/** An access key and its secret, for brokers with authentication (ACL). */
export interface RemotingCredentials {
  readonly accessKey: string;
  readonly accessSecret: string;
  readonly securityToken?: string;
}

export function signRequest(
  extFields: Readonly<Record<string, string>>,
  body: Buffer | undefined,
  credentials: RemotingCredentials,
): Record<string, string> {
  const fields: Record<string, string> = {
    ...extFields,
    AccessKey: credentials.accessKey,
    ...(credentials.securityToken ? { SecurityToken: credentials.securityToken } : {}),
  };
  delete fields.Signature;
  const hmac = createHmac('sha1', credentials.accessSecret);
  // Java sorts with a TreeMap: UTF-16 code-unit order, which is what Array.prototype.sort does.
  for (const key of Object.keys(fields).sort()) hmac.update(fields[key] as string, 'utf8');
  if (body) hmac.update(body);
  fields.Signature = hmac.digest('base64');
  return fields;
}
