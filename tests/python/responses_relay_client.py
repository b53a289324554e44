"""The official `openai` Python client on a model relayed to an upstream with the Responses
API (create, retrieve, delete, streamed), and AzureOpenAI(...) on Azure's deployment routes
for images and audio. Run by tests/responses_relay.rs, which starts the proxy and the mock
upstream and passes them in the environment: PROXY_BASE (no /v1), PROXY_KEY, MODEL,
IMAGE_MODEL, WHISPER_MODEL, TTS_MODEL. Prints "N passed, N failed" and exits non-zero on a
failure."""

import io
import os
import tempfile

import openai
from harness import run, wav

base = os.environ["PROXY_BASE"]
key = os.environ["PROXY_KEY"]
model = os.environ["MODEL"]
client = openai.OpenAI(base_url=base + "/v1", api_key=key, max_retries=0)
azure_client = openai.AzureOpenAI(azure_endpoint=base, api_key=key, api_version="2024-06-01", max_retries=0)


def relayed():
    made = client.responses.create(model=model, input="hi")
    assert made.output_text, made
    read = client.responses.retrieve(made.id)
    assert read.id == made.id and read.output_text == made.output_text, read
    client.responses.delete(made.id)
    try:
        client.responses.retrieve(made.id)
    except openai.NotFoundError:
        return
    raise AssertionError("a deleted response was found")


def relayed_stream():
    created = None
    completed = None
    for event in client.responses.create(model=model, input="hi", stream=True):
        if event.type == "response.created":
            created = event.response.id
        if event.type == "response.completed":
            completed = event.response
    assert created and completed and completed.id == created, (created, completed)
    assert completed.usage.output_tokens == 5, completed.usage


def azure_images():
    answer = azure_client.images.generate(model=os.environ["IMAGE_MODEL"], prompt="a lighthouse", n=1, size="1024x1024")
    assert len(answer.data) == 1 and answer.data[0].url, answer


def azure_audio():
    for create in [azure_client.audio.transcriptions.create, azure_client.audio.translations.create]:
        audio = io.BytesIO(wav(2))
        audio.name = "hello.wav"
        answer = create(model=os.environ["WHISPER_MODEL"], file=audio)
        assert answer.text == "hello from the mock", answer


def azure_speech():
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "speech.mp3")
        with azure_client.audio.speech.with_streaming_response.create(
            model=os.environ["TTS_MODEL"], voice="alloy", input="Hello world"
        ) as response:
            response.stream_to_file(path)
        size = os.path.getsize(path)
        assert size == 20000, size


run([relayed, relayed_stream, azure_images, azure_audio, azure_speech])
