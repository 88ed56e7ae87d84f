// Counts what an export could not accept and keeps a few reasons, for OTLP's partial-success answer.
const MAX_REASONS = 5;

export class Rejections {
  count = 0;
  private readonly reasons: string[] = [];
  private omitted = 0;

  add(count: number, reason: string): void {
    if (count <= 0) return;
    this.count += count;
    if (this.reasons.includes(reason)) return;
    if (this.reasons.length < MAX_REASONS) this.reasons.push(reason);
    else this.omitted++;
  }

  message(): string {
    const more = this.omitted > 0 ? `; and ${this.omitted} more reasons` : "";
    return this.reasons.join("; ") + more;
  }
}
