"""What the citizen reads: short, polite Bahasa Indonesia templates, one per reply kind."""

from __future__ import annotations

from string import Template

#: What to ask for, per missing item (triage's `missing` list).
ASK_FOR: dict[str, str] = {
    "description": "uraian singkat masalahnya (apa yang terjadi)",
    "location": "alamat lengkap (nama jalan, RT/RW, kelurahan) atau kirim lokasi",
    "address_detail": "detail alamat (nama jalan, RT/RW, kelurahan)",
    "photo": "foto kondisi di lokasi",
    "kelurahan": "nama kelurahan lokasinya",
}

TEMPLATES: dict[str, Template] = {
    "confirmation": Template(
        "Terima kasih, laporan Anda sudah kami terima dan diteruskan ke petugas. "
        "Nomor laporan: $tracking_number. Cek status kapan saja dengan membalas: "
        "STATUS $tracking_number"
    ),
    "duplicate": Template(
        "Terima kasih. Masalah ini sudah dilaporkan warga lain dan sedang ditangani dengan "
        "nomor laporan $tracking_number. Anda akan ikut menerima kabar perkembangannya."
    ),
    "followup": Template(
        "Terima kasih, tambahan informasi Anda sudah kami gabungkan ke laporan $tracking_number."
    ),
    # The same citizen about the same issue again: their earlier report's number (or the
    # intake reference while the CRM has not numbered it yet).
    "same_citizen": Template(
        "Terima kasih. Laporan Anda tentang masalah ini sudah kami terima sebelumnya "
        "($tracking_number) dan sedang diproses; pesan ini kami catat pada laporan tersebut. "
        "Cek status: STATUS $tracking_number"
    ),
    "same_citizen_pending": Template(
        "Terima kasih. Laporan Anda tentang masalah ini sudah kami terima sebelumnya "
        "(ref. $reference) dan sedang diperiksa petugas; pesan ini kami catat pada laporan "
        "tersebut. Nomor laporan akan kami kirim setelah diverifikasi."
    ),
    "needs_info": Template(
        "Terima kasih atas laporan Anda. Agar dapat kami proses, mohon kirim $ask. "
        "Balas pesan ini dalam $window jam."
    ),
    "in_review": Template(
        "Terima kasih, laporan Anda (ref. $reference) sudah kami terima dan sedang diperiksa "
        "petugas. Nomor laporan akan kami kirim setelah diverifikasi."
    ),
    "rejected": Template(
        "Mohon maaf, laporan Anda (ref. $reference) tidak dapat kami proses: $reason. "
        "Silakan kirim laporan baru bila ada masalah lain."
    ),
    "emergency": Template(
        "Untuk keadaan darurat (kebakaran, kecelakaan, orang tenggelam) segera hubungi "
        "Jakarta Siaga 112 (bebas pulsa). Laporan Anda tetap kami catat."
    ),
    "status": Template("Laporan $tracking_number: status $status$detail."),
    "status_unknown": Template(
        "Nomor laporan $tracking_number tidak kami temukan. Mohon periksa kembali nomornya."
    ),
    # The hint is a whole sentence (crm_client InvalidTrackingNumber.hint) that already names
    # the problem; a prefix would read "Nomor laporan tidak valid: Nomor laporan ...".
    "status_invalid": Template("$hint"),
    "status_change": Template("Kabar laporan $tracking_number: status kini $status.$detail"),
    "welcome": Template(
        "Selamat datang di layanan pengaduan Pemprov DKI Jakarta (CRM). Ceritakan masalahnya, "
        "sertakan alamat lengkap dan foto. Cek laporan: STATUS <nomor>."
    ),
    # Ops dropped a report the CRM refused (pipeline/deadletters.py): it will never get a number.
    "push_dropped": Template(
        "Mohon maaf, laporan Anda (ref. $reference) belum dapat kami teruskan ke petugas. "
        "Silakan kirim ulang laporan Anda."
    ),
    "rate_limited": Template(
        "Mohon maaf, pesan Anda terlalu banyak dalam waktu singkat. Silakan coba lagi nanti."
    ),
}

REJECT_REASONS: dict[str, str] = {
    "spam": "pesan terdeteksi sebagai spam",
    "profanity": "pesan mengandung kata-kata yang tidak pantas",
    "outside_jakarta": "lokasi berada di luar wilayah DKI Jakarta",
    "out_of_scope": "laporan di luar kewenangan Pemprov DKI Jakarta",
}


def render(kind: str, **values: object) -> str:
    """The text of one reply kind, with its placeholders filled."""
    return TEMPLATES[kind].substitute({k: str(v) for k, v in values.items()})


def ask_for(missing: list[str], kelurahan_choices: tuple[str, ...] | list[str] = ()) -> str:
    """'A, B serta C' for the items a citizen must still send (kelurahan names offered)."""
    parts = []
    for item in missing:
        if item not in ASK_FOR:
            continue
        part = ASK_FOR[item]
        if item == "kelurahan" and kelurahan_choices:
            names = list(kelurahan_choices)
            listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " atau " + names[-1]
            part += f" ({listed}?)"
        parts.append(part)
    if not parts:
        return ASK_FOR["description"]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " serta " + parts[-1]


def reject_reason(reasons: list[str]) -> str:
    """The citizen-facing reason for a rejection."""
    for reason in reasons:
        if reason in REJECT_REASONS:
            return REJECT_REASONS[reason]
    return REJECT_REASONS["out_of_scope"]
