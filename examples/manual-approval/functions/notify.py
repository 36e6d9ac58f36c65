"""Tells a person that a request waits for approval: writes the approve and reject links to
a file (APPROVAL_LINKS, default approval-links.txt in the server's working directory) and to the
function's log. The links are served by `stepstone serve` (APPROVAL_BASE_URL, default
http://127.0.0.1:8083)."""

import json
import os
import sys
from urllib.parse import quote


def handler(event, context):
    base = os.environ.get("APPROVAL_BASE_URL", "http://127.0.0.1:8083").rstrip("/")
    token = quote(event["token"], safe="")
    links = {
        "execution": event.get("execution"),
        "request": event.get("request"),
        "approve": f"{base}/approve?token={token}",
        "reject": f"{base}/reject?token={token}",
    }
    with open(os.environ.get("APPROVAL_LINKS", "approval-links.txt"), "a", encoding="utf-8") as out:
        out.write(json.dumps(links) + "\n")
    print(f"approval needed for {links['execution']}: approve {links['approve']} or reject {links['reject']}",
          file=sys.stderr)
    return {"notified": True}
