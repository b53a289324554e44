"""The official openai client against the proxy: chat, streaming chat, embeddings, the
model list, and a wrong key raising AuthenticationError. Run by tests/openai_client.rs,
which starts the proxy and the mock upstream and passes them in the environment:
PROXY_URL (ends in /v1), PROXY_KEY (a virtual key), CHAT_MODEL, EMBED_MODEL.
Prints "N passed, N failed" and exits non-zero on a failure."""

import os

import openai
from harness import run

base_url = os.environ["PROXY_URL"]
key = os.environ["PROXY_KEY"]
chat_model = os.environ["CHAT_MODEL"]
embed_model = os.environ["EMBED_MODEL"]
client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0)


def chat():
    answer = client.chat.completions.create(model=chat_model, messages=[{"role": "user", "content": "hi"}])
    assert answer.choices[0].message.content == "tok tok tok", answer
    assert answer.usage.completion_tokens == 3, answer.usage


def streaming_chat():
    stream = client.chat.completions.create(
        model=chat_model, messages=[{"role": "user", "content": "hi"}], stream=True,
        stream_options={"include_usage": True},
    )
    text, usage = "", None
    for chunk in stream:
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
        if chunk.usage:
            usage = chunk.usage
    assert text == "tok tok tok ", repr(text)
    assert usage is not None and usage.completion_tokens == 3, usage


def embeddings():
    answer = client.embeddings.create(model=embed_model, input="hello")
    assert answer.data[0].embedding == [0.1, 0.2, 0.3], answer


def model_list():
    ids = [m.id for m in client.models.list()]
    assert chat_model in ids and embed_model in ids, ids


def wrong_key():
    bad = openai.OpenAI(base_url=base_url, api_key="sk-not-a-key-at-all", max_retries=0)
    try:
        bad.chat.completions.create(model=chat_model, messages=[{"role": "user", "content": "hi"}])
    except openai.AuthenticationError as error:
        assert error.status_code == 401
        return
    raise AssertionError("no AuthenticationError")


run([chat, streaming_chat, embeddings, model_list, wrong_key])
