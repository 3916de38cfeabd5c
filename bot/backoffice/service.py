"""The simulator's operations (AP2T, APKT, CRM) on top of the rules and the storage,
independent of HTTP. Problems are raised as ``ServiceError`` with a status, a code and a
message the assistant can relay."""

from __future__ import annotations

import datetime as dt
import hmac
import re
import threading
from zoneinfo import ZoneInfo

from bot.identifiers import (
    REGISTRATION_SERIAL_LENGTH,
    PhoneKind,
    check_nik,
    customer_number_kind,
    is_idpel,
    mask,
    mask_email,
    registration_number,
)

from . import rules
from .masking import cached_parse_phone, mask_personal_data, scrub_text
from .records import Customer, LitTr, Unit
from .regulations import Regulations
from .schemas import (
    ApplicantRole,
    Areas,
    Arrears,
    Caller,
    CustomerInfo,
    DilPhones,
    OwnerNikVerdict,
    Registration,
    RegistrationRequest,
    ServiceInfo,
    Ticket,
    TicketRequest,
    UnitInfo,
    WorkOrder,
)
from .storage import IdempotencyConflict, ReferenceData, Storage, random_digits

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NUMBER_SEPARATORS = re.compile(r"[\s\-.]")


def phone_of(request: RegistrationRequest) -> str | None:
    """The national form of the request's mobile number (None when it is not one: the
    save refuses it)."""
    phone = cached_parse_phone(request.applicant.mobile_phone)
    return phone.national if phone is not None else None


class ServiceError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def not_found(message: str, **extra) -> ServiceError:
    return ServiceError(404, "not_found", message, **extra)


def invalid(code: str, message: str) -> ServiceError:
    return ServiceError(422, code, message)


