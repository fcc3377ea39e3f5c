// Validates deploy/kubernetes/: every object against the Kubernetes API
// schemas (npm kubernetes-models, the published OpenAPI of the API as
// JSON schemas), the kustomization's references, and the operating
// contract of the gateway's Deployment (probes, drain within the grace
// period, io_threads from the CPU limit, non-root, read-only root fs), and
// the ConfigMap's config with the gateway's own --validate (its shared rate
// limits pointing at the Redis Service).
// Usage: node k8s_manifests_test.js REPO_DIR BUILD_DIR
"use strict";
const fs = require("fs");
const path = require("path");
const os = require("os");
const { execFileSync } = require("child_process");
const { createRequire } = require("module");

const repo = path.resolve(process.argv[2] || path.join(__dirname, "../.."));
const build = path.resolve(process.argv[3] || path.join(repo, "build"));
const nodeRequire = createRequire(path.join(repo, "tools/node/package.json"));
const YAML = nodeRequire("yaml");
const dir = path.join(repo, "deploy/kubernetes");
const { tally, check } = require(path.join(repo, "tests/testing/node_harness.js"));

// apps/v1 Deployment -> kubernetes-models/apps/v1/Deployment.
function modelOf(apiVersion, kind) {
  const group = apiVersion.includes("/") ? apiVersion : `v1`;
  const mod = nodeRequire(`kubernetes-models/${group}/${kind}`);
  return mod[kind];
}

const kustomization = YAML.parse(
  fs.readFileSync(path.join(dir, "kustomization.yaml"), "utf8"));
const objects = [];
for (const file of kustomization.resources) {
  check(`resource ${file} exists`, fs.existsSync(path.join(dir, file)));
  const docs = YAML.parseAllDocuments(
    fs.readFileSync(path.join(dir, file), "utf8"));
  for (const doc of docs) {
    check(`${file} parses`, doc.errors.length === 0, String(doc.errors));
    const obj = doc.toJS();
    const Model = modelOf(obj.apiVersion, obj.kind);
    try {
      new Model(obj).validate();
      tally.passes++;
    } catch (e) {
      check(`${file}: ${obj.kind}/${obj.metadata.name} is valid`, false,
            e.message);
    }
    objects.push(obj);
  }
}
for (const generator of kustomization.configMapGenerator) {
  for (const file of generator.files) {
    // demo.binpb is copied from the build tree (see kustomization.yaml).
    if (file.endsWith(".binpb")) continue;
    check(`configMapGenerator file ${file} exists`,
          fs.existsSync(path.join(dir, file)));
  }
}

