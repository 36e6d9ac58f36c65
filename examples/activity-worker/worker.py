"""An activity worker for Stepstone (or AWS Step Functions), written with boto3.

It creates the activity if needed (CreateActivity is idempotent), then loops: GetActivityTask
(a long poll of up to 60 seconds), does the work while sending SendTaskHeartbeat, and answers
with SendTaskSuccess, or SendTaskFailure when the input is bad.

    python worker.py --endpoint http://127.0.0.1:8083 [--activity word-count] [--max-tasks N]
"""

import argparse
import json
import os
import socket
import sys

import boto3
from botocore.config import Config


class BadInput(Exception):
    """The task's input cannot be worked on: reported with SendTaskFailure."""


def count_words(task_input, heartbeat):
    text = task_input.get("text") if isinstance(task_input, dict) else None
    if not isinstance(text, str):
        raise BadInput('the input needs a "text" string')
    words = 0
    for number, line in enumerate(text.splitlines() or [""]):
        words += len(line.split())
        if number % 1000 == 999:
            heartbeat()  # a long job tells Step Functions it is still alive
    heartbeat()
    return words


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default=os.environ.get("STEPSTONE_ENDPOINT", "http://127.0.0.1:8083"))
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"))
    parser.add_argument("--activity", default="word-count")
    parser.add_argument("--worker-name", default=f"{socket.gethostname()}-{os.getpid()}")
    parser.add_argument("--max-tasks", type=int, default=0, help="stop after N tasks (0: run forever)")
    args = parser.parse_args()

    client = boto3.client(
        "stepfunctions",
        endpoint_url=args.endpoint,
        region_name=args.region,
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "local"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
        # GetActivityTask holds the request for up to 60 s: read for longer than that.
        config=Config(read_timeout=70, retries={"max_attempts": 2}),
    )
    activity = client.create_activity(name=args.activity)["activityArn"]
    print(f"worker {args.worker_name} polling {activity}", flush=True)

    done = 0
    while args.max_tasks == 0 or done < args.max_tasks:
        task = client.get_activity_task(activityArn=activity, workerName=args.worker_name)
        token = task.get("taskToken")
        if not token:
            continue  # the long poll ended without work
        try:
            task_input = json.loads(task["input"])
            words = count_words(task_input, lambda: client.send_task_heartbeat(taskToken=token))
        except (BadInput, ValueError) as e:
            client.send_task_failure(taskToken=token, error="WordCount.BadInput", cause=str(e))
            print(f"failed a task: {e}", flush=True)
        else:
            output = {"words": words, "worker": args.worker_name}
            client.send_task_success(taskToken=token, output=json.dumps(output))
            print(f"counted {words} words", flush=True)
        done += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
