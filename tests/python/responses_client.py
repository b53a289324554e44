"""The official openai client's Responses API against the proxy: responses.create plain and
streamed, with function tools (whole and streamed), chained through previous_response_id,
retrieved (with its input items) and deleted. Run by tests/responses_client.rs, which starts
the proxy and the mock upstream and passes them in the environment: PROXY_URL (ends in
/v1), PROXY_KEY (a virtual key), MODEL (a chat-only upstream answering "tok tok tok"),
TOOL_MODEL (a chat-only upstream that calls get_weather, then answers "It rains.").
Prints "N passed, N failed" and exits non-zero on a failure."""

import json
import os

import openai
from harness import run

client = openai.OpenAI(base_url=os.environ["PROXY_URL"], api_key=os.environ["PROXY_KEY"], max_retries=0)
model = os.environ["MODEL"]
tool_model = os.environ["TOOL_MODEL"]
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def plain():
    response = client.responses.create(model=model, input="hi", instructions="Be brief.")
    assert response.id.startswith("resp_"), response
    assert response.status == "completed", response
    assert response.output_text == "tok tok tok", response
    assert response.usage.input_tokens == 10 and response.usage.output_tokens == 3, response.usage


def streamed():
    text, completed, kinds = "", None, []
    for event in client.responses.create(model=model, input="hi", stream=True):
        kinds.append(event.type)
        if event.type == "response.output_text.delta":
            text += event.delta
        if event.type == "response.completed":
            completed = event.response
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed", kinds
    assert text == "tok tok tok ", repr(text)
    assert completed.usage.output_tokens == 3 and completed.usage.input_tokens == 10, completed.usage
    assert completed.output_text == text, completed


def function_tools():
    first = client.responses.create(model=tool_model, input="Weather in Oslo?", tools=[WEATHER])
    calls = [item for item in first.output if item.type == "function_call"]
    assert len(calls) == 1 and calls[0].name == "get_weather", first.output
    assert json.loads(calls[0].arguments) == {"city": "Oslo"}, calls[0]
    answer = client.responses.create(
        model=tool_model,
        previous_response_id=first.id,
        tools=[WEATHER],
        input=[{"type": "function_call_output", "call_id": calls[0].call_id, "output": "rain, 8 degrees"}],
    )
    assert answer.output_text == "It rains.", answer


def streamed_function_tools():
    arguments, done = "", None
    for event in client.responses.create(model=tool_model, input="Weather in Oslo?", tools=[WEATHER], stream=True):
        if event.type == "response.function_call_arguments.delta":
            arguments += event.delta
        if event.type == "response.output_item.done":
            done = event.item
    assert json.loads(arguments) == {"city": "Oslo"}, arguments
    assert done.type == "function_call" and done.name == "get_weather" and done.arguments == arguments, done


def chained_retrieved_deleted():
    first = client.responses.create(model=model, input="My name is Ada.")
    second = client.responses.create(model=model, input="What is my name?", previous_response_id=first.id)
    kept = client.responses.retrieve(second.id)
    assert kept.id == second.id and kept.output_text == "tok tok tok", kept
    items = list(client.responses.input_items.list(second.id))
    assert len(items) == 3, items
    deleted = client.responses.delete(first.id)
    assert deleted is None or getattr(deleted, "deleted", True), deleted
    try:
        client.responses.retrieve(first.id)
    except openai.NotFoundError:
        return
    raise AssertionError("a deleted response was still there")


run([plain, streamed, function_tools, streamed_function_tools, chained_retrieved_deleted])
