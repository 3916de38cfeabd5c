"""What the console shows of a Perubahan Daya conversation's answers (after what the
channel said of the caller), in this order; the personal ones masked until a CSO reveals
one, the applicant's role in words."""

from __future__ import annotations

from bot.identifiers import mask, mask_address, mask_email
from bot.sop.engine import Display, Shown
from bot.sop.perubahan_daya import flow

DISPLAY = Display(
    shown=(
        Shown("idpel", "ID pelanggan"), Shown("customer_name", "Nama pelanggan"),
        Shown("current_tariff_power", "Daya saat ini"), Shown("new_tariff_power", "Daya baru"),
        Shown("total_text", "Total biaya"), Shown("applicant_role", "Pemohon"),
        Shown("kecamatan", "Kecamatan"), Shown("kelurahan", "Kelurahan"),
        Shown("customer_address", "Alamat", mask_address),
        Shown("owner_nik", "NIK pemilik", mask), Shown("applicant_nik", "NIK pemohon", mask),
        Shown("applicant_name", "Nama pemohon"),
        Shown("applicant_address", "Alamat pemohon", mask_address),
        Shown("email", "E-mail", mask_email), Shown("mobile_phone", "Nomor handphone", mask),
        Shown("registration_number", "Nomor registrasi"),
    ),
    said={flow.OWNER: "pemilik", flow.AUTHORISED: "dikuasakan"},
)
