// How an integrator drives the API with the generated types (`make sdk` writes schema.d.ts)
// and openapi-fetch; `make sdk` type-checks this file against the types it just generated,
// so a spec change that breaks this usage fails there.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Customer = components["schemas"]["Customer"];
type CustomerPatch = components["schemas"]["CustomerPatch"];

export async function sync(baseUrl: string, email: string, password: string): Promise<Customer[]> {
  const anonymous = createClient<paths>({ baseUrl });
  const login = await anonymous.POST("/api/v1/auth/login", { body: { email, password } });
  if (!login.data) throw new Error(login.error?.detail ?? "sign-in failed");
  const crm = createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${login.data.access_token}` },
  });

  const record: CustomerPatch = { kind: "organization", name: "华南贸易有限公司", external_id: "ERP-C-00001" };
  const batch = await crm.POST("/api/v1/customers/batch", {
    body: { mode: "upsert", records: [record] },
    params: { header: { "Idempotency-Key": "sync-2026-12-01-1" } },
  });
  if (batch.data) console.log(batch.data.created, batch.data.updated, batch.data.unchanged);

  const one = await crm.GET("/api/v1/customers/by-external-id/{external_id}", {
    params: { path: { external_id: "ERP-C-00001" } },
  });
  if (one.data) console.log(one.data.id, one.data.version, one.response.headers.get("ETag"));

  const all: Customer[] = [];
  let cursor: string | undefined;
  do {
    const page = await crm.GET("/api/v1/customers", { params: { query: { limit: 200, cursor } } });
    if (!page.data) throw new Error(page.error?.detail ?? "list failed");
    all.push(...page.data.items);
    cursor = page.data.next_cursor ?? undefined;
  } while (cursor);

  let since = 0;
  for (;;) {
    const changes = await crm.GET("/api/v1/changes", { params: { query: { since, limit: 1000 } } });
    if (!changes.data) throw new Error(changes.error?.detail ?? "changes failed");
    for (const change of changes.data.items) console.log(change.seq, change.entity, change.op, change.entity_id);
    since = changes.data.next_since;
    if (!changes.data.has_more) break;
  }
  return all;
}
