#!/usr/bin/env node
// Validate custom resources offline against their CRD schemas.
//
// stdin: a JSON array of Kubernetes documents; stdout: a JSON array with one entry per document,
// {apiVersion, kind, name, errors}, `errors` empty when the document is valid. The validators are
// those of the kubernetes-models packages (package.json), compiled by their authors from each
// project's published CRD OpenAPI schemas (KEDA, Strimzi, ECK, prometheus-operator). A document of
// a group with no package here is reported as an error, never silently passed.
import { readFileSync } from "node:fs";

const PACKAGES = {
  "keda.sh": "@kubernetes-models/keda",
  "kafka.strimzi.io": "@kubernetes-models/strimzi-kafka-operator",
  "core.strimzi.io": "@kubernetes-models/strimzi-kafka-operator",
  "elasticsearch.k8s.elastic.co": "@kubernetes-models/elastic-cloud",
  "kibana.k8s.elastic.co": "@kubernetes-models/elastic-cloud",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
};

async function check(doc) {
  const apiVersion = String(doc.apiVersion ?? "");
  const kind = String(doc.kind ?? "");
  const name = doc.metadata?.name ?? "";
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  const pkg = PACKAGES[group];
  if (!pkg) return { apiVersion, kind, name, errors: [`no CRD schema for ${apiVersion} ${kind}`] };
  let Model;
  try {
    Model = (await import(`${pkg}/${apiVersion}/${kind}`))[kind];
  } catch (e) {
    return { apiVersion, kind, name, errors: [`no CRD schema for ${apiVersion} ${kind}: ${e.message}`] };
  }
  try {
    new Model(doc).validate();
    return { apiVersion, kind, name, errors: [] };
  } catch (e) {
    const details = (e.errors ?? []).map((x) => `${x.instancePath || "/"} ${x.message}`);
    return { apiVersion, kind, name, errors: details.length ? details : [String(e.message)] };
  }
}

const docs = JSON.parse(readFileSync(0, "utf8"));
const results = [];
for (const doc of docs) results.push(await check(doc));
process.stdout.write(JSON.stringify(results));
