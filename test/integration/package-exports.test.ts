// The package as others consume it: `import { planReplicas } from 'kubefed-ts'` resolves through the
// package.json `exports` to the built dist/ (hack/test.sh builds it) and plans like KubeFed.
import { describe, expect, it } from 'vitest';

describe('package main entry', () => {
  it('exports planReplicas and the API schemas from dist/', async () => {
    const pkg = (await import('kubefed-ts' as string)) as typeof import('../../src/index.js');
    expect(pkg.planReplicas({ totalReplicas: 9, clusters: { member1: { weight: 1 }, member2: { weight: 2 } }, availableClusters: ['member1', 'member2'] })).toEqual({
      plan: { member1: 3, member2: 6 },
      overflow: {},
    });
    expect(() => pkg.planReplicas({ totalReplicas: -1, clusters: {}, availableClusters: [] })).toThrow(pkg.PlannerInputError);
    expect(typeof pkg.KubeFedClusterSchema.parse).toBe('function');
  });
});
