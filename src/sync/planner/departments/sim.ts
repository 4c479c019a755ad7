// The department tree as it stands at one point of the plan: the structure phase runs every
// change against it, so that each operation is valid when it runs.
/** Parent, children and name slots per department. Names are known for linked ones only. */
export class DepartmentSim {
  readonly parent = new Map<number, number | undefined>();
  readonly name = new Map<number, string | undefined>();
  readonly children = new Map<number, Set<number>>();
  private readonly slots = new Map<number, Map<string, number>>();

  has(id: number): boolean {
    return this.parent.has(id);
  }

  holder(parent: number, name: string): number | undefined {
    return this.slots.get(parent)?.get(name);
  }

  /** Adds a department, or fills in what is known about one already added. */
  put(id: number, parent: number | undefined, name: string | undefined): void {
    if (this.parent.has(id)) this.detach(id);
    this.parent.set(id, parent);
    this.name.set(id, name);
    this.attach(id);
  }

  /** True when `ancestor` is `id` or lies on the parent chain above `id`. */
  isSelfOrAncestor(ancestor: number, id: number): boolean {
    let cur: number | undefined = id;
    for (let steps = 0; cur !== undefined && steps <= this.parent.size; steps++) {
      if (cur === ancestor) return true;
      cur = this.parent.get(cur);
    }
    return false;
  }

  private attach(id: number): void {
    const p = this.parent.get(id);
    if (p === undefined) return;
    let kids = this.children.get(p);
    if (!kids) this.children.set(p, (kids = new Set()));
    kids.add(id);
    const n = this.name.get(id);
    if (n !== undefined) {
      let slot = this.slots.get(p);
      if (!slot) this.slots.set(p, (slot = new Map()));
      slot.set(n, id);
    }
  }

  private detach(id: number): void {
    const p = this.parent.get(id);
    if (p === undefined) return;
    this.children.get(p)?.delete(id);
    const n = this.name.get(id);
    if (n !== undefined) {
      const slot = this.slots.get(p);
      if (slot?.get(n) === id) slot.delete(n);
    }
  }
}
