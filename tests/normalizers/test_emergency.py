"""Emergencies go to Jakarta Siaga 112; a risk named in a complaint is not one."""

from __future__ import annotations

import pytest

from normalizers.text import detect_emergency


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Tolong! Terjadi kecelakaan motor dan truk di perempatan Jl Raya Bogor", "kecelakaan"),
        ("ada korban tenggelam di Kali Sunter, sampai sekarang belum ditemukan", "tenggelam"),
        ("pohon tumbang menimpa motor di Jl Margonda, pengendaranya terjepit", "pohon_menimpa"),
        ("jalan ini memang rawan, tadi pagi terjadi kecelakaan dua motor", "kecelakaan"),
        ("gang ini rawan begal dan barusan ada yang dibegal di ujung gang", "kriminal"),
        ("seorang anak hanyut terseret arus kali saat hujan deras", "tenggelam"),
        ("min bisa dibantu, ada kebakaran rumah di gang 5, api membesar", "kebakaran"),
        ("tolong bisa dibantu ada tabrakan di depan halte", "kecelakaan"),
        ("kami terjebak banjir di lantai dua, butuh evakuasi", "evakuasi"),
        ("anak saya hampir tenggelam, sekarang tidak sadarkan diri", "korban_jiwa"),
    ],
)
def test_real_emergencies_are_flagged(text: str, kind: str) -> None:
    assert detect_emergency(text) == kind


@pytest.mark.parametrize(
    "text",
    [
        "aspal bergelombang di tanjakan, bisa memicu kecelakaan bagi pemotor",
        "lampu jalan padam, gelap sekali, rawan kejahatan dan juga kecelakaan",
        "sering terjadi kecelakaan di tikungan ini karena tidak ada rambu",
        "kabel menjuntai ke atap warung, takut terjadi kebakaran",
        "kalau hujan, sampah dari TPS hanyut sampai ke halaman rumah warga",
        "kayu dan plastik hanyut lalu menyumbat pintu air",
        "hampir terjadi tabrakan karena lampu lalu lintas mati",
        "the potholes could cause an accident at night",
    ],
)
def test_a_risk_or_drifting_rubbish_is_not_an_emergency(text: str) -> None:
    assert detect_emergency(text) == ""
