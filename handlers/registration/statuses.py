"""The statuses a registration goes through, as staff and workers read them."""

from __future__ import annotations

STATUS_LABELS = {
    "moi": "mới",
    "da_lien_he": "đã liên hệ",
    "hen_phong_van": "hẹn phỏng vấn",
    "dang_dao_tao": "đang đào tạo",
    "da_xuat_canh": "đã xuất cảnh",
    "khong_phu_hop": "không phù hợp",
    "rut_ho_so": "rút hồ sơ",
}
# Statuses in which a registration is still open (one per phone number and owner).
OPEN_STATUSES = ("moi", "da_lien_he", "hen_phong_van", "dang_dao_tao")
WITHDRAWN = "rut_ho_so"
