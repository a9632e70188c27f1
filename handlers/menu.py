"""The main menu, help, greetings, and the contact line every fallback carries.

The menu's buttons open features declared elsewhere; their actions are declared here so
that every feature can offer them (and this module imports no feature).
"""

from __future__ import annotations

from handlers.actions import Action
from handlers.context import Context
from handlers.types import Button, Reply
from settings import Settings


class MainMenu(Action, prefix="menu:main"):
    """Back to the main menu (leaves any running flow)."""


class OpenFaq(Action, prefix="menu:faq"):
    """The FAQ's topics."""


class OpenRegistration(Action, prefix="menu:register"):
    """The registration form (or the offer to continue a draft)."""


class OpenRecruiterCheck(Action, prefix="menu:recruiter"):
    """«Kiểm tra doanh nghiệp»."""


class OpenFeeCheck(Action, prefix="fee:start"):
    """The fee-cap calculator."""


class OpenJobFairs(Action, prefix="menu:fairs"):
    """Upcoming job fairs."""


class TalkToStaff(Action, prefix="menu:staff"):
    """A person: the hand-off."""


MENU_BUTTONS = (
    Button("❓ Hỏi đáp", OpenFaq().pack()),
    Button("📝 Đăng ký đi làm việc ở nước ngoài", OpenRegistration().pack()),
    Button("🔎 Kiểm tra doanh nghiệp", OpenRecruiterCheck().pack()),
    Button("💰 Tính tiền dịch vụ tối đa", OpenFeeCheck().pack()),
    Button("📅 Phiên giao dịch việc làm", OpenJobFairs().pack()),
    Button("👩‍💼 Gặp cán bộ tư vấn", TalkToStaff().pack()),
)

BACK_TO_MENU = Button("🏠 Về menu chính", MainMenu().pack())
TALK_TO_STAFF = Button("👩‍💼 Gặp cán bộ tư vấn", TalkToStaff().pack())


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


def help_reply(ctx: Context, commands: list[str]) -> Reply:
    """How to use the assistant; ``commands`` are the declared commands' help lines."""
    lines = [
        "Cách dùng:",
        "• Gõ câu hỏi, ví dụ: «đi Hàn Quốc cần điều kiện gì».",
        "• Bấm nút để chọn.",
        *(f"• {line}" for line in commands),
    ]
    return Reply("\n".join(lines) + "\n" + contact_line(ctx.settings), MENU_BUTTONS)


def cancelled(ctx: Context) -> Reply:
    return Reply("Đã dừng. Bạn có thể chọn việc khác.", MENU_BUTTONS)


def not_understood(ctx: Context, hint: str = "") -> Reply:
    """Fallback for input we cannot use (stickers, emoji, empty text)."""
    text = (
        hint
        or "Xin lỗi, tôi chưa hiểu tin nhắn này. Bạn hãy gõ câu hỏi bằng chữ, hoặc chọn một mục."
    )
    return Reply(text + "\n" + contact_line(ctx.settings), MENU_BUTTONS)