class Backoffice:
    """AP2T + APKT + CRM. Reference data and DIL updates are held in memory (loaded at
    start, DIL updates written through): one simulator process owns its database."""

    def __init__(self, storage: Storage, regulations: Regulations, clock):
        self.storage = storage
        self.regulations = regulations
        self.clock = clock
        self.reference: ReferenceData = storage.load_reference()
        self._dil_mobile: dict[str, str] = storage.dil_mobile_updates()
        self._dil_lock = threading.Lock()

    # --- customers -----------------------------------------------------------------

    def customer(self, number: str) -> Customer:
        """By IDPEL (12 digits) or meter number (11); spaces, dashes and dots are ignored."""
        compact = _NUMBER_SEPARATORS.sub("", number)
        if customer_number_kind(compact) is None:
            raise invalid(
                "invalid_customer_number",
                "Nomor harus ID pelanggan 12 digit atau nomor meter 11 digit.",
            )
        customer = self.reference.customer(compact)
        if customer is None:
            raise not_found("ID pelanggan / nomor meter tidak ditemukan.")
        return customer

    def owner_nik_matches(self, number: str, nik: str) -> bool:
        """Whether ``nik`` is the owner's NIK AP2T holds for the customer (spaces and dots
        ignored); the answer never carries the NIK itself."""
        given = _NUMBER_SEPARATORS.sub("", nik)
        return hmac.compare_digest(given.encode(), self.customer(number).nik.encode())

    def owner_nik_check(self, number: str, nik: str, failures_per_day: int,
                        at: dt.datetime | None = None) -> OwnerNikVerdict:
        """``owner_nik_matches``, with the failed checks of the IDPEL counted per day
        (in the customer's unit's zone) across conversations: once ``failures_per_day`` have
        failed, every further check that day is held (not checked) for an officer.
        A conversation counted its own failures only, so each new one was a fresh guess."""
        customer = self.customer(number)
        idpel = customer.idpel
        zone = ZoneInfo(self.unit_of(customer).timezone)
        day = self.now(at).astimezone(zone).date().isoformat()
        if self.storage.nik_check_failures(idpel, day) >= failures_per_day:
            return OwnerNikVerdict(match=False, held=True)
        if self.owner_nik_matches(idpel, nik):
            return OwnerNikVerdict(match=True)
        self.storage.add_nik_check_failure(idpel, day)
        return OwnerNikVerdict(match=False)

    def unit_of(self, customer: Customer) -> Unit:
        return self.reference.units[customer.unit]

    def dil_phones(self, customer: Customer) -> DilPhones:
        mobile = self._dil_mobile.get(customer.idpel, customer.dil_phones.mobile)
        return DilPhones(mobile=mobile, pstn=customer.dil_phones.pstn)

    def customer_info(self, number: str) -> CustomerInfo:
        customer = self.customer(number)
        unit = self.unit_of(customer)
        return CustomerInfo(
            idpel=customer.idpel,
            meter_number=customer.meter_number,
            name=customer.name,
            title=customer.title,
            address=customer.address,
            tariff=customer.tariff,
            power_va=customer.power_va,
            phase=customer.phase,
            payment=customer.payment,
            unit=UnitInfo(code=unit.code, name=unit.name, address=unit.address,
                          timezone=unit.timezone),
            dil_phones=self.dil_phones(customer),
            kecamatan=customer.kecamatan,
            kelurahan=customer.kelurahan,
        )

    def arrears(self, number: str) -> Arrears:
        customer = self.customer(number)
        return Arrears(idpel=customer.idpel, amount_rp=customer.arrears_rp,
                       months=customer.arrears_months)

    def areas(self, number: str) -> Areas:
        customer = self.customer(number)
        unit = self.unit_of(customer)
        return Areas(idpel=customer.idpel, unit_code=unit.code, areas=unit.areas)

    def lit_tr(self, number: str) -> list[LitTr]:
        return self.unit_of(self.customer(number)).lit_tr

    def update_dil_mobile(self, number: str, phone_text: str,
                          at: dt.datetime | None = None) -> DilPhones:
        customer = self.customer(number)
        phone = cached_parse_phone(phone_text)
        if phone is None or phone.kind is not PhoneKind.MOBILE:
            raise invalid("invalid_mobile_phone", "Nomor handphone tidak valid.")
        with self._dil_lock:
            self.storage.set_dil_mobile(customer.idpel, phone.national, self.now(at).isoformat())
            self._dil_mobile[customer.idpel] = phone.national
        return self.dil_phones(customer)

    # --- the rules ----------------------------------------------------------------

    def _target(self, target_va: int) -> int:
        if not 1 <= target_va <= 10 * self.regulations.sop.max_power_va:
            raise invalid("invalid_power", "Daya tujuan di luar rentang yang masuk akal.")
        return target_va

    def power_change(self, number: str, target_va: int, use: str | None = None):
        customer = self.customer(number)
        return rules.check_power_change(self.regulations, customer, self._target(target_va), use)

    def quote(self, number: str, target_va: int, stroom_awal_rp: int | None) -> rules.Quote:
        customer = self.customer(number)
        try:
            return rules.quote(self.regulations, customer, self.unit_of(customer),
                               self._target(target_va), stroom_awal_rp)
        except rules.QuoteProblem as problem:
            raise invalid(problem.code, str(problem)) from None

    def info(self) -> ServiceInfo:
        regulations = self.regulations
        return ServiceInfo(
            stamp_duty_rp=regulations.stamp_duty.amount_rp,
            spjbtl_stamps=regulations.stamp_duty.spjbtl_stamps,
            registration_validity_days=regulations.sop.registration_validity_days,
            stroom_awal_min_rp=regulations.initial_token.min_rp,
            stroom_awal_max_rp=regulations.initial_token.max_rp,
            token_denominations_rp=regulations.initial_token.denominations_rp,
            max_power_va=regulations.sop.max_power_va,
        )

    def stroom_awal_advice(self, number: str, target_va: int) -> rules.StroomAwalAdvice:
        customer = self.customer(number)
        if not customer.prepaid:
            raise invalid("stroom_awal_postpaid", "Pelanggan pascabayar tidak membeli stroom awal.")
        check = rules.check_power_change(self.regulations, customer, self._target(target_va))
        if not (check.standard and check.higher):
            raise invalid("invalid_power", " ".join(check.problems))
        return rules.stroom_awal_advice(self.regulations, customer, self.unit_of(customer),
                                        target_va)

    def service_level(self, number: str, target_va: int,
                      at: dt.datetime | None = None) -> rules.ServiceLevel:
        customer = self.customer(number)
        check = rules.check_power_change(self.regulations, customer, self._target(target_va))
        if not (check.standard and check.higher):
            raise invalid("invalid_power", " ".join(check.problems))
        unit = self.unit_of(customer)
        on = self.now(at).astimezone(ZoneInfo(unit.timezone)).date()
        return rules.service_level(self.regulations, customer, target_va, on)

    # --- registrations (SOP step 15) ---------------------------------------------------

    def save_registration(self, request: RegistrationRequest,
                          at: dt.datetime | None = None) -> tuple[str, bool]:
        """Validate and store once per idempotency key: (the Registration as JSON text,
        created). JSON text, because that is what is stored and sent back. ``at``: the
        conversation's clock (``now``); the registration is dated by it, in the unit's zone."""
        customer = self.customer(request.idpel)
        created_at = self.now(at).astimezone(ZoneInfo(self.unit_of(customer).timezone))
        build = self._registration_builder(customer, request, created_at)
        payload = request.dict()
        if payload["conversation_id"] is None:
            # hashed as before the field existed: a replay of a request saved then matches
            del payload["conversation_id"]
        try:
            body, created = self.storage.save_registration(
                request.idempotency_key, payload, customer.idpel, created_at.isoformat(),
                build, lambda: registration_number(customer.unit, created_at.date(),
                                                  random_digits(REGISTRATION_SERIAL_LENGTH)),
                conversation_id=request.conversation_id, mobile_phone=phone_of(request),
            )
        except IdempotencyConflict:
            raise ServiceError(
                409, "idempotency_conflict",
                "Idempotency key ini sudah dipakai untuk permohonan lain.",
            ) from None
        return body, created

    def registration(self, number: str) -> str:
        """The registration as JSON text (a ``Registration``)."""
        body = self.storage.registration(number.strip())
        if body is None:
            raise not_found("Nomor registrasi tidak ditemukan.")
        return body

    def choose_lit_tr(self, number: str, name: str) -> str:
        """Record the LIT TR a customer who wants Layanan Satu Pintu chose (step 19c): one
        of the unit's; the registration is a one-stop (LSP) one from then on. The
        registration as JSON text."""
        body = self.registration(number)
        registration = Registration.parse_raw(body)
        if not registration.lsp_available:
            raise invalid("not_one_stop_service",
                          "Permohonan ini bukan Layanan Satu Pintu (atau program Super WOW).")
        unit = self.unit_of(self.customer(registration.idpel))
        chosen = {lit.name.casefold(): lit.name for lit in unit.lit_tr}.get(name.strip().casefold())
        if chosen is None:
            raise invalid("unknown_lit_tr", "LIT TR tersebut tidak ada di daftar unit pelanggan.")
        updated = registration.copy(update={"lit_tr_choice": chosen,
                                            "one_stop_service": True}).json()
        self.storage.update_registration(registration.registration_number, updated)
        return updated

    def record_payment(self, number: str, at: dt.datetime | None = None) -> str:
        """The connection fee of a registration paid (a payment point's confirmation, a
        CSO, the tests), once: the registration as JSON text. An expired one cannot be."""
        registration = Registration.parse_raw(self.registration(number))
        if registration.paid_at is not None:
            return registration.json()
        moment = self.now(at)
        if moment >= registration.expires_at:
            raise invalid("registration_expired",
                          "Nomor registrasi sudah tidak berlaku; pembayaran tidak dapat dicatat.")
        paid_on = moment.astimezone(self._zone_of(registration)).date()
        updated = registration.copy(update={
            "paid_at": moment,
            "connection_due": rules.connection_due(paid_on, registration.service_level),
        }).json()
        self.storage.update_registration(registration.registration_number, updated)
        return updated

    def work_order(self, number: str, connection_date: dt.date | None = None,
                   at: dt.datetime | None = None) -> str:
        """The unit's work order for a paid registration, made once (its number and day
        kept): the connection day is ``connection_date`` (the unit reschedules), by
        default the last day of the SOP's days of work. The registration as JSON text."""
        registration = Registration.parse_raw(self.registration(number))
        if registration.paid_at is None:
            raise invalid("not_paid", "Biaya penyambungan belum dibayar; perintah kerja "
                                      "dibuat setelah pembayaran.")
        moment = self.now(at)
        today = moment.astimezone(self._zone_of(registration)).date()
        existing = registration.work_order
        day = connection_date or (existing.connection_date if existing
                                  else self._connection_due(registration))
        if existing is not None and day == existing.connection_date:
            return registration.json()
        if day < today:
            raise invalid("connection_date_past", "Tanggal penyambungan sudah lewat.")
        order = existing.copy(update={"connection_date": day}) if existing else WorkOrder(
            number="SPK" + moment.strftime("%y%m%d") + random_digits(6), issued_at=moment,
            connection_date=day)
        updated = registration.copy(update={"work_order": order}).json()
        self.storage.update_registration(registration.registration_number, updated)
        return updated

    def _connection_due(self, registration: Registration) -> dt.date:
        """The registration's connection_due (paid before it was recorded: computed)."""
        if registration.connection_due is not None:
            return registration.connection_due
        paid_on = registration.paid_at.astimezone(self._zone_of(registration)).date()
        return rules.connection_due(paid_on, registration.service_level)

    def _zone_of(self, registration: Registration) -> ZoneInfo:
        """The zone of the registration's unit: its days are the unit's."""
        return ZoneInfo(self.unit_of(self.customer(registration.idpel)).timezone)

    def unpaid_registrations_json(self, at: dt.datetime | None = None) -> list[str]:
        """The registrations not paid and not expired at ``at`` (JSON text each), the one
        expiring first first: what a payment reminder is for."""
        moment = self.now(at)
        unpaid = [r for r in map(Registration.parse_raw, self.storage.all_registrations_json())
                  if r.paid_at is None and r.expires_at > moment]
        return [r.json() for r in sorted(unpaid, key=lambda r: r.expires_at)]

    def registrations_json(self, conversation_id: str | None, idpel: str | None,
                           phone: str | None = None) -> list[str]:
        """The registrations of a conversation, an IDPEL and/or a mobile number (the one
        given for the connection call, SOP step 13), JSON text each, newest first; at least
        one of the three is required."""
        if conversation_id is not None:
            conversation_id = conversation_id.strip()
            if not conversation_id:
                raise invalid("invalid_conversation_id", "conversation_id tidak boleh kosong.")
        if idpel is not None:
            idpel = _NUMBER_SEPARATORS.sub("", idpel)
            if not is_idpel(idpel):
                raise invalid("invalid_customer_number", "ID pelanggan harus 12 digit.")
        mobile = None
        if phone is not None:
            parsed = cached_parse_phone(phone)
            if parsed is None:
                raise invalid("invalid_phone", "Bukan nomor telepon Indonesia yang valid.")
            mobile = parsed.national
        if conversation_id is None and idpel is None and mobile is None:
            raise invalid("missing_filter", "Sebutkan conversation_id, idpel dan/atau phone "
                                            "untuk mencari registrasi.")
        return self.storage.registrations_json(conversation_id, idpel, mobile)

    def _registration_builder(self, customer: Customer, request: RegistrationRequest,
                              created_at: dt.datetime):
        """Check everything first (nothing is stored when anything is wrong), then return
        the function that makes the stored body for a registration number."""
        regulations = self.regulations
        if customer.arrears_rp > 0:
            raise invalid("arrears", "Pelanggan masih memiliki tunggakan; mohon dilunasi dulu.")
        check = rules.check_power_change(regulations, customer, self._target(request.target_va))
        if not check.allowed:
            raise invalid("power_change_not_allowed", " ".join(check.problems))
        quote = self.quote(customer.idpel, request.target_va, request.stroom_awal_rp)
        level = rules.service_level(regulations, customer, request.target_va, created_at.date())
        super_wow = level.reason is rules.ServiceLevelReason.SUPER_WOW
        lsp_available = bool(self.unit_of(customer).lit_tr) and not super_wow
        applicant = request.applicant
        kecamatan, kelurahan = self._area(customer, applicant.kecamatan, applicant.kelurahan)
        owner_nik = self._nik(applicant.owner_nik, "NIK pemilik", created_at.date())
        phone = cached_parse_phone(applicant.mobile_phone)
        if phone is None or phone.kind is not PhoneKind.MOBILE:
            raise invalid("invalid_mobile_phone", "Nomor handphone tidak valid.")
        email = applicant.email or None
        if email is not None and not _EMAIL.match(email):
            raise invalid("invalid_email", "Alamat email tidak valid.")
        applicant_nik = None
        applicant_name = customer.name
        if applicant.role is ApplicantRole.AUTHORISED:
            if not (applicant.applicant_nik and applicant.applicant_name
                    and applicant.applicant_address):
                raise invalid(
                    "applicant_incomplete",
                    "Untuk yang dikuasakan: NIK, nama dan alamat pemohon wajib diisi.",
                )
            applicant_nik = self._nik(applicant.applicant_nik, "NIK pemohon", created_at.date())
            applicant_name = applicant.applicant_name
        validity = regulations.sop.registration_validity_days

        def build(number: str) -> str:
            # the fields were validated with the request or computed by the rules
            registration = Registration.construct(
                registration_number=number,
                idpel=customer.idpel,
                customer_name=customer.name,
                created_at=created_at,
                expires_at=created_at + dt.timedelta(days=validity),
                validity_days=validity,
                current_va=customer.power_va,
                target_va=request.target_va,
                current_tariff=customer.tariff,
                new_tariff=check.new_tariff,
                use=check.use,
                phase_change=check.phase_change,
                quote=quote,
                service_level=level,
                total_rp=quote.total_rp,
                role=applicant.role,
                applicant_name=applicant_name,
                owner_nik_masked=mask(owner_nik),
                applicant_nik_masked=mask(applicant_nik),
                email_masked=mask_email(email),
                mobile_phone=phone.national,
                kecamatan=kecamatan,
                kelurahan=kelurahan,
                conversation_id=request.conversation_id,
                super_wow=super_wow,
                lsp_available=lsp_available,
                one_stop_service=False,
                lit_tr_choice=None,
            )
            return registration.json()

        return build

    def now(self, at: dt.datetime | None = None) -> dt.datetime:
        """The time of a request: the conversation's clock when the caller sends it (the
        assistant's ``X-PLN-Now`` header), else the simulator's own (``PLN_NOW`` or real)."""
        return at if at is not None else self.clock()

    def _area(self, customer: Customer, kecamatan: str, kelurahan: str) -> tuple[str, str]:
        """The unit's own spelling of a kecamatan and one of its kelurahan (case-insensitive)."""
        areas = self.unit_of(customer).areas
        found = {name.casefold(): name for name in areas}.get(kecamatan.strip().casefold())
        if found is None:
            raise invalid("unknown_kecamatan", "Kecamatan tidak ada di wilayah unit pelanggan.")
        village = {name.casefold(): name for name in areas[found]}.get(kelurahan.strip().casefold())
        if village is None:
            raise invalid("unknown_kelurahan", f"Kelurahan tidak ada di Kecamatan {found}.")
        return found, village

    @staticmethod
    def _nik(text: str, label: str, today: dt.date) -> str:
        check = check_nik(text, today)
        if not check.valid or not _NUMBER_SEPARATORS.sub("", text).isdigit():
            raise invalid("invalid_nik", f"{label}: {check.problem or 'NIK hanya berisi angka.'}")
        return check.nik

    # --- APKT ---------------------------------------------------------------------------

    def create_ticket(self, request: TicketRequest,
                      at: dt.datetime | None = None) -> tuple[str, bool]:
        """Mask and store: (the Ticket as JSON text, created), dated ``at`` (``now``)."""
        idpel = None
        if request.idpel is not None:
            idpel = _NUMBER_SEPARATORS.sub("", request.idpel)
            if not is_idpel(idpel):
                raise invalid("invalid_customer_number", "ID pelanggan harus 12 digit.")
        created_at = self.now(at)
        # Masked once; the request hash is taken of the masked request too, so that no
        # personal data is stored in clear, not even hashed.
        masked = dict(kind=request.kind, reason=scrub_text(request.reason),
                      sop_step=request.sop_step, conversation_id=request.conversation_id,
                      idpel=idpel, data=mask_personal_data(request.data))
        masked_payload = dict(masked, idempotency_key=request.idempotency_key)

        def build(number: str) -> str:
            # the fields were validated with the request: no second validation
            return Ticket.construct(ticket_number=number, created_at=created_at, **masked).json()

        try:
            body, created = self.storage.save_ticket(
                request.idempotency_key, masked_payload, request.conversation_id,
                created_at.isoformat(), build,
                lambda: "APKT" + created_at.strftime("%y%m%d") + random_digits(8),
            )
        except IdempotencyConflict:
            raise ServiceError(
                409, "idempotency_conflict", "Idempotency key ini sudah dipakai untuk tiket lain."
            ) from None
        return body, created

    def tickets_json(self, conversation_id: str | None) -> list[str]:
        """The conversation's tickets (or all), each as JSON text (a ``Ticket``)."""
        return self.storage.tickets_json(conversation_id)

    def tickets_after(self, after: int, limit: int) -> tuple[list[str], int, int]:
        """The tickets recorded after the cursor ``after`` (``Storage.tickets_after``)."""
        return self.storage.tickets_after(after, limit)

    # --- CRM ----------------------------------------------------------------------------

    def caller(self, phone_text: str) -> Caller:
        phone = cached_parse_phone(phone_text)
        if phone is None:
            raise invalid("invalid_phone", "Bukan nomor telepon Indonesia yang valid.")
        entry = self.reference.crm.get(phone.national)
        if entry is None:
            raise not_found("Nomor tidak dikenal di CRM.", kind=phone.kind.value)
        zone = (self.unit_of(self.reference.customers[entry.idpel]).timezone
                if entry.idpel in self.reference.customers else None)
        return Caller(phone=entry.phone, type=entry.type, name=entry.name, title=entry.title,
                      idpel=entry.idpel, timezone=zone)
