// A revocation target that records each call as one line (`user:<sub>`,
// `member:<org>:<sub>`, `org:<id>`, `scope:<name>`, `all`), so a spec asserts
// exactly which revocations a webhook delivery caused.
export function revocationRecorder() {
  const calls: string[] = [];
  return {
    calls,
    target: {
      revokeUser: (sub: string) => void calls.push(`user:${sub}`),
      revokeMembership: (organizationId: string, sub: string) => void calls.push(`member:${organizationId}:${sub}`),
      revokeOrganization: (id: string) => void calls.push(`org:${id}`),
      revokeScope: (name: string) => void calls.push(`scope:${name}`),
      revokeAll: () => void calls.push('all'),
    },
  };
}
