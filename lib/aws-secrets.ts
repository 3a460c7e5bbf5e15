/**
 * Reads secrets from AWS Secrets Manager with the caller's own AWS credentials (the default
 * provider chain: AWS_PROFILE, SSO, environment, ...), for the preflight of the keys dist needs.
 * Values stay in memory; nothing prints them.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ReadSecret } from './secret-keys.js';

/** The store could not be read at all (credentials, permissions, network): one line, no stack. */
export class SecretStoreError extends Error {}

export function secretsManagerReader(region: string): ReadSecret {
  const client = new SecretsManagerClient({ region, maxAttempts: 2 });
  return async (name) => {
    try {
      const r = await client.send(new GetSecretValueCommand({ SecretId: name }));
      return r.SecretString ?? (r.SecretBinary ? Buffer.from(r.SecretBinary).toString('utf8') : '');
    } catch (err) {
      const e = err as { name?: string; message?: string };
      if (e.name === 'ResourceNotFoundException') return undefined;
      throw new SecretStoreError(
        `cannot read secret "${name}" from Secrets Manager in ${region}: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`,
      );
    }
  };
}
