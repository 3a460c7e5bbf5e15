/** The Grafana slice of the env config: workload, storage or database, sign-in, ingress and who may reach it. */
import { z } from 'zod';
import { DNS_SUBDOMAIN, dnsLabel, hostPort, networkCidr, replicas, resources, storage } from './fields.js';

const groups = z.array(z.string().min(1));

/** Sign-in through the organisation's identity provider (Grafana's generic OAuth with OIDC endpoints). */
const oidc = z.strictObject({
  /** Label of the sign-in button. */
  name: z.string().min(1),
  authUrl: z.url({ error: 'must be the identity provider authorization endpoint URL' }),
  tokenUrl: z.url({ error: 'must be the identity provider token endpoint URL' }),
  apiUrl: z.url({ error: 'must be the identity provider userinfo endpoint URL' }),
  /** The client id (not secret); the client secret comes from the secret store. */
  clientId: z.string().min(1),
  scopes: z.array(z.string().min(1)).min(1),
  /** The claim listing the user's groups, mapped to Grafana roles below; anyone else is a Viewer. */
  groupsClaim: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be a claim name such as groups' }),
  adminGroups: groups,
  editorGroups: groups,
});

export const grafana = z.strictObject({
  /** More than one needs `database`: SQLite on a volume is one writer. */
  replicas,
  resources,
  /** Its SQLite database, sessions and plugins, when there is no external database. */
  storage,
  /** An external database (the password comes from the secret store), for more than one replica. */
  database: z
    .strictObject({
      type: z.enum(['postgres', 'mysql']),
      host: hostPort,
      name: z.string().regex(/^[A-Za-z0-9_]+$/, { error: 'must be a database name' }),
      user: z.string().min(1),
      sslMode: z.enum(['disable', 'require', 'verify-full']),
    })
    .optional(),
  auth: z.strictObject({
    /** The user/password form (the admin user from the secret store, and local users). */
    basicLogin: z.boolean(),
    oidc: oidc.optional(),
  }),
  /** Rendered when set: an Ingress to Grafana's HTTPS port. */
  ingress: z
    .strictObject({
      host: z.string().regex(DNS_SUBDOMAIN, { error: 'must be a DNS name such as grafana.example.com' }),
      className: dnsLabel,
      /** Controller-specific settings (for the AWS Load Balancer Controller: scheme, certificate ARN, ...). */
      annotations: z.record(z.string(), z.string()),
      /** A TLS Secret for the host, when the controller terminates TLS with one (not for an ALB with ACM). */
      tlsSecretName: dnsLabel.optional(),
    })
    .optional(),
  /**
   * Who may open Grafana's port: the ingress controller's namespaces, and address ranges (an ALB
   * sends from its subnets). Nothing else in the cluster reaches it.
   */
  allowFrom: z.strictObject({ namespaces: z.array(dnsLabel), cidrs: z.array(networkCidr) }),
});
