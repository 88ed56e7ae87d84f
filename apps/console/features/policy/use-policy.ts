"use client";
// The policy editor's data: queries for the current spec, history and diffs; mutations for preview,
// apply and rollback, which refresh the service's policy queries when they change something.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { PutPolicyRequest } from "@trellis/mesh-model";
import {
  fetchPolicy, fetchPolicyDiff, fetchPolicyRevisions, previewPolicy, putPolicy, rollbackPolicy,
} from "../../lib/api-client";
import { policyKeys } from "./query-keys";

export function useCurrentPolicy(service: string) {
  return useQuery({ queryKey: policyKeys.current(service), queryFn: ({ signal }) => fetchPolicy(service, signal) });
}

export function usePolicyRevisions(service: string) {
  return useQuery({ queryKey: policyKeys.revisions(service), queryFn: ({ signal }) => fetchPolicyRevisions(service, signal) });
}

export function usePolicyDiff(service: string, range: { from: number; to: number } | null) {
  return useQuery({
    queryKey: policyKeys.diff(service, range?.from ?? -1, range?.to ?? -1),
    queryFn: ({ signal }) => fetchPolicyDiff(service, range!.from, range!.to, signal),
    enabled: range !== null,
  });
}

export function usePreviewPolicy(service: string) {
  return useMutation({ mutationFn: (spec: unknown) => previewPolicy(service, spec) });
}

export function useApplyPolicy(service: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: PutPolicyRequest) => putPolicy(service, body),
    onSuccess: () => client.invalidateQueries({ queryKey: policyKeys.service(service) }),
  });
}

export function useRollbackPolicy(service: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (revision: number) => rollbackPolicy(service, { revision }),
    onSuccess: () => client.invalidateQueries({ queryKey: policyKeys.service(service) }),
  });
}
