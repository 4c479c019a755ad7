// The organization forest: organizations under their parents (an unknown parent makes a root),
// siblings by their order, then by name. The tree and the drawer's organization picker use it.
import type { Organization } from '../../api/types';

const byOrder = (a: Organization, b: Organization) => a.order - b.order || a.name.localeCompare(b.name);

/** The forest of `orgs`, each organization made into a node by `make` with its children's nodes. */
export function orgForest<N>(orgs: Organization[], make: (o: Organization, children: N[]) => N): N[] {
  const children = new Map<string | null, Organization[]>();
  const ids = new Set(orgs.map((o) => o.id));
  for (const o of orgs) {
    const parent = o.parentId && ids.has(o.parentId) ? o.parentId : null;
    const list = children.get(parent) ?? [];
    list.push(o);
    children.set(parent, list);
  }
  const node = (o: Organization): N => make(o, (children.get(o.id) ?? []).sort(byOrder).map(node));
  return (children.get(null) ?? []).sort(byOrder).map(node);
}
