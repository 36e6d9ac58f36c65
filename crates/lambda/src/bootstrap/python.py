"""Stepstone's bootstrap for Python handlers: loads _HANDLER ("module.function") from
LAMBDA_TASK_ROOT and serves events from the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API."""
import importlib
import json
import os
import sys
import time
import traceback
import urllib.request

BASE = "http://%s/2018-06-01/runtime" % os.environ["AWS_LAMBDA_RUNTIME_API"]


def call(method, path, body=None, headers=None):
    request = urllib.request.Request(BASE + path, data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(request, timeout=None) as response:
        return response.headers, response.read()


def post_error(path, payload, error_type):
    body = json.dumps(payload).encode("utf-8")
    call("POST", path, body, {"Content-Type": "application/json", "Lambda-Runtime-Function-Error-Type": error_type})


def error_payload(error, request_id=None, skip=0):
    frames = traceback.extract_tb(error.__traceback__)[skip:]
    payload = {"errorMessage": str(error), "errorType": type(error).__name__}
    if request_id is not None:
        payload["requestId"] = request_id
    payload["stackTrace"] = traceback.format_list(frames)
    return payload


class Context:
    def __init__(self, headers):
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = "/aws/lambda/%s" % self.function_name
        self.log_stream_name = "stepstone"
        self.identity = None
        self.client_context = None

    def get_remaining_time_in_millis(self):
        return max(self.deadline_ms - int(time.time() * 1000), 0)


def load():
    name = os.environ.get("_HANDLER", "")
    module_name, _, function_name = name.rpartition(".")
    root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    sys.path.insert(0, root)
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except Exception as error:
        message = "Unable to import module '%s': %s" % (module_name, error)
        post_error("/init/error", {"errorMessage": message, "errorType": "Runtime.ImportModuleError",
                                   "stackTrace": []}, "Runtime.ImportModuleError")
        sys.exit(1)
    handler = getattr(module, function_name, None)
    if handler is None:
        message = "Handler '%s' missing on module '%s'" % (function_name, module_name)
        post_error("/init/error", {"errorMessage": message, "errorType": "Runtime.HandlerNotFound",
                                   "stackTrace": []}, "Runtime.HandlerNotFound")
        sys.exit(1)
    return handler


def main():
    handler = load()
    while True:
        try:
            headers, body = call("GET", "/invocation/next")
        except OSError:
            return  # Stepstone stopped serving this process.
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        os.environ["_X_AMZN_TRACE_ID"] = headers.get("Lambda-Runtime-Trace-Id") or ""
        try:
            event = json.loads(body) if body else None
            result = handler(event, Context(headers))
            if isinstance(result, (bytes, bytearray)):
                out = bytes(result)
            else:
                out = json.dumps(result).encode("utf-8")
        except Exception as error:
            post_error("/invocation/%s/error" % request_id, error_payload(error, request_id, 1), type(error).__name__)
            continue
        call("POST", "/invocation/%s/response" % request_id, out, {"Content-Type": "application/json"})


if __name__ == "__main__":
    main()
