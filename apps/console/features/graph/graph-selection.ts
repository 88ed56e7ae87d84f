// The graph's selection as it is written in the URL: `sel=node:checkout` or `sel=edge:frontend->checkout`.

export type GraphSelection = { kind: "node"; id: string } | { kind: "edge"; id: string } | null;

export function parseSelection(text: string): GraphSelection {
  const match = /^(node|edge):(.+)$/.exec(text);
  if (match === null) return null;
  return match[1] === "node" ? { kind: "node", id: match[2]! } : { kind: "edge", id: match[2]! };
}

export function formatSelection(selection: GraphSelection): string {
  return selection === null ? "" : `${selection.kind}:${selection.id}`;
}

export function isSelected(selection: GraphSelection, kind: "node" | "edge", id: string): boolean {
  return selection !== null && selection.kind === kind && selection.id === id;
}
