"""`make ivr-demo`: a whole phone call played through the voice channel without a phone
line, so that a person can listen to it, and how long each prompt speaks.

Starts the stack (as `make run` does, with the voice channel on and a throwaway data
folder), calls it as Twilio would (signed form webhooks: Budi Santoso raises 1.300 VA to
2.200 VA, answering each question by speech or keypad from ``BUDI_ANSWERS``, keyed by the
question asked; a prompt that goes on is let go on), prints every TwiML exchanged, speaks
each prompt with espeak-ng's Indonesian voice at 150 words a minute (its SSML read as SSML)
into a WAV file numbered in call order, and prints the seconds of each prompt and the total
(and writes that table as Markdown, ``--table``).

    .venv/bin/python scripts/ivr_demo.py [--out var/ivr-demo] [--table docs/ivr-call.md]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
import wave
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests" / "e2e")]

from voice_caller import BUDI_ANSWERS, Caller, Twiml, play, spoken_seconds, voice_stack  # noqa: E402

TABLE_HEAD = """# The phone call, prompt by prompt

`make ivr-demo` plays Budi Santoso's whole request (1.300 VA to 2.200 VA, from the number the
CRM knows; the one-stop service declined) through the voice channel and speaks every prompt with espeak-ng's Indonesian voice
at 150 words a minute; each prompt is what the caller hears before their next key or word.
A prompt that goes on to the next one of its turn is marked "goes on" (a key, or two
seconds of silence, moves on; `*` or "ulangi" says it again).

| # | the caller hears | s |
|---:|---|---:|
"""


def table(prompts: list[Twiml], seconds: list[float]) -> str:
    rows = []
    for number, (prompt, length) in enumerate(zip(prompts, seconds, strict=True), 1):
        said = textwrap.shorten(prompt.said, 110, placeholder=" ...")
        kind = " (goes on)" if prompt.goes_on else ""
        rows.append(f"| {number} | {said}{kind} | {length:.1f} |")
    rows.append(f"| | **{len(prompts)} prompts, in all** | **{sum(seconds):.1f}** |")
    return TABLE_HEAD + "\n".join(rows) + "\n"


def joined(wavs: list[Path], whole: Path) -> None:
    """The prompts one after the other, in one WAV (espeak-ng writes them all alike)."""
    with wave.open(str(whole), "wb") as out:
        for number, path in enumerate(wavs):
            with wave.open(str(path)) as prompt:
                if number == 0:
                    out.setparams(prompt.getparams())
                out.writeframes(prompt.readframes(prompt.getnframes()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO_ROOT / "var" / "ivr-demo"))
    parser.add_argument("--table", help="also write the prompts' lengths there (Markdown)")
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        print("espeak-ng is missing: scripts/install-system-packages.sh espeak-ng",
              file=sys.stderr)
        return 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.wav"):
        old.unlink()
    with voice_stack() as stack:
        with httpx.Client(timeout=60, trust_env=False) as client:
            caller = Caller(stack.env, client, "+6281234500101")
            prompts = play(caller, BUDI_ANSWERS)
    for number, (posted, twiml) in enumerate(caller.exchanged, 1):
        print(f"--- {number:02d} {posted}\n{twiml or '(no TwiML: the call has ended)'}\n")
    seconds = [spoken_seconds(prompt, out / f"{number:02d}.wav")
               for number, prompt in enumerate(prompts, 1)]
    whole = out / "call.wav"
    joined(sorted(out.glob("[0-9][0-9].wav")), whole)
    for number, (prompt, length) in enumerate(zip(prompts, seconds, strict=True), 1):
        print(f"{number:2d}  {length:5.1f} s  {textwrap.shorten(prompt.said, 90)}")
    print(f"{len(prompts)} prompts, {sum(seconds):.1f} s of speech in all; the longest "
          f"{max(seconds):.1f} s. Each prompt in {out}/NN.wav"
          f", the whole call in {whole}")
    if args.table:
        Path(args.table).write_text(table(prompts, seconds), encoding="utf-8")
        print(f"the table: {args.table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
