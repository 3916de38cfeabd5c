"""Time per message of the Indonesian number/identifier normaliser (bot.language.extract).

A realistic mix of customer messages (chat and voice transcripts, with and without
numbers), warm (spaCy loaded and one pass done first), a few thousand calls. Prints
mean/p50/p95/p99/max in microseconds. Goal: under 1 ms per message.

    .venv/bin/python benchmarks/normaliser_speed.py [--calls N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # spaCy's import pulls in TensorFlow
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.language import extract  # noqa: E402

GOAL_US = 1000.0

MESSAGES = [
    "halo kak, saya mau tambah daya",
    "iya NIK sudah siap",
    "idpel saya 532110000101",
    "5321 1000 0101",
    "lima tiga dua satu satu nol nol nol nol satu nol satu",
    "nomor meter 141 2345 6789",
    "mau naik dari 1300 ke 2200 VA",
    "3,5 kVA",
    "tiga ribu lima ratus",
    "tahun 2024 mau naik ke 3500",
    "eh salah, dayanya 4.400 saja",
    "mau 2200 atau 3500 ya bingung",
    "stroom awal 100rb aja kak",
    "Rp50.000,-",
    "lima puluh ribu rupiah",
    "iya lanjut",
    "saya pemiliknya",
    "kecamatan coblong kelurahan dago",
    "NIK saya 3201011501900001",
    "tiga dua nol satu nol satu satu lima nol satu sembilan nol nol nol nol satu",
    "email budi santoso garis bawah 85 at yahoo titik co titik id",
    "budi.santoso@gmail.com",
    "hp saya 0812-3450-0101 bisa dihubungi",
    "nol delapan satu dua tiga empat lima dobel nol satu nol satu",
    "+62 812 3450 0101",
    "berapa biaya tambah daya ke 5500 VA dan berapa hari prosesnya?",
    "tgl 17 agustus 2024 saya pasang 900 VA, sekarang mau 2200",
    "sudah jelas terima kasih",
    "mau bicara dengan petugas",
    "batal aja",
    "Selamat siang, saya Budi Santoso dari Bandung, pelanggan dengan IDPEL 532110000101, "
    "ingin menaikkan daya listrik rumah dari 1.300 VA menjadi 3.500 VA karena mau pasang AC "
    "dua unit; stroom awal Rp 100.000 saja, nomor WA 081234500101, email budi@gmail.com",
]


# Hostile messages at the channel's limit (1,000 characters): the normaliser's cost must
# stay bounded and roughly linear whatever the content (issue 7: one message must never
# cost everyone). Each is read once with a distinct suffix, so no cache helps.
LIMIT = 1000
HOSTILE = {
    "digits": "1" * LIMIT,
    "spaced digits": " ".join("1234567890" * 50)[:LIMIT],
    "spoken digits": " ".join(["satu", "dua", "tiga", "nol"] * 100)[:LIMIT],
    "number words": " ".join(["seratus", "ribu", "juta", "lima", "puluh"] * 80)[:LIMIT],
    "emoji": "\U0001F600" * LIMIT,
    "right-to-left": ("\u0645\u0631\u062d\u0628\u0627 " * 200)[:LIMIT],
    "dotted numbers": "1.2.3.4." * (LIMIT // 8),
    "spoken e-mails": ("budi at gmail titik com " * 50)[:LIMIT],
    "powers": ("dari 1300 ke 2200 " * 60)[:LIMIT],
}


def hostile() -> None:
    print(f"hostile messages of {LIMIT} characters (one cold call each, ms):")
    for name, text in HOSTILE.items():
        t0 = time.perf_counter()
        extract(text[: LIMIT - 2] + " x")
        print(f"  {name:15} {(time.perf_counter() - t0) * 1000:7.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    args = parser.parse_args()

    started = time.perf_counter()
    for message in MESSAGES:  # warm: loads spaCy and fills caches
        extract(message)
    warmup_s = time.perf_counter() - started

    timings_us: list[float] = []
    for k in range(args.calls):
        message = MESSAGES[k % len(MESSAGES)]
        t0 = time.perf_counter_ns()
        extract(message)
        timings_us.append((time.perf_counter_ns() - t0) / 1000)

    timings_us.sort()
    mean = statistics.fmean(timings_us)
    p50 = timings_us[len(timings_us) // 2]
    p95 = timings_us[int(len(timings_us) * 0.95)]
    p99 = timings_us[int(len(timings_us) * 0.99)]
    print(f"normaliser: {args.calls} calls over {len(MESSAGES)} messages "
          f"(first pass incl. spaCy load {warmup_s:.2f} s)")
    print(f"  mean {mean:7.1f} us   p50 {p50:7.1f} us   p95 {p95:7.1f} us   "
          f"p99 {p99:7.1f} us   max {timings_us[-1]:7.1f} us")
    verdict = "OK" if p95 < GOAL_US else "SLOWER THAN GOAL"
    print(f"  goal < {GOAL_US:.0f} us per message: {verdict}")
    hostile()


if __name__ == "__main__":
    main()
