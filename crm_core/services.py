"""The core's service catalogue (Open311 "services"): report categories and the OPD behind each.

Routing follows the CRM practice described in shared/seeds/001 (jalan rusak -> Dinas Bina Marga
-> Suku Dinas of the kota); the kelurahan handles what fits no OPD ("lainnya").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Service:
    """One Open311 service type (GeoReport v2 GET services: code, name, description, group)."""

    code: str
    name: str
    description: str
    group: str  # the responsible OPD
    keywords: tuple[str, ...] = ()


SERVICES: tuple[Service, ...] = (
    Service(
        "jalan_rusak",
        "Jalan Rusak",
        "Jalan berlubang, retak atau amblas.",
        "Dinas Bina Marga",
        ("jalan", "lubang", "aspal"),
    ),
    Service(
        "lampu_jalan",
        "Penerangan Jalan Umum",
        "Lampu jalan mati atau rusak.",
        "Dinas Bina Marga",
        ("lampu", "pju"),
    ),
    Service(
        "banjir_genangan",
        "Banjir dan Genangan",
        "Genangan air atau banjir di jalan/permukiman.",
        "Dinas Sumber Daya Air",
        ("banjir", "genangan"),
    ),
    Service(
        "saluran_air",
        "Saluran Air",
        "Got, selokan atau saluran tersumbat.",
        "Dinas Sumber Daya Air",
        ("got", "selokan", "drainase"),
    ),
    Service(
        "sampah",
        "Sampah",
        "Sampah menumpuk atau tidak diangkut.",
        "Dinas Lingkungan Hidup",
        ("sampah", "kebersihan"),
    ),
    Service(
        "pohon",
        "Pohon dan Taman",
        "Pohon tumbang, rawan tumbang atau taman rusak.",
        "Dinas Pertamanan dan Hutan Kota",
        ("pohon", "taman"),
    ),
    Service(
        "parkir_liar",
        "Parkir Liar",
        "Kendaraan parkir di tempat terlarang.",
        "Dinas Perhubungan",
        ("parkir",),
    ),
    Service(
        "lalu_lintas",
        "Lalu Lintas",
        "Kemacetan, rambu atau lampu lalu lintas rusak.",
        "Dinas Perhubungan",
        ("macet", "rambu"),
    ),
    Service(
        "ketertiban_umum",
        "Ketertiban Umum",
        "Pelanggaran Perda/Pergub, PKL, bangunan liar.",
        "Satuan Polisi Pamong Praja",
        ("perda", "pkl"),
    ),
    Service(
        "fasilitas_umum",
        "Fasilitas Umum",
        "Fasilitas umum rusak (halte, trotoar, toilet).",
        "Kelurahan",
        ("fasilitas",),
    ),
    Service(
        "lainnya",
        "Lainnya",
        "Permasalahan kota lainnya yang bukan keadaan darurat.",
        "Kelurahan",
        (),
    ),
)

BY_CODE: dict[str, Service] = {service.code: service for service in SERVICES}
FALLBACK_CODE = "lainnya"


def service_for(code: str) -> Service:
    """The service for a category code; unknown codes fall back to "lainnya" for display."""
    return BY_CODE.get(code) or BY_CODE[FALLBACK_CODE]
