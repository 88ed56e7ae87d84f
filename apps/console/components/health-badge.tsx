import type { Health } from "@trellis/mesh-model";

export function HealthBadge({ health, testId }: { health: Health; testId?: string }) {
  return (
    <span className="badge" data-tone={health} data-test={testId} data-health={health}>
      {health}
    </span>
  );
}
