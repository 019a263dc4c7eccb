"""A Telegram-style bot that answers voters from a signed smartvote bundle alone.

No server of the campaign is involved: the bot holds a copy of the bundle (a folder made
by ``smartvote publish``, or downloaded from any mirror), verifies it once against the
campaign's public key, and answers each message (a station number or a home address)
from the shards, in Russian, with race names and reasons in words.

    python docs/examples/bot.py site/ --public-key keys/sv.pub            # try it in a terminal
    TELEGRAM_TOKEN=123:abc python docs/examples/bot.py site/ --public-key keys/sv.pub

It keeps no log of who asked what. With ``TELEGRAM_TOKEN`` it long-polls the Telegram Bot
API (``getUpdates``/``sendMessage``) with the standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from smartvote.publish.continuity import verify_continuing
from smartvote.publish.verify import load_public_key
from smartvote.web.lookup import Finder


class Bot:
    """Verifies the bundle once, then turns a message into a reply (``reply``)."""

    def __init__(self, bundle: Path, public_key: Path | str) -> None:
        self.checked = verify_continuing(bundle, load_public_key(public_key))  # raises if forged
        man = json.loads((bundle / "manifest.json").read_bytes())
        shards = {r["shard"]: (bundle / r["shard"]).read_bytes() for r in man["regions"]}
        self.finder = Finder(shards, man["regions"])
        self.channels = man.get("channels") or []

    def reply(self, text: str) -> str:
        text = text.strip()
        if not text or text.startswith(("/start", "/help")):
            chans = "".join(f"\n• {c['name']}: {c['url']}" for c in self.channels)
            return (
                "Пришлите номер своего избирательного участка (например, 1004) или адрес "
                "дома (например, «Наличная 32 к2») — отвечу, за кого голосовать.\n"
                f"Ключ подписи: {self.checked['key_words']}"
                + (f"\nСверьте его:{chans}" if chans else "")
            )
        res = self.finder.find(text, "ru")
        if not res["stations"]:
            return "Не нашёл такой участок. Пришлите номер участка или улицу и номер дома."
        out = []
        if res["kind"] == "address" and not res["house_found"]:
            out.append("Дома с таким номером нет в списке; участки на этой улице:")
        for st in res["stations"][:5]:
            out.append(f"Участок № {st['number']} ({st['region']}): {st['address']}")
            for race in st["races"]:
                name = race["race_name"] or race["race"]
                who = race["endorsed"] or "рекомендации нет"
                party = f" ({race['party']})" if race.get("party") else ""
                out.append(f"  {name}: {who}{party}")
                out.extend(f"    {r}" for r in race["reasons"][:2])
        if res["total"] > 5:
            out.append(f"…и ещё {res['total'] - 5}. Уточните запрос.")
        return "\n".join(out)


def _call(token: str, method: str, **params: Any) -> Any:
    url = f"https://api.telegram.org/bot{token}/{method}"
    data = urllib.parse.urlencode(params).encode()
    with urllib.request.urlopen(url, data=data, timeout=70) as r:
        return json.loads(r.read())["result"]


def poll(bot: Bot, token: str) -> None:
    """Answer Telegram messages until interrupted (long polling, no webhook, no log)."""
    offset = 0
    while True:
        try:
            updates = _call(token, "getUpdates", offset=offset, timeout=60)
        except OSError:
            time.sleep(5)
            continue
        for u in updates:
            offset = u["update_id"] + 1
            msg = u.get("message") or {}
            if "text" in msg:
                _call(token, "sendMessage", chat_id=msg["chat"]["id"], text=bot.reply(msg["text"]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bundle", type=Path)
    ap.add_argument("--public-key", required=True)
    args = ap.parse_args()
    bot = Bot(args.bundle, args.public_key)
    token = os.environ.get("TELEGRAM_TOKEN")
    if token:
        poll(bot, token)
        return
    print(bot.reply("/start"))
    for line in sys.stdin:
        print(bot.reply(line))


if __name__ == "__main__":
    main()
