"""The official openai client on the rest of OpenAI's surface: images.generate,
audio.transcriptions.create with a short WAV made here, audio.speech.create streamed to
a file, moderations.create, and AzureOpenAI(...) on the deployment route. Run by
tests/surface_client.rs, which starts the proxy and the mock upstream and passes them in
the environment: PROXY_BASE (no /v1), PROXY_KEY, IMAGE_MODEL, WHISPER_MODEL, TTS_MODEL,
MODERATION_MODEL, CHAT_MODEL. Prints "N passed, N failed" and exits non-zero on a failure."""

import io
import os
import tempfile

import openai
from harness import run, wav

base = os.environ["PROXY_BASE"]
key = os.environ["PROXY_KEY"]
client = openai.OpenAI(base_url=base + "/v1", api_key=key, max_retries=0)


def images():
    answer = client.images.generate(model=os.environ["IMAGE_MODEL"], prompt="a lighthouse", n=1, size="1024x1024")
    assert len(answer.data) == 1 and answer.data[0].url, answer


def transcription():
    audio = io.BytesIO(wav(3))
    audio.name = "hello.wav"
    answer = client.audio.transcriptions.create(model=os.environ["WHISPER_MODEL"], file=audio)
    assert answer.text == "hello from the mock", answer


def speech():
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "speech.mp3")
        with client.audio.speech.with_streaming_response.create(
            model=os.environ["TTS_MODEL"], voice="alloy", input="Hello world"
        ) as response:
            response.stream_to_file(path)
        size = os.path.getsize(path)
        assert size == 20000, size


def moderation():
    answer = client.moderations.create(model=os.environ["MODERATION_MODEL"], input="I like tea")
    assert answer.results[0].flagged is False, answer


def azure():
    azure_client = openai.AzureOpenAI(azure_endpoint=base, api_key=key, api_version="2024-06-01", max_retries=0)
    answer = azure_client.chat.completions.create(
        model=os.environ["CHAT_MODEL"], messages=[{"role": "user", "content": "hi"}]
    )
    assert answer.choices[0].message.content, answer


run([images, transcription, speech, moderation, azure])
