import { planPageGroups } from '../../lambdas/shared/page-groups';

describe('page groups for large resources', () => {
  const pages = (...sizes: number[]) => sizes.map((bytes) => ({ bytes }));

  it('keeps a small resource in one group', () => {
    expect(planPageGroups(pages(10, 20, 30), 100)).toEqual([{ index: 0, first: 0, count: 3 }]);
  });

  it('starts a new group before a page would take the group over the limit', () => {
    expect(planPageGroups(pages(40, 40, 40, 40, 40), 100)).toEqual([
      { index: 0, first: 0, count: 2 },
      { index: 1, first: 2, count: 2 },
      { index: 2, first: 4, count: 1 },
    ]);
  });

  it('gives a page larger than the limit a group of its own instead of dropping it', () => {
    expect(planPageGroups(pages(10, 500, 10), 100)).toEqual([
      { index: 0, first: 0, count: 1 },
      { index: 1, first: 1, count: 1 },
      { index: 2, first: 2, count: 1 },
    ]);
  });

  it('covers every page exactly once', () => {
    const sizes = Array.from({ length: 997 }, (_, index) => (index * 7919) % 300);
    const groups = planPageGroups(pages(...sizes), 1000);
    const covered = groups.flatMap((group) =>
      Array.from({ length: group.count }, (_, offset) => group.first + offset),
    );
    expect(covered).toEqual(sizes.map((_, index) => index));
  });

  it('plans no group for a resource without pages', () => {
    expect(planPageGroups([], 100)).toEqual([]);
  });
});
