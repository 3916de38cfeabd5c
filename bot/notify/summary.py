"""The registration as the owner receives it by e-mail: plain text and HTML, in
Indonesian, with every figure the call gave (number, IDPEL and name, old and new power and
tariff, each fee line and the total, where to pay, the documents, the validity date, the
SLO advice). Never a NIK. The sentences the assistant also says come from domain.yml's
responses (one place for each)."""

from __future__ import annotations

import html
import secrets
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from functools import lru_cache
from pathlib import Path

import yaml

from bot.backoffice.schemas import Registration, ServiceInfo
from bot.sop.formatting import long_date, percent, rupiah, tariff_and_power

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"
MAIL_DOMAIN = "pln123.example"
SENDER = ("PLN 123", f"noreply@{MAIL_DOMAIN}")


@lru_cache(maxsize=1)
def _responses() -> dict:
    return yaml.safe_load(DOMAIN.read_text())["responses"]


def said(response: str, **values: str) -> str:
    """The first text of a domain.yml response, filled."""
    return _responses()[response][-1]["text"].format(**values)


def lines(registration: Registration, info: ServiceInfo, address: str | None) -> list[tuple[str, str]]:
    """(label, value) in the order the e-mail gives them."""
    quote = registration.quote
    rows = [
        ("Nomor registrasi", registration.registration_number),
        ("ID pelanggan", registration.idpel),
        ("Nama", registration.customer_name),
        ("Daya lama", tariff_and_power(registration.current_tariff, registration.current_va)),
        ("Daya baru", tariff_and_power(registration.new_tariff, registration.target_va)),
    ]
    if address:
        rows.append(("Alamat", f"{address}, Kel. {registration.kelurahan}, "
                                f"Kec. {registration.kecamatan}"))
    rows.append(("Biaya penyambungan", rupiah(quote.bp_rp)))
    if quote.ppn_rp:
        rows.append((f"PPN {percent(float(quote.ppn_rate))}", rupiah(quote.ppn_rp)))
    rows.append(("Biaya meterai", rupiah(quote.meterai_rp)))
    if quote.stroom_awal_rp:
        rows.append(("Stroom awal", f"{rupiah(quote.stroom_awal_rp)} (sudah termasuk PPJ "
                                    f"{percent(float(quote.ppj_rate))} sebesar "
                                    f"{rupiah(quote.ppj_rp)})"))
    rows += [("Total biaya", rupiah(quote.total_rp)),
             ("Berlaku sampai", long_date(registration.expires_at)),
             ("Waktu penyambungan", f"paling lama {registration.service_level.days} hari kalender")]
    return rows


def paragraphs(registration: Registration, info: ServiceInfo, title: str) -> list[str]:
    documents = "utter_documents_authorised" if registration.role == "authorised" else "utter_documents"
    return [
        f"Nomor registrasi berlaku selama {registration.validity_days} hari, sampai dengan "
        f"{long_date(registration.expires_at)}. Mohon melakukan pembayaran sebelum tanggal "
        "tersebut.",
        said("utter_payment_places", caller_title=title),
        said(documents, stamps=str(info.spjbtl_stamps), stamp_value=rupiah(info.stamp_duty_rp)),
        said("utter_slo_advice", caller_title=title),
    ]


def summary_text(registration: Registration, info: ServiceInfo, address: str | None,
                 title: str = "Bapak/Ibu") -> str:
    rows = lines(registration, info, address)
    width = max(len(label) for label, _ in rows)
    body = [f"Yth. {title} {registration.applicant_name},", "",
            f"Terima kasih telah menghubungi PLN 123. Permohonan tambah daya {title} sudah "
            "kami terima dengan rincian berikut:", ""]
    body += [f"{label.ljust(width)} : {value}" for label, value in rows]
    body += ["", *(p for para in paragraphs(registration, info, title) for p in (para, "")),
             "Salam,", "PLN 123"]
    return "\n".join(body)


def summary_html(registration: Registration, info: ServiceInfo, address: str | None,
                 title: str = "Bapak/Ibu") -> str:
    rows = "".join(f"<tr><th align=\"left\">{html.escape(label)}</th>"
                   f"<td>{html.escape(value)}</td></tr>"
                   for label, value in lines(registration, info, address))
    paras = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs(registration, info, title))
    return (f"<html lang=\"id\"><body><p>Yth. {html.escape(title)} "
            f"{html.escape(registration.applicant_name)},</p><p>Terima kasih telah "
            f"menghubungi PLN 123. Permohonan tambah daya {html.escape(title)} sudah kami "
            f"terima dengan rincian berikut:</p><table>{rows}</table>{paras}"
            "<p>Salam,<br>PLN 123</p>"
            "</body></html>")


def summary_email(registration: Registration, info: ServiceInfo, to: str,
                  address: str | None, title: str = "Bapak/Ibu") -> EmailMessage:
    message = EmailMessage()
    # Subject and Message-ID fit on their own line with their name (Python's folding moves a
    # longer value whole onto a continuation line, where a mail client writes it on the first)
    message["Subject"] = (f"Tambah daya PLN {registration.registration_number} "
                          f"- ID pelanggan {registration.idpel}")
    message["From"] = formataddr(SENDER)
    message["To"] = to
    message["Date"] = format_datetime(registration.created_at)  # with the unit's offset
    unique = f"{registration.registration_number}.{secrets.token_hex(8)}"
    message["Message-ID"] = f"<{unique}@{MAIL_DOMAIN}>"
    message.set_content(summary_text(registration, info, address, title))
    message.add_alternative(summary_html(registration, info, address, title), subtype="html")
    return message
