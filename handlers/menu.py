"""The main menu, help, greetings, and the contact line every fallback carries."""

from __future__ import annotations

from handlers.context import Context
from handlers.types import Button, Reply
from settings import Settings

MENU_BUTTONS = (
    Button("❓ Hỏi đáp", "menu:faq"),
    Button("📝 Đăng ký đi làm việc ở nước ngoài", "menu:register"),
    Button("🔎 Kiểm tra doanh nghiệp", "menu:recruiter"),
    Button("💰 Tính tiền dịch vụ tối đa", "fee:start"),
    Button("📅 Phiên giao dịch việc làm", "menu:fairs"),
    Button("👩‍💼 Gặp cán bộ tư vấn", "menu:staff"),
)

BACK_TO_MENU = Button("🏠 Về menu chính", "menu:main")
TALK_TO_STAFF = Button("👩‍💼 Gặp cán bộ tư vấn", "menu:staff")


def contact_line(settings: Settings) -> str:
    """The way out that every fallback reply offers: the centre's phone and hours."""
    if settings.centre_phone:
        return (
            f"Cần người giúp? Gọi {settings.centre_name}: {settings.centre_phone} "
            f"({settings.centre_hours})."
        )
    return f"Cần người giúp? Bấm «Gặp cán bộ tư vấn» hoặc đến {settings.centre_name}."


def main_menu(ctx: Context, greeting: bool = False) -> Reply:
    name = f" {ctx.user.display_name}" if greeting and ctx.user.display_name else ""
    if greeting:
        text = (
            f"Xin chào{name}! Tôi là trợ lý tự động của {ctx.settings.centre_name}.\n"
            "Tôi giúp bạn tìm hiểu cách đi làm việc ở nước ngoài hợp pháp: chương trình, "
            "chi phí, vay vốn, doanh nghiệp được cấp phép.\n"
            "Bạn chọn một mục dưới đây, hoặc gõ câu hỏi (có dấu hay không dấu đều được)."
        )
    else:
        text = "Bạn muốn làm gì? Chọn một mục, hoặc gõ câu hỏi của bạn."
    return Reply(text, MENU_BUTTONS)


def help_reply(ctx: Context) -> Reply:
    return Reply(
        "Cách dùng:\n"
        "• Gõ câu hỏi, ví dụ: «đi Hàn Quốc cần điều kiện gì».\n"
        "• Bấm nút để chọn.\n"
        "• /menu: về menu chính.\n"
        "• /huy: dừng việc đang làm.\n" + contact_line(ctx.settings),
        MENU_BUTTONS,
    )


def cancelled(ctx: Context) -> Reply:
    return Reply("Đã dừng. Bạn có thể chọn việc khác.", MENU_BUTTONS)


def not_understood(ctx: Context, hint: str = "") -> Reply:
    """Fallback for input we cannot use (stickers, emoji, empty text)."""
    text = (
        hint
        or "Xin lỗi, tôi chưa hiểu tin nhắn này. Bạn hãy gõ câu hỏi bằng chữ, hoặc chọn một mục."
    )
    return Reply(text + "\n" + contact_line(ctx.settings), MENU_BUTTONS)
