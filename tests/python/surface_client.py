"""The official openai client on the rest of OpenAI's surface: images.generate,
audio.transcriptions.create with a short WAV made here, audio.speech.create streamed to
a file, moderations.create, and AzureOpenAI(...) on the deployment route. Run by
tests/surface_client.rs, which starts the proxy and the mock upstream and passes them in
the environment: PROXY_BASE (no /v1), PROXY_KEY, IMAGE_MODEL, WHISPER_MODEL, TTS_MODEL,
MODERATION_MODEL, CHAT_MODEL. Prints "N passed, N failed" and exits non-zero on a failure."""

import io
import os
import struct
import sys
import tempfile
import traceback

import openai

base = os.environ["PROXY_BASE"]
key = os.environ["PROXY_KEY"]
client = openai.OpenAI(base_url=base + "/v1", api_key=key, max_retries=0)


def wav(seconds):
    """A mono 16 kHz 16-bit WAV of silence."""
    rate, data = 16000, b"\0\0" * 16000 * seconds
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    return header + b"data" + struct.pack("<I", len(data)) + data


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


passed = failed = 0
for test in [images, transcription, speech, moderation, azure]:
    try:
        test()
        passed += 1
        print(f"ok {test.__name__}")
    except Exception:
        failed += 1
        print(f"FAILED {test.__name__}")
        traceback.print_exc()
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
