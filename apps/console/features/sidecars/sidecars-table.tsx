"use client";
// Every sidecar instance: where it is, when it last checked in, and whether it runs the latest config.
import type { SidecarSummary, SyncState } from "@trellis/mesh-model";
import { SortHeader } from "../../components/sort-header";
import { formatAge } from "../../lib/format";
import type { SortDirection } from "../../lib/view-state";
import { sidecarAddress, type SidecarColumn } from "./sidecars-table-model";

/** Sync states drawn with the health palette: synced is fine, pending is on its way, the rest need a look. */
const SYNC_TONE: Record<SyncState, string> = { synced: "healthy", pending: "unknown", stale: "degraded", rejected: "failing", disconnected: "failing" };

interface SidecarsTableProps {
  sidecars: SidecarSummary[];
  sort: SidecarColumn;
  direction: SortDirection;
  onSort: (column: SidecarColumn) => void;
  now: number;
}

export function SidecarsTable({ sidecars, sort, direction, onSort, now }: SidecarsTableProps) {
  const header = (column: SidecarColumn, label: string, align: "left" | "right" = "left") => (
    <SortHeader column={column} label={label} active={sort} direction={direction} onSort={onSort} testPrefix="sidecars" align={align} />
  );
  return (
    <div className="table-wrap">
      <table className="data" data-test="sidecars-table">
        <thead>
          <tr>
            {header("instance", "Instance")}
            {header("service", "Service")}
            {header("version", "Version")}
            {header("address", "Address")}
            {header("heartbeat", "Last heartbeat")}
            {header("revision", "Revision acked / sent", "right")}
            {header("sync", "Sync")}
            <th>Last error</th>
          </tr>
        </thead>
        <tbody>
          {sidecars.map((s) => (
            <tr key={s.instanceId} data-test={`sidecars-row-${s.instanceId}`} data-sync={s.syncState} data-up={s.up}>
              <td className="mono">{s.instanceId}</td>
              <td>{s.service}</td>
              <td><span className="version-chip">{s.version}</span></td>
              <td className="mono">{sidecarAddress(s)}</td>
              <td className="num" data-test="sidecars-cell-heartbeat" title={`${s.lastHeartbeatAt}; lease expires ${s.leaseExpiresAt}`}>
                <span className="badge" data-tone={s.up ? "healthy" : "failing"} style={{ marginRight: 6 }}>{s.up ? "up" : "down"}</span>
                {formatAge(s.lastHeartbeatAt, now)}
              </td>
              <td className="right num" data-test="sidecars-cell-revision">
                {s.ackedRevision ?? "—"} / {s.sentRevision ?? "—"}
              </td>
              <td>
                <span className="badge" data-tone={SYNC_TONE[s.syncState]} data-test={`sidecars-sync-${s.instanceId}`}>{s.syncState}</span>
              </td>
              <td data-test="sidecars-cell-error">
                {s.lastError === null ? <span className="faint">—</span> : <span className="error-text">{s.lastError}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
