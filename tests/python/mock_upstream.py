"""A tiny OpenAI-compatible upstream for the API fuzz run (scripts/fuzz-api.sh).

Answers chat completions (plain and streamed), text completions and embeddings in
OpenAI's shapes, whatever the request holds, so every request the proxy forwards gets
a well-formed answer. Listens on 127.0.0.1 on a port the system picks and prints
`listening on PORT` once ready. Standard library only.
"""

import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USAGE = {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}


def chat(model, stream):
    if not stream:
        return {
            "id": "chatcmpl-mock",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
            ],
            "usage": USAGE,
        }
    base = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": int(time.time()), "model": model}
    return [
        dict(base, choices=[{"index": 0, "delta": {"role": "assistant", "content": "ok"}, "finish_reason": None}]),
        dict(base, choices=[{"index": 0, "delta": {}, "finish_reason": "stop"}]),
        dict(base, choices=[], usage=USAGE),
    ]


def completion(model, stream):
    base = {"id": "cmpl-mock", "object": "text_completion", "created": int(time.time()), "model": model}
    if not stream:
        return dict(base, choices=[{"index": 0, "text": "ok", "finish_reason": "stop"}], usage=USAGE)
    return [
        dict(base, choices=[{"index": 0, "text": "ok", "finish_reason": None}]),
        dict(base, choices=[{"index": 0, "text": "", "finish_reason": "stop"}]),
        dict(base, choices=[], usage=USAGE),
    ]


def embeddings(model, body):
    inputs = body.get("input")
    count = len(inputs) if isinstance(inputs, list) and inputs else 1
    data = [{"object": "embedding", "index": i, "embedding": [0.1, 0.2, 0.3]} for i in range(count)]
    return {"object": "list", "data": data, "model": model, "usage": {"prompt_tokens": 5, "total_tokens": 5}}


class Upstream(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, value):
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_events(self, chunks):
        data = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
        data = data.encode()
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.rstrip("/").endswith("/models"):
            self.send_json(200, {"object": "list", "data": [{"id": "mock", "object": "model", "created": 0, "owned_by": "mock"}]})
        else:
            self.send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        model = body.get("model") if isinstance(body.get("model"), str) else "mock"
        stream = body.get("stream") is True
        path = self.path.split("?")[0]
        if path.endswith("/chat/completions"):
            answer = chat(model, stream)
        elif path.endswith("/completions"):
            answer = completion(model, stream)
        elif path.endswith("/embeddings"):
            answer = embeddings(model, body)
        else:
            self.send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
            return
        if isinstance(answer, list):
            self.send_events(answer)
        else:
            self.send_json(200, answer)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    print(f"listening on {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
