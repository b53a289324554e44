"""The official openai and anthropic clients reaching models of another dialect through
the proxy's translation: the openai client calls a Claude model and a Gemini model, the
anthropic client an OpenAI-shaped model and the Gemini model, each plain and streamed with
a tool call. Run by tests/translation.rs, which passes PROXY_URL (no /v1), PROXY_KEY,
CLAUDE, GEMINI and GPT (model names). Prints "N passed, N failed"; exits non-zero on a
failure."""

import json
import os

import anthropic
import openai
from harness import run

base_url = os.environ["PROXY_URL"]
key = os.environ["PROXY_KEY"]
claude, gemini, gpt = os.environ["CLAUDE"], os.environ["GEMINI"], os.environ["GPT"]
openai_client = openai.OpenAI(base_url=base_url + "/v1", api_key=key, max_retries=0)
anthropic_client = anthropic.Anthropic(base_url=base_url, api_key=key, max_retries=0)
question = [{"role": "user", "content": "Weather in Paris?"}]
openai_tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"location": {"type": "string"}}}}}]
anthropic_tools = [{"name": "get_weather", "description": "The weather", "input_schema": {
    "type": "object", "properties": {"location": {"type": "string"}}}}]


def openai_plain(model, text):
    answer = openai_client.chat.completions.create(model=model, messages=question, tools=openai_tools)
    choice = answer.choices[0]
    assert choice.message.content == text, choice
    assert choice.finish_reason == "tool_calls", choice
    assert json.loads(choice.message.tool_calls[0].function.arguments) == {"location": "Paris"}, choice
    assert answer.usage.prompt_tokens > 0 and answer.usage.completion_tokens > 0, answer.usage


def openai_streamed(model, text):
    stream = openai_client.chat.completions.create(model=model, messages=question, tools=openai_tools, stream=True,
                                                   stream_options={"include_usage": True})
    content, arguments, pieces, usage = "", "", 0, None
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            content += choice.delta.content or ""
            for call in choice.delta.tool_calls or []:
                if call.function and call.function.arguments:
                    arguments += call.function.arguments
                    pieces += 1
    assert content == text, repr(content)
    assert json.loads(arguments) == {"location": "Paris"} and pieces >= 1, arguments
    assert usage and usage.completion_tokens > 0, usage


def anthropic_plain(model, text):
    message = anthropic_client.messages.create(model=model, max_tokens=64, messages=question, tools=anthropic_tools)
    assert message.content[0].text == text, message
    tool = [block for block in message.content if block.type == "tool_use"]
    assert tool and tool[0].input == {"location": "Paris"}, message
    assert message.stop_reason == "tool_use", message


def anthropic_streamed(model, text):
    with anthropic_client.messages.stream(model=model, max_tokens=64, messages=question, tools=anthropic_tools) as stream:
        streamed = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert streamed == text, repr(streamed)
    tool = [block for block in final.content if block.type == "tool_use"]
    assert tool and tool[0].input == {"location": "Paris"}, final.content
    assert final.stop_reason == "tool_use" and final.usage.output_tokens > 0, final


mock_text = "Hello from the mock."
gemini_text = "Hello from Gemini."
gpt_text = "tok tok tok tok tok"
cases = [
    ("openai client, Claude model, plain", lambda: openai_plain(claude, mock_text)),
    ("openai client, Claude model, streamed", lambda: openai_streamed(claude, "Hello there.")),
    ("openai client, Gemini model, plain", lambda: openai_plain(gemini, gemini_text)),
    ("openai client, Gemini model, streamed", lambda: openai_streamed(gemini, gemini_text)),
    ("anthropic client, OpenAI model, plain", lambda: anthropic_plain(gpt, gpt_text)),
    ("anthropic client, OpenAI model, streamed", lambda: anthropic_streamed(gpt, "tok " * 5)),
    ("anthropic client, Gemini model, plain", lambda: anthropic_plain(gemini, gemini_text)),
    ("anthropic client, Gemini model, streamed", lambda: anthropic_streamed(gemini, gemini_text)),
]
run(cases)
