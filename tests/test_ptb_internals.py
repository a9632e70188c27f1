"""PTB's private names (bot/ptb_internals.py) still behave as the project uses them."""

from __future__ import annotations

import json

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.request import BaseRequest, RequestData

from bot.ptb_internals import DefaultValue, RequestParameter


def test_request_parameter_encodes_as_the_bot_api_expects() -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Đồng ý", callback_data="reg:x")]])
    data = RequestData(
        [
            RequestParameter.from_input("chat_id", 5001),
            RequestParameter.from_input("text", "Xin chào"),
            RequestParameter.from_input("reply_markup", markup),
        ]
    )
    sent = data.json_parameters  # what goes over the wire
    assert sent["chat_id"] == "5001" and sent["text"] == "Xin chào"
    assert json.loads(sent["reply_markup"])["inline_keyboard"][0][0]["text"] == "Đồng ý"
    assert not data.contains_files


def test_the_request_defaults_are_default_values() -> None:
    assert isinstance(BaseRequest.DEFAULT_NONE, DefaultValue)
