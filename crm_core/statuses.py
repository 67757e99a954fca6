"""The seven-status lifecycle of a CRM report and the transitions officers may make.

Source: "Begini Cara Laporanmu Diselesaikan" (Jakarta Smart City; shared/seeds/000): Menunggu,
Koordinasi, Disposisi, Proses, Tindak Lanjut, Validasi (Biro Pemerintahan may reject the follow-up,
which is then repeated) and Selesai.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A report's place in the lifecycle; values are the Indonesian names citizens see."""

    MENUNGGU = "Menunggu"
    KOORDINASI = "Koordinasi"
    DISPOSISI = "Disposisi"
    PROSES = "Proses"
    TINDAK_LANJUT = "Tindak Lanjut"
    VALIDASI = "Validasi"
    SELESAI = "Selesai"


# Koordinasi -> Proses: the kelurahan handles the report itself instead of forwarding it to an
# OPD (seeds/001: "diproses secara internal atau diteruskan ke instansi/OPD terkait").
# Validasi -> Tindak Lanjut: the follow-up was rejected and must be repeated (seeds/000).
ALLOWED: dict[Status, frozenset[Status]] = {
    Status.MENUNGGU: frozenset({Status.KOORDINASI}),
    Status.KOORDINASI: frozenset({Status.DISPOSISI, Status.PROSES}),
    Status.DISPOSISI: frozenset({Status.PROSES}),
    Status.PROSES: frozenset({Status.TINDAK_LANJUT}),
    Status.TINDAK_LANJUT: frozenset({Status.VALIDASI}),
    Status.VALIDASI: frozenset({Status.SELESAI, Status.TINDAK_LANJUT}),
    Status.SELESAI: frozenset(),
}

DESCRIPTIONS: dict[Status, str] = {
    Status.MENUNGGU: "Laporan sudah tercatat dan menunggu petugas.",
    Status.KOORDINASI: "Laporan diterima kelurahan dan sedang dikoordinasikan.",
    Status.DISPOSISI: "Laporan diteruskan ke instansi/OPD yang berwenang.",
    Status.PROSES: "Petugas sedang mengerjakan laporan di lapangan.",
    Status.TINDAK_LANJUT: "Petugas sudah menindaklanjuti laporan.",
    Status.VALIDASI: "Hasil tindak lanjut sedang diperiksa Biro Pemerintahan.",
    Status.SELESAI: "Laporan sudah selesai ditangani.",
}


class TransitionNotAllowed(ValueError):
    """An officer asked for a move the lifecycle does not allow; the message says which are."""


def parse_status(text: str) -> Status:
    """Read a status name leniently ("tindak lanjut", "TINDAK_LANJUT", "Tindak-Lanjut")."""
    wanted = " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()
    for status in Status:
        if status.value.casefold() == wanted:
            return status
    names = ", ".join(s.value for s in Status)
    raise ValueError(f"status tidak dikenal: {text!r} (pilih salah satu: {names})")


def check_transition(current: Status, target: Status, note: str, photo_urls: list[str]) -> None:
    """Raise TransitionNotAllowed unless current -> target is allowed with this evidence."""
    allowed = ALLOWED[current]
    if target not in allowed:
        options = ", ".join(s.value for s in Status if s in allowed) or "tidak ada (sudah final)"
        raise TransitionNotAllowed(
            f"{current.value} tidak bisa pindah ke {target.value}; yang boleh: {options}"
        )
    if current is Status.VALIDASI and target is Status.TINDAK_LANJUT and not note.strip():
        raise TransitionNotAllowed("penolakan validasi wajib disertai catatan alasannya")
    if current is Status.PROSES and target is Status.TINDAK_LANJUT and not photo_urls:
        # Completion photos are public proof of the work (seeds/003, seeds/004).
        raise TransitionNotAllowed("tindak lanjut wajib disertai foto hasil pekerjaan")


def is_closed(status: Status) -> bool:
    """Open311 GeoReport v2 knows only open/closed; only Selesai is closed."""
    return status is Status.SELESAI
