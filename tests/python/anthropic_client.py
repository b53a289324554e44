"""The official anthropic client against the proxy: messages.create (the key as x-api-key
and as a Bearer token), messages.stream with a tool call whose arguments arrive as
input_json_delta pieces, count_tokens, and the exception classes of the proxy's refusals
(AuthenticationError, PermissionDeniedError, BadRequestError for a spent budget,
RateLimitError). Run by tests/anthropic_client.rs, which starts the proxy and the mock
Anthropic upstream and passes them in the environment: PROXY_URL (no /v1), PROXY_KEY,
DENIED_KEY (may not use MODEL), SPENT_KEY (budget spent), LIMITED_KEY (1 request a
minute), MODEL, TOOL_MODEL. Prints "N passed, N failed" and exits non-zero on a failure."""

import os

import anthropic
from harness import run

base_url = os.environ["PROXY_URL"]
key = os.environ["PROXY_KEY"]
model = os.environ["MODEL"]
tool_model = os.environ["TOOL_MODEL"]
hello = [{"role": "user", "content": "Hello"}]


def client(api_key=None, auth_token=None):
    return anthropic.Anthropic(base_url=base_url, api_key=api_key, auth_token=auth_token, max_retries=0)


def create_with_x_api_key():
    message = client(api_key=key).messages.create(model=model, max_tokens=64, messages=hello)
    assert message.content[0].text == "Hello from the mock.", message
    assert message.usage.input_tokens == 10 and message.usage.output_tokens == 5, message.usage
    assert message.usage.cache_read_input_tokens == 200, message.usage


def create_with_bearer():
    message = client(auth_token=key).messages.create(model=model, max_tokens=64, messages=hello)
    assert message.stop_reason == "end_turn", message


def stream_with_a_tool_call():
    tools = [{"name": "get_weather", "description": "The weather", "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}}}]
    with client(api_key=key).messages.stream(model=tool_model, max_tokens=64, messages=hello, tools=tools) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "Hello there.", repr(text)
    tool = [block for block in final.content if block.type == "tool_use"]
    assert tool and tool[0].input == {"location": "Paris"}, final.content
    assert final.stop_reason == "tool_use" and final.usage.output_tokens == 7, final


def count_tokens():
    counted = client(api_key=key).messages.count_tokens(model=model, messages=hello)
    assert counted.input_tokens == 10, counted


def expect(error_class, status, call):
    try:
        call()
    except error_class as error:
        assert error.status_code == status, error
        assert error.body["type"] == "error", error.body
        return
    raise AssertionError(f"no {error_class.__name__}")


def wrong_key():
    expect(anthropic.AuthenticationError, 401,
           lambda: client(api_key="sk-not-a-key-of-this-proxy-0000").messages.create(model=model, max_tokens=8, messages=hello))


def model_not_allowed():
    expect(anthropic.PermissionDeniedError, 403,
           lambda: client(api_key=os.environ["DENIED_KEY"]).messages.create(model=model, max_tokens=8, messages=hello))


def budget_spent():
    expect(anthropic.BadRequestError, 400,
           lambda: client(api_key=os.environ["SPENT_KEY"]).messages.create(model=model, max_tokens=8, messages=hello))


def rate_limited():
    limited = client(api_key=os.environ["LIMITED_KEY"])
    limited.messages.create(model=model, max_tokens=8, messages=hello)
    expect(anthropic.RateLimitError, 429, lambda: limited.messages.create(model=model, max_tokens=8, messages=hello))


run([create_with_x_api_key, create_with_bearer, stream_with_a_tool_call, count_tokens, wrong_key,
     model_not_allowed, budget_spent, rate_limited])
