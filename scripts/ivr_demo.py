"""`make ivr-demo`: a whole phone call played through the voice channel without a phone
line, so that a person can listen to it.

Starts the stack (as `make run` does, with the voice channel on and a throwaway data
folder), calls it as Twilio would (signed form webhooks: Budi Santoso raises 1.300 VA to
2.200 VA, by speech and keypad), prints every TwiML exchanged, and writes each spoken
prompt to a WAV file with espeak-ng's Indonesian voice (Debian's `espeak-ng` package),
numbered in call order, plus the whole call in one file.

    .venv/bin/python scripts/ivr_demo.py [--out var/ivr-demo]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests" / "e2e")]

from voice_caller import Caller, budi_call, play, voice_stack  # noqa: E402


def speak(text: str, wav: Path) -> None:
    subprocess.run(["espeak-ng", "-v", "id", "-s", "150", "-w", str(wav), text], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO_ROOT / "var" / "ivr-demo"))
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        print("espeak-ng is missing: `sudo apt-get install espeak-ng` (Debian), then again",
              file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.wav"):
        old.unlink()
    with voice_stack() as stack:
        with httpx.Client(timeout=60, trust_env=False) as client:
            caller = Caller(stack.env, client, "+6281234500101")
            prompts = play(caller, budi_call())
    for number, (posted, twiml) in enumerate(caller.exchanged, 1):
        print(f"--- {number:02d} {posted}\n{twiml or '(no TwiML: the call has ended)'}\n")
    wavs = []
    for number, prompt in enumerate(prompts, 1):
        wav = out / f"{number:02d}.wav"
        speak(prompt.said, wav)
        wavs.append(wav)
    whole = out / "call.wav"
    speak(" . ".join(p.said for p in prompts), whole)
    print(f"{len(wavs)} prompts spoken into {out}/NN.wav, the whole call in {whole}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
