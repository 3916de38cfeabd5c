"""The registration as the owner receives it by e-mail: plain text and HTML, in
Indonesian, with every figure the call gave (number, IDPEL and name, old and new power and
tariff, each fee line and the total, where to pay, the documents, the validity date, the
SLO advice). Never a NIK. The sentences the assistant also says come from domain.yml's
responses (one place for each)."""

from __future__ import annotations

import datetime as dt
import html
import secrets
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from functools import lru_cache
from pathlib import Path

import yaml

from bot.backoffice.rules import Quote
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
    rows += fee_rows(quote)
    rows += [("Berlaku sampai", long_date(registration.expires_at)),
             ("Waktu penyambungan", f"paling lama {registration.service_level.days} hari kalender")]
    return rows


def fee_rows(quote: Quote) -> list[tuple[str, str]]:
    """Each fee of a quote (SOP step 9) and the total."""
    rows = [("Biaya penyambungan", rupiah(quote.bp_rp))]
    if quote.ppn_rp:
        rows.append((f"PPN {percent(float(quote.ppn_rate))}", rupiah(quote.ppn_rp)))
    rows.append(("Biaya meterai", rupiah(quote.meterai_rp)))
    if quote.stroom_awal_rp:
        rows.append(("Stroom awal", f"{rupiah(quote.stroom_awal_rp)} (sudah termasuk PPJ "
                                    f"{percent(float(quote.ppj_rate))} sebesar "
                                    f"{rupiah(quote.ppj_rp)})"))
    rows.append(("Total biaya", rupiah(quote.total_rp)))
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


PAYMENT_PLACES = "ATM, minimarket, Kantor Pos dan Giro, internet banking"
_PASSIVE = {"Berlaku sampai"}  # the validity: in the e-mail, and told when asked (SOP)


def chat_summary_text(registration: Registration, info: ServiceInfo, address: str | None,
                      title: str = "Bapak/Ibu") -> str:
    """The message a chat customer keeps after step 17: the registration's facts (number,
    power, fees, where to pay). Not the validity (the SOP tells it only when asked) nor
    the documents, payment and SLO sentences just said."""
    rows = [row for row in lines(registration, info, address) if row[0] not in _PASSIVE]
    rows.append(("Tempat pembayaran", PAYMENT_PLACES))
    width = max(len(label) for label, _ in rows)
    body = [f"Ringkasan permohonan tambah daya {title} {registration.applicant_name}:", ""]
    body += [f"{label.ljust(width)} : {value}" for label, value in rows]
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


def _addressed(subject: str, to: str, sent_at: dt.datetime, reference: str) -> EmailMessage:
    """A message with the headers a mail client writes: Subject, From, To, Date (with its
    zone) and Message-ID. Subject and Message-ID are kept short enough to stay on their
    own line (Python's folding moves a longer value whole onto a continuation line)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = formataddr(SENDER)
    message["To"] = to
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = f"<{reference}.{secrets.token_hex(8)}@{MAIL_DOMAIN}>"
    return message


def summary_email(registration: Registration, info: ServiceInfo, to: str,
                  address: str | None, title: str = "Bapak/Ibu") -> EmailMessage:
    message = _addressed(f"Tambah daya PLN {registration.registration_number} - ID pelanggan "
                         f"{registration.idpel}", to, registration.created_at,
                         registration.registration_number)
    message.set_content(summary_text(registration, info, address, title))
    message.add_alternative(summary_html(registration, info, address, title), subtype="html")
    return message


HOW_TO_APPLY_AGAIN = (
    "Bila {title} ingin mengajukan tambah daya kembali, silakan hubungi PLN 123 (telepon "
    "123, WhatsApp atau Telegram PLN 123) dan sampaikan \"mau tambah daya\" dengan ID "
    "pelanggan {idpel}. Biaya di atas sesuai ketentuan hari ini dan dihitung ulang saat "
    "permohonan diajukan.")


def information_text(quote: Quote, info: ServiceInfo, idpel: str, title: str) -> str:
    """Step 11b: what a customer who did not go on asked for by e-mail: the fees quoted,
    the requirements, how to apply again."""
    rows = [("ID pelanggan", idpel),
            ("Daya", f"{quote.current_va:,} VA ke {quote.target_va:,} VA".replace(",", ".")),
            *fee_rows(quote)]
    width = max(len(label) for label, _ in rows)
    body = [f"Yth. {title},", "",
            "Terima kasih telah menghubungi PLN 123. Berikut informasi biaya dan persyaratan "
            "tambah daya yang telah kami sampaikan:", ""]
    body += [f"{label.ljust(width)} : {value}" for label, value in rows]
    body += ["", said("utter_documents_info", stamps=str(info.spjbtl_stamps),
                      stamp_value=rupiah(info.stamp_duty_rp)),
             "", HOW_TO_APPLY_AGAIN.format(title=title, idpel=idpel), "", "Salam,", "PLN 123"]
    return "\n".join(body)


def information_email(quote: Quote, info: ServiceInfo, idpel: str, to: str,
                      sent_at: dt.datetime, title: str = "Bapak/Ibu") -> EmailMessage:
    message = _addressed(f"Informasi tambah daya - ID pelanggan {idpel}", to, sent_at, idpel)
    message.set_content(information_text(quote, info, idpel, title))
    return message
