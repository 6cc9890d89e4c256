// What an integrator writes against the types openapi-typescript generates from the committed
// openapi.json. tests/service/test_generated_clients.py generates ./inventory.ts next to a copy of this
// file and compiles both with `tsc --strict --noEmit`; a type that is too loose or wrong fails it.
import type { components, paths } from "./inventory";

type Scanner = components["schemas"]["ScannerPublic"];
type Problem = components["schemas"]["ProblemDetail"];
type ScannerList = paths["/api/v1/scanners"]["get"];
type ScannerItem = paths["/api/v1/scanners/{scanner_id}"];
type Exposure = paths["/api/v1/reports/exposure"]["get"]["responses"][200]["content"]["application/json"];
type ExposureCsv = paths["/api/v1/reports/exposure.csv"]["get"]["responses"][200]["content"]["text/csv"];

// Query parameters: the document's questions 2 and 3, a typed sort, paging by cursor.
type ListQuery = NonNullable<ScannerList["parameters"]["query"]>;
const question2: ListQuery = { vendor: "nuctech" };
const question3: ListQuery = { site: "maasvlakte", sort: "-asset_tag", limit: 50 };
// @ts-expect-error: sort is an enum of the listing's fields
const badSort: ListQuery = { sort: "colour" };
// @ts-expect-error: the status filter is an enum
const badStatus: ListQuery = { status: "broken" };

function nextPage(page: ScannerList["responses"][200]["content"]["application/json"], query: ListQuery): ListQuery | null {
  return page.next_cursor === null ? null : { ...query, cursor: page.next_cursor };
}

// Headers: ETag and Link are declared, If-Match is a required string, If-None-Match and its 304 exist.
const etag: ScannerItem["get"]["responses"][200]["headers"]["ETag"] = '"scanner-1-v1"';
const link: ScannerList["responses"][200]["headers"]["Link"] = '</api/v1/scanners?cursor=x>; rel="next"';
const patchHeaders: ScannerItem["patch"]["parameters"]["header"] = { "If-Match": etag };
// @ts-expect-error: If-Match is required on PATCH
const missingIfMatch: ScannerItem["patch"]["parameters"]["header"] = {};
// @ts-expect-error: If-Match is a string, never null
const nullIfMatch: ScannerItem["patch"]["parameters"]["header"] = { "If-Match": null };
const revalidate: NonNullable<ScannerItem["get"]["parameters"]["header"]> = { "If-None-Match": etag };
const notModified: ScannerItem["get"]["responses"][304]["content"] = undefined;
const created: paths["/api/v1/sites"]["post"]["responses"][201]["headers"]["Location"] = "/api/v1/sites/9";
const replayed: paths["/api/v1/sites"]["post"]["responses"][201]["headers"]["Idempotent-Replayed"] = "true";
const idempotencyKey: NonNullable<paths["/api/v1/sites"]["post"]["parameters"]["header"]> = {
  "Idempotency-Key": "0d6f1d8e-9f3c-4c7e-a8a0-6a6f9b0f7a11",
};

// Bodies: the report is an object (not `Report | string`), with typed meta; CSV is text of its own.
function riskOf(report: Exposure): string[] {
  const rules: string[] = report.meta.tier_rule;
  const next: string | null | undefined = report.next_cursor;
  return [...rules, next ?? "last page", ...report.items.map((row) => `${row.asset_tag}: ${row.risk_tier}`)];
}
const csv: ExposureCsv = "scanner_id,asset_tag\r\n";

// Problems are typed, their field errors too; change states are objects.
function describe(problem: Problem): string {
  const fields = (problem.errors ?? []).map((error) => `${error.location} ${error.field}: ${error.message}`);
  return `${problem.status} ${problem.title}: ${problem.detail} ${fields.join("; ")}`;
}
function changedFields(change: components["schemas"]["ChangeRecordPublic"]): string[] {
  return Object.keys(change.after ?? change.before ?? {});
}
type Ready = paths["/health/ready"]["get"]["responses"][503]["content"]["application/json"];
const unready: Ready = { status: "unavailable", database: "unreachable", migrations: "unknown", draining: false };

function vendorSlug(scanner: Scanner): string | null {
  return scanner.vendor?.slug ?? null;
}

export const used = [
  question2, question3, badSort, badStatus, nextPage, link, patchHeaders, missingIfMatch, nullIfMatch, revalidate,
  notModified, created, replayed, idempotencyKey, riskOf, csv, describe, changedFields, unready, vendorSlug,
];
