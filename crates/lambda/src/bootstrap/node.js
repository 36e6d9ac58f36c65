// Stepstone's bootstrap for Node handlers: loads _HANDLER ("module.function") from
// LAMBDA_TASK_ROOT and serves events from the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API.
"use strict";
const http = require("http");
const path = require("path");
const fs = require("fs");
const url = require("url");

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const PREFIX = "/2018-06-01/runtime";

function call(method, route, body, headers) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host, port, method, path: PREFIX + route, headers: headers || {}, agent: false },
      (response) => {
        const chunks = [];
        response.on("data", (c) => chunks.push(c));
        response.on("end", () => resolve({ headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    request.on("error", reject);
    if (body !== undefined) request.write(body);
    request.end();
  });
}

function errorPayload(error) {
  const err = error instanceof Error ? error : new Error(String(error));
  return {
    errorType: err.name || "Error",
    errorMessage: err.message || "",
    trace: String(err.stack || "").split("\n"),
  };
}

function postError(route, error, type) {
  const payload = JSON.stringify(type ? { errorType: type, errorMessage: error.message || String(error), trace: [] } : errorPayload(error));
  return call("POST", route, payload, {
    "Content-Type": "application/json",
    "Lambda-Runtime-Function-Error-Type": type || (error && error.name) || "Error",
  });
}

async function load() {
  const handlerName = process.env._HANDLER || "";
  const dot = handlerName.lastIndexOf(".");
  const moduleName = handlerName.slice(0, dot);
  const functionName = handlerName.slice(dot + 1);
  const root = process.env.LAMBDA_TASK_ROOT || process.cwd();
  let module;
  const base = path.resolve(root, moduleName);
  const file = [".js", ".mjs", ".cjs"].map((e) => base + e).find((f) => fs.existsSync(f));
  try {
    if (!file) throw new Error(`Cannot find module '${moduleName}'`);
    module = file.endsWith(".mjs") ? await import(url.pathToFileURL(file).href) : require(file);
  } catch (error) {
    await postError("/init/error", new Error(`Error: ${error.message}`), "Runtime.ImportModuleError");
    process.exit(1);
  }
  const handler = module[functionName] || (module.default && module.default[functionName]);
  if (typeof handler !== "function") {
    await postError("/init/error", new Error(`${moduleName}.${functionName} is undefined or not exported`), "Runtime.HandlerNotFound");
    process.exit(1);
  }
  return handler;
}

function context(headers) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"] || 0);
  return {
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: `/aws/lambda/${process.env.AWS_LAMBDA_FUNCTION_NAME}`,
    logStreamName: "stepstone",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
}

function run(handler, event, ctx) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (error, result) => {
      if (settled) return;
      settled = true;
      if (error !== null && error !== undefined) reject(error);
      else resolve(result);
    };
    try {
      const returned = handler(event, ctx, callback);
      if (returned && typeof returned.then === "function") returned.then((r) => callback(null, r), (e) => callback(e === undefined ? new Error("undefined") : e));
      else if (handler.length < 3) callback(null, returned);
    } catch (error) {
      callback(error);
    }
  });
}

async function main() {
  const handler = await load();
  for (;;) {
    let next;
    try {
      next = await call("GET", "/invocation/next");
    } catch (error) {
      return; // Stepstone stopped serving this process.
    }
    const id = next.headers["lambda-runtime-aws-request-id"];
    process.env._X_AMZN_TRACE_ID = next.headers["lambda-runtime-trace-id"] || "";
    try {
      const event = next.body ? JSON.parse(next.body) : null;
      const result = await run(handler, event, context(next.headers));
      const body = result === undefined ? "null" : JSON.stringify(result);
      await call("POST", `/invocation/${id}/response`, body, { "Content-Type": "application/json" });
    } catch (error) {
      await postError(`/invocation/${id}/error`, error);
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