// Unknown fields (a misspelt key is silently dropped by the API server's
// defaulting, or rejected by a strict one): the schemas above allow them,
// TypeScript's excess property check of the models' interfaces does not.
function checkNoUnknownFields() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-manifests-"));
  const imports = new Set();
  const lines = objects.map((obj, i) => {
    const group = obj.apiVersion.includes("/") ? obj.apiVersion : "v1";
    imports.add(`import type { I${obj.kind} } from "kubernetes-models/${group}/${obj.kind}";`);
    return `export const o${i}: I${obj.kind} = ${JSON.stringify(obj, null, 1)};`;
  });
  fs.writeFileSync(path.join(tmp, "manifests.ts"), [...imports, ...lines].join("\n"));
  const tsc = path.join(repo, "tools/node/node_modules/.bin/tsc");
  try {
    execFileSync(tsc, ["--strict", "--noEmit", "--skipLibCheck",
      "--moduleResolution", "node", "--baseUrl",
      path.join(repo, "tools/node/node_modules"), path.join(tmp, "manifests.ts")],
      { encoding: "utf8" });
    tally.passes++;
  } catch (e) {
    check("no unknown fields (tsc)", false, `${e.stdout}${e.stderr}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
checkNoUnknownFields();

const find = (kind, name) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);
const deployment = find("Deployment", "protogate");
check("a protogate Deployment", deployment !== undefined);
const pod = deployment.spec.template.spec;
const gw = pod.containers.find((c) => c.name === "protogate");
check("readiness probe /-/readyz", gw.readinessProbe.httpGet.path === "/-/readyz");
check("liveness probe /-/healthz", gw.livenessProbe.httpGet.path === "/-/healthz");
check("read-only root fs", gw.securityContext.readOnlyRootFilesystem === true);
check("non-root", pod.securityContext.runAsNonRoot === true &&
      pod.securityContext.runAsUser > 0);
check("resource requests", gw.resources.requests.cpu !== undefined &&
      gw.resources.requests.memory !== undefined);

const init = (pod.initContainers || []).find((c) => c.name === "validate");
check("an init container runs --validate on the same config",
  init !== undefined && init.image === gw.image && init.args.includes("--validate") &&
  init.args.includes("--config=/etc/protogate/protogate.yaml") &&
  init.volumeMounts.some((m) => m.mountPath === "/etc/protogate"));

// --io_threads follows limits.cpu through the downward API.
const ioArg = gw.args.find((a) => a.startsWith("--io_threads="));
const envName = ioArg && ioArg.match(/^--io_threads=\$\((\w+)\)$/)[1];
const env = gw.env.find((e) => e.name === envName);
check("--io_threads is the CPU limit", env !== undefined &&
      env.valueFrom.resourceFieldRef.resource === "limits.cpu");

// preStop sleep + drain_grace of the config fit the grace period.
const sleep = Number(gw.lifecycle.preStop.exec.command[1]);
const config = YAML.parse(fs.readFileSync(path.join(dir, "protogate.yaml"), "utf8"));
const drain = parseFloat(config.server.drain_grace);
check("preStop sleep + drain_grace < terminationGracePeriodSeconds",
      sleep > 0 && sleep + drain < pod.terminationGracePeriodSeconds,
      `${sleep} + ${drain} vs ${pod.terminationGracePeriodSeconds}`);
// The config is mounted as a directory (a subPath mount would not update).
const mount = gw.volumeMounts.find((m) => m.mountPath === "/etc/protogate");
check("config mounted as a directory", mount !== undefined && !mount.subPath);
check("probes on the admin listener",
      config.admin.listen.endsWith(":9901") &&
      gw.ports.some((p) => p.name === "admin" && p.containerPort === 9901));

const service = find("Service", "protogate");
check("Service selects the pods", JSON.stringify(service.spec.selector) ===
      JSON.stringify(deployment.spec.selector.matchLabels));
const hpa = find("HorizontalPodAutoscaler", "protogate");
check("HPA scales the Deployment", hpa.spec.scaleTargetRef.name === "protogate" &&
      hpa.spec.minReplicas >= 2);
const pdb = find("PodDisruptionBudget", "protogate");
check("PDB covers the pods", JSON.stringify(pdb.spec.selector.matchLabels) ===
      JSON.stringify(deployment.spec.selector.matchLabels));
const redis = find("Service", "redis");
check("a Redis Service", redis !== undefined);
check("a Redis Deployment behind it", find("Deployment", "redis") !== undefined &&
      JSON.stringify(find("Deployment", "redis").spec.template.metadata.labels) ===
      JSON.stringify(redis.spec.selector));

// Only the gateway's pods may reach Redis.
const redisPolicy = find("NetworkPolicy", "redis");
check("a NetworkPolicy lets only the gateway reach Redis", redisPolicy !== undefined &&
      JSON.stringify(redisPolicy.spec.podSelector.matchLabels) ===
      JSON.stringify(redis.spec.selector) &&
      redisPolicy.spec.ingress.length === 1 &&
      redisPolicy.spec.ingress[0].from.every((f) => JSON.stringify(f.podSelector.matchLabels) ===
        JSON.stringify(deployment.spec.template.metadata.labels)));

// The shared rate limits use that Redis.
const limits = config.rate_limits || {};
check("rate_limits.redis is the Redis Service",
      limits.redis !== undefined &&
      limits.redis.address === `${redis.metadata.name}:${redis.spec.ports[0].port}`,
      JSON.stringify(limits.redis));
check("a shared rate-limit policy",
      (limits.policies || []).some((p) => p.shared === true));

// The gateway itself accepts the ConfigMap's config (what the init
// container runs), with the descriptor set the kustomization packs.
function validateConfigMapConfig() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "k8s-config-"));
  try {
    const text = fs.readFileSync(path.join(dir, "protogate.yaml"), "utf8")
      .replaceAll("/etc/protogate/demo.binpb", path.join(build, "proto/demo.binpb"));
    fs.writeFileSync(path.join(tmp, "protogate.yaml"), text);
    const out = execFileSync(path.join(build, "gateway/server/protogate"),
      ["--validate", `--config=${path.join(tmp, "protogate.yaml")}`],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60000 });
    check("--validate: the ConfigMap's config is OK",
          /^protogate: configuration OK \(/m.test(out), out);
    check("--validate: it serves the bookstore",
          /^service demo\.bookstore\.v1\.Bookstore: \d+ routes$/m.test(out), out);
    // Not a no-op: a Redis address without a port is refused, with its line.
    const line = text.split("\n").findIndex((l) => l.includes('"redis:6379"')) + 1;
    fs.writeFileSync(path.join(tmp, "bad.yaml"), text.replace('"redis:6379"', '"redis"'));
    try {
      execFileSync(path.join(build, "gateway/server/protogate"),
        ["--validate", `--config=${path.join(tmp, "bad.yaml")}`],
        { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60000 });
      check("--validate refuses redis address \"redis\"", false);
    } catch (e) {
      check("--validate refuses redis address \"redis\" with its line",
            e.status === 1 && e.stderr.includes(
              `bad.yaml:${line}:`) && e.stderr.includes("rate_limits.redis.address"),
            `exit ${e.status}: ${e.stderr}`);
    }
  } catch (e) {
    check("--validate of the ConfigMap's config", false,
          `exit ${e.status}: ${e.stdout}${e.stderr}`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
validateConfigMapConfig();

// A wrong type is caught: the validator is not a no-op.
try {
  const Model = modelOf("apps/v1", "Deployment");
  const broken = structuredClone(deployment);
  broken.spec.replicas = "two";
  new Model(broken).validate();
  check("the validator rejects replicas: \"two\"", false);
} catch (e) {
  tally.passes++;
}

console.log(`${tally.passes} passed, ${tally.failures} failed`);
process.exit(tally.failures ? 1 : 0);
